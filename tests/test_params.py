"""The elementwise functions with parameters and the piecewise activations: values from
their definitions, PyTorch's defaults, broadcasting of parameters (per element, per
channel), NEP 50 dtypes, validation before anything is written, NaN / signed zeros /
no FP warnings on every kernel path, and the float16 conversion."""
import inspect

import numpy as np
import pytest

import fastact
from fastact._registry import ACTIVATIONS, BY_NAME, UNARY

import arrays
from helpers import PARAMS, PATHS, call, kernels

PARAM_NAMES = tuple(a.name for a in ACTIVATIONS if a.params)
PIECEWISE = ("identity", "step", "relu", "relu6", "leaky_relu", "prelu", "frelu",
             "hardtanh", "hardsigmoid", "hardswish", "hardshrink", "softshrink", "threshold")
# never -0.0 for a negative or -0.0 input
RECTIFIERS = ("relu", "relu6", "leaky_relu", "prelu", "frelu", "hardsigmoid", "hardswish",
              "hardshrink", "softshrink", "step")


def ref(name, x, *p):
    """The definitions, in exact rational reasoning where the result is exact; float64
    numpy otherwise (inputs here are float64 or narrower, results compared in dtype)."""
    x = np.asarray(x, dtype=np.float64)
    p = p or PARAMS[name]
    w = np.where
    with np.errstate(all="ignore"):
        if name == "identity":
            return x
        if name == "step":
            return w(x > 0, 1.0, w(x < 0, 0.0, w(x == 0, p[0], x)))
        if name == "relu":
            return w(x <= 0, 0.0, x)
        if name == "relu6":
            return w(x <= 0, 0.0, w(x >= 6, 6.0, x))
        if name in ("leaky_relu", "prelu"):
            return w(x > 0, x, p[0] * x) + 0.0
        if name == "frelu":
            return w(x <= 0, 0.0, x) + p[0]
        if name == "hardtanh":
            return w(x < p[0], p[0], w(x > p[1], p[1], x))
        if name == "hardsigmoid":
            return w(x <= -3, 0.0, w(x >= 3, 1.0, (x + 3) / 6))
        if name == "hardswish":
            return w(x <= -3, 0.0, w(x >= 3, x, x * (x + 3) / 6))
        if name == "hardshrink":
            return w(np.abs(x) <= p[0], 0.0, x)
        if name == "softshrink":
            return w(np.abs(x) <= p[0], 0.0, w(x > p[0], x - p[0], x + p[0]))
        if name == "threshold":
            return w(x <= p[0], p[1], x)
    raise KeyError(name)


def edge(dtype):
    fi = np.finfo(dtype)
    v = np.array([0.0, fi.smallest_subnormal, fi.smallest_normal, 0.25, 0.5, 1.0, 2.5, 3.0,
                  5.999, 6.0, 6.5, 7.0, 100.0, fi.max, np.inf], dtype=dtype)
    with np.errstate(over="ignore"):
        v = np.concatenate([v, np.nextafter(v, dtype(0)), np.nextafter(v, dtype(np.inf))])
    v = np.concatenate([v, -v, np.array([np.nan, -np.nan, -3.0, 3.0, -6.0], dtype=dtype)])
    return v


# ------------------------------------------------------------------ values
@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", PIECEWISE)
def test_values_and_specials_every_path(name, dtype, path):
    x = np.concatenate([edge(dtype), np.linspace(-8, 8, 321).astype(dtype)])
    with np.errstate(all="raise"):
        got = call(path, name, x)
        strided = call(path, name, np.repeat(x, 2)[::2])
    assert got.dtype == dtype
    want = ref(name, x.astype(np.float64)).astype(dtype)
    d = arrays.ulp_distance(got, want)
    # the float64 references of the two functions that divide by 6 are themselves rounded
    # two or three times (the mpmath table in test_accuracy holds them to the budget)
    tol = 2 if dtype == np.float64 and name in ("hardsigmoid", "hardswish") else 1
    assert d.max() <= tol, (name, x[np.argmax(d)], got[np.argmax(d)], want[np.argmax(d)])
    assert np.array_equal(np.isnan(got), np.isnan(x)), name  # NaN in -> NaN out, only
    arrays.assert_same(strided, got)
    if name in RECTIFIERS:
        neg = (x < 0) | ((x == 0) & np.signbit(x))
        zero = got[neg] == 0
        assert not np.any(np.signbit(got[neg][zero])), name


def test_public_values():
    assert fastact.hardsigmoid(np.float32(1.0)) == np.float32(0.6666667)
    assert fastact.hardsigmoid(np.float32(-2.5)) == np.float32(0.083333336)
    assert fastact.hardswish(-3.0) == 0 and fastact.hardswish(3.0) == 3.0
    assert not np.signbit(fastact.hardswish(-4.0))
    assert fastact.relu(-0.0) == 0 and not np.signbit(fastact.relu(-0.0))
    assert np.signbit(fastact.identity(-0.0))
    np.testing.assert_array_equal(fastact.leaky_relu(np.array([-1.0, 1.0]), 2.0), [-2.0, 1.0])
    np.testing.assert_array_equal(fastact.leaky_relu(np.array([-1.0, 1.0]), -0.5), [0.5, 1.0])
    np.testing.assert_array_equal(fastact.step(np.array([np.nan, -2, 0, -0.0, 2])),
                                  [np.nan, 0, 1, 1, 1])
    np.testing.assert_array_equal(fastact.step(np.array([-0.0, 0.0]), at_zero=0.5), [0.5, 0.5])
    np.testing.assert_array_equal(fastact.threshold(np.array([np.nan, 1.0, 0.5]), 0.5, 9.0),
                                  [np.nan, 1.0, 9.0])
    np.testing.assert_array_equal(fastact.hardtanh(np.array([-5.0, 5.0]), -2.0, 3.0), [-2, 3])
    np.testing.assert_array_equal(fastact.softshrink(np.array([-1.0, 0.3, 1.0]), 0.25),
                                  [-0.75, 0.3 - 0.25, 0.75])


@pytest.mark.parametrize("path", PATHS)
def test_hardsigmoid_hardswish_within_one_ulp_float32(path):
    # a dense float32 sweep over [-3.5, 3.5] (where they are not constant), against the
    # exact rational value (x + 3) / 6 computed in float64 (exact enough: 2^-53 relative)
    x = (np.arange(-3.5, 3.5, 1e-5) + np.random.default_rng(4).uniform(0, 1e-5, 700_000)
         ).astype(np.float32)
    for name in ("hardsigmoid", "hardswish"):
        got = call(path, name, x)
        d = arrays.ulp_distance(got, ref(name, x).astype(np.float32))
        assert d.max() <= 1, (name, path, x[np.argmax(d)])


# ------------------------------------------------------------------ wrappers
@pytest.mark.parametrize("name", PARAM_NAMES)
def test_wrapper_signature_has_pytorch_defaults(name):
    act = BY_NAME[name]
    f = getattr(fastact, name)
    assert isinstance(f.ufunc, np.ufunc) and f.ufunc.nin == 1 + len(act.params)
    sig = inspect.signature(f)
    for p, d in act.params:
        want = inspect.Parameter.empty if d is None else d
        assert sig.parameters[p].default == want
    assert sig.parameters["out"].kind == inspect.Parameter.KEYWORD_ONLY


def test_defaults_are_pytorchs():
    sig = lambda n: {k: v.default for k, v in inspect.signature(getattr(fastact, n)).parameters.items()}  # noqa: E501,E731
    assert sig("leaky_relu")["negative_slope"] == 0.01
    assert (sig("hardtanh")["min_val"], sig("hardtanh")["max_val"]) == (-1.0, 1.0)
    assert sig("hardshrink")["lambd"] == 0.5 and sig("softshrink")["lambd"] == 0.5
    assert sig("step")["at_zero"] == 1.0
    for name in ("relu", "relu6", "identity", "hardsigmoid", "hardswish"):
        assert isinstance(getattr(fastact, name), np.ufunc)


@pytest.mark.parametrize("name", PARAM_NAMES)
def test_python_float_param_keeps_float32(name):
    x = np.linspace(-4, 4, 9, dtype=np.float32)
    got = getattr(fastact, name)(x, *(float(v) for v in PARAMS[name]))
    assert got.dtype == np.float32
    got16 = getattr(fastact, name)(x.astype(np.float16), *PARAMS[name])
    assert got16.dtype == np.float16
    # the raw ufunc too (NEP 50: Python scalars are weak)
    assert getattr(fastact, name).ufunc(x, *PARAMS[name]).dtype == np.float32
    # a float64 array parameter promotes, as NumPy does
    p64 = [np.float64(v) * np.ones(1) for v in PARAMS[name]]
    assert getattr(fastact, name).ufunc(x, *p64).dtype == np.float64


def test_positional_and_keyword_and_errors():
    x = np.array([-2.0, 2.0])
    arrays.assert_same(fastact.leaky_relu(x, 0.5), fastact.leaky_relu(x, negative_slope=0.5))
    with pytest.raises(TypeError, match="leaky_relu"):
        fastact.leaky_relu(x, 0.5, negative_slope=0.5)
    with pytest.raises(TypeError, match="slope"):
        fastact.leaky_relu(x, slope=0.5)
    with pytest.raises(TypeError, match="threshold"):
        fastact.threshold(x, 0.5)
    with pytest.raises(TypeError, match="weight"):
        fastact.prelu(x)
    with pytest.raises(TypeError, match="negative_slope"):
        fastact.leaky_relu(x, "a")
    with pytest.raises(TypeError, match="at most"):
        fastact.leaky_relu(x, 0.5, 0.5)
    assert fastact.leaky_relu(x, 0.5, dtype=np.float32).dtype == np.float32


BAD = [("leaky_relu", {"negative_slope": np.nan}, "negative_slope"),
       ("leaky_relu", {"negative_slope": np.array([0.1, np.nan])}, "negative_slope"),
       ("hardtanh", {"min_val": 2.0, "max_val": 1.0}, "min_val"),
       ("hardtanh", {"min_val": np.array([0.0, 3.0])}, "min_val"),
       ("hardtanh", {"max_val": np.float32(np.nan)}, "max_val"),
       ("hardshrink", {"lambd": -0.1}, "lambd"),
       ("softshrink", {"lambd": np.array([0.5, -1.0])}, "lambd"),
       ("step", {"at_zero": float("nan")}, "at_zero"),
       ("prelu", {"weight": np.nan}, "weight"),
       ("frelu", {"bias": [0.0, np.nan]}, "bias"),
       ("threshold", {"threshold": np.nan, "value": 0.0}, "threshold"),
       ("threshold", {"threshold": 0.0, "value": np.nan}, "value")]


@pytest.mark.parametrize("name, kw, pname", BAD, ids=[f"{b[0]}-{b[2]}" for b in BAD])
def test_invalid_param_raises_naming_it_and_writes_nothing(name, kw, pname):
    x = np.linspace(-3, 3, 2 * 4).reshape(4, 2)
    out = np.full(x.shape, 777.0)
    kw = dict(kw)
    for p, v in zip(BY_NAME[name].params, PARAMS[name]):
        kw.setdefault(p[0], v)
    with pytest.raises(ValueError) as info:
        getattr(fastact, name)(x, out=out, **kw)
    assert name in str(info.value) and pname in str(info.value)
    assert np.all(out == 777.0)


# ------------------------------------------------------------------ broadcasting
@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_per_element_params_broadcast(path, dtype):
    rng = np.random.default_rng(0)
    x = (rng.standard_normal((5, 300)) * 4).astype(dtype)
    slope = rng.uniform(-2, 2, size=(5, 300))
    lo = rng.uniform(-2, 0, size=(5, 1))
    hi = rng.uniform(0, 2, size=300)
    pdt = np.float32 if dtype == np.float16 else dtype
    comp = np.float32 if dtype == np.float16 else dtype
    for name, ps in (("leaky_relu", (slope,)), ("hardtanh", (lo, hi)),
                     ("threshold", (lo, hi)), ("softshrink", (np.abs(slope),))):
        ps = [p.astype(pdt) for p in ps]
        got = call(path, name, x, *ps)
        assert got.dtype == dtype
        want = ref(name, x.astype(comp), *ps).astype(comp).astype(dtype)
        assert arrays.ulp_distance(got, want).max() <= 1, name
        # strided x and parameters: the buffered path gives the same bits
        got_s = call(path, name, np.asfortranarray(x), *[np.asfortranarray(
            np.broadcast_to(p, x.shape)) for p in ps])
        arrays.assert_same(got_s, got)


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", PARAM_NAMES)
def test_params_as_arrays_give_the_scalar_bits(name, dtype, path):
    # The same parameter values passed as a broadcast scalar (stride 0), as a full array
    # of copies (one value per element: what older NumPy's buffering hands the loop) or
    # strided: the same bits, whichever kernel serves the scalar case (softplus beta = 1).
    x = arrays.values((4, 257), dtype, seed=3)
    ps = [dtype(p) for p in PARAMS[name]]
    want = call(path, name, x, *ps)
    full = [np.full(x.shape, p) for p in ps]
    arrays.assert_same(call(path, name, x, *full), want)
    arrays.assert_same(call(path, name, x.T.copy().T, *[np.asfortranarray(f) for f in full]),
                       want)
    y = x.copy()  # in place, parameters per element
    call(path, name, y, *full, out=y)
    arrays.assert_same(y, want)


@pytest.mark.parametrize("name", ("prelu", "frelu"))
def test_per_channel_axis_1(name):
    rng = np.random.default_rng(1)
    x = rng.standard_normal((2, 3, 4, 5))
    w = np.array([0.1, -0.5, 2.0])
    got = getattr(fastact, name)(x, w)
    want = ref(name, x, w[None, :, None, None])
    arrays.assert_same(got, want)
    # 2-D (N, C)
    arrays.assert_same(getattr(fastact, name)(x[:, :, 0, 0], w), ref(name, x[:, :, 0, 0], w))
    # scalar and size-1 weights apply everywhere
    arrays.assert_same(getattr(fastact, name)(x, 0.25), ref(name, x, 0.25))
    arrays.assert_same(getattr(fastact, name)(x, np.array([0.25])), ref(name, x, 0.25))
    # 1-D x: a weight of the same length is elementwise
    arrays.assert_same(getattr(fastact, name)(x[0, 0, 0], np.arange(5.0)),
                       ref(name, x[0, 0, 0], np.arange(5.0)))
    with pytest.raises(ValueError, match="channels"):
        getattr(fastact, name)(x, np.ones(4))
    # the raw ufunc broadcasts as NumPy does (last axis)
    assert getattr(fastact, name).ufunc(x, np.ones(5)).shape == x.shape


def test_prelu_matches_torch_layout_example():
    x = np.array([[[-1.0, 1.0]], [[-2.0, 2.0]]]).transpose(0, 2, 1)  # (N=2, C=2, L=1)
    got = fastact.prelu(x, np.array([0.5, 0.25]))
    np.testing.assert_array_equal(got[:, 0, 0], [-0.5, -1.0])
    np.testing.assert_array_equal(got[:, 1, 0], [1.0, 2.0])


# ------------------------------------------------------------------ out= and where=
@pytest.mark.parametrize("name", PARAM_NAMES)
def test_out_and_where(name):
    x = np.linspace(-4, 4, 40)
    want = getattr(fastact, name)(x, *PARAMS[name])
    out = np.full(40, -9.0)
    res = getattr(fastact, name)(x, *PARAMS[name], out=out)
    assert res is out
    arrays.assert_same(out, want)
    mask = np.arange(40) % 3 != 0
    out = np.full(40, -9.0)
    getattr(fastact, name)(x, *PARAMS[name], out=out, where=mask)
    arrays.assert_same(out[mask], want[mask])
    assert np.all(out[~mask] == -9.0)
    out32 = np.full(40, -9.0, dtype=np.float32)
    getattr(fastact, name)(x.astype(np.float32), *PARAMS[name], out=out32)
    arrays.assert_same(out32, getattr(fastact, name)(x.astype(np.float32), *PARAMS[name]))


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("name", PIECEWISE)
def test_large_threaded_calls_match_small(name, path):
    x = np.random.default_rng(2).standard_normal(200_003).astype(np.float32) * 5
    got = call(path, name, x)
    for lo in (0, 65536, 200_000):
        arrays.assert_same(got[lo:lo + 3], call(path, name, x[lo:lo + 3].copy()))
    h = x.astype(np.float16)
    arrays.assert_same(call(path, name, h), call(path, name, h.astype(np.float32))
                       .astype(np.float16))


# ------------------------------------------------------------------ float16
def test_half_to_float_exhaustive():
    h = np.arange(1 << 16, dtype=np.uint32).astype(np.uint16).view(np.float16)
    for path in PATHS:
        got = call(path, "identity", h)
        assert got.dtype == np.float16
        # exact round trip, NaN payloads and signs included
        assert np.array_equal(got.view(np.uint16)[~np.isnan(h)], h.view(np.uint16)[~np.isnan(h)])
        assert np.all(np.isnan(got[np.isnan(h)]))
        # and float16 -> float32 agrees with NumPy: frelu(h, 0) in float32 is h exactly
        # (NaN aside); checked through the float32 output of a float32 parameter array
    x32 = fastact.frelu.ufunc(h, np.float32(0.0), dtype=np.float32, casting="unsafe")
    ok = ~np.isnan(h) & (h > 0)
    assert np.array_equal(x32[ok], h[ok].astype(np.float32))


@pytest.mark.parametrize("path", PATHS)
def test_float_to_half_rounding(path):
    # frelu(+0 as float16, b as float32) = b computed in float32 and rounded once to
    # float16: it must be np.float16(b) for every b: halfway cases (ties to even), both
    # sides of each, subnormals, the overflow edge 65504 / 65520, inf and NaN.
    h = np.arange(0, 0x7c00, dtype=np.uint32).astype(np.uint16).view(np.float16)
    h32 = h.astype(np.float32)
    with np.errstate(over="ignore"):
        nxt = np.nextafter(h, np.float16(np.inf)).astype(np.float32)
    mid = (h32.astype(np.float64) + nxt) / 2
    mid = mid.astype(np.float32)  # exact: halfway points are float32 numbers
    b = np.concatenate([h32, mid, np.nextafter(mid, np.float32(0)),
                        np.nextafter(mid, np.float32(np.inf)),
                        np.array([65504, 65519.996, 65520, 1e5, 3e38, np.inf, np.nan,
                                  2.0**-25, 2.0**-26, 1.5 * 2.0**-25, 2.0**-24, 1e-40],
                                 dtype=np.float32)])
    rng = np.random.default_rng(3)
    rnd = rng.integers(0, 1 << 32, size=1 << 20, dtype=np.uint64).astype(np.uint32).view(
        np.float32)
    b = np.concatenate([b, rnd])
    b = np.concatenate([b, -b])
    zero = np.zeros(b.size, dtype=np.float16)
    with np.errstate(all="raise"):
        got = call(path, "frelu", zero, b)
    assert got.dtype == np.float16
    with np.errstate(all="ignore"):
        want = b.astype(np.float16)
    nan = np.isnan(b)
    # frelu adds relu(0) = +0.0 to b: b = -0.0 becomes +0.0, as in float32 (a tiny
    # negative b still rounds to float16 -0.0)
    want = np.where(b == 0, np.float16(0), want)
    assert np.array_equal(got[~nan].view(np.uint16), want[~nan].view(np.uint16))
    assert np.all(np.isnan(got[nan]))


def test_readme_and_docs_say_float16_stays():
    assert "float16 -> float16" in fastact.relu.__doc__
    assert "float16" in fastact.leaky_relu.__doc__
