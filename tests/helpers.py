"""Shared helpers: the kernels of every instruction-set path, and a reference softmax."""
import numpy as np

from fastact import _ufuncs
from fastact._registry import ACTIVATIONS, BY_NAME, ELEMENTWISE, ROWWISE, variant_kernels

PATHS = _ufuncs.AVAILABLE
NAMES = tuple(a.name for a in ACTIVATIONS)
_CACHE = {}
# Values for parameters without a default, used wherever a test calls "every function"
REQUIRED_VALUES = {("prelu", "weight"): 0.25, ("frelu", "bias"): -0.5,
                   ("threshold", "threshold"): 0.5, ("threshold", "value"): -2.0}
# The parameters every generic test passes: the registry defaults (PyTorch's)
PARAMS = {a.name: tuple(REQUIRED_VALUES[a.name, p] if d is None else d for p, d in a.params)
          for a in ACTIVATIONS}
# the variants' internal ufuncs (gelu_tanh) take their activation's parameters
PARAMS.update({k: PARAMS[a.name] for a in ACTIVATIONS for k in variant_kernels(a).values()})
# every ufunc make_ufuncs builds: the elementwise ones (ELEMENTWISE) and the rowwise gufuncs
KERNEL_NAMES = tuple(ELEMENTWISE) + ROWWISE
# the elementwise ufuncs of one input (x, then parameters): unary activations and variants
UNARY_KERNELS = tuple(n for n in ELEMENTWISE if n not in
                      {a.name for a in ACTIVATIONS if a.kind == "split"})


def kernels(path):
    """{name: ufunc or raw gufunc} built from the kernels of `path` (cached)."""
    if path not in _CACHE:
        _CACHE[path] = _ufuncs.make_ufuncs(path)
    return _CACHE[path]


def call(path, name, x, *params, axis=-1, **kw):
    """Apply `name` with the kernels of `path` (the raw gufunc takes axis=); the raw ufunc
    of a function with parameters gets `params`, default PARAMS[name]."""
    f = kernels(path)[name]
    if name in ROWWISE:
        return f(x, axis=axis, **kw)
    return f(x, *(params or PARAMS[name]), **kw)


# long double has >= 64 mantissa bits on x86 Linux/macOS-x86; elsewhere it may be double
LONGDOUBLE_EXACT = np.finfo(np.longdouble).nmant >= 63


def rowwise_ref(x, axis=-1, log=False):
    """softmax / log_softmax computed in long double (float32 input: accurate to far below
    float32 rounding), with fastact's special-value policy; result in x's float dtype
    (float64 for ints/bool)."""
    x = np.asarray(x)
    dt = x.dtype if x.dtype in (np.float32, np.float64) else (
        np.dtype(np.float32) if x.dtype == np.float16 else np.dtype(np.float64))
    work = np.longdouble if dt == np.float64 else np.float64
    xl = np.moveaxis(x.astype(work), axis, -1)
    n = xl.shape[-1]
    with np.errstate(all="ignore"):
        nanrow = np.isnan(xl).any(-1, keepdims=True)
        m = np.max(np.where(np.isnan(xl), -np.inf, xl), axis=-1, keepdims=True) if n else \
            np.zeros(xl.shape[:-1] + (1,), work)
        finite = np.isfinite(m)
        mm = np.where(finite, m, 0)
        d = xl - mm
        e = np.exp(d)
        atmax = d == 0
        k = atmax.sum(-1, keepdims=True)
        rest = np.where(atmax, 0, e).sum(-1, keepdims=True)
        total = k + rest
        if log:
            y = d - np.where(k == 1, np.log1p(rest), np.log(total))
        else:
            y = e / total
        hit = xl == np.inf
        ninf = hit.sum(-1, keepdims=True)
        if log:
            pos = np.where(hit, -np.log(np.maximum(ninf, 1).astype(work)), -np.inf)
            neg = np.broadcast_to(-np.log(work(max(n, 1))), xl.shape)
        else:
            pos = hit / np.maximum(ninf, 1).astype(work)
            neg = np.broadcast_to(work(1) / max(n, 1), xl.shape)
        y = np.where(m == np.inf, pos, y)
        y = np.where(m == -np.inf, neg, y)
        y = np.where(nanrow, np.nan, y)
    return np.moveaxis(y, -1, axis).astype(dt)


def ref_tolerance(dtype):
    """ULP budget vs rowwise_ref: 2, plus 1 where long double is only double."""
    return 2 if (np.dtype(dtype) == np.float32 or LONGDOUBLE_EXACT) else 3


def tiny_rule(dtype):
    """(threshold, abs tol): results below threshold may be off by 2 subnormal ulps."""
    if np.dtype(dtype) == np.float32:
        return (1e-30, 2 * 2.0**-149)
    return (1e-300, 2 * 2.0**-1074)
