"""gelu (both forms), glu and softmin: tails, special values, dtypes, layouts, the
wrappers' keyword and axis handling, and softmin = softmax(-x)."""
import numpy as np
import pytest

import fastact
from fastact import _ufuncs
from fastact._registry import ROWWISE

import arrays
from helpers import PATHS, call, kernels

try:  # NumPy >= 1.25
    from numpy.exceptions import AxisError
except ImportError:  # pragma: no cover - NumPy 1.23 / 1.24
    from numpy import AxisError

FORMS = ("none", "tanh")
KERNEL = {"none": "gelu", "tanh": "gelu_tanh"}


def _mp_gelu(x, form):
    """Exact gelu rounded to x's dtype (mpmath, 60 digits)."""
    mpmath = pytest.importorskip("mpmath")
    out = []
    with mpmath.workdps(60):
        for v in np.asarray(x, dtype=np.float64):
            m = mpmath.mpf(float(v))
            if form == "none":
                y = m * mpmath.ncdf(m)
            else:  # x sigmoid(2u), the same function as 0.5 x (1 + tanh u) without cancellation
                u = mpmath.sqrt(2 / mpmath.pi) * (m + mpmath.mpf("0.044715") * m**3)
                y = m / (1 + mpmath.exp(-2 * u))
            out.append(float(y) if abs(y) > mpmath.mpf(2) ** -1100 else -0.0)
    return np.array(out).astype(np.asarray(x).dtype)


# ------------------------------------------------------------------ gelu
@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("dtype", arrays.FLOAT_DTYPES)
def test_gelu_negative_tail_to_the_underflow(path, form, dtype):
    # the whole tail down to where the result rounds to -0.0, subnormals included
    lo = {("none", np.float64): -39.0, ("none", np.float32): -14.5,
          ("tanh", np.float64): -21.7, ("tanh", np.float32): -11.0}[form, dtype]
    x = np.linspace(lo, -0.5, 600).astype(dtype)
    got = call(path, KERNEL[form], x)
    want = _mp_gelu(x, form)
    assert (want[:3] == 0).all() and (want[-200:] < 0).all()  # the grid reaches the underflow
    assert ((want != 0) & (np.abs(want) < np.finfo(dtype).smallest_normal)).any()  # subnormals
    d = arrays.ulp_distance(got, want)
    assert d.max() <= 2, (x[np.argmax(d)], got[np.argmax(d)], want[np.argmax(d)])
    assert np.all(np.signbit(got))  # negative, or -0.0 past the underflow
    far = call(path, KERNEL[form], np.array([lo - 5, -1e10, -np.finfo(dtype).max], dtype))
    assert np.all(far == 0) and np.all(np.signbit(far))


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("dtype", arrays.FLOAT_DTYPES)
def test_gelu_special_values(path, form, dtype):
    fi = np.finfo(dtype)
    x = np.array([np.inf, -np.inf, np.nan, 0.0, -0.0, fi.max, fi.smallest_subnormal,
                  -fi.smallest_subnormal, 3 * fi.smallest_subnormal, fi.smallest_normal,
                  -fi.smallest_normal, 1e-30], dtype=dtype)
    with np.errstate(all="raise"):
        y = call(path, KERNEL[form], x)
    assert y.dtype == dtype
    assert y[0] == np.inf
    assert y[1] == 0 and np.signbit(y[1])  # gelu(-inf) = -0.0, the limit
    assert np.isnan(y[2])
    assert y[3] == 0 and not np.signbit(y[3])
    assert y[4] == 0 and np.signbit(y[4])
    assert y[5] == fi.max  # gelu(x) = x far right
    # tiny x: gelu(x) = x/2 (+ x^2 / sqrt(2 pi), far below an ulp), rounded to even
    arrays.assert_same(y[6:], (x[6:].astype(np.float64) / 2).astype(dtype))
    assert y[6] == 0 and not np.signbit(y[6]) and y[7] == 0 and np.signbit(y[7])
    assert y[8] == 2 * fi.smallest_subnormal  # 1.5 subnormal ulps rounds to even: 2


def test_gelu_float16_is_float32_rounded_once():
    h = np.arange(1 << 16, dtype=np.uint32).astype(np.uint16).view(np.float16)
    for form in FORMS:
        got = fastact.gelu(h, approximate=form)
        assert got.dtype == np.float16
        arrays.assert_same(got, fastact.gelu(h.astype(np.float32), approximate=form)
                           .astype(np.float16))


@pytest.mark.parametrize("form", FORMS)
def test_gelu_dtypes_and_layouts(form):
    n = 0
    for label, x in arrays.arrays(arrays.ALL_REAL_DTYPES, shapes=((7,), (4, 5), (2, 3, 4))):
        got = fastact.gelu(x, approximate=form)
        arrays.assert_same(got, fastact.gelu(np.ascontiguousarray(x), approximate=form))
        n += 1
    assert n > 100


@pytest.mark.parametrize("bad", ["Tanh", "exact", "", None, True, 1, b"tanh"], ids=repr)
def test_gelu_approximate_validated_before_anything_runs(bad):
    x = np.linspace(-2, 2, 5)
    out = np.full(5, 7.0)
    with pytest.raises(ValueError, match=r"gelu.*approximate.*'none' or 'tanh'"):
        fastact.gelu(x, approximate=bad, out=out)
    assert np.all(out == 7.0)
    with pytest.raises(ValueError, match="approximate"):
        fastact.gelu(x, bad)
    with pytest.raises(TypeError, match="multiple values"):
        fastact.gelu(x, "tanh", approximate="tanh")
    with pytest.raises(TypeError, match="unexpected keyword"):
        fastact.gelu(x, approx="tanh")


def test_gelu_known_values():
    x = np.array([1.0, -3.0, 2.0, -0.25])
    for form in FORMS:
        assert arrays.ulp_distance(fastact.gelu(x, approximate=form), _mp_gelu(x, form)).max() <= 1
    arrays.assert_same(fastact.gelu(x[:2]).round(8), np.array([0.84134475, -0.00404969]))


# ------------------------------------------------------------------ glu
@pytest.mark.parametrize("path", PATHS)
def test_glu_float64_subnormal_gate_tail(path):
    # sigmoid(b) subnormal, |a| large: the product must be rounded once (was 360 ulp off
    # when sigmoid(b) was rounded to a subnormal first); values from mpmath
    a = np.array([1e3, -1e3, 1e300, 3.0, 1e10, 1.7e308, -1.7e308])
    b = np.array([-725.5, -725.5, -740.0, -710.0, -730.25, -1.04, -1.04])
    want = np.array([8.3052627997e-313, -8.3052627997e-313, 4.1887398800480493e-22,
                     1.342885867702539e-308, 7.18546023249463e-308,
                     1.7e308 / (1 + np.exp(1.04)), -1.7e308 / (1 + np.exp(1.04))])
    with np.errstate(all="raise"):
        got = call(path, "glu", a, b)
    assert arrays.ulp_distance(got, want).max() <= 2, got
    # sigmoid(b) itself rounds to 0 (b < -745.13, -inf): a * 0, as a * sigmoid(b) in floats
    z = call(path, "glu", np.array([1e300, -2.0, np.inf, 5.0]),
             np.array([-800.0, -np.inf, -np.inf, -np.inf]))
    assert z[0] == 0 and not np.signbit(z[0]) and z[1] == 0 and np.signbit(z[1])
    assert np.isnan(z[2]) and z[3] == 0


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("dtype", arrays.FLOAT_DTYPES)
def test_glu_special_values(path, dtype):
    a = np.array([np.nan, 1.0, np.inf, -np.inf, -0.0, 0.0, 2.0, -2.0, np.inf], dtype)
    b = np.array([0.0, np.nan, 0.0, 0.0, 5.0, -5.0, np.inf, -np.inf, np.inf], dtype)
    with np.errstate(all="raise"):
        y = call(path, "glu", a, b)
    assert y.dtype == dtype
    assert np.isnan(y[0]) and np.isnan(y[1])
    assert y[2] == np.inf and y[3] == -np.inf  # inf * sigmoid(0) = inf / 2
    assert y[4] == 0 and np.signbit(y[4]) and y[5] == 0 and not np.signbit(y[5])
    assert y[6] == 2.0 and y[7] == 0 and np.signbit(y[7]) and y[8] == np.inf
    z = call(path, "glu", np.array([0.0, -0.0, np.nan], dtype), np.array([np.nan] * 2 + [-np.inf], dtype))
    assert np.isnan(z).all()  # NaN in either half, also 0 * NaN and NaN * 0


def test_glu_float16_and_ints():
    rng = np.random.default_rng(3)
    h = (rng.standard_normal((5, 64)) * 8).astype(np.float16)
    got = fastact.glu(h)
    assert got.dtype == np.float16
    arrays.assert_same(got, fastact.glu(h.astype(np.float32)).astype(np.float16))
    i = np.arange(-8, 8, dtype=np.int16).reshape(2, 8)
    arrays.assert_same(fastact.glu(i), fastact.glu(i.astype(np.float64)))


@pytest.mark.parametrize("axis", [0, 1, 2, -1, -2, -3])
def test_glu_axis_and_layouts(axis):
    n = 0
    for label, x in arrays.arrays(arrays.ALL_REAL_DTYPES, shapes=((4, 6, 2), (2, 2, 8))):
        got = fastact.glu(x, axis=axis)
        c = np.ascontiguousarray(x)
        a, b = np.split(c, 2, axis=axis)
        arrays.assert_same(got, fastact.glu.ufunc(a, b))
        assert got.shape[axis] == x.shape[axis] // 2
        n += 1
    assert n > 50
    x = np.arange(-6.0, 6.0).reshape(2, 6)
    arrays.assert_same(fastact.glu(x, axis=np.int64(1)), fastact.glu(x))


@pytest.mark.parametrize("shape, axis", [((3,), 0), ((2, 5), -1), ((3, 4), 0), ((4, 2, 7), 2)])
def test_glu_odd_length_raises_naming_function_and_axis(shape, axis):
    x = np.ones(shape)
    good = list(shape)
    good[axis] //= 2
    out = np.full(good, 9.0)
    with pytest.raises(ValueError, match=rf"glu.*axis {axis % len(shape)}.*even"):
        fastact.glu(x, axis=axis, out=out)
    assert np.all(out == 9.0)


def test_glu_out_and_0d():
    x = np.arange(-4.0, 4.0).reshape(2, 4)
    out = np.full((2, 2), 3.0)
    res = fastact.glu(x, out=out)
    assert res is out
    arrays.assert_same(out, fastact.glu(x))
    bad = np.full((2, 4), 3.0)
    with pytest.raises(ValueError, match=r"glu.*\(2, 2\)"):
        fastact.glu(x, out=bad)
    assert np.all(bad == 3.0)
    with pytest.raises(ValueError, match="glu.*0-d"):
        fastact.glu(1.0)
    with pytest.raises(AxisError):
        fastact.glu(x, axis=2)


GLU_SHAPES = [((10,), 0), ((7, 10), -1), ((8, 7), 0), ((4, 8, 6), 0), ((3, 8, 5), 1),
              ((4, 8, 6), 2), ((300, 1000), -1), ((1000, 300), 0)]  # last two: threaded


def _glu_input(shape, dtype, seed):
    x = arrays.values(shape, dtype, seed=seed) * 8
    flat = x.reshape(-1)
    flat[:: 97] = np.inf
    flat[5:: 101] = -np.inf
    flat[7:: 89] = np.nan
    flat[3:: 83] = -0.0
    return x


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape, axis", GLU_SHAPES)
def test_glu_direct_loop_gives_the_ufuncs_bits(path, dtype, shape, axis):
    # the one loop over C-contiguous halves (threaded for large calls, whatever the
    # rows' length) against the ufunc on the halves' views, on every path
    direct = _ufuncs.SplitDirect(_ufuncs._loops_module(path).loop_table(), "glu")
    x = _glu_input(shape, dtype, seed=len(shape) + axis)
    a, b = np.split(x, 2, axis=axis)
    want = kernels(path)["glu"](a, b)
    got = direct(x, None, axis)
    assert got is not None and got.dtype == dtype
    arrays.assert_same(got, want)
    out = np.full_like(want, 42)
    assert direct(x, out, axis) is out
    arrays.assert_same(out, want)


def test_glu_direct_loop_same_bits_for_any_thread_count():
    x = _glu_input((400, 1000), np.float32, seed=3)
    try:
        fastact.set_num_threads(1)
        one = fastact.glu(x)
        one_axis0 = fastact.glu(x, axis=0)
    finally:
        fastact.set_num_threads(0)
    arrays.assert_same(fastact.glu(x), one)
    arrays.assert_same(fastact.glu(x, axis=0), one_axis0)
    arrays.assert_same(one, fastact.glu.ufunc(x[:, :500], x[:, 500:]))


def test_glu_direct_loop_declines_what_the_ufunc_must_handle():
    d = _ufuncs.DIRECT["glu"]
    x = _glu_input((6, 8), np.float64, seed=2)
    y = np.empty((6, 4))
    unaligned = np.frombuffer(b"\0" + x.tobytes(), dtype=np.float64, offset=1).reshape(6, 8)
    declined = [
        (x[:, ::2], None, -1), (x.T, None, -1), (unaligned, None, -1),
        (x.astype(">f8"), None, -1), (x.astype(np.float16), None, -1),
        (np.arange(48).reshape(6, 8), None, -1), (np.array(3.0), None, 0),
        (np.empty((0, 8)), None, -1), (np.empty((6, 0)), None, -1),
        (x[:, :7], None, -1),                                # odd length (not contiguous)
        (np.ones((6, 7)), None, -1), (x, None, 2), (x, None, -3),
        (x, y.astype(np.float32), -1), (x, np.empty((6, 8)), -1), (x, np.empty((3, 8)), -1),
        (x, np.asfortranarray(y), -1), (x, [[0.0] * 4] * 6, -1),
    ]
    for xi, out, axis in declined:
        assert d(xi, out, axis) is None, (xi.dtype, xi.shape, axis)
    read_only = y.copy()
    read_only.flags.writeable = False
    assert d(x, read_only, -1) is None
    big = np.arange(100.0)
    assert d(big[0:80].reshape(10, 8), big[20:60].reshape(10, 4), -1) is None  # overlap
    # and the wrapper still gives the ufunc's results and errors for them
    a, b = big[0:80].reshape(10, 8)[:, :4].copy(), big[0:80].reshape(10, 8)[:, 4:].copy()
    overlapping = big[20:60].reshape(10, 4)
    fastact.glu(big[0:80].reshape(10, 8), out=overlapping)
    arrays.assert_same(overlapping, fastact.glu.ufunc(a, b))
    with pytest.raises(ValueError, match="glu"):
        fastact.glu(x, out=read_only)


# ------------------------------------------------------------------ softmin
@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("dtype", arrays.FLOAT_DTYPES)
def test_softmin_is_softmax_of_minus_x_exactly(path, dtype):
    rng = np.random.default_rng(21)
    for shape in ((1,), (7,), (65,), (300,), (17, 33), (3, 5, 40)):
        x = (rng.standard_normal(shape) * rng.choice([0.01, 1.0, 30.0, 300.0])).astype(dtype)
        for axis in range(-len(shape), 0):
            for label, v in arrays.layouts(x):
                got = call(path, "softmin", v, axis=axis)
                arrays.assert_same(got, call(path, "softmax", np.ascontiguousarray(-v),
                                             axis=axis))


def test_softmin_infinity_policy():
    # -inf plays softmax's +inf: the -inf entries share the mass, the rest get 0
    x = np.array([[-np.inf, 1.0, -np.inf, 2.0], [np.inf] * 4, [1.0, np.nan, 0.0, 2.0],
                  [np.inf, 0.0, np.inf, 1.0]])
    y = fastact.softmin(x)
    arrays.assert_same(y[0], np.array([0.5, 0.0, 0.5, 0.0]))
    arrays.assert_same(y[1], np.full(4, 0.25))  # all +inf: uniform (softmax's all -inf)
    assert np.isnan(y[2]).all()
    arrays.assert_same(y[3], fastact.softmax(-x[3]))  # +inf entries: 0, the rest finite
    assert y[3][0] == 0 and y[3][2] == 0 and abs(y[3].sum() - 1) < 1e-15


def test_softmin_float16_scalar_and_policy_doc():
    h = np.array([1.0, 2.0, 3.0], np.float16)
    assert fastact.softmin(h).dtype == np.float16  # computed in float32, rounded once
    arrays.assert_same(fastact.softmin(h), fastact.softmin(h.astype(np.float32)).astype(np.float16))
    assert fastact.softmin(2.5) == 1.0
    assert "softmin" in ROWWISE and fastact.softmin.gufunc.signature == "(n)->(n)"
    assert set(kernels(PATHS[0])) >= {"softmin", "glu", "gelu", "gelu_tanh"}
