"""The rowwise functions' direct call (_ufuncs.RowwiseDirect): the common call (a native,
aligned, C-contiguous float32/float64 ndarray over any one axis) runs the gufunc's own
loop without NumPy's gufunc machinery. It must give the gufunc's bits, take out= as the
gufunc does, and leave every other call (layouts, overlap, dtypes, errors) to the
gufunc."""
import numpy as np
import pytest

import fastact
from fastact import _ufuncs
from fastact._registry import ROWWISE

import arrays

SHAPES = [(1,), (7,), (1000,), (3, 5), (4, 1), (2, 3, 17), (70, 1000)]  # last: threaded


def _rows(shape, dtype, seed):
    x = arrays.values(shape, dtype, seed=seed) * 5
    if x.size >= 8:  # special values in some rows (the +inf / -inf / NaN policy)
        flat = x.reshape(-1, shape[-1])
        flat[0, 0] = np.inf
        flat[-1, -1] = np.nan
        if flat.shape[0] > 2:
            flat[1, :] = -np.inf
    return x


@pytest.mark.parametrize("name", ROWWISE)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", SHAPES)
def test_direct_gives_the_gufuncs_bits(name, dtype, shape):
    f = getattr(fastact, name)
    x = _rows(shape, dtype, seed=len(shape))
    want = f.gufunc(x)
    direct = _ufuncs.DIRECT[name](x, None)
    assert direct is not None and direct.dtype == dtype and direct.shape == x.shape
    arrays.assert_same(direct, want)
    arrays.assert_same(f(x), want)
    out = np.full_like(x, 42)
    assert f(x, out=out) is out
    arrays.assert_same(out, want)
    inplace = x.copy()
    assert f(inplace, out=inplace) is inplace
    arrays.assert_same(inplace, want)


AXIS_SHAPES = [((1000, 1), 0), ((5, 7), 0), ((3, 5, 17), 1), ((3, 5, 17), 0), ((3, 5, 17), -3),
               ((2, 33, 4, 3), 1), ((4, 1), -2), ((300, 300), 0)]  # last: threaded


@pytest.mark.parametrize("name", ROWWISE)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape, axis", AXIS_SHAPES)
def test_direct_over_another_axis_gives_the_gufuncs_bits(name, dtype, shape, axis):
    f = getattr(fastact, name)
    x = np.moveaxis(_rows(np.moveaxis(np.empty(shape), axis, -1).shape, dtype, seed=5),
                    -1, axis).copy()  # special values along the axis normalised over
    want = f.gufunc(x, axis=axis)
    direct = _ufuncs.DIRECT[name](x, None, axis)
    assert direct is not None and direct.dtype == dtype and direct.shape == x.shape
    arrays.assert_same(direct, want)
    arrays.assert_same(f(x, axis=axis), want)
    out = np.full_like(x, 42)
    assert f(x, axis=axis, out=out) is out
    arrays.assert_same(out, want)
    inplace = x.copy()
    assert f(inplace, axis=axis, out=inplace) is inplace
    arrays.assert_same(inplace, want)


@pytest.mark.parametrize("name", ROWWISE)
def test_direct_declines_an_axis_out_of_range_and_the_wrapper_raises(name):
    x = _rows((6, 8), np.float64, seed=3)
    out = np.full_like(x, 42)
    for axis in (2, -3, 99):
        assert _ufuncs.DIRECT[name](x, None, axis) is None
        with pytest.raises(np.exceptions.AxisError if hasattr(np, "exceptions")
                           else np.AxisError, match=f"fastact.{name}"):
            getattr(fastact, name)(x, axis=axis, out=out)
    assert np.all(out == 42)


@pytest.mark.parametrize("name", ROWWISE)
def test_direct_declines_what_the_gufunc_must_handle(name):
    d = _ufuncs.DIRECT[name]
    x = _rows((6, 8), np.float64, seed=2)
    y = np.empty_like(x)
    unaligned = np.frombuffer(b"\0" + x.tobytes(), dtype=np.float64, offset=1).reshape(6, 8)
    declined = [
        (x[:, ::2], None),                            # not contiguous
        (x.T, None),                                  # Fortran order
        (unaligned, None),                            # not aligned
        (x.astype(">f8"), None),                      # byte-swapped
        (x.astype(np.float16), None),                 # no direct float16 loop
        (np.arange(48).reshape(6, 8), None),
        (np.array(3.0), None),                        # 0-d
        (np.empty((3, 0)), None),                     # empty core axis
        (x, y.astype(np.float32)),                    # out of another dtype
        (x, y[:, :4]),                                # out of another shape
        (x, np.empty((6, 8, 1))),
        (x, np.asfortranarray(y)),                    # out not contiguous
        (x, y[::-1]),                                 # negative strides
        (x, [[0.0] * 8] * 6),                         # not an ndarray
    ]
    for xi, out in declined:
        assert d(xi, out) is None, (xi.dtype, xi.shape, getattr(out, "shape", out))
    read_only = y.copy()
    read_only.flags.writeable = False
    assert d(x, read_only) is None
    big = np.arange(100.0)
    assert d(big[10:90].reshape(10, 8), big[0:80].reshape(10, 8)) is None  # partial overlap


@pytest.mark.parametrize("name", ROWWISE)
def test_calls_the_direct_path_declines_still_work(name):
    # every declined case goes on through the gufunc, with its results and its errors
    f = getattr(fastact, name)
    x = _rows((6, 8), np.float64, seed=4)
    want = f.gufunc(x)
    big = np.arange(100.0) / 10
    a, b = big[10:90].reshape(10, 8), big[0:80].reshape(10, 8)
    expect = f.gufunc(a.copy())
    f(a, out=b)  # overlapping: NumPy copies first
    arrays.assert_same(b, expect)
    arrays.assert_same(f(np.asfortranarray(x)), want)
    arrays.assert_same(f(x.astype(">f8")), want)
    read_only = np.empty_like(x)
    read_only.flags.writeable = False
    with pytest.raises(ValueError):
        f(x, out=read_only)
    wrong = np.full((6, 8), 7, dtype=np.int32)
    with pytest.raises(TypeError):
        f(x, out=wrong)
    assert np.all(wrong == 7)


def test_direct_calls_use_the_thread_limit_and_give_the_same_bits():
    x = _rows((200, 1000), np.float32, seed=9)
    try:
        fastact.set_num_threads(1)
        one = fastact.softmax(x)
    finally:
        fastact.set_num_threads(0)
    arrays.assert_same(fastact.softmax(x), one)
    arrays.assert_same(fastact.softmax.gufunc(x), one)
