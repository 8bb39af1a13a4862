"""The one generator of test arrays (after bottleneck's ``slow``/``util.arrays``).

``layouts(a)`` yields views that hold exactly the values of ``a`` in every memory layout a
kernel can meet: C and Fortran order, strided slices, negative strides, transposed views,
non-native byte order, read-only, and for 0-d/empty shapes the array itself.
``arrays(...)`` combines a set of shapes and dtypes with ``layouts``. Every function must
give, for each variant, the values it gives for ``np.ascontiguousarray(variant)``.
"""
import numpy as np

FLOAT_DTYPES = (np.float32, np.float64)
INT_DTYPES = (np.bool_, np.int8, np.uint8, np.int16, np.uint16, np.int32, np.uint32,
              np.int64, np.uint64)
ALL_REAL_DTYPES = INT_DTYPES + (np.float16,) + FLOAT_DTYPES
SHAPES = ((), (0,), (1,), (7,), (33,), (300,), (0, 3), (3, 0), (1, 1), (4, 5), (17, 3),
          (2, 3, 4), (3, 1, 5), (2, 0, 2))


def values(shape, dtype, seed=0, special=True):
    """Random values of `dtype` in `shape`: logits of several scales, plus (floats)
    NaN, +-inf and -0.0 when `special`."""
    rng = np.random.default_rng(seed)
    dtype = np.dtype(dtype)
    n = int(np.prod(shape, dtype=np.int64))
    if dtype.kind == "b":
        flat = rng.integers(0, 2, size=n).astype(bool)
    elif dtype.kind in "iu":
        info = np.iinfo(dtype)
        lo, hi = max(int(info.min), -120), min(int(info.max), 120)
        flat = rng.integers(lo, hi + 1, size=n).astype(dtype)
    else:
        flat = (rng.standard_normal(n) * rng.choice([0.1, 1.0, 5.0, 30.0], size=n))
        flat = flat.astype(dtype)
        if special and n >= 8:
            pos = rng.choice(n, size=min(4, n // 8), replace=False)
            flat[pos] = np.array([np.nan, np.inf, -np.inf, -0.0], dtype=dtype)[:pos.size]
    return flat.reshape(shape)


def _strided(a):
    """A non-contiguous view (every other element in every axis) holding a's values."""
    big = np.zeros(tuple(2 * s + 1 for s in a.shape), dtype=a.dtype)
    view = big[tuple(slice(1, None, 2) for _ in a.shape)]
    view[...] = a
    return view


def _reversed(a):
    """A view with negative strides in every axis holding a's values."""
    idx = tuple(slice(None, None, -1) for _ in a.shape)
    return a[idx].copy()[idx]


def _byteswapped(a):
    return a.astype(a.dtype.newbyteorder("S"))


def _readonly(a):
    b = a.copy()
    b.flags.writeable = False
    return b


def layouts(a):
    """Yield (label, view) pairs; each view has the values of `a` in another layout."""
    a = np.ascontiguousarray(a)
    yield "C", a
    if a.ndim == 0:
        yield "readonly", _readonly(a)
        if a.dtype.itemsize > 1:
            yield "byteswapped", _byteswapped(a)
        return
    yield "F", np.asfortranarray(a)
    yield "strided", _strided(a)
    yield "reversed", _reversed(a)
    if a.ndim >= 2:
        yield "transposed", np.ascontiguousarray(a.T).T
        yield "F-strided", _strided(np.asfortranarray(a))
    if a.dtype.itemsize > 1:
        yield "byteswapped", _byteswapped(a)
        yield "byteswapped-strided", _strided(_byteswapped(a))
    yield "readonly", _readonly(a)
    yield "readonly-strided", _readonly(_strided(a))


def arrays(dtypes=FLOAT_DTYPES, shapes=SHAPES, special=True):
    """Yield (label, array) over dtypes x shapes x layouts."""
    for dtype in dtypes:
        for i, shape in enumerate(shapes):
            base = values(shape, dtype, seed=i, special=special)
            for label, view in layouts(base):
                yield f"{np.dtype(dtype).name}{shape}-{label}", view


# --------------------------------------------------------------- ULP measurement
def _ordinal(a):
    """Integers in the order of the floats (+0 and -0 both 0), as int64."""
    a = np.asarray(a)
    if a.dtype == np.float16:
        i = a.view(np.int16).astype(np.int64)
        return np.where(i < 0, np.int64(-(2**15)) - i, i)
    if a.dtype == np.float32:
        i = a.view(np.int32).astype(np.int64)
        return np.where(i < 0, np.int64(-(2**31)) - i, i)
    if a.dtype == np.float64:
        i = a.view(np.int64)
        return np.where(i < 0, np.iinfo(np.int64).min - i, i)
    raise TypeError(a.dtype)


def ulp_distance(got, ref, tiny_abs=None):
    """Number of representable floats between got and ref (NumPy's nulp definition):
    |got - ref| / ulp, with the ulp of subnormals = 2^-149 / 2^-1074. Both NaN -> 0, one
    NaN -> inf; infinities must match exactly (else inf). `tiny_abs`: (threshold, tol):
    where |ref| < threshold an absolute error <= tol counts as 0."""
    got = np.asarray(got)
    ref = np.asarray(ref)
    assert got.dtype == ref.dtype, (got.dtype, ref.dtype)
    og, orf = _ordinal(got), _ordinal(ref)
    if got.dtype in (np.float16, np.float32):
        d = np.abs(og - orf).astype(np.float64)
    else:
        u = og.view(np.uint64) - orf.view(np.uint64)
        d = np.minimum(u, np.uint64(0) - u).astype(np.float64)
    gn, rn = np.isnan(got), np.isnan(ref)
    d = np.where(gn | rn, np.where(gn & rn, 0.0, np.inf), d)
    gi, ri = np.isinf(got), np.isinf(ref)
    d = np.where((gi | ri) & ~(gn | rn), np.where(got == ref, 0.0, np.inf), d)
    if tiny_abs is not None:
        thr, tol = tiny_abs
        with np.errstate(invalid="ignore"):
            ok = (np.abs(ref) < thr) & (np.abs(got.astype(np.float64) - ref) <= tol)
        d = np.where(ok, 0.0, d)
    return d


def worst(d, x=None):
    """(max ulp, the input where it occurs) for a report line."""
    d = np.asarray(d).ravel()
    if d.size == 0:
        return 0.0, None
    i = int(np.argmax(d))
    return float(d[i]), (None if x is None else np.asarray(x).ravel()[i])


def assert_same(got, ref):
    """Bitwise-identical results (NaN == NaN, -0.0 != 0.0), same dtype and shape."""
    got, ref = np.asarray(got), np.asarray(ref)
    assert got.dtype == ref.dtype, (got.dtype, ref.dtype)
    assert got.shape == ref.shape, (got.shape, ref.shape)
    g = got.astype(got.dtype.newbyteorder("="))
    r = ref.astype(ref.dtype.newbyteorder("="))
    gb = g.view(f"u{g.dtype.itemsize}")
    rb = r.view(f"u{r.dtype.itemsize}")
    same = (gb == rb) | (np.isnan(g) & np.isnan(r))
    if not np.all(same):
        bad = np.argwhere(~same)[:5]
        raise AssertionError(
            "results differ at " + ", ".join(f"{tuple(i)}: {g[tuple(i)]!r} vs {r[tuple(i)]!r}"
                                             for i in bad))
