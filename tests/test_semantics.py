"""NumPy semantics of every function: dtypes, scalars, layouts, out=, where=, special
values, and no floating-point warnings for any input on any kernel path."""
import numpy as np
import pytest

import fastact
from fastact._registry import ACTIVATIONS, ELEMENTWISE, ROWWISE, SPLIT, UNARY, variant_kernels

import arrays
from helpers import KERNEL_NAMES, NAMES, PARAMS, PATHS, UNARY_KERNELS, call, kernels

F = {name: getattr(fastact, name) for name in NAMES}
SEED_UNARY = ("tanh", "softsign", "sigmoid")
SAME_SHAPE = tuple(n for n in NAMES if n not in SPLIT)  # result shape = input shape


def apply(name, x, **kw):
    return F[name](x, *PARAMS[name], **kw)


def out_shape(name, shape):
    """The result's shape: a split function (glu) halves the last axis."""
    return shape[:-1] + (shape[-1] // 2,) if name in SPLIT else shape


def public_ufunc(name):
    """The ufunc behind the public function for an ELEMENTWISE name: the function itself,
    a keyword wrapper's .ufunc, or a variant's entry of .ufuncs (gelu_tanh)."""
    for a in ACTIVATIONS:
        for value, kname in variant_kernels(a).items():
            if kname == name:
                return F[a.name].ufuncs[value]
    f = F[name]
    return f if isinstance(f, np.ufunc) else f.ufunc


def call_kernel(path, name, x):
    """The raw ufunc of `path` on x: unary ones with PARAMS, a split one as f(x, x[::-1])."""
    if name in SPLIT:
        return kernels(path)[name](x, x[::-1])
    return call(path, name, x)


# ------------------------------------------------------------------ the objects
def test_registry_matches_module():
    assert NAMES[:3] == ("tanh", "softsign", "sigmoid")
    assert set(NAMES[-3:]) == {"softmax", "log_softmax", "softmin"}  # rowwise last
    assert len(set(NAMES)) == len(NAMES)
    assert set(NAMES) <= set(fastact.__all__)
    for a in ACTIVATIONS:
        assert a.kind in ("unary", "rowwise", "split")
    # internal variant ufuncs are not public names; ELEMENTWISE holds them all
    assert "gelu_tanh" in ELEMENTWISE and "gelu_tanh" not in fastact.__all__
    assert SPLIT == ("glu",) and ELEMENTWISE["glu"] == 1
    assert set(ELEMENTWISE) == set(UNARY) | set(SPLIT) | {"gelu_tanh"}


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_elementwise_is_a_real_ufunc(name):
    np_ = ELEMENTWISE[name]  # extra inputs: parameters, or glu's gate
    f = public_ufunc(name)
    assert isinstance(f, np.ufunc)
    assert (f.nin, f.nout) == (1 + np_, 1)
    assert f.__name__ == name
    d, s = "d" * np_, "f" * np_
    assert f.types == [f"?{d}->d", f"b{d}->d", f"B{d}->d", f"h{d}->d", f"H{d}->d",
                       f"e{s}->e", f"f{s}->f", f"d{d}->d"]
    public = F.get(name)
    if public is not None and (np_ or name in SPLIT or public.__name__ == "gelu"):
        # the wrapper is a plain function that carries the ufunc
        assert not isinstance(public, np.ufunc) and public.__name__ == name
        assert public.ufunc is f


def test_gelu_wrapper_holds_one_ufunc_per_variant():
    g = fastact.gelu
    assert set(g.ufuncs) == {"none", "tanh"} and g.ufunc is g.ufuncs["none"]
    assert [u.__name__ for u in g.ufuncs.values()] == ["gelu", "gelu_tanh"]
    x = np.array([-3.0, -0.5, 0.0, 1.0, 2.5])
    arrays.assert_same(g(x), g.ufuncs["none"](x))
    arrays.assert_same(g(x, approximate="tanh"), g.ufuncs["tanh"](x))
    arrays.assert_same(g(x, "tanh"), g.ufuncs["tanh"](x))
    assert not np.array_equal(g(x), g(x, approximate="tanh"))  # two different functions
    import inspect
    assert list(inspect.signature(g).parameters)[:2] == ["x", "approximate"]


def test_glu_wrapper_splits_the_halves():
    g = fastact.glu
    x = np.arange(24.0).reshape(2, 3, 4) - 10
    for axis in (0, 2, -1, -3):
        ax = axis % 3
        n = x.shape[ax] // 2 if x.shape[ax] % 2 == 0 else None
        if n is None:
            continue
        a, b = np.split(x, 2, axis=ax)
        arrays.assert_same(g(x, axis=axis), g.ufunc(a, b))
    arrays.assert_same(g(x), g.ufunc(x[..., :2], x[..., 2:]))


@pytest.mark.parametrize("name", ROWWISE)
def test_rowwise_wraps_a_gufunc(name):
    g = F[name].gufunc
    assert isinstance(g, np.ufunc)
    assert g.signature == "(n)->(n)"
    assert g.types == ["e->e", "f->f", "d->d"]
    assert F[name].__name__ == name


def test_config():
    cfg = fastact.config()
    assert cfg["dispatch"] in PATHS
    assert cfg["available paths"] == ", ".join(PATHS)
    assert cfg["numpy"] == np.__version__
    assert "baseline" in PATHS


def test_show_config(capsys):
    fastact.show_config()
    text = capsys.readouterr().out
    assert "dispatch" in text and fastact.config()["dispatch"] in text


@pytest.mark.parametrize("path", PATHS)
def test_make_ufuncs_every_path(path):
    k = kernels(path)
    assert set(k) == set(KERNEL_NAMES)
    x = np.array([-2.0, 0.5, 3.0])
    np.testing.assert_allclose(k["tanh"](x), np.tanh(x), rtol=1e-15)
    np.testing.assert_allclose(k["softmax"](x, axis=0), np.exp(x) / np.exp(x).sum(),
                               rtol=1e-15)


def test_make_ufuncs_unknown_path():
    with pytest.raises(ValueError, match="not available"):
        fastact._ufuncs.make_ufuncs("sse9")


# ------------------------------------------------------------------ dtypes
def expected_dtype(dtype, name=None):
    """float16 and float32 stay (float16 computed in float32, rounded once); everything
    else gives float64."""
    dtype = np.dtype(dtype)
    if dtype in (np.float16, np.float32):
        return dtype
    return np.dtype(np.float64)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("dtype", arrays.ALL_REAL_DTYPES, ids=lambda d: np.dtype(d).name)
def test_result_dtype_and_values(name, dtype):
    x = arrays.values((4, 6), dtype, seed=3, special=False)
    got = apply(name, x)
    want_dt = expected_dtype(dtype, name)
    assert got.dtype == want_dt
    assert got.shape == out_shape(name, x.shape)
    # the same values as the computation on the input converted to the compute dtype
    # (float16: float32, rounded once to float16)
    comp = np.float32 if np.dtype(dtype) == np.float16 else want_dt
    arrays.assert_same(got, apply(name, x.astype(comp)).astype(want_dt))


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("dtype", [np.int32, np.int64, np.uint32, np.uint64])
def test_wide_ints_are_exact_in_float64(name, dtype):
    x = np.array([[0, 1, 2, 100], [3, 7, 50, 9]], dtype=dtype)
    arrays.assert_same(apply(name, x), apply(name, x.astype(np.float64)))


BAD_DTYPES = ["complex64", "complex128", "O", "U3", "S3", "M8[D]", "m8[s]"]


def _bad_array(dtype):
    dtype = np.dtype(dtype)
    if dtype.kind == "M":
        return np.array(["2020-01-01", "2021-06-30"], dtype=dtype)
    if dtype.kind == "m":
        return np.array([1, 2], dtype=dtype)
    if dtype.kind in "US":
        return np.array(["1", "2"], dtype=dtype)
    if dtype.kind == "O":
        return np.array([1.0, 2.0], dtype=object)
    return np.array([1 + 1j, 2.0], dtype=dtype)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("dtype", BAD_DTYPES, ids=str)
def test_unsupported_dtype_raises_naming_function_and_dtype(name, dtype):
    x = _bad_array(dtype)
    with pytest.raises(TypeError) as info:
        apply(name, x)
    msg = str(info.value)
    assert name in msg, msg
    # the dtype, as NumPy spells it (e.g. 'complex128', '<U3', 'datetime64[D]', 'object')
    spellings = {str(x.dtype), x.dtype.name, type(x.dtype).__name__}
    assert any(s.lower() in msg.lower() for s in spellings), msg


@pytest.mark.parametrize("name", UNARY)
def test_ufunc_dtype_keyword(name):
    x = np.array([0.25, -3.0], dtype=np.float32)
    got = apply(name, x, dtype=np.float64)
    assert got.dtype == np.float64
    arrays.assert_same(got, apply(name, x.astype(np.float64)))


# ------------------------------------------------------------------ scalars and 0-d
@pytest.mark.parametrize("name", SAME_SHAPE)
@pytest.mark.parametrize("scalar", [0.5, -3, True, np.float32(0.5), np.float64(-2.0),
                                    np.int16(4)], ids=repr)
def test_scalars_give_numpy_scalars(name, scalar):
    got = apply(name, scalar)
    assert isinstance(got, np.generic), type(got)
    assert got.shape == ()
    arr = np.asarray(scalar)
    want_dt = (expected_dtype(arr.dtype, name) if arr.dtype.kind == "f"
               else np.dtype(np.float64))
    assert got.dtype == want_dt
    if name in ROWWISE:  # a scalar is a slice of length 1
        assert got == (0.0 if name == "log_softmax" else 1.0)
    else:
        arrays.assert_same(np.asarray(got), apply(name, arr.reshape(1).astype(want_dt))[0])


@pytest.mark.parametrize("name", SAME_SHAPE)
@pytest.mark.parametrize("dtype", arrays.FLOAT_DTYPES)
def test_zero_d_array(name, dtype):
    x = np.array(0.75, dtype=dtype)
    got = apply(name, x)
    assert np.ndim(got) == 0 and np.asarray(got).dtype == dtype
    want = apply(name, x.reshape(1))
    arrays.assert_same(np.asarray(got).reshape(1), want)
    out = np.full((), -7.0, dtype=dtype)
    res = apply(name, x, out=out)
    assert res is out or np.shares_memory(res, out)
    arrays.assert_same(out.reshape(1), want)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("shape", [(0,), (0, 3), (3, 0), (2, 0, 4)])
def test_empty(name, shape):
    for dtype in (np.float16, np.float32, np.float64, np.int64):
        if name in SPLIT and shape[-1] % 2:
            with pytest.raises(ValueError, match=f"{name}.*axis {len(shape) - 1}"):
                apply(name, np.zeros(shape, dtype=dtype))
            continue
        got = apply(name, np.zeros(shape, dtype=dtype))
        assert got.shape == out_shape(name, shape)
        assert got.dtype == expected_dtype(dtype, name)


# ------------------------------------------------------------------ layouts
@pytest.mark.parametrize("name", UNARY)  # the public functions (gelu: its wrapper)
def test_unary_every_layout_matches_contiguous_copy(name):
    n = 0
    for label, x in arrays.arrays(arrays.ALL_REAL_DTYPES):
        got = apply(name, x)
        want = apply(name, np.ascontiguousarray(x))
        try:
            arrays.assert_same(got, want)
        except AssertionError as e:
            raise AssertionError(f"{name} {label}: {e}") from None
        n += 1
    assert n > 500


@pytest.mark.parametrize("name", ELEMENTWISE)
@pytest.mark.parametrize("path", PATHS)
def test_unary_layouts_every_path(name, path):
    for label, x in arrays.arrays(arrays.FLOAT_DTYPES, shapes=((300,), (17, 3), (2, 3, 4))):
        arrays.assert_same(call_kernel(path, name, x),
                           call_kernel(path, name, np.ascontiguousarray(x)))


@pytest.mark.parametrize("name", UNARY)
def test_unary_broadcast_and_overlapping_out(name):
    x = np.linspace(-5, 5, 11)
    want = apply(name, x)
    got = apply(name, np.broadcast_to(x, (3, 11)))
    for row in got:
        arrays.assert_same(row, want)
    # out overlapping the input shifted by one element: NumPy must buffer it
    buf = np.r_[x, 0.0]
    apply(name, buf[:-1], out=buf[1:])
    arrays.assert_same(buf[1:], want)


# ------------------------------------------------------------------ out= and where=
@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("dtype", arrays.FLOAT_DTYPES)
def test_out_is_filled_and_returned(name, dtype):
    x = arrays.values((5, 8), dtype, seed=1)
    want = apply(name, x)
    out = np.full(out_shape(name, x.shape), 123.0, dtype=dtype)
    res = apply(name, x, out=out)
    assert np.shares_memory(res, out) and res.shape == out.shape
    arrays.assert_same(out, want)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("dtype", arrays.FLOAT_DTYPES)
def test_out_non_contiguous(name, dtype):
    x = arrays.values((6, 10), dtype, seed=2)
    want = apply(name, x)
    big = np.full(tuple(2 * s for s in out_shape(name, x.shape)), 5.0, dtype=dtype)
    out = big[::2, ::2]
    res = apply(name, x, out=out)
    assert np.shares_memory(res, big)
    arrays.assert_same(out, want)
    assert np.all(big[1::2] == 5.0) and np.all(big[:, 1::2] == 5.0)


@pytest.mark.parametrize("name", UNARY_KERNELS)
@pytest.mark.parametrize("dtype", arrays.FLOAT_DTYPES)
@pytest.mark.parametrize("path", PATHS)
def test_unary_in_place(name, dtype, path):
    for shape in [(1,), (31,), (300,), (4, 33)]:
        for label, x in arrays.layouts(arrays.values(shape, dtype, seed=5)):
            if not x.flags.writeable or not x.dtype.isnative:
                continue
            want = call(path, name, np.ascontiguousarray(x))
            res = call(path, name, x, out=x)
            assert np.shares_memory(res, x)
            arrays.assert_same(x, want)


@pytest.mark.parametrize("name", NAMES)
def test_out_wrong_shape_raises_and_leaves_out_alone(name):
    x = arrays.values((3, 4), np.float64, seed=0)
    shapes = [(4, 3), (3, 5), (12,), (3, 1), (4,)]
    if name in ROWWISE:  # a ufunc may broadcast x into a bigger out; a gufunc wrapper not
        shapes += [(2, 3, 4), (1, 3, 4)]
    for shape in shapes:
        out = np.full(shape, 42.0)
        with pytest.raises(ValueError):
            apply(name, x, out=out)
        assert np.all(out == 42.0)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("out_dtype", [np.int32, np.int64, np.bool_, np.uint8])
def test_out_wrong_dtype_raises_and_leaves_out_alone(name, out_dtype):
    x = arrays.values((3, 4), np.float64, seed=0)
    out = np.ones(out_shape(name, (3, 4)), dtype=out_dtype)
    with pytest.raises(TypeError):
        apply(name, x, out=out)
    assert np.all(out == 1)


@pytest.mark.parametrize("name", ROWWISE + SPLIT)
def test_rowwise_out_must_be_ndarray(name):
    with pytest.raises(TypeError, match=name):
        apply(name, np.ones(4), out=[0.0] * out_shape(name, (4,))[0])


@pytest.mark.parametrize("name", ROWWISE + SPLIT)
def test_rowwise_axis_must_be_integer(name):
    for axis in (1.0, "0", None):
        with pytest.raises(TypeError, match=name):
            apply(name, np.ones((2, 4)), axis=axis)
    arrays.assert_same(apply(name, np.ones((2, 4)), axis=np.int64(0)),
                       apply(name, np.ones((2, 4)), axis=0))


@pytest.mark.parametrize("name", UNARY)
@pytest.mark.parametrize("dtype", arrays.FLOAT_DTYPES)
def test_where(name, dtype):
    x = arrays.values((40,), dtype, seed=4)
    mask = np.arange(40) % 3 != 0
    out = np.full(40, -9.0, dtype=dtype)
    res = apply(name, x, out=out, where=mask)
    assert res is out
    arrays.assert_same(out[mask], apply(name, x)[mask])
    assert np.all(out[~mask] == -9.0)


# ------------------------------------------------------------------ special values
@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("dtype", arrays.FLOAT_DTYPES)
def test_unary_special_values(path, dtype):
    x = np.array([np.nan, np.inf, -np.inf, 0.0, -0.0], dtype=dtype)
    k = lambda name: call(path, name, x)  # noqa: E731
    t, s, g = k("tanh"), k("softsign"), k("sigmoid")
    for y in (t, s, g):
        assert y.dtype == dtype and np.isnan(y[0])
    assert t[1] == 1 and t[2] == -1 and s[1] == 1 and s[2] == -1
    assert g[1] == 1 and g[2] == 0 and not np.signbit(g[2])
    # signed zero preserved by the odd functions; sigmoid(+-0) = 1/2
    for y in (t, s):
        assert y[3] == 0 and not np.signbit(y[3])
        assert y[4] == 0 and np.signbit(y[4])
    assert g[3] == 0.5 and g[4] == 0.5


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("dtype", arrays.FLOAT_DTYPES)
def test_unary_nan_payloads_and_signs_stay_nan(path, dtype):
    itype = np.uint32 if dtype == np.float32 else np.uint64
    mant = 23 if dtype == np.float32 else 52
    exp_all = (itype(1) << itype(mant)) * itype(2 ** (np.dtype(dtype).itemsize * 8 - 1 - mant)
                                                - 1)
    payloads = np.array([1, 2, 3, 1 << (mant - 1), (1 << mant) - 1], dtype=itype)
    bits = np.concatenate([exp_all | payloads,
                           exp_all | payloads | (itype(1) << itype(8 * np.dtype(dtype).itemsize - 1))])
    x = bits.view(dtype)
    assert np.all(np.isnan(x))
    for name in ELEMENTWISE:  # glu: NaN in either input
        assert np.all(np.isnan(call_kernel(path, name, x))), name
        if name in SPLIT:
            assert np.all(np.isnan(call(path, name, np.ones_like(x), x))), name


def edge_values(dtype):
    """Every awkward input: NaN, +-inf, +-0, subnormals, huge, the dtype's max, and the
    exp thresholds of both dtypes (88/89, -88..-104, 709/710, -745/-746)."""
    fi = np.finfo(dtype)
    v = [np.nan, np.inf, 0.0, fi.smallest_subnormal, 2 * fi.smallest_subnormal,
         fi.smallest_normal, fi.smallest_normal - fi.smallest_subnormal, fi.eps, 1e-30,
         0.5, 0.6, 1.0, 10.0, 20.0, 40.0, 87.0, 88.0, 88.72, 89.0, 100.0, 103.9, 104.0,
         105.0, 150.0, 700.0, 709.0, 709.78, 710.0, 745.0, 745.13, 746.0, 800.0, 1000.0,
         1e4, 1e8, 1e30, float(np.finfo(np.float32).max), fi.max]
    if dtype == np.float64:
        v += [1e300, float(np.finfo(np.float64).max)]
    v = np.array([float(t) for t in v if abs(float(t)) <= float(fi.max) or
                  not np.isfinite(t)], dtype=dtype)
    with np.errstate(all="ignore"):
        v = np.concatenate([v, -v, np.nextafter(v, dtype(np.inf)),
                            np.nextafter(v, dtype(-np.inf))])
    return np.concatenate([v, -v])


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("dtype", arrays.FLOAT_DTYPES)
def test_no_floating_point_warnings_unary(path, dtype):
    x = edge_values(dtype)
    xs = np.repeat(x, 3)[::3]  # the same values, strided
    with np.errstate(over="raise", invalid="raise", divide="raise", under="ignore"):
        for name in ELEMENTWISE:
            for inp in (x, xs, x[::-1]):
                y = call_kernel(path, name, inp)
                assert y.dtype == dtype
                nan = np.isnan(inp)
                if name in SPLIT:  # NaN in either half; inf * sigmoid(-inf) = inf * 0
                    gate = inp[::-1]
                    nan = nan | np.isnan(gate) | (np.isinf(inp) & (gate < -746))
                assert np.array_equal(np.isnan(y), nan), name
                if name in SEED_UNARY:
                    lo = 0 if name == "sigmoid" else -1
                    fin = y[~np.isnan(y)]
                    assert np.all((fin >= lo) & (fin <= 1)), (name, fin.min(), fin.max())
            # ints through the int loops too
            for it in (np.int8, np.uint8, np.int16, np.uint16, np.int64, np.bool_):
                call_kernel(path, name, np.array([0, 1, 100, 127], dtype=np.int64).astype(it))


@pytest.mark.parametrize("path", PATHS)
def test_no_floating_point_warnings_sigmoid_minus_1000(path):
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        assert call(path, "sigmoid", np.array([-1000.0]))[0] == 0.0
        assert call(path, "sigmoid", np.array([1000.0]))[0] == 1.0
        assert call(path, "sigmoid", np.array([-1000.0], np.float32))[0] == 0.0
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        assert fastact.sigmoid(-1000.0) == 0.0


# ------------------------------------------------------------------ sigmoid tails
@pytest.mark.parametrize("path", PATHS)
def test_sigmoid_seed_values(path):
    f32 = lambda v: call(path, "sigmoid", np.array(v, dtype=np.float32))  # noqa: E731
    assert f32([-100.0])[0] == np.float32(3.783505853677006e-44)
    assert f32([89.0])[0] == np.float32(1.0)
    # exact float32 values of e^x / (1 + e^x), in units of the least subnormal 2^-149
    tail = {-88.0: 4320708, -90.0: 584744, -95.0: 3940, -100.0: 27, -103.0: 1,
            -103.5: 1, -104.0: 0, -150.0: 0}
    got = f32(list(tail))
    want = np.array([np.ldexp(float(m), -149) for m in tail.values()], dtype=np.float32)
    arrays.assert_same(got, want)
    f64 = lambda v: call(path, "sigmoid", np.array(v, dtype=np.float64))  # noqa: E731
    assert f64([-745.0])[0] == 5e-324
    assert f64([-740.0])[0] == 4.2e-322
    assert f64([-1000.0])[0] == 0.0 and f64([1000.0])[0] == 1.0
    # 1 - 8.5e-17 (rounds to 1 - 2^-53) and its mirror, within the 2-ulp budget
    assert arrays.ulp_distance(f64([37.0, -37.0]),
                               np.array([0.9999999999999999, 8.533047625744065e-17])).max() <= 2


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("dtype", arrays.FLOAT_DTYPES)
def test_sigmoid_stays_in_unit_interval_and_symmetric(path, dtype):
    x = np.linspace(-120, 120, 20001).astype(dtype)
    y = call(path, "sigmoid", x)
    assert np.all((y >= 0) & (y <= 1))
    # sigmoid(x) + sigmoid(-x) == 1 up to rounding where both are representable
    s = y + call(path, "sigmoid", -x)
    assert np.max(np.abs(s - 1)) <= 2 * np.finfo(dtype).eps
