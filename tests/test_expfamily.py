"""The exponential family of issue 4 (elu, selu, celu, softplus, log_sigmoid, silu, mish,
tanhshrink): special values, signed zeros, subnormals, tails, parameters (defaults,
broadcasting, validation), float16, and no floating-point warnings, on every kernel path.
Accuracy over many inputs: test_accuracy.py (mpmath table) and tools/accuracy_f*.py."""
import numpy as np
import pytest

import fastact

import arrays
from helpers import PATHS, call

NAMES = ("elu", "selu", "celu", "softplus", "log_sigmoid", "silu", "mish", "tanhshrink")
S, A = 1.0507009873554804934193349852946, 1.6732632423543772848170429916717
INF, NAN = np.inf, np.nan
# name: (f(-inf), f(+inf)), and whether f(-0.0) is -0.0 (else the value at 0)
LIMITS = {"elu": (-1.0, INF), "selu": (-1.7580993408473768, INF), "celu": (-1.0, INF),
          "softplus": (0.0, INF), "log_sigmoid": (-INF, -0.0), "silu": (-0.0, INF),
          "mish": (-0.0, INF), "tanhshrink": (-INF, INF)}
AT_ZERO = {"softplus": np.log(2.0), "log_sigmoid": -np.log(2.0)}


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", NAMES)
def test_special_values(name, dtype, path):
    x = np.array([-INF, INF, NAN, -NAN, -0.0, 0.0], dtype=dtype)
    with np.errstate(all="raise"):
        got = call(path, name, x)
    lo, hi = LIMITS[name]
    z = AT_ZERO.get(name)
    want = np.array([lo, hi, NAN, NAN, -0.0 if z is None else z, 0.0 if z is None else z],
                    dtype=dtype)
    arrays.assert_same(got, want)


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", NAMES)
def test_subnormals_and_tiny(name, dtype, path):
    fi = np.finfo(dtype)
    x = np.array([fi.smallest_subnormal, 7 * fi.smallest_subnormal, fi.smallest_normal,
                  np.sqrt(fi.smallest_normal), 1e-7], dtype=dtype)
    x = np.concatenate([x, -x])
    with np.errstate(all="raise"):
        got = call(path, name, x)
    slope = {"elu": 1.0, "selu": S, "celu": 1.0, "silu": 0.5, "mish": 0.6}
    if name in slope:  # f(x) = slope * x (1 + O(x))
        k = np.where((x < 0) & (name == "selu"), S * A, slope[name])  # selu: scale*alpha
        want = (x.astype(np.float64) * k).astype(dtype)
        keep = [0, 1, 2, 3, 5, 6, 7, 8]  # not 1e-7, where the next term counts
        assert np.all(arrays.ulp_distance(got[keep], want[keep]) <= 1), (got, want)
    elif name == "tanhshrink":  # x^3/3: 0 (with x's sign) for these, but 1e-7
        want = (x.astype(np.float64) ** 3 / 3).astype(dtype)
        arrays.assert_same(got[[0, 1, 2, 5, 6, 7]], want[[0, 1, 2, 5, 6, 7]])
    else:
        x2 = x.astype(np.float64) ** 2 / 8 * (1 if name == "softplus" else -1)
        assert np.all(np.abs(got - (AT_ZERO[name] + 0.5 * x + x2)) <= 2 * np.spacing(dtype(1)))


@pytest.mark.parametrize("path", PATHS)
def test_tails_float64(path):
    x = np.array([-30.0, -300.0, -700.0, -720.0, -740.0, -745.0, -800.0])
    e = np.exp(x.astype(np.longdouble))
    cases = {"silu": x * e / (1 + e), "mish": x * np.tanh(np.log1p(e)),
             "log_sigmoid": x - np.log1p(e), "softplus": np.log1p(e),
             "elu": np.expm1(x.astype(np.longdouble))}
    for name, want in cases.items():
        got = call(path, name, x)
        d = arrays.ulp_distance(got, want.astype(np.float64))
        assert d.max() <= 1, (name, path, got, want)
    # log_sigmoid's positive tail is -e^-x, subnormal then -0.0
    got = call(path, "log_sigmoid", np.array([40.0, 700.0, 740.0, 800.0]))
    want = -np.exp(-np.array([40.0, 700.0, 740.0, 800.0], dtype=np.longdouble))
    assert arrays.ulp_distance(got, want.astype(np.float64)).max() <= 1
    # softplus near the overflow threshold of e^x and at the PyTorch threshold
    x = np.array([19.99, 20.0, 20.01, 700.0, 709.7, 710.0, 1e300])
    got = call(path, "softplus", x)
    want = np.where(x > 20, x, np.logaddexp(0, x.astype(np.longdouble)))
    assert arrays.ulp_distance(got, want.astype(np.float64)).max() <= 1


def test_public_values():
    assert fastact.selu(np.float32(-1.0)) == np.float32(-1.1113307)
    assert fastact.selu(np.array([-10.0]))[0] == -1.758019523260787
    np.testing.assert_array_equal(fastact.celu(np.array([-11.0]), alpha=3.2411e17), [-11.0])
    np.testing.assert_array_equal(
        fastact.softplus(np.array([0.5, -1.0, 2.0]), beta=1e30, threshold=1e30), [0.5, 0, 2])
    np.testing.assert_array_equal(
        fastact.softplus(np.array([0.5, -1.0, 2.0], np.float32), beta=1e30, threshold=1e30),
        [0.5, 0, 2])
    assert fastact.softplus(np.float32(100.0)) == 100.0
    got = fastact.mish(np.array([INF, -INF]))
    arrays.assert_same(got, np.array([INF, -0.0]))


def test_parameters():
    x = np.array([-2.0, -0.5, 0.0, 1.0])
    np.testing.assert_allclose(fastact.elu(x, alpha=2.0), np.where(x > 0, x, 2 * np.expm1(x)),
                               rtol=1e-15)
    np.testing.assert_allclose(fastact.celu(x, alpha=0.5),
                               np.where(x > 0, x, 0.5 * np.expm1(x / 0.5)), rtol=1e-15)
    np.testing.assert_allclose(fastact.celu(x, alpha=-2.0),
                               np.where(x > 0, x, -2 * np.expm1(x / -2.0)), rtol=1e-15)
    np.testing.assert_allclose(fastact.softplus(x, beta=2.0, threshold=1.0),
                               np.where(2 * x > 1, x, np.logaddexp(0, 2 * x) / 2), rtol=1e-15)
    # negative beta: the same formula, a smooth min(x, 0)
    np.testing.assert_allclose(fastact.softplus(x, beta=-3.0),
                               np.logaddexp(0, -3 * x) / -3, rtol=1e-15)
    # broadcasting: one alpha per column
    al = np.array([0.5, 1.0, 2.0])
    xx = np.array([[-1.0], [-3.0]])
    np.testing.assert_allclose(fastact.elu(xx, alpha=al), al * np.expm1(xx), rtol=1e-15)
    np.testing.assert_allclose(fastact.softplus(xx, beta=al), np.logaddexp(0, al * xx) / al,
                               rtol=1e-15)


@pytest.mark.parametrize("path", PATHS)
def test_softplus_tiny_beta_gives_the_infinite_limit(path):
    # log(1 + e^(beta x))/beta -> log(2)/beta: beyond the largest float it is +-inf (the
    # sign of beta), not inf - inf = NaN from the division's correction; a float32 beta
    # that rounds to +-0 takes the same limit
    x = np.array([1.0, 2.0, -1.0, 0.0])
    with np.errstate(all="raise"):
        got = call(path, "softplus", x, np.float64(1e-310), np.float64(20.0))
        np.testing.assert_array_equal(got, [INF] * 4)
        got = call(path, "softplus", x, np.float64(-1e-320), np.float64(20.0))
        np.testing.assert_array_equal(got, [-INF] * 4)
        x32 = x.astype(np.float32)
        got = call(path, "softplus", x32, np.float32(1e-44), np.float32(20.0))
        np.testing.assert_array_equal(got, np.float32([INF] * 4))
        got = call(path, "softplus", x32, np.float32(0.0), np.float32(20.0))
        np.testing.assert_array_equal(got, np.float32([INF] * 4))
    # beta = +inf: relu's limit below 0 (PyTorch: the same), x above the threshold
    with np.errstate(all="raise"):
        got = call(path, "softplus", np.array([-2.0, -1e-300, 1.0, 3.0]), np.float64(INF),
                   np.float64(20.0))
    arrays.assert_same(got, np.array([0.0, 0.0, 1.0, 3.0]))
    # not yet overflowing: still the corrected quotient
    got = fastact.softplus(x, beta=1e-300)
    np.testing.assert_allclose(got, np.log(2) / 1e-300 + x / 2, rtol=1e-15)


@pytest.mark.parametrize("name, kwargs, pname", [
    ("celu", {"alpha": 0.0}, "alpha"), ("celu", {"alpha": np.array([1.0, 0.0])}, "alpha"),
    ("softplus", {"beta": 0.0}, "beta"), ("softplus", {"beta": NAN}, "beta"),
    ("softplus", {"threshold": NAN}, "threshold"), ("elu", {"alpha": NAN}, "alpha")])
def test_invalid_parameters(name, kwargs, pname):
    x = np.array([-1.0, 1.0])
    out = np.full(2, 7.0)
    with pytest.raises(ValueError, match=pname):
        getattr(fastact, name)(x, out=out, **kwargs)
    np.testing.assert_array_equal(out, [7.0, 7.0])


@pytest.mark.parametrize("name", NAMES)
def test_float16(name):
    x = np.array([-20.0, -3.0, -1.0, -0.01, 0.0, 0.5, 2.0, 15.0, 60000.0, -INF, INF, NAN],
                 dtype=np.float16)
    f = getattr(fastact, name)
    with np.errstate(all="raise"):
        got = f(x)
    assert got.dtype == np.float16
    want = f(x.astype(np.float32)).astype(np.float16)  # float32 result rounded once
    d = arrays.ulp_distance(got, want)
    assert d.max() <= 1, (name, got, want)


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("name", NAMES)
def test_odd_and_monotone_shapes(name, path):
    x = np.linspace(-50, 50, 20001)
    with np.errstate(all="raise"):
        y = call(path, name, x)
    if name == "tanhshrink":
        arrays.assert_same(call(path, name, -x), -y)
    if name in ("elu", "selu", "celu", "softplus", "log_sigmoid", "tanhshrink"):
        assert np.all(np.diff(y) >= 0), name


@pytest.mark.parametrize("path", PATHS)
def test_tanhshrink_float32_lanes_mixing_small_table_and_big(path):
    # AVX-512: tanhshrink's block takes |x| < 0.078125 from a^3 P(a^2) (computed only for
    # vectors holding such a lane), 0.078125 .. 16 from its table and 16 up from |x| - 1;
    # each element alone gives the same bits, and each is within 1 ulp of x - tanh x
    # (float64, by its series below 0.1)
    base = np.array([0.078125, 0.07812499, 0.0781251, 1e-3, 2e-9, 9.3e-10, 9.4e-10, 1e-15,
                     8.9e-16, 8.8e-16, 1e-40, 0.0, 0.6, 1.0, 15.999999, 16.0, 16.000002,
                     1e10, 3e38, np.inf, np.nan, 0.3, 5.0], dtype=np.float32)
    base = np.concatenate([base, -base])
    rng = np.random.default_rng(8)
    x = np.concatenate([base, rng.permutation(np.tile(base, 9))])
    with np.errstate(all="raise"):
        got = call(path, "tanhshrink", x)
        alone = np.concatenate([call(path, "tanhshrink", x[i:i + 1]) for i in range(x.size)])
    arrays.assert_same(got, alone)
    a = x.astype(np.float64)
    with np.errstate(over="ignore", invalid="ignore"):  # the series' unused side; inf - 1
        series = a**3 * (1 / 3 - a**2 * (2 / 15 - a**2 * (17 / 315 - a**2 * 62 / 2835)))
        want = np.where(np.abs(a) < 0.1, series, a - np.tanh(a)).astype(np.float32)
    assert np.all(arrays.ulp_distance(got, want) <= 1), (x, got, want)
