"""softmax and log_softmax: values, axes, layouts, the special-value policy, out=, and
the lane (contiguous rows) and column-block (strided axis) code paths on every kernel
path."""
import numpy as np
import pytest
try:
    from numpy.exceptions import AxisError
except ImportError:  # NumPy < 1.25 (fastact supports 1.23.5 and later at run time)
    from numpy import AxisError

import fastact

import arrays
from helpers import PATHS, call, kernels, ref_tolerance, rowwise_ref, tiny_rule

ROWWISE = ("softmax", "log_softmax")
LN2 = 0.6931471805599453


def fn(name):
    return getattr(fastact, name)


def check_against_ref(got, x, axis, name, label=""):
    """got == the long-double reference within the ULP budget; NaN/inf/zeros exact."""
    want = rowwise_ref(x, axis=axis, log=(name == "log_softmax"))
    assert got.dtype == want.dtype and got.shape == want.shape, label
    d = arrays.ulp_distance(got, want, tiny_abs=tiny_rule(got.dtype))
    tol = ref_tolerance(got.dtype)
    if d.size and d.max() > tol:
        i = np.unravel_index(np.argmax(d), d.shape)
        raise AssertionError(f"{name} {label} axis={axis}: {d.max()} ulp at {i}: "
                             f"got {got[i]!r}, want {want[i]!r}")


# ------------------------------------------------------------------ known values
def test_seed_values():
    y = fastact.softmax([5, 4, -1])
    assert y.dtype == np.float64
    np.testing.assert_array_equal(y.round(3), [0.730, 0.268, 0.002])
    y = fastact.softmax(np.array([8.0, -3.0, 0.0, 1.0], dtype=np.float32), axis=0)
    assert y.dtype == np.float32
    np.testing.assert_allclose(y, [9.9874e-01, 1.6681e-05, 3.3504e-04, 9.1073e-04],
                               rtol=5e-5)
    x2 = np.array([[8.0, -3.0], [0.0, 1.0]], dtype=np.float32)
    want2 = np.array([[9.9966e-01, 1.7986e-02], [3.3535e-04, 9.8201e-01]])
    y = fastact.softmax(x2, axis=0)
    assert y.dtype == np.float32 and y.shape == (2, 2)
    np.testing.assert_allclose(y, want2, rtol=5e-5)
    y = fastact.softmax(x2.reshape(2, 2, 1), axis=0)
    assert y.shape == (2, 2, 1)
    np.testing.assert_allclose(y, want2.reshape(2, 2, 1), rtol=5e-5)


def test_softmax_1_2_3():
    y = fastact.softmax([1, 2, 3])
    assert y.dtype == np.float64
    np.testing.assert_allclose(y, [0.09003057, 0.24472847, 0.66524096], atol=5e-9)
    assert arrays.ulp_distance(
        y, np.array([0.09003057317038046, 0.24472847105479764, 0.6652409557748219])).max() <= 2


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("dtype", arrays.FLOAT_DTYPES)
def test_huge_inputs_are_stable(path, dtype):
    for v in (1e8, -1e8, 3e38):
        x = np.array([v, v], dtype=dtype)
        y = call(path, "log_softmax", x)
        assert y.dtype == dtype
        assert np.all(y == dtype(-LN2)), (v, y)
        assert np.all(call(path, "softmax", x) == 0.5)
    y = call(path, "log_softmax", np.array([1e8, 1e8 - 1], dtype=np.float64))
    np.testing.assert_allclose(y, [-0.31326168751822286, -1.3132616875182228], rtol=4e-16)


def test_log_softmax_1e8_public():
    np.testing.assert_array_equal(fastact.log_softmax(np.array([1e8, 1e8])), [-LN2, -LN2])


# ------------------------------------------------------------------ special values
@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("dtype", arrays.FLOAT_DTYPES)
def test_infinity_policy(path, dtype):
    inf = np.inf
    cases = [  # input, softmax, log_softmax
        ([0, inf], [0, 1], [-inf, 0]),
        ([inf, 0, inf], [.5, 0, .5], [-LN2, -inf, -LN2]),
        ([1, 1, inf], [0, 0, 1], [-inf, -inf, 0]),
        ([inf, -inf], [1, 0], [0, -inf]),
        ([inf, inf, inf, inf], [.25] * 4, [-np.log(4)] * 4),
        ([-inf, -inf], [.5, .5], [-LN2, -LN2]),
        ([-inf, -inf, -inf, -inf], [.25] * 4, [-np.log(4)] * 4),
        ([-inf, 3.0], [0, 1], [-inf, 0]),
        ([-inf], [1], [0]),
        ([inf], [1], [0]),
    ]
    for x, sm, lsm in cases:
        xa = np.array(x, dtype=dtype)
        for name, want in (("softmax", sm), ("log_softmax", lsm)):
            got = call(path, name, xa)
            w = np.array(want, dtype=dtype)
            assert got.dtype == dtype
            assert arrays.ulp_distance(got, w).max() <= 1, (name, x, got)


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("dtype", arrays.FLOAT_DTYPES)
def test_nan_makes_only_its_row_nan(path, dtype):
    x = np.array([[1.0, np.nan, 2.0], [1.0, 2.0, 3.0], [np.nan, np.inf, 0.0],
                  [-np.inf, np.nan, -np.inf], [np.nan] * 3], dtype=dtype)
    for name in ROWWISE:
        got = call(path, name, x)
        assert np.all(np.isnan(got[[0, 2, 3, 4]]))
        assert not np.any(np.isnan(got[1]))
        check_against_ref(got, x, -1, name)
        # along axis 0 every column holds a NaN
        got0 = call(path, name, x, axis=0)
        assert np.all(np.isnan(got0))


def test_public_nan_row():
    y = fastact.softmax(np.array([[1.0, np.nan, 2.0], [1.0, 2.0, 3.0]]), axis=-1)
    assert np.all(np.isnan(y[0]))
    np.testing.assert_allclose(y[1], [0.09003057317038046, 0.24472847105479764,
                                      0.6652409557748219], rtol=3e-16)


@pytest.mark.parametrize("name", ROWWISE)
def test_zero_length_axis(name):
    for shape, axis in [((10, 0), 1), ((10, 0), -1), ((0, 3), 1), ((0, 3), 0), ((0,), 0),
                        ((2, 0, 3), 1), ((2, 0, 3), 0)]:
        for dtype in (np.float32, np.float64, np.int64):
            got = fn(name)(np.zeros(shape, dtype=dtype), axis=axis)
            assert got.shape == shape
            assert got.dtype == (np.float32 if dtype == np.float32 else np.float64)


@pytest.mark.parametrize("name", ROWWISE)
def test_bad_axis(name):
    for shape, axis in [((1, 2), 5), ((1, 2), 2), ((1, 2), -3), ((3,), 1), ((), 1), ((), -2),
                        ((0,), 1)]:
        with pytest.raises(AxisError):
            fn(name)(np.ones(shape), axis=axis)
    # scalars take axis 0 and -1
    assert fn(name)(np.float64(3.0), axis=0) == (1.0 if name == "softmax" else 0.0)
    assert fn(name)(3.0, axis=-1) == (1.0 if name == "softmax" else 0.0)


@pytest.mark.parametrize("name", ROWWISE)
@pytest.mark.parametrize("dtype", ["complex128", "complex64", "O", "U2", "S2", "M8[s]",
                                   "m8[D]", "longdouble"])
def test_unsupported_dtypes(name, dtype):
    dt = np.dtype(dtype)
    x = np.zeros(3, dtype=dt) if dt.kind not in "O" else np.array([1.0, 2.0], dtype=object)
    with pytest.raises(TypeError, match=f"fastact.{name}") as info:
        fn(name)(x)
    assert str(dt) in str(info.value)


@pytest.mark.parametrize("name", ROWWISE)
def test_int_bool_float16_inputs(name):
    xi = np.array([[1, 2, 3], [0, -5, 7]], dtype=np.int8)
    for dt in (np.int8, np.uint8, np.int16, np.int32, np.int64, np.uint64, np.bool_):
        x = xi.astype(dt)
        got = fn(name)(x)
        assert got.dtype == np.float64
        arrays.assert_same(got, fn(name)(x.astype(np.float64)))
    x16 = np.array([[1.5, -2.0, 3.25]], dtype=np.float16)
    got = fn(name)(x16)
    assert got.dtype == np.float16
    arrays.assert_same(got, fn(name)(x16.astype(np.float32)).astype(np.float16))
    # lists of Python numbers
    arrays.assert_same(fn(name)([[1, 2, 3]]), fn(name)(np.array([[1.0, 2.0, 3.0]])))


# ------------------------------------------------------------------ axes and layouts
SHAPES = [(7,), (1,), (4, 5), (3, 70), (70, 3), (2, 3, 4), (5, 1, 17), (3, 33, 2)]


@pytest.mark.parametrize("name", ROWWISE)
@pytest.mark.parametrize("dtype", arrays.FLOAT_DTYPES)
def test_every_axis_every_layout(name, dtype):
    for i, shape in enumerate(SHAPES):
        base = arrays.values(shape, dtype, seed=10 + i)
        for axis in range(-len(shape), len(shape)):
            want = fn(name)(base, axis=axis)
            check_against_ref(want, base, axis, name, f"{shape} C")
            for label, x in arrays.layouts(base):
                if "byteswapped" in label:
                    continue  # test_non_native_byte_order
                got = fn(name)(x, axis=axis)
                assert got.dtype == dtype
                # the same values as the contiguous copy (the summation order may differ
                # between the lane and the column-block paths: within the ULP budget)
                d = arrays.ulp_distance(got, want, tiny_abs=tiny_rule(dtype))
                assert d.max() <= 2, (name, shape, axis, label, d.max())
                check_against_ref(got, x, axis, name, f"{shape} {label}")


@pytest.mark.parametrize("name", ROWWISE)
@pytest.mark.parametrize("dtype", arrays.FLOAT_DTYPES)
def test_non_native_byte_order(name, dtype):
    for shape in [(7,), (4, 5), (2, 3, 4)]:
        base = arrays.values(shape, dtype, seed=len(shape))
        for axis in range(len(shape)):
            want = fn(name)(base, axis=axis)
            for x in (base.astype(base.dtype.newbyteorder("S")),
                      np.asfortranarray(base).astype(base.dtype.newbyteorder("S"))):
                assert not x.dtype.isnative
                got = fn(name)(x, axis=axis)
                assert got.dtype == want.dtype
                d = arrays.ulp_distance(got.astype(want.dtype), want,
                                        tiny_abs=tiny_rule(dtype))
                assert d.max() <= 2


@pytest.mark.parametrize("name", ROWWISE)
@pytest.mark.parametrize("path", PATHS)
def test_axis0_equals_rows_of_transpose(name, path):
    for shape in [(5, 3), (17, 65), (64, 64), (3, 200), (1000, 2)]:
        a = arrays.values(shape, np.float64, seed=shape[0], special=False)
        col = call(path, name, a, axis=0)
        # the transposed view walks the same memory the same way: identical bits
        arrays.assert_same(col, call(path, name, a.T, axis=1).T)
        arrays.assert_same(col, call(path, name, a.T, axis=-1).T)
        # and a contiguous transposed copy (lane path) agrees within the budget
        rows = call(path, name, np.ascontiguousarray(a.T), axis=1).T
        assert arrays.ulp_distance(col, rows, tiny_abs=tiny_rule(np.float64)).max() <= 2
        check_against_ref(col, a, 0, name, str(shape))


@pytest.mark.parametrize("name", ROWWISE)
@pytest.mark.parametrize("dtype", arrays.FLOAT_DTYPES)
def test_public_wrapper_matches_every_path_shape(name, dtype):
    x = arrays.values((3, 4, 5), dtype, seed=99)
    for axis in range(3):
        got = fn(name)(x, axis=axis)
        for path in PATHS:
            d = arrays.ulp_distance(got, call(path, name, x, axis=axis),
                                    tiny_abs=tiny_rule(dtype))
            assert d.max() <= 2


# ------------------------------------------------------------------ lanes and blocks
ROW_LENGTHS = [1, 2, 15, 16, 17, 31, 32, 33, 63, 64, 65, 127, 255, 256, 257, 1000]


def _logits(rng, shape, dtype, spread):
    return (rng.standard_normal(shape) * spread).astype(dtype)


@pytest.mark.parametrize("name", ROWWISE)
@pytest.mark.parametrize("dtype", arrays.FLOAT_DTYPES)
@pytest.mark.parametrize("path", PATHS)
def test_row_lengths_lane_path(name, dtype, path):
    rng = np.random.default_rng(7)
    for n in ROW_LENGTHS:
        for spread in (0.01, 3.0, 40.0):
            x = _logits(rng, (4, n), dtype, spread)
            got = call(path, name, x, axis=-1)
            check_against_ref(got, x, -1, name, f"n={n} spread={spread}")
            if name == "softmax":
                s = got.astype(np.float64).sum(-1)
                assert np.all(np.abs(s - 1) <= 2 * n * np.finfo(dtype).eps)


@pytest.mark.parametrize("name", ROWWISE)
@pytest.mark.parametrize("dtype", arrays.FLOAT_DTYPES)
@pytest.mark.parametrize("path", PATHS)
def test_many_columns_block_path(name, dtype, path):
    rng = np.random.default_rng(8)
    for ncols in list(range(1, 70)) + [127, 128, 129, 200]:
        for n in (1, 3, 17, 65):
            x = _logits(rng, (n, ncols), dtype, 5.0)
            got = call(path, name, x, axis=0)
            check_against_ref(got, x, 0, name, f"({n}, {ncols})")


@pytest.mark.parametrize("name", ROWWISE)
@pytest.mark.parametrize("dtype", arrays.FLOAT_DTYPES)
@pytest.mark.parametrize("path", PATHS)
def test_specials_in_some_rows_and_columns(name, dtype, path):
    rng = np.random.default_rng(9)
    specials = np.array([np.nan, np.inf, -np.inf], dtype=dtype)
    for n in (1, 15, 16, 17, 63, 64, 65, 1000):
        for ncols in (1, 5, 64, 65, 130):
            x = _logits(rng, (n, ncols), dtype, 4.0)
            # specials in a few random places: rows (axis -1) and columns (axis 0) with
            # and without them side by side
            k = max(1, (n * ncols) // 40)
            flat = x.reshape(-1)
            pos = rng.choice(flat.size, size=k, replace=False)
            flat[pos] = rng.choice(specials, size=k)
            if ncols >= 5 and n >= 2:
                x[:, 2] = -np.inf  # one all -inf column
                x[:, 3] = x[0, 3]  # one constant column
            for axis in (0, 1):
                got = call(path, name, x, axis=axis)
                check_against_ref(got, x, axis, name, f"({n}, {ncols})")
                # rows without specials equal the same rows computed alone
                xr = np.moveaxis(x, axis, -1)
                gr = np.moveaxis(got, axis, -1)
                clean = np.isfinite(xr).all(-1)
                if clean.any():
                    alone = call(path, name, np.ascontiguousarray(xr[clean]), axis=-1)
                    d = arrays.ulp_distance(gr[clean], alone, tiny_abs=tiny_rule(dtype))
                    assert d.max() <= 2


@pytest.mark.parametrize("name", ROWWISE)
@pytest.mark.parametrize("path", PATHS)
def test_3d_every_axis_every_path(name, path):
    rng = np.random.default_rng(11)
    for dtype in arrays.FLOAT_DTYPES:
        for shape in [(3, 17, 65), (65, 2, 3), (2, 64, 17)]:
            x = _logits(rng, shape, dtype, 10.0)
            x[0, 0, 0] = np.nan
            x[1, 1, 1] = np.inf
            for order in "CF":
                xo = np.asarray(x, order=order)
                for axis in range(3):
                    got = call(path, name, xo, axis=axis)
                    check_against_ref(got, x, axis, name, f"{shape} {order}")


# ------------------------------------------------------------------ out=
@pytest.mark.parametrize("name", ROWWISE)
@pytest.mark.parametrize("dtype", arrays.FLOAT_DTYPES)
@pytest.mark.parametrize("path", PATHS)
def test_in_place_every_axis(name, dtype, path):
    for shape in [(5,), (64,), (65,), (4, 17), (17, 70), (3, 4, 5), (2, 65, 3)]:
        base = arrays.values(shape, dtype, seed=len(shape) * 100 + shape[-1])
        for axis in range(len(shape)):
            for order in "CF":
                want = call(path, name, np.array(base, order=order), axis=axis)
                x = np.array(base, order=order)
                res = call(path, name, x, axis=axis, out=x)
                assert np.shares_memory(res, x)
                d = arrays.ulp_distance(x, want, tiny_abs=tiny_rule(dtype))
                assert d.max() <= 0, (name, shape, axis, order)
                check_against_ref(x, base, axis, name, f"in place {shape} {order}")


@pytest.mark.parametrize("name", ROWWISE)
def test_in_place_public_wrapper(name):
    for dtype in arrays.FLOAT_DTYPES:
        base = arrays.values((6, 9, 4), dtype, seed=5)
        for axis in (-3, -2, -1, 0, 1, 2):
            x = base.copy()
            res = fn(name)(x, axis=axis, out=x)
            assert np.shares_memory(res, x)
            arrays.assert_same(x, fn(name)(base, axis=axis))
        x = base[:, ::2, :].copy(order="F")
        fn(name)(x, axis=1, out=x)
        arrays.assert_same(x, fn(name)(base[:, ::2, :], axis=1))


@pytest.mark.parametrize("name", ROWWISE)
def test_out_scalar_and_0d(name):
    out = np.full((), 9.0)
    res = fn(name)(np.array(4.0), out=out)
    assert res is out and out == (1.0 if name == "softmax" else 0.0)
    with pytest.raises(ValueError):
        fn(name)(np.array(4.0), out=np.full((1,), 9.0))


@pytest.mark.parametrize("name", ROWWISE)
def test_out_wrong_dtype_or_shape_leaves_out_untouched(name):
    x = arrays.values((4, 5), np.float64, seed=3)
    for out in (np.full((4, 5), 7, dtype=np.int64), np.full((5, 4), 7.0),
                np.full((4, 5, 1), 7.0), np.full((20,), 7.0), np.full((4, 5), 7, np.int8)):
        before = out.copy()
        with pytest.raises((TypeError, ValueError)):
            fn(name)(x, out=out)
        np.testing.assert_array_equal(out, before)


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("name", ROWWISE)
def test_float16_is_float32_rounded_once(name, path):
    """float16 slices are computed in float32 and rounded once to float16: exactly the
    float32 result rounded, for every axis and layout (strided, transposed, in place), a
    size that uses threads, the special rows, and slices longer than the stack buffer."""
    g = kernels(path)[name]
    rng = np.random.default_rng(3)
    big = (rng.standard_normal((260, 1000)) * 3).astype(np.float16)
    special = np.array([[np.inf, 1, np.inf, -np.inf], [-np.inf] * 4, [1, np.nan, 2, 3],
                        [65504, -65504, 0, 6e-8]], dtype=np.float16)
    cases = [(big, -1), (big, 0), (big[:, ::3], -1), (big.T, -1), (special, -1),
             (special, 0), (big[:3].reshape(3, 10, 100), 1)]
    for x, axis in cases:
        got = g(x, axes=[(axis,), (axis,)])
        assert got.dtype == np.float16
        with np.errstate(over="ignore"):  # log_softmax: -70000 -> -inf in float16
            want = g(x.astype(np.float32), axes=[(axis,), (axis,)]).astype(np.float16)
        arrays.assert_same(got, want)
    y = big.copy()
    g(y, out=y, axes=[(-1,), (-1,)])  # in place
    arrays.assert_same(y, g(big.astype(np.float32), axes=[(-1,), (-1,)]).astype(np.float16))


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_softmax_results_near_the_smallest_normal_keep_their_last_bit(path, dtype):
    # e (h0 + h1) with h1 ~ h0 2^-24 (2^-53): unscaled, the low product e h1 underflows
    # for results below ~2^-100 (float32) / ~2^-970 (float64) and loses the correction
    # (float64 baseline results were 3 ulps off here, AVX-512 ones 2); scaled by 2^64
    # first, they are rounded about once
    lo = -87.0 if dtype == np.float32 else -707.0
    rng = np.random.default_rng(21)
    # a sum of a few large terms (so 1/sum needs its low part), the rest near the bottom
    x = np.concatenate([[0.0], rng.uniform(-2, 0, 19), rng.uniform(lo, lo + 4, 200000)])
    x = x.astype(dtype)
    want = rowwise_ref(x).astype(dtype)
    normal = np.abs(want) >= np.finfo(dtype).tiny
    assert normal.sum() > 50000
    for make, axis in ((lambda v: v, -1), (lambda v: v[:, None].copy(), 0)):
        got = call(path, "softmax", make(x), axis=axis).reshape(-1)
        worst = arrays.ulp_distance(got[normal], want[normal]).max()
        assert worst <= (1 if path == "avx512" and axis == -1 else 2), (axis, worst)


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("dtype,masked", [(np.float32, -1e9), (np.float64, -1e300)])
def test_masked_logits_get_exactly_zero(path, dtype, masked):
    # Masked attention logits (-1e9): x - max is far below exp's underflow, and its
    # rounding error (up to half an ulp of 1e9 = 32 in float32) must not leak into exp:
    # an earlier version returned e^(-104 + 32) there, or a negative or -0.0 value.
    rng = np.random.default_rng(0)
    rows = (rng.standard_normal((64, 100)) * 3 - 20).astype(dtype)  # max < 0: error > 0
    rows[:, ::3] = masked
    for axis, x in ((-1, rows), (0, np.ascontiguousarray(rows.T))):
        mask = x == masked
        y = call(path, "softmax", x, axis=axis)
        assert np.all(y[mask] == 0) and not np.signbit(y[mask]).any()
        want = rowwise_ref(x, axis=axis)
        assert np.array_equal(y == 0, want == 0)
        ls = call(path, "log_softmax", x, axis=axis)
        lw = rowwise_ref(x, axis=axis, log=True)
        np.testing.assert_allclose(ls[~mask], lw[~mask], rtol=4 * np.finfo(dtype).eps)
        sm = call(path, "softmin", -x, axis=axis)
        assert np.all(sm[mask] == 0) and not np.signbit(sm[mask]).any()


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("name", ROWWISE)
def test_rows_mixing_plain_and_special_vectors(path, name):
    # AVX-512 float32 takes a vector without masks or clamps when every lane has
    # 2^-60 <= |x - max| <= 87, else the general code; a row with both kinds of 16-lane
    # vectors (one lane each of: a tie with the max, |x - max| < 2^-60, a subnormal
    # result (87 < |x - max| < 104), beyond the underflow, -inf), in a row and down the
    # columns, is within the budget of the long-double reference, and each element stays
    # within 1 ULP whichever neighbours share its vector (only the order of the
    # compensated sum changes).
    rng = np.random.default_rng(7)
    m = np.float32(3.0)
    x = (rng.standard_normal((8, 1000)) * 4).astype(np.float32)
    x = np.minimum(x, np.float32(2.5))
    x[:, 0] = m
    specials = [m, np.nextafter(m, np.float32(0)), m - np.float32(95), m - np.float32(120),
                -np.inf, m]
    for r in range(8):
        for v, col in zip(specials, range(17 + 32 * r, 1000, 160)):
            x[r, col] = v
    for axis, xx in ((-1, x), (0, np.ascontiguousarray(x.T))):
        got = call(path, name, xx, axis=axis)
        check_against_ref(got, xx, axis, name, f"{path}")
        # the same row again with its special lanes moved to other vectors
        shifted = np.roll(xx, 5, axis=axis)
        got2 = call(path, name, shifted, axis=axis)
        np.testing.assert_array_max_ulp(np.roll(got, 5, axis=axis), got2, maxulp=1)
