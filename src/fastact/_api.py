"""Thin Python layer: the wrappers of the rowwise gufuncs and of the elementwise
functions with parameters, and show_config().

Validation happens here, before any kernel runs, so a bad call raises a one-line
TypeError / ValueError / AxisError naming the function and never writes to ``out``.
Elementwise functions without parameters need no wrapper: they are the ufuncs
themselves. Those with parameters get a keyword wrapper generated from the registry
(defaults, checks, per-channel parameters); the ufunc is ``wrapper.ufunc``.
"""
import inspect
import math
import operator

import numpy as np
try:  # NumPy >= 2.0 (the wheels are built against 2.x but run on 1.23.5 and later)
    from numpy.exceptions import AxisError
    from numpy.lib.array_utils import normalize_axis_index
except ImportError:  # pragma: no cover - NumPy 1.x
    from numpy import AxisError
    from numpy.core.multiarray import normalize_axis_index

from . import _ufuncs
from ._registry import ACTIVATIONS, variant_kernels

# NumPy 1.x promotes by value, not by NEP 50: a Python float parameter next to a float32
# 0-d array or scalar picks the float64 loop. The wrappers then pass such parameters as
# float32 (the value the float32 loop would cast them to anyway), so the result dtype is
# the same under every supported NumPy.
_LEGACY_PROMOTION = int(np.__version__.split(".")[0]) < 2
_F32 = np.dtype(np.float32)
_F16 = np.dtype(np.float16)


def _float_dtype(qual, dtype):
    """dtype= of a wrapper as a float16/32/64 numpy.dtype, or TypeError naming qual."""
    try:
        dt = np.dtype(dtype)
    except TypeError:
        dt = None
    if dt is None or dt.kind != "f" or dt.itemsize > 8:
        raise TypeError(f"{qual}: dtype must be float16, float32 or float64, got "
                        f"{dt if dt is not None else repr(dtype)}")
    return dt


def _run(qual, f, *args, **kwargs):
    """f(*args, **kwargs), NumPy's own errors requalified with the function's name."""
    try:
        return f(*args, **kwargs)
    except (TypeError, ValueError) as exc:
        err = _requalified(qual, exc, args + (kwargs.get("out"),))
        if err is None:
            raise
        raise err from None


_NDARRAY_UFUNC = np.ndarray.__array_ufunc__


def _requalified(qual, exc, operands):
    """A plain TypeError / ValueError that NumPy raised for a wrapper's ufunc call
    (parameters that do not broadcast, an out= of the wrong shape), as the same error
    with the function's name in front; raised before any kernel runs, so nothing has
    been written. None (re-raise unchanged) for anything else: errors that name the
    function already (ours), NumPy's own exception classes (AxisError, the casting
    errors, which name the ufunc), and any error when an operand overrides
    __array_ufunc__ (the error may be the override's own: dask, pint, xarray)."""
    msg = str(exc)
    if type(exc) not in (TypeError, ValueError) or msg.startswith("fastact."):
        return None
    for a in operands:
        for b in (a if type(a) is tuple else (a,)):
            if getattr(type(b), "__array_ufunc__", _NDARRAY_UFUNC) is not _NDARRAY_UFUNC:
                return None
    return type(exc)(f"{qual}: {msg}")


_ROWWISE_POLICY = """
    Parameters
    ----------
    x : array_like
        Input; bool and integer input is computed in float64; float16 is computed in
        float32 and rounded once to float16.
    axis : int, default -1
        The axis to normalise over (-1: over each row of a 2-D batch). Any axis of an
        N-D array works without a transposed copy.
    out : ndarray, optional
        Where to write the result (may be ``x`` itself); same shape as ``x``.
    dtype : float16, float32 or float64, optional
        Compute in (and return) this type, ``x`` cast to it first (``torch.softmax``'s
        ``dtype``); float64 input with ``dtype=np.float32`` gives float32.

    Special values (one policy for every rowwise function): the maximum is subtracted
    first, so huge inputs are exact (log_softmax([1e8, 1e8]) = [-ln 2, -ln 2]). If a
    slice contains +inf, the +inf entries share the whole mass equally and every other
    entry gets 0 (log: -inf); a slice that is all -inf is uniform (1/n; log: -log n); a
    NaN anywhere makes its whole slice NaN; a zero-length axis gives an empty result.
    The underlying gufunc, signature (n)->(n), is available as ``.gufunc`` (float16/32/64
    loops only: give it float input; this wrapper computes bool and integers in float64).
"""


def _axis(axis, ndim, qual):
    """axis as a non-negative int below ndim, or TypeError / AxisError naming qual."""
    if type(axis) is int and -ndim <= axis < ndim:  # the common case, fast
        return axis % ndim
    if isinstance(axis, (bool, np.bool_)):
        raise TypeError(f"{qual}: axis must be an integer, got {axis!r}")
    try:
        axis = operator.index(axis)
    except TypeError:
        raise TypeError(f"{qual}: axis must be an integer, got {axis!r}") from None
    if not -ndim <= axis < ndim:  # also keeps huge ints away from C long conversion
        raise AxisError(axis, ndim, msg_prefix=qual)
    return normalize_axis_index(axis, ndim)


def _rowwise(act):
    gufunc = _ufuncs.UFUNCS[act.name]
    direct = _ufuncs.DIRECT[act.name]  # the gufunc's own loop, without its dispatch
    qual = f"fastact.{act.name}"

    fast_dtypes = (np.dtype(np.float32), np.dtype(np.float64))

    def wrapper(x, axis=-1, out=None, *, dtype=None):
        if type(out) is tuple and len(out) == 1:  # out=(o,), as for any ufunc
            out = out[0]
        # The common call first (a float32/64 ndarray, an int axis): nothing to check
        # that the gufunc's loop does not handle itself, so small calls stay cheap.
        if (type(x) is np.ndarray and type(axis) is int and -x.ndim <= axis < x.ndim
                and x.dtype in fast_dtypes and dtype is None
                and (out is None or type(out) is np.ndarray)):
            # None unless C-contiguous, aligned, no partial overlap, axis in range
            y = direct(x, out, axis)
            if y is not None:
                return y
            if axis == -1:
                if out is None:
                    return _run(qual, gufunc, x)
                if out.shape == x.shape:
                    return _run(qual, gufunc, x, out=out)
        if (type(x) is not np.ndarray and not hasattr(x, "dtype")
                and getattr(type(x), "__array_ufunc__", None) not in (None, _NDARRAY_UFUNC)):
            # an override without a dtype to check: handed over with the call as it
            # stands, as NumPy hands over a ufunc call (the override answers for it)
            kw = {k: v for k, v in (("axis", axis), ("out", out), ("dtype", dtype))
                  if v is not None and not (k == "axis" and type(v) is int and v == -1)}
            return gufunc(x, **kw)
        if type(x) is not np.ndarray and not (hasattr(x, "__array_ufunc__")
                                              and hasattr(x, "dtype")):
            try:  # lists, scalars, ...; array-likes that dispatch (dask, xarray) stay
                x = np.asarray(x)
            except (ValueError, TypeError) as exc:
                raise TypeError(f"{qual}: x must be array-like of real numbers ({exc})") from None
        dt = np.dtype(x.dtype)
        kwargs = {}
        if dt.kind != "f" or dt.itemsize > 8:  # float16/32/64 (any byte order) go as is
            if dt.kind not in "biu":
                raise TypeError(f"{qual}: x must hold real numbers (bool, integer, "
                                f"float16/32/64), got dtype {dt}")
            kwargs["dtype"] = np.float64
        if dtype is not None:  # compute in (and return) this float type, as torch's dtype=
            kwargs["dtype"] = _float_dtype(qual, dtype)
        if out is not None:
            if not isinstance(out, np.ndarray):
                raise TypeError(f"{qual}: out must be a numpy.ndarray (or a 1-tuple holding "
                                f"one), got {type(out).__name__}"
                                + (f" of length {len(out)}" if type(out) is tuple else ""))
            kwargs["out"] = out
        shape = np.shape(x)
        if not shape:  # a scalar is a slice of length 1
            _axis(axis, 1, qual)
            x = np.reshape(x, (1,))
            if out is not None:
                if out.shape != ():
                    raise ValueError(f"{qual}: out must have shape (), got {out.shape}")
                kwargs["out"] = out.reshape(1)
                _run(qual, gufunc, x, **kwargs)
                return out
            return _run(qual, gufunc, x, **kwargs)[0]
        axis = _axis(axis, len(shape), qual)
        if out is not None and out.shape != shape:
            raise ValueError(f"{qual}: out must have the shape of x, {shape}, "
                             f"got {out.shape}")
        if axis != len(shape) - 1:  # the last axis is the gufunc's own core axis
            kwargs["axis"] = axis
        return _run(qual, gufunc, x, **kwargs)

    wrapper.__name__ = wrapper.__qualname__ = act.name
    wrapper.__module__ = "fastact"
    wrapper.__doc__ = (f"{act.name}(x, axis=-1, out=None, *, dtype=None)\n\n    {act.formula}.\n"
                       f"    Same function as: {act.peers}.\n{_ROWWISE_POLICY}\n"
                       f"    Examples\n    --------\n    >>> import numpy as np, fastact\n"
                       + "".join(f"    {line}\n" for line in act.example.splitlines()))
    wrapper.gufunc = gufunc
    return wrapper


_OPS = {"<=": operator.le, ">=": operator.ge, "<": operator.lt, ">": operator.gt,
        "!=": operator.ne}
_UFUNC_KW = ("dtype", "casting", "order", "subok", "signature")


def _param_value(qual, pname, v):
    """(value to pass to the ufunc, array to validate) for one parameter. Python scalars
    are passed as they are, so that under NEP 50 they do not widen float32 input."""
    if type(v) in (float, int):
        if type(v) is float and math.isnan(v):
            raise ValueError(f"{qual}: {pname} must not be NaN")
        return v, None
    try:
        arr = np.asarray(v)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{qual}: {pname} must be a real number or array ({exc})") from None
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"{qual}: {pname} must be a real number or array of them, got "
                        f"dtype {arr.dtype}")
    if arr.dtype.kind == "f" and np.isnan(arr).any():
        raise ValueError(f"{qual}: {pname} must not be NaN"
                         + (" (it holds NaN)" if arr.ndim else ""))
    return (v if isinstance(v, (np.ndarray, np.generic)) else arr), arr


def _check(qual, act, vals):
    for left, op, right in act.checks:
        a = vals[left]
        b = vals[right] if isinstance(right, str) else right
        with np.errstate(invalid="ignore"):
            ok = np.all(_OPS[op](np.asarray(a), np.asarray(b)))
        if not ok:
            raise ValueError(f"{qual}: {left} must be {op} {right}"
                             + (f" (got {left}={a!r}, {right}={b!r})"
                                if isinstance(right, str) else f" (got {a!r})"))


def _parametrised(act):
    ufunc = _ufuncs.UFUNCS[act.name]
    qual = f"fastact.{act.name}"
    names = tuple(p for p, _ in act.params)
    defaults = tuple(d for _, d in act.params)
    nparams = len(names)

    def wrapper(x, *args, out=None, where=True, **kwargs):
        if len(args) > nparams:
            raise TypeError(f"{qual}() takes at most {nparams + 1} positional arguments "
                            f"({len(args) + 1} given)")
        vals = dict(zip(names, defaults))
        vals.update(zip(names, args))
        for k in list(kwargs):
            if k in vals:
                if names.index(k) < len(args):
                    raise TypeError(f"{qual}() got multiple values for argument {k!r}")
                vals[k] = kwargs.pop(k)
            elif k not in _UFUNC_KW:
                raise TypeError(f"{qual}() got an unexpected keyword argument {k!r}")
        ndim = None
        call = []
        for k in names:
            v = vals[k]
            if v is None:
                raise TypeError(f"{qual}() missing required argument {k!r}"
                                if defaults[names.index(k)] is None else
                                f"{qual}: {k} must be a real number or array, got None")
            v, arr = _param_value(qual, k, v)
            if k in act.channel and arr is not None and arr.ndim == 1 and arr.size > 1:
                ndim = np.ndim(x) if ndim is None else ndim
                if ndim >= 2:
                    if np.shape(x)[1] != arr.size:
                        raise ValueError(f"{qual}: {k} has {arr.size} entries, but x has "
                                         f"{np.shape(x)[1]} channels (axis 1)")
                    v = arr.reshape((arr.size,) + (1,) * (ndim - 2))
            call.append(v)
        if act.checks:
            _check(qual, act, vals)
        if kwargs.get("dtype") is not None and "signature" not in kwargs:
            # dtype= names the result type; the float16 loop takes float32 parameters
            # (e + f... -> e), which NumPy's dtype= matching (all operands alike) misses
            if _float_dtype(qual, kwargs["dtype"]) == _F16:
                del kwargs["dtype"]
                kwargs["signature"] = ("e",) + ("f",) * nparams + ("e",)
        if (_LEGACY_PROMOTION and getattr(x, "dtype", None) == _F32
                and kwargs.get("dtype") is None and kwargs.get("signature") is None):
            call = [np.float32(v) if type(v) in (float, int) else v for v in call]
        if out is not None:
            kwargs["out"] = out
        if where is not True:
            kwargs["where"] = where
        return _run(qual, ufunc, x, *call, **kwargs)

    params = [inspect.Parameter("x", inspect.Parameter.POSITIONAL_OR_KEYWORD)]
    params += [inspect.Parameter(k, inspect.Parameter.POSITIONAL_OR_KEYWORD,
                                 **({} if d is None else {"default": d}))
               for k, d in act.params]
    params += [inspect.Parameter("out", inspect.Parameter.KEYWORD_ONLY, default=None),
               inspect.Parameter("where", inspect.Parameter.KEYWORD_ONLY, default=True),
               inspect.Parameter("kwargs", inspect.Parameter.VAR_KEYWORD)]
    wrapper.__signature__ = inspect.Signature(params)
    wrapper.__name__ = wrapper.__qualname__ = act.name
    wrapper.__module__ = "fastact"
    pdoc = "".join(
        f"    {k} : float or array_like, " + ("required" if d is None else f"default {d!r}")
        + (" (a 1-D array of length C applies along axis 1 of an N-D x)"
           if k in act.channel else " (broadcasts against x)") + "\n"
        for k, d in act.params)
    checks = "".join(f"    {l} {op} {r}\n" for l, op, r in act.checks)
    wrapper.__doc__ = (
        f"{act.name}{wrapper.__signature__}\n\n    {act.formula}.\n"
        f"    Same function as: {act.peers}.\n\n"
        f"    Parameters\n    ----------\n    x : array_like\n"
        f"        float16/32/64 keep their dtype (float16 computed in float32, rounded "
        f"once); bool and integers give float64. A Python float parameter does not "
        f"widen float32 input.\n{pdoc}"
        f"    out, where, dtype, casting, order, subok : as for any NumPy ufunc.\n\n"
        f"    Raises ValueError (nothing written to out) for a NaN parameter"
        + (f" or unless:\n{checks}" if checks else ".\n")
        + f"    The underlying ufunc (nin = {nparams + 1}) is ``.ufunc``.\n\n"
        f"    Examples\n    --------\n    >>> import numpy as np, fastact\n"
        + "".join(f"    {line}\n" for line in act.example.splitlines()))
    wrapper.ufunc = ufunc
    return wrapper


def _variants(act):
    """A keyword wrapper choosing one ufunc per value of the variant keyword (gelu's
    approximate="none" | "tanh"). Design: one ufunc per variant keeps every kernel a plain
    elementwise loop (no string reaches the loops, no per-element branching); the wrapper
    only validates the keyword and forwards out=, where= and the ufunc keywords."""
    (keyword, values), = act.variants
    ufuncs = {v: _ufuncs.UFUNCS[k] for v, k in variant_kernels(act).items()}
    qual = f"fastact.{act.name}"
    choices = " or ".join(repr(v) for v in values)

    def wrapper(x, *args, out=None, where=True, **kwargs):
        if len(args) > 1:
            raise TypeError(f"{qual}() takes at most 2 positional arguments "
                            f"({len(args) + 1} given)")
        if args and keyword in kwargs:
            raise TypeError(f"{qual}() got multiple values for argument {keyword!r}")
        value = args[0] if args else kwargs.pop(keyword, values[0])
        for k in kwargs:
            if k not in _UFUNC_KW:
                raise TypeError(f"{qual}() got an unexpected keyword argument {k!r}")
        ufunc = ufuncs.get(value) if type(value) is str else None
        if ufunc is None:
            raise ValueError(f"{qual}: {keyword} must be {choices}, got {value!r}")
        if out is not None:
            kwargs["out"] = out
        if where is not True:
            kwargs["where"] = where
        return _run(qual, ufunc, x, **kwargs)

    P = inspect.Parameter
    wrapper.__signature__ = inspect.Signature([
        P("x", P.POSITIONAL_OR_KEYWORD), P(keyword, P.POSITIONAL_OR_KEYWORD, default=values[0]),
        P("out", P.KEYWORD_ONLY, default=None), P("where", P.KEYWORD_ONLY, default=True),
        P("kwargs", P.VAR_KEYWORD)])
    wrapper.__name__ = wrapper.__qualname__ = act.name
    wrapper.__module__ = "fastact"
    wrapper.__doc__ = (
        f"{act.name}{wrapper.__signature__}\n\n    {act.formula}.\n"
        f"    Same function as: {act.peers}.\n\n"
        f"    Parameters\n    ----------\n    x : array_like\n"
        f"        float16/32/64 keep their dtype (float16 computed in float32, rounded "
        f"once); bool and integers give float64.\n"
        f"    {keyword} : {choices}, default {values[0]!r}\n"
        f"        Which formula; anything else raises ValueError (nothing written to out).\n"
        f"    out, where, dtype, casting, order, subok : as for any NumPy ufunc.\n\n"
        f"    The ufunc of each choice is ``.ufuncs[{keyword}]``; ``.ufunc`` is the default "
        f"one ({values[0]!r}).\n\n"
        f"    Examples\n    --------\n    >>> import numpy as np, fastact\n"
        + "".join(f"    {line}\n" for line in act.example.splitlines()))
    wrapper.ufunc = ufuncs[values[0]]
    wrapper.ufuncs = ufuncs
    return wrapper


def _as_array(x, qual):
    """x as an array (array-likes that dispatch through __array_ufunc__ stay as they
    are), or TypeError naming qual; and the dtype it is computed in."""
    if type(x) is not np.ndarray and not (hasattr(x, "__array_ufunc__")
                                          and hasattr(x, "dtype")):
        try:
            x = np.asarray(x)
        except (ValueError, TypeError) as exc:
            raise TypeError(f"{qual}: x must be array-like of real numbers ({exc})") from None
    dt = np.dtype(x.dtype)
    if not (dt.kind in "biu" or (dt.kind == "f" and dt.itemsize <= 8)):
        raise TypeError(f"{qual}: x must hold real numbers (bool, integer, float16/32/64), "
                        f"got dtype {dt}")
    return x


def _split(act):
    """glu-like: the binary ufunc k_<name>(a, b) on the halves a, b of x along axis
    (views, no copy); out is checked before anything is written."""
    ufunc = _ufuncs.UFUNCS[act.name]
    direct = _ufuncs.DIRECT[act.name]  # one loop over C-contiguous halves, threaded
    qual = f"fastact.{act.name}"
    fast_dtypes = (np.dtype(np.float32), np.dtype(np.float64))

    def wrapper(x, axis=-1, *, out=None):
        if type(out) is tuple and len(out) == 1:  # out=(o,), as for any ufunc
            out = out[0]
        if (type(x) is np.ndarray and type(axis) is int and -x.ndim <= axis < x.ndim
                and x.dtype in fast_dtypes and (out is None or type(out) is np.ndarray)):
            y = direct(x, out, axis)  # None unless contiguous, even length, no overlap
            if y is not None:
                return y
        x = _as_array(x, qual)
        shape = np.shape(x)
        if not shape:
            raise ValueError(f"{qual}: x must have at least one dimension (a 0-d input "
                             f"cannot be split in halves)")
        axis = _axis(axis, len(shape), qual)
        n = shape[axis]
        if n % 2:
            raise ValueError(f"{qual}: the length of axis {axis} must be even to split x in "
                             f"halves, got {n}")
        oshape = shape[:axis] + (n // 2,) + shape[axis + 1:]
        if out is not None:
            if not isinstance(out, np.ndarray):
                raise TypeError(f"{qual}: out must be a numpy.ndarray, got "
                                f"{type(out).__name__}")
            if out.shape != oshape:
                raise ValueError(f"{qual}: out must have shape {oshape} (x halved along "
                                 f"axis {axis}), got {out.shape}")
        lead = (slice(None),) * axis
        a, b = x[lead + (slice(0, n // 2),)], x[lead + (slice(n // 2, n),)]
        return _run(qual, ufunc, a, b) if out is None else _run(qual, ufunc, a, b, out=out)

    wrapper.__name__ = wrapper.__qualname__ = act.name
    wrapper.__module__ = "fastact"
    wrapper.__doc__ = (
        f"{act.name}(x, axis=-1, *, out=None)\n\n    {act.formula}.\n"
        f"    Same function as: {act.peers}.\n\n"
        f"    Parameters\n    ----------\n    x : array_like\n"
        f"        At least 1-D, even length along axis. float16/32/64 keep their dtype "
        f"(float16 computed in float32, rounded once); bool and integers give float64.\n"
        f"    axis : int, default -1\n        The axis to split (any axis, no copy).\n"
        f"    out : ndarray, optional\n        Shape of x with axis halved (or a 1-tuple "
        f"holding one); checked before anything is written.\n\n"
        f"    Raises ValueError (naming the axis) for an odd length. The underlying binary "
        f"ufunc a * sigmoid(b) is ``.ufunc``.\n\n"
        f"    Examples\n    --------\n    >>> import numpy as np, fastact\n"
        + "".join(f"    {line}\n" for line in act.example.splitlines()))
    wrapper.ufunc = ufunc
    return wrapper


def _public(act):
    if act.kind == "rowwise":
        return _rowwise(act)
    if act.kind == "split":
        return _split(act)
    if act.variants:
        return _variants(act)
    return _parametrised(act) if act.params else _ufuncs.UFUNCS[act.name]


FUNCTIONS = {a.name: _public(a) for a in ACTIVATIONS}


def config():
    """Build and run-time facts as a dict (what ``show_config`` prints)."""
    from . import _build_config
    import platform

    build = _build_config.CONFIG
    return {
        "fastact": _version(),
        "numpy": np.__version__,
        "numpy (built against)": build.get("numpy_build"),
        "python": platform.python_version(),
        "machine": platform.machine(),
        "compiler": f"{_ufuncs.COMPILER} ({build.get('compiler')})",
        "dispatch": _ufuncs.DISPATCH,
        "threads": f"{_ufuncs.get_num_threads()} (OpenMP: {'yes' if _ufuncs.has_openmp() else 'no'};"
                   f" FASTACT_NUM_THREADS / fastact.set_num_threads)",
        "available paths": ", ".join(_ufuncs.AVAILABLE),
        **{f"flags [{isa}]": flags + ("" if isa in _ufuncs.AVAILABLE
                                       else " (built; this CPU cannot run it)")
           for isa, flags in build.get("paths", {}).items()},
    }


def _version():
    from importlib.metadata import PackageNotFoundError, version
    try:
        return version("fastact")
    except PackageNotFoundError:  # pragma: no cover
        return "0+unknown"


def show_config():
    """Print the version, NumPy version, kernel path in use and the compiler flags."""
    for key, value in config().items():
        print(f"{key:>22}: {value}")
