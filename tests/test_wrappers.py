"""The Python wrappers (_api.py) as a NumPy user calls them: dtype= (float16 included) on
the wrappers with parameters and on the rowwise functions, out=(o,), and NumPy's own
errors (broadcasting, out= shape / casting) re-raised with the function's name, before
anything is written."""
import numpy as np
import pytest

try:
    from numpy.exceptions import AxisError
except ImportError:  # NumPy < 1.25
    from numpy import AxisError

import fastact
from fastact._registry import ACTIVATIONS, ROWWISE

import arrays
from helpers import PARAMS

PARAM_NAMES = tuple(a.name for a in ACTIVATIONS if a.params and a.kind == "unary")
WRAPPED = tuple(a.name for a in ACTIVATIONS if a.params or a.variants or a.kind != "unary")


def _args(name):
    """The positional parameters the generic tests pass (the required ones included)."""
    act = next(a for a in ACTIVATIONS if a.name == name)
    return PARAMS[name] if act.params else ()


@pytest.mark.parametrize("name", PARAM_NAMES + ("gelu",))
@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_dtype_keyword_gives_that_type(name, dtype):
    # dtype= casts x (same_kind) and computes in that type: the same bits as passing x
    # already cast; float16 goes through the e+f...->e loop of the wrappers with parameters
    x = arrays.values((5, 7), np.float64, seed=3) * 4
    f = getattr(fastact, name)
    res = f(x, *_args(name), dtype=dtype)
    assert res.dtype == dtype
    arrays.assert_same(res, f(x.astype(dtype), *_args(name)))


@pytest.mark.parametrize("name", PARAM_NAMES)
def test_dtype_keyword_rejects_non_float_types_naming_the_function(name):
    x = np.linspace(-2, 2, 6)
    out = np.full(6, 42.0)
    with pytest.raises(TypeError, match=f"fastact.{name}: dtype must be float16, float32"):
        getattr(fastact, name)(x, *_args(name), dtype=np.int32, out=out)
    assert np.all(out == 42.0)


@pytest.mark.parametrize("name", ROWWISE)
@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
@pytest.mark.parametrize("axis", [-1, 0])
def test_rowwise_dtype_keyword(name, dtype, axis):
    x = arrays.values((6, 9), np.float64, seed=5) * 3
    f = getattr(fastact, name)
    res = f(x, axis=axis, dtype=dtype)
    assert res.dtype == dtype
    arrays.assert_same(res, f(x.astype(dtype), axis=axis))
    ints = np.arange(12).reshape(3, 4)
    arrays.assert_same(f(ints, dtype=np.float32), f(ints.astype(np.float32)))


@pytest.mark.parametrize("name", ROWWISE)
@pytest.mark.parametrize("bad", [np.int64, "complex128", "nonsense", object])
def test_rowwise_dtype_keyword_rejects_others(name, bad):
    out = np.full((2, 3), 42.0)
    with pytest.raises(TypeError, match=f"fastact.{name}: dtype must be float16"):
        getattr(fastact, name)(np.ones((2, 3)), dtype=bad, out=out)
    assert np.all(out == 42.0)


@pytest.mark.parametrize("name", ROWWISE)
def test_rowwise_bad_dtype_and_out_tuples_say_what_they_got(name):
    f = getattr(fastact, name)
    with pytest.raises(TypeError, match=r"dtype must be float16, float32 or float64, got int32$"):
        f(np.ones(3), dtype=np.int32)
    o = np.empty(3)
    for bad, what in (((o, o), "tuple of length 2"), ((), "tuple of length 0")):
        with pytest.raises(TypeError, match=f"or a 1-tuple holding one\\), got {what}$"):
            f(np.ones(3), out=bad)


@pytest.mark.parametrize("name", ROWWISE)
def test_rowwise_out_as_one_tuple(name):
    x = arrays.values((4, 5), np.float32, seed=1)
    out = np.empty_like(x)
    res = getattr(fastact, name)(x, out=(out,))
    assert res is out
    arrays.assert_same(out, getattr(fastact, name)(x))


@pytest.mark.parametrize("name", PARAM_NAMES + ("gelu",))
def test_broadcast_errors_name_the_function_and_write_nothing(name):
    x = np.linspace(-3, 3, 6)
    f = getattr(fastact, name)
    out = np.full(6, 42.0)
    args = _args(name)
    if args:  # a parameter that does not broadcast against x
        bad = (np.full(4, args[0]),) + args[1:]
        with pytest.raises(ValueError, match=f"^fastact.{name}: .*broadcast"):
            f(x, *bad, out=out)
        assert np.all(out == 42.0)
    wrong = np.full(4, 42.0)
    with pytest.raises(ValueError, match=f"^fastact.{name}: "):
        f(x, *args, out=wrong)
    assert np.all(wrong == 42.0)


@pytest.mark.parametrize("name", WRAPPED)
def test_out_casting_errors_name_the_function(name):
    # NumPy's casting error (its own class, kept for except clauses) names the ufunc
    x = np.linspace(-3, 3, 8).reshape(2, 4)
    shape = (2, 2) if name == "glu" else (2, 4)
    out = np.full(shape, 7, dtype=np.int32)
    with pytest.raises(TypeError, match=f"'{name}'|fastact.{name}: "):
        getattr(fastact, name)(x, *_args(name), out=out)
    assert np.all(out == 7)


class _UnitError(ValueError):
    pass


class _Duck:
    """An array-like whose __array_ufunc__ raises its own errors (as pint, dask do)."""
    dtype = np.dtype(np.float64)
    shape = (4,)
    ndim = 1

    def __init__(self, exc):
        self.exc = exc

    def __getitem__(self, key):  # glu takes the halves as views
        return self

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        raise self.exc


@pytest.mark.parametrize("name", WRAPPED)
@pytest.mark.parametrize("exc", [_UnitError("bad unit"), ValueError("duck says no"),
                                 TypeError("duck type")])
def test_errors_of_an_array_ufunc_override_pass_through_unchanged(name, exc):
    with pytest.raises(type(exc)) as info:
        getattr(fastact, name)(_Duck(exc), *_args(name))
    assert info.value is exc


def test_dtype_none_keeps_float32_under_legacy_promotion(monkeypatch):
    # NumPy 1.x promotes a float32 scalar with a Python float to float64: the wrappers pass
    # such parameters as float32 unless dtype / signature is really given (None is not)
    from fastact import _api
    monkeypatch.setattr(_api, "_LEGACY_PROMOTION", True)
    for kw in ({}, {"dtype": None}):
        assert fastact.elu(np.float32(-1.0), **kw).dtype == np.float32, kw
        assert fastact.leaky_relu(np.float32(-1.0), 0.5, **kw).dtype == np.float32, kw


@pytest.mark.parametrize("name", [a.name for a in ACTIVATIONS
                                  if any(d is not None for _, d in a.params)])
def test_none_for_a_parameter_with_a_default_says_what_is_expected(name):
    act = next(a for a in ACTIVATIONS if a.name == name)
    pname = next(p for p, d in act.params if d is not None)
    with pytest.raises(TypeError, match=f"fastact.{name}: {pname} must be a real number"):
        getattr(fastact, name)(np.ones(3), **{pname: None})


class _Recorder:
    """An override of __array_ufunc__ with no dtype or shape: it records the call."""

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        return ("handled", ufunc.__name__, method, kwargs)


@pytest.mark.parametrize("name", ROWWISE)
def test_rowwise_hands_an_override_without_dtype_to_its_gufunc(name):
    f = getattr(fastact, name)
    tag, ufunc, method, kwargs = f(_Recorder())
    assert (tag, method, kwargs) == ("handled", "__call__", {})
    assert ufunc == f.gufunc.__name__
    out = np.empty(3)
    assert f(_Recorder(), axis=0, out=out)[3] == {"axis": 0, "out": (out,)}


@pytest.mark.parametrize("name", ROWWISE + ("glu",))
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("axis", [2, -3, 2**31, -2**63, 2**70])
def test_out_of_range_axis_on_the_direct_path_raises_axis_error(name, dtype, axis):
    # float32/64 C-contiguous input with an int axis goes to the direct loop: an axis
    # beyond a C int is checked first, the same AxisError as on the general path
    out = np.full((2, 4), 7.0, dtype)
    with pytest.raises(AxisError, match=f"fastact.{name}"):
        getattr(fastact, name)(np.ones((2, 4), dtype), axis=axis)
    with pytest.raises(AxisError, match=f"fastact.{name}"):
        getattr(fastact, name)(np.ones((2, 4), dtype), axis=axis, out=out)
    assert np.all(out == 7)


def test_glu_takes_out_as_a_one_tuple():
    x = np.linspace(-3, 3, 8).reshape(2, 4)
    out = np.empty((2, 2))
    assert fastact.glu(x, out=(out,)) is out
    np.testing.assert_array_equal(out, fastact.glu(x))
