"""Timing benchmark: fastact against NumPy, SciPy, PyTorch, ONNX Runtime, numexpr and
the np.copyto memory floor.

    python -m fastact bench [--quick] [--csv FILE] [--png FILE] [--threads 1|default|both]
    python benchmarks/bench.py [the same options]

Prints Markdown tables of nanoseconds per element (best of several repeats, each
repeat long enough to be ~75 ms; --quick: shorter and fewer) for every fastact
activation and whichever peers are installed, all on the same buffers in one process:

* elementwise (tanh, softsign, sigmoid): n = 1e3, 1e5, 4e6, 3.2e7 (--no-huge or
  --quick: without 3.2e7), float32 and float64; fastact and peers that accept ``out=``
  write into one preallocated array, composed expressions run as written;
* rowwise (softmax, log_softmax): rows of 1000, i.e. shape (n/1000, 1000) reduced over
  axis -1, and the transposed shape (1000, n/1000), still C-ordered, reduced over axis 0;
* ``np.copyto(out, x)`` on the same input: the memory-bandwidth floor.

Peers: NumPy (always), SciPy, PyTorch (via torch.from_numpy), ONNX Runtime (a one-node
model per op, run with IO binding on the NumPy buffers) and numexpr; one that is not
installed is skipped with a line saying so.

Every case is measured twice (--threads both, the default): once single-threaded
(threadpoolctl limits(1), torch.set_num_threads(1), numexpr.set_num_threads(1), ONNX
Runtime sessions with intra_op_num_threads=1) and once with each library's default
thread count; fastact uses one thread in the first and its default in the second (all
cores for large calls: fastact.set_num_threads(0)). NumPy is single-threaded in both.

This is a timing benchmark, not a test: nothing here asserts on speed. Each peer's
output is compared once with fastact's before timing; a peer that disagrees is reported
as a WARNING and not timed (it would compare different things).

This module only uses fastact's public API (and its registry of activations), so
benchmarks/bench.py can run it from a source checkout against an installed fastact.
"""
import argparse
import csv
import gc
import math
import os
import platform
import sys
import time

import numpy as np

import fastact
from fastact._registry import ACTIVATIONS as _REGISTRY_ACTIVATIONS

# Variants timed as functions of their own: bench name -> (activation, variant value)
BENCH_VARIANTS = {"gelu_tanh": ("gelu", "tanh")}


def _bench_activations():
    """The registry's activations, each variant right after its activation."""
    acts = []
    for a in _REGISTRY_ACTIVATIONS:
        acts.append(a)
        acts.extend(a._replace(name=v, variants=())
                    for v, (base, _) in BENCH_VARIANTS.items() if base == a.name)
    return tuple(acts)


ACTIVATIONS = _bench_activations()

SIZES = (1_000, 100_000, 4_000_000, 32_000_000)
HUGE = 32_000_000  # dropped by --no-huge and --quick
DTYPES = (np.float32, np.float64)
ROW = 1000  # row length of the rowwise benchmarks
SEED = 20240502
SCALE = 4.0  # input: standard normal * SCALE

FULL = {"target": 0.075, "repeats": 7}  # seconds per measurement, repeats (best taken)
QUICK = {"target": 0.010, "repeats": 3}

FLOOR = "np.copyto"
LIBRARIES = ("numpy", "scipy", "torch", "onnxruntime", "numexpr")
MODES = {"1": "single-threaded", "default": "default threads"}


# ---------------------------------------------------------------------------------
# optional libraries
# ---------------------------------------------------------------------------------

def _import_optional(name):
    try:
        return __import__(name, fromlist=["_"])
    except ImportError:
        return None


class Library:
    """One peer library: its module(s), version, and how to set its thread count."""

    def __init__(self, name, module, version, default_threads=None):
        self.name = name
        self.module = module
        self.version = version
        self.default_threads = default_threads  # None: not threaded / not controlled

    def set_threads(self, mode):
        """Apply thread mode "1" or "default"."""
        if self.name in ("torch", "numexpr"):  # ONNX Runtime: one session per mode
            self.module.set_num_threads(1 if mode == "1" else self.default_threads)

    def threads_desc(self, mode):
        if self.default_threads is None:
            return None
        n = 1 if mode == "1" else self.default_threads
        what = {"torch": "torch.set_num_threads", "numexpr": "numexpr.set_num_threads",
                "onnxruntime": "intra_op_num_threads"}[self.name]
        if self.name == "onnxruntime" and mode != "1":
            return f"{what}=0 (ORT's default: one per physical core)"
        return f"{what}({n})" if self.name != "onnxruntime" else f"{what}={n}"


def load_libraries(wanted):
    """({name: Library} of the installed peers among ``wanted``, [lines about the rest])."""
    libs, skipped = {}, []
    for name in wanted:
        try:
            if name == "numpy":
                libs[name] = Library(name, np, np.__version__)
            elif name == "scipy":
                special = _import_optional("scipy.special")
                if special is None:
                    skipped.append("scipy not installed: its peers skipped")
                    continue
                libs[name] = Library(name, special, sys.modules["scipy"].__version__)
            elif name == "torch":
                torch = _import_optional("torch")
                if torch is None:
                    skipped.append("torch not installed: its peers skipped")
                    continue
                libs[name] = Library(name, torch, torch.__version__, torch.get_num_threads())
            elif name == "onnxruntime":
                ort = _import_optional("onnxruntime")
                onnx = _import_optional("onnx")
                if ort is None:
                    skipped.append("onnxruntime not installed: its peers skipped")
                    continue
                if onnx is None:
                    skipped.append("onnx not installed: the onnxruntime peers skipped "
                                   "(their one-node models are built with onnx)")
                    continue
                libs[name] = Library(name, (ort, onnx),
                                     f"{ort.__version__} (onnx {onnx.__version__})", 0)
            elif name == "numexpr":
                ne = _import_optional("numexpr")
                if ne is None:
                    skipped.append("numexpr not installed: its peers skipped")
                    continue
                threads = ne.set_num_threads(1)  # returns the previous count
                ne.set_num_threads(threads)
                libs[name] = Library(name, ne, ne.__version__, threads)
        except Exception as exc:  # a broken install: report it, benchmark the rest
            skipped.append(f"{name} failed to import ({type(exc).__name__}: {exc}): "
                           "its peers skipped")
    return libs, skipped


# ---------------------------------------------------------------------------------
# contenders: name -> factory(x, out, axis) -> thunk() returning the result.
# The factory does the set-up (wrapping buffers, binding), the thunk is what is timed.
# ---------------------------------------------------------------------------------

class Unsupported(Exception):
    """A peer that does not implement this case (e.g. a dtype); reported once."""


def _numpy_sigmoid(x, out, axis):
    return lambda: 1 / (1 + np.exp(-x))


def _numpy_softsign(x, out, axis):
    return lambda: x / (1 + np.abs(x))


def _numpy_softmax(x, out, axis):
    def f():
        e = np.exp(x - x.max(axis, keepdims=True))
        return e / e.sum(axis, keepdims=True)
    return f


def _numpy_softmin(x, out, axis):
    def f():
        e = np.exp(x.min(axis, keepdims=True) - x)
        return e / e.sum(axis, keepdims=True)
    return f


def _halves(x, axis):
    return np.split(x, 2, axis=axis)


def _numpy_glu(x, out, axis):
    def f():
        a, b = _halves(x, axis)
        return a / (1 + np.exp(-b))
    return f


def _numpy_gelu(x, out, axis):
    # NumPy has no erf: math.erfc element by element (x Phi(x) = x erfc(-x/sqrt 2) / 2)
    erfc = np.frompyfunc(math.erfc, 1, 1)
    return lambda: (x * (erfc(x * -np.sqrt(0.5)).astype(x.dtype) * 0.5)).astype(x.dtype)


def _numpy_log_softmax(x, out, axis):
    def f():
        m = x.max(axis, keepdims=True)
        return x - m - np.log(np.sum(np.exp(x - m), axis, keepdims=True))
    return f


# Values of the parameters without a default (the others run at PyTorch's defaults)
BENCH_PARAMS = {"prelu": (0.25,), "frelu": (-0.5,), "threshold": (0.5, -2.0)}


def _params(act):
    return BENCH_PARAMS.get(act.name, tuple(d for _, d in act.params))


# NumPy expressions of the piecewise functions, at the parameters fastact is timed with
_NUMPY_PIECEWISE = {
    "identity": ("np.copy", lambda x, out: np.copy(x)),
    "step": ("np.heaviside", lambda x, out: np.heaviside(x, 1.0, out=out)),
    "relu": ("np.maximum(x, 0)", lambda x, out: np.maximum(x, 0, out=out)),
    "relu6": ("np.clip(x, 0, 6)", lambda x, out: np.clip(x, 0, 6, out=out)),
    "leaky_relu": ("np.where(x > 0, x, 0.01 x)", lambda x, out: np.where(x > 0, x, 0.01 * x)),
    "prelu": ("np.where(x > 0, x, w x)", lambda x, out: np.where(x > 0, x, 0.25 * x)),
    "frelu": ("np.maximum(x, 0) + b", lambda x, out: np.add(np.maximum(x, 0), -0.5)),
    "hardtanh": ("np.clip(x, -1, 1)", lambda x, out: np.clip(x, -1, 1, out=out)),
    "hardsigmoid": ("np.clip(x/6 + 1/2, 0, 1)", lambda x, out: np.clip(x / 6 + 0.5, 0, 1)),
    "hardswish": ("x np.clip(x + 3, 0, 6) / 6", lambda x, out: x * np.clip(x + 3, 0, 6) / 6),
    "hardshrink": ("np.where(|x| > l, x, 0)",
                   lambda x, out: np.where(np.abs(x) > 0.5, x, 0)),
    "softshrink": ("np.where(x > l, x - l, np.where(x < -l, x + l, 0))",
                   lambda x, out: np.where(x > 0.5, x - 0.5, np.where(x < -0.5, x + 0.5, 0))),
    "threshold": ("np.where(x > t, x, v)", lambda x, out: np.where(x > 0.5, x, -2.0)),
    # the exponential family (issue 4): the plain NumPy expressions
    "elu": ("np.where(x > 0, x, np.expm1(x))",
            lambda x, out: np.where(x > 0, x, np.expm1(np.minimum(x, 0)))),
    "selu": ("s np.where(x > 0, x, a np.expm1(x))",
             lambda x, out: 1.0507009873554805 * np.where(
                 x > 0, x, 1.6732632423543772 * np.expm1(np.minimum(x, 0)))),
    "celu": ("np.where(x > 0, x, np.expm1(x))",
             lambda x, out: np.where(x > 0, x, np.expm1(np.minimum(x, 0)))),
    "softplus": ("np.where(x > 20, x, np.logaddexp(0, x))",
                 lambda x, out: np.where(x > 20, x, np.logaddexp(0, x))),
    "log_sigmoid": ("-np.logaddexp(0, -x)", lambda x, out: np.negative(np.logaddexp(0, -x))),
    "silu": ("x / (1 + np.exp(-x))", lambda x, out: x / (1 + np.exp(-x))),
    "mish": ("x np.tanh(np.logaddexp(0, x))", lambda x, out: x * np.tanh(np.logaddexp(0, x))),
    "tanhshrink": ("x - np.tanh(x)", lambda x, out: x - np.tanh(x)),
    "gelu_tanh": ("x/2 (1 + np.tanh(sqrt(2/pi) (x + 0.044715 x^3)))",
                  lambda x, out: x * 0.5 * (1 + np.tanh(0.7978845608028654
                                                        * (x + 0.044715 * x * x * x)))),
}


def _numpy_peers(name, np_):
    if name == "tanh":
        return {"np.tanh": lambda x, out, axis: (lambda: np.tanh(x, out=out))}
    if name in _NUMPY_PIECEWISE:
        label, f = _NUMPY_PIECEWISE[name]
        return {f"numpy {label}": lambda x, out, axis: (lambda: f(x, out))}
    return {"softsign": {"numpy x/(1+abs(x))": _numpy_softsign},
            "sigmoid": {"numpy 1/(1+exp(-x))": _numpy_sigmoid},
            "gelu": {"numpy x erfc(-x/sqrt 2)/2 (math.erfc)": _numpy_gelu},
            "glu": {"numpy a/(1+exp(-b))": _numpy_glu},
            "softmin": {"numpy exp(min-x)/sum": _numpy_softmin},
            "softmax": {"numpy exp(x-max)/sum": _numpy_softmax},
            "log_softmax": {"numpy x-max-log(sum(exp))": _numpy_log_softmax}}[name]


def _scipy_peers(name, special):
    if name == "sigmoid":
        expit = special.expit
        return {"scipy.special.expit": lambda x, out, axis: (lambda: expit(x, out=out))}
    if name in ("softmax", "log_softmax"):
        f = getattr(special, name)
        return {f"scipy.special.{name}": lambda x, out, axis: (lambda: f(x, axis=axis))}
    if name == "softmin":
        sm = special.softmax
        return {"scipy.special.softmax(-x)": lambda x, out, axis: (lambda: sm(-x, axis=axis))}
    if name == "gelu":
        ndtr = special.ndtr
        return {"scipy x ndtr(x)": lambda x, out, axis: (lambda: x * ndtr(x))}
    if name == "glu":
        expit = special.expit
        return {"scipy a expit(b)": lambda x, out, axis: (
            lambda: (lambda a, b: a * expit(b))(*_halves(x, axis)))}
    return {}


def _torch_peers(name, torch):
    def with_out(func):
        def factory(x, out, axis):
            t, to = torch.from_numpy(x), torch.from_numpy(out)
            return lambda: func(t, out=to)
        return factory

    if name == "tanh":
        return {"torch.tanh": with_out(torch.tanh)}
    if name in _TORCH_F:  # torch.nn.functional, no out=
        func = getattr(torch.nn.functional, name)
        params = _TORCH_F[name]

        def factory(x, out, axis):
            t = torch.from_numpy(x)
            return lambda: func(t, *params)
        return {f"torch F.{name}": factory}
    if name == "gelu_tanh":
        gelu = torch.nn.functional.gelu

        def factory(x, out, axis):
            t = torch.from_numpy(x)
            return lambda: gelu(t, approximate="tanh")
        return {'torch F.gelu(approximate="tanh")': factory}
    if name == "sigmoid":
        return {"torch.sigmoid": with_out(torch.sigmoid)}
    if name in ("glu", "softmin"):  # torch.nn.functional, along dim
        func = getattr(torch.nn.functional, name)

        def factory(x, out, axis):
            t = torch.from_numpy(x)
            return lambda: func(t, axis)
        return {f"torch F.{name}": factory}
    if name == "softsign":
        softsign = torch.nn.functional.softsign  # no out=: x / (1 + |x|) in Python

        def factory(x, out, axis):
            t = torch.from_numpy(x)
            return lambda: softsign(t)
        return {"torch F.softsign": factory}
    if name not in ("softmax", "log_softmax"):
        return {}
    func = getattr(torch, name)  # softmax / log_softmax, both with out=

    def factory(x, out, axis):
        t, to = torch.from_numpy(x), torch.from_numpy(out)
        return lambda: func(t, axis, out=to)
    return {f"torch.{name}": factory}


_TORCH_F = {"gelu": (), "relu": (), "relu6": (), "leaky_relu": (0.01,), "hardtanh": (-1.0, 1.0),
            "hardsigmoid": (), "hardswish": (), "hardshrink": (0.5,), "softshrink": (0.5,),
            "threshold": (0.5, -2.0), "elu": (1.0,), "selu": (), "celu": (1.0,),
            "softplus": (1.0, 20.0), "silu": (), "mish": (), "tanhshrink": ()}
# fastact name -> (ONNX op, attributes, constant extra inputs), at the parameters fastact
# is timed with
_ONNX_OPS = {
    "tanh": ("Tanh", {}, ()), "sigmoid": ("Sigmoid", {}, ()), "softsign": ("Softsign", {}, ()),
    "softmax": ("Softmax", {}, ()), "log_softmax": ("LogSoftmax", {}, ()),
    "identity": ("Identity", {}, ()), "relu": ("Relu", {}, ()),
    "relu6": ("Clip", {}, (0.0, 6.0)), "hardtanh": ("Clip", {}, (-1.0, 1.0)),
    "leaky_relu": ("LeakyRelu", {"alpha": 0.01}, ()), "prelu": ("PRelu", {}, ((0.25,),)),
    "elu": ("Elu", {"alpha": 1.0}, ()), "celu": ("Celu", {"alpha": 1.0}, ()),
    "selu": ("Selu", {}, ()), "gelu": ("Gelu", {}, ()), "mish": ("Mish", {}, ()),
    "gelu_tanh": ("Gelu", {"approximate": "tanh"}, ()),
    "softplus": ("Softplus", {}, ()), "hardswish": ("HardSwish", {}, ()),
    "hardsigmoid": ("HardSigmoid", {"alpha": 1 / 6, "beta": 0.5}, ()),
    "softshrink": ("Shrink", {"bias": 0.5, "lambd": 0.5}, ()),
    "hardshrink": ("Shrink", {"bias": 0.0, "lambd": 0.5}, ()),
}
_ONNX_OPSET = 20  # Softmax along one axis since 13, Mish since 18, Gelu since 20


class OrtSessions:
    """One InferenceSession per (op, dtype, axis, thread mode), built on first use."""

    def __init__(self, ort, onnx):
        self.ort, self.onnx = ort, onnx
        self.cache = {}

    def get(self, name, dtype, axis, mode):
        key = (name, dtype.name, axis, mode)
        if key not in self.cache:
            self.cache[key] = self._build(name, dtype, axis, mode)
        if isinstance(self.cache[key], Unsupported):
            raise self.cache[key]
        return self.cache[key]

    def _build(self, name, dtype, axis, mode):
        ort, onnx = self.ort, self.onnx
        helper = onnx.helper
        op, attrs, extra = _ONNX_OPS[name]
        elem = onnx.helper.np_dtype_to_tensor_dtype(dtype)
        kw, dims = ({}, ["n"]) if axis is None else ({"axis": axis}, ["rows", "cols"])
        consts = [onnx.numpy_helper.from_array(np.asarray(v, dtype=dtype), f"c{i}")
                  for i, v in enumerate(extra)]
        node = helper.make_node(op, ["x"] + [c.name for c in consts], ["y"], **kw, **attrs)
        graph = helper.make_graph([node], f"fastact_bench_{op}",
                                  [helper.make_tensor_value_info("x", elem, dims)],
                                  [helper.make_tensor_value_info("y", elem, dims)],
                                  initializer=consts)
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", _ONNX_OPSET)])
        model.ir_version = min(model.ir_version, 8)  # readable by older onnxruntime too
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = 1 if mode == "1" else 0
        if mode == "1":
            opts.inter_op_num_threads = 1
        try:
            return ort.InferenceSession(model.SerializeToString(), opts,
                                        providers=["CPUExecutionProvider"])
        except Exception as exc:
            msg = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            if "NOT_IMPLEMENTED" in msg or "implementation" in msg:
                msg = "not implemented by onnxruntime's CPU provider"
            return Unsupported(f"onnxruntime {op} ({name}) {dtype.name}: {msg}")


def _onnxruntime_peers(name, modules, sessions, dtype, mode):
    ort, _ = modules
    if name not in _ONNX_OPS:
        return {}
    op = _ONNX_OPS[name][0]
    if op == "Shrink" and dtype == np.float64:  # its float64 kernel rounds through float32
        return {}
    if name == "gelu_tanh" and dtype == np.float64:  # ~6e-9 off: not a float64 result
        return {}

    def factory(x, out, axis):
        sess = sessions.get(name, x.dtype, axis, mode)
        io = sess.io_binding()
        # OrtValues wrapping the NumPy buffers (no copy): ORT reads x, writes out
        xv, yv = ort.OrtValue.ortvalue_from_numpy(x), ort.OrtValue.ortvalue_from_numpy(out)
        io.bind_ortvalue_input("x", xv)
        io.bind_ortvalue_output("y", yv)
        run = sess.run_with_iobinding

        def f(io=io, xv=xv, yv=yv):  # keep the OrtValues alive with the binding
            run(io)
            return out
        return f
    return {f"onnxruntime {op}": factory}


_NUMEXPR = {"tanh": "tanh(x)", "sigmoid": "1/(1+exp(-x))", "softsign": "x/(1+abs(x))"}


def _numexpr_peers(name, ne):
    if name not in _NUMEXPR:
        return {}
    expr = _NUMEXPR[name]
    evaluate = ne.evaluate

    def factory(x, out, axis):
        local = {"x": x}
        return lambda: evaluate(expr, local_dict=local, out=out)
    return {f"numexpr {expr}": factory}


def peers_for(name, libs, dtype=None, mode="1", sessions=None):
    """{peer name: factory(x, out, axis) -> thunk} for one activation."""
    peers = {}
    for lib in libs.values():
        if lib.name == "numpy":
            peers.update(_numpy_peers(name, lib.module))
        elif lib.name == "scipy":
            peers.update(_scipy_peers(name, lib.module))
        elif lib.name == "torch":
            peers.update(_torch_peers(name, lib.module))
        elif lib.name == "onnxruntime":
            peers.update(_onnxruntime_peers(name, lib.module, sessions, dtype, mode))
        elif lib.name == "numexpr":
            peers.update(_numexpr_peers(name, lib.module))
    return peers


def out_for(act, x, axis):
    """An output array for act on x: x's shape, halved along axis for a split (glu)."""
    if act.kind != "split":
        return np.empty_like(x)
    shape = list(x.shape)
    shape[axis] //= 2
    return np.empty(shape, x.dtype)


def fastact_for(act):
    if act.name in BENCH_VARIANTS:  # the variant's own ufunc (gelu_tanh: approximate="tanh")
        base, value = BENCH_VARIANTS[act.name]
        ufunc = getattr(fastact, base).ufuncs[value]
        return lambda x, out, axis: (lambda: ufunc(x, out=out))
    func = getattr(fastact, act.name)
    if act.kind in ("rowwise", "split"):
        return lambda x, out, axis: (lambda: func(x, axis=axis, out=out))
    if act.params:  # the ufunc itself, with the parameters as Python floats
        ufunc, params = func.ufunc, _params(act)
        return lambda x, out, axis: (lambda: ufunc(x, *params, out=out))
    return lambda x, out, axis: (lambda: func(x, out=out))


def _floor(x, out, axis):
    # copying the output's worth of x (glu's output is half of x)
    src = x if x.shape == out.shape else x[tuple(slice(0, k) for k in out.shape)]
    return lambda: np.copyto(out, src)


# ---------------------------------------------------------------------------------
# timing
# ---------------------------------------------------------------------------------

def _time(f, number):
    timer = time.perf_counter
    t0 = timer()
    for _ in range(number):
        f()
    return timer() - t0


def calibrate(f, target):
    """Inner iterations so that one measurement of f takes about ``target`` seconds."""
    f()  # warm up (page-faults the output, loads code, starts thread pools)
    number = 1
    while True:
        t = _time(f, number)
        if t >= min(0.2 * target, 0.01):
            break
        number *= 10 if t < 1e-3 else 2
    return max(1, math.ceil(target * number / t))


def measure(contenders, target, repeats):
    """{name: best seconds per call}. Repeats are interleaved across the contenders so
    that a burst of noise from other processes hits them all alike. The first call after
    switching from another library can be slow (cold caches, another runtime's threads
    still spinning), so a repeat of many short calls starts with one untimed call."""
    numbers = {name: calibrate(f, target) for name, f in contenders.items()}
    best = dict.fromkeys(contenders, math.inf)
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        for _ in range(repeats):
            for name, f in contenders.items():
                number = numbers[name]
                if number > 1:
                    f()
                best[name] = min(best[name], _time(f, number) / number)
    finally:
        if gc_was_enabled:
            gc.enable()
    return best


# ---------------------------------------------------------------------------------
# cases
# ---------------------------------------------------------------------------------

def make_input(n, dtype, shape):
    rng = np.random.default_rng(SEED)
    x = (rng.standard_normal(n) * SCALE).astype(dtype)
    return np.ascontiguousarray(x.reshape(shape))


def _sizes(text):
    """--sizes: comma-separated element counts (1000, 1e5, 4e6)."""
    try:
        values = [float(v) for v in text.split(",")]
        if all(v >= 1 and v == int(v) for v in values):
            return [int(v) for v in values]
    except (ValueError, OverflowError):
        pass
    raise argparse.ArgumentTypeError(
        f"expected comma-separated whole numbers of elements (>= 1) such as 1000,1e5, "
        f"got {text!r}")


def cases(sizes, functions):
    """(activation, dtype, n, axis, shape) for every measurement row."""
    by_name = {a.name: a for a in ACTIVATIONS}
    for name in functions:
        act = by_name[name]
        for dtype in DTYPES:
            for n in sizes:
                if act.kind == "unary":
                    yield act, np.dtype(dtype), n, None, (n,)
                else:
                    row = min(ROW, n)
                    rows = max(1, n // row)
                    yield act, np.dtype(dtype), rows * row, -1, (rows, row)
                    yield act, np.dtype(dtype), rows * row, 0, (row, rows)


def _agrees(ref, got, dtype):
    """Loose check that two contenders compute the same function: it is meant to catch
    a wrong axis or formula, not to grade accuracy. The absolute tolerance grows with the
    output's magnitude (log_softmax's rounding error is relative to |x|, not to it)."""
    if got.shape != ref.shape or got.dtype != ref.dtype:
        return False
    eps = np.finfo(dtype).eps
    scale = max(1.0, float(np.max(np.abs(ref), initial=0.0)))
    return np.allclose(got, ref, rtol=1000 * eps, atol=64 * eps * scale)


def _as_numpy(r):
    if isinstance(r, np.ndarray):
        return r
    if hasattr(r, "numpy"):  # a torch tensor
        return r.numpy()
    return np.asarray(r)


def run_case(act, dtype, n, axis, shape, libs, mode, sessions, target, repeats):
    """(result row, warnings, notes) of one case in one thread mode."""
    x = make_input(n, dtype, shape)
    out = out_for(act, x, axis)
    peers = peers_for(act.name, libs, dtype, mode, sessions)
    where = f"{act.name} {dtype} n={n:,}" + ("" if axis is None else f" axis={axis}")

    warnings, notes, excluded = [], [], {}
    ref = np.array(fastact_for(act)(x, out, axis)(), copy=True)
    checked = {}
    for name, factory in peers.items():
        try:
            got = _as_numpy(factory(x, out_for(act, x, axis), axis)())
        except Unsupported as exc:
            notes.append(f"{exc} (not timed)")
            excluded[name] = "n/a"
            continue
        except Exception as exc:
            warnings.append(f"WARNING: {where}: {name} failed ({type(exc).__name__}: "
                            f"{exc}); not timed")
            excluded[name] = "error"
            continue
        if not _agrees(ref, got, dtype):
            if got.shape != ref.shape or got.dtype != ref.dtype:
                err = f"{got.dtype}{got.shape} instead of {ref.dtype}{ref.shape}"
            else:
                err = f"max abs diff {np.max(np.abs(got.astype(np.float64) - ref)):.3g}"
            warnings.append(f"WARNING: {where}: {name} differs from fastact ({err}); "
                            "not timed")
            excluded[name] = "differs"
            continue
        checked[name] = factory
    del ref

    funcs = {"fastact": fastact_for(act), **checked, FLOOR: _floor}
    contenders = {name: factory(x, out, axis) for name, factory in funcs.items()}
    best = measure(contenders, target, repeats)
    ns = {name: t * 1e9 / n for name, t in best.items()}

    peer_ns = {name: ns[name] for name in checked}
    best_peer = min(peer_ns, key=peer_ns.get) if peer_ns else None
    fa = ns["fastact"]
    return {
        "threads": mode,
        "function": act.name,
        "dtype": dtype.name,
        "n": n,
        "axis": "" if axis is None else axis,
        "shape": "x".join(map(str, shape)),
        "fastact_ns": fa,
        "best_peer": best_peer or "",
        "best_peer_ns": peer_ns[best_peer] if best_peer else math.nan,
        "ratio_peer": fa / peer_ns[best_peer] if best_peer else math.nan,
        "copyto_ns": ns[FLOOR],
        "ratio_copyto": fa / ns[FLOOR],
        "fastact_us_per_call": best["fastact"] * 1e6,
        "peers_ns": peer_ns,
        "peers_us_per_call": {name: best[name] * 1e6 for name in checked},
        "excluded": excluded,
    }, warnings, notes


# ---------------------------------------------------------------------------------
# environment
# ---------------------------------------------------------------------------------

def cpu_model():
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.lower().startswith(("model name", "hardware", "cpu model")):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown"


class _NoLimits:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def thread_limits(mode):
    """(context manager, description) for the native thread pools in ``mode``."""
    if mode != "1":
        return _NoLimits(), "native thread pools at their defaults"
    threadpoolctl = _import_optional("threadpoolctl")
    if threadpoolctl is None:
        return _NoLimits(), "threadpoolctl not installed (BLAS/OpenMP pools not limited)"
    return threadpoolctl.threadpool_limits(1), "threadpoolctl threadpool_limits(1)"


# ---------------------------------------------------------------------------------
# output
# ---------------------------------------------------------------------------------

def fmt(v):
    if isinstance(v, str):
        return v
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "—"
    if v >= 100:
        return f"{v:.0f}"
    if v >= 10:
        return f"{v:.1f}"
    if v >= 1:
        return f"{v:.2f}"
    return f"{v:.3f}"


def fmt_ratio(v):
    """Two decimals; below 0.1 two significant digits (a slow peer: 0.0042, never 0.00)."""
    if math.isnan(v):
        return "—"
    return f"{v:.2f}" if v >= 0.1 else f"{v:.2g}"


def md_table(header, rows):
    right = [i for i, h in enumerate(header) if h not in ("function", "dtype", "best peer",
                                                         "shape")]

    def esc(c):
        return str(c).replace("|", "\\|")

    lines = ["| " + " | ".join(map(esc, header)) + " |",
             "|" + "|".join("---:" if i in right else "---" for i in range(len(header)))
             + "|"]
    lines += ["| " + " | ".join(map(esc, r)) + " |" for r in rows]
    return "\n".join(lines)


MAIN_HEADER = ["function", "dtype", "n", "axis", "fastact ns/el", "best peer",
               "best peer ns/el", "fastact/best peer", "np.copyto ns/el", "fastact/copyto"]


def main_rows(results):
    return [[r["function"], r["dtype"], f"{r['n']:,}", r["axis"] if r["axis"] != "" else "—",
             fmt(r["fastact_ns"]), r["best_peer"] or "—", fmt(r["best_peer_ns"]),
             fmt_ratio(r["ratio_peer"]), fmt(r["copyto_ns"]), fmt_ratio(r["ratio_copyto"])]
            for r in results]


def peer_names(results):
    names = []
    for r in results:
        names += [p for p in (*r["peers_ns"], *r["excluded"]) if p not in names]
    return names


def render_mode(results, mode, mode_desc):
    title = MODES[mode]
    out = ["", f"## {title.capitalize()}: fastact vs the best peer (ns per element, lower "
               "is better; ratio < 1: fastact is faster)", "", mode_desc, ""]
    out.append(md_table(MAIN_HEADER, main_rows(results)))

    for kind, what in (("unary", "elementwise"), ("rowwise", "along an axis (softmax-like, glu)")):
        names = {a.name for a in ACTIVATIONS
                 if a.kind == kind or (kind == "rowwise" and a.kind == "split")}
        sub = [r for r in results if r["function"] in names]
        if not sub:
            continue
        peers = peer_names(sub)
        header = ["function", "dtype", "n"] + (["axis", "shape"] if kind == "rowwise" else [])
        header += ["fastact", *peers, FLOOR]
        rows = []
        for r in sub:
            row = [r["function"], r["dtype"], f"{r['n']:,}"]
            if kind == "rowwise":
                row += [r["axis"], r["shape"]]
            row += [fmt(r["fastact_ns"]),
                    *(fmt(r["peers_ns"].get(p, r["excluded"].get(p))) for p in peers),
                    fmt(r["copyto_ns"])]
            rows.append(row)
        out += ["", f"### {title.capitalize()}, every contender, {what} (ns per element; "
                    "—: no such peer for this function)", "", md_table(header, rows)]

    small = [r for r in results if r["n"] == min(x["n"] for x in results)]
    if small:
        n = small[0]["n"]
        out += ["", f"### {title.capitalize()}, time per call at n = {n:,} (µs; call "
                    "overhead dominates)", ""]
        rows = [[r["function"], r["dtype"], r["axis"] if r["axis"] != "" else "—",
                 fmt(r["fastact_us_per_call"]), r["best_peer"] or "—",
                 fmt(r["peers_us_per_call"].get(r["best_peer"]))] for r in small]
        out.append(md_table(["function", "dtype", "axis", "fastact µs/call", "best peer",
                             "best peer µs/call"], rows))
    return out


CSV_FIELDS = ["threads", "function", "dtype", "n", "axis", "shape", "fastact_ns",
              "best_peer", "best_peer_ns", "ratio_peer", "copyto_ns", "ratio_copyto",
              "fastact_us_per_call"]


def write_csv(path, results):
    peers = peer_names(results)

    def cell(v):
        if isinstance(v, float):
            return "" if math.isnan(v) else f"{v:.6g}"
        return v

    with open(path, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(CSV_FIELDS + [f"{p} ns" for p in peers])
        for r in results:
            w.writerow([cell(r[k]) for k in CSV_FIELDS]
                       + [cell(r["peers_ns"].get(p, "")) for p in peers])


def _short_n(n):
    for div, suffix in ((1_000_000, "M"), (1_000, "k")):
        if n >= div and n % (div // 10) == 0:
            v = n / div
            return f"{v:g}{suffix}"
    return str(n)


_LIB_STYLE = (  # (name prefix, legend label, colour), in legend order
    ("fastact", "fastact", "#d62728"),
    ("np", "NumPy (np.tanh / composed expression)", "#1f77b4"),
    ("numpy", None, "#1f77b4"),
    ("scipy", "SciPy (scipy.special)", "#ff7f0e"),
    ("torch", "PyTorch", "#2ca02c"),
    ("onnxruntime", "ONNX Runtime", "#9467bd"),
    ("numexpr", "numexpr", "#8c564b"),
    (FLOOR, f"{FLOOR} (memory floor)", "#7f7f7f"),
)


def _style(name):
    if name == FLOOR:
        return _LIB_STYLE[-1]
    return next(s for s in _LIB_STYLE if name.split(" ")[0].split(".")[0] == s[0])


def write_png(path, results, header_line):
    """Grouped bar chart: one panel per function (rows) and thread mode (columns), one
    group of bars per dtype/n/axis, one bar per contender (coloured by library); ns per
    element, log scale."""
    from matplotlib.figure import Figure  # no pyplot: no GUI backend needed
    from matplotlib.patches import Patch

    functions = [a.name for a in ACTIVATIONS if any(r["function"] == a.name for r in results)]
    modes = [m for m in MODES if any(r["threads"] == m for r in results)]
    groups_max = max(sum(1 for r in results if r["function"] == f and r["threads"] == m)
                     for f in functions for m in modes)
    width = max(7.0, 0.8 * groups_max + 2.0) * len(modes)
    fig = Figure(figsize=(width, 3.3 * len(functions) + 1.4), layout="constrained")
    axes = fig.subplots(len(functions), len(modes), squeeze=False)
    used = set()
    for i, func in enumerate(functions):
        for j, mode in enumerate(modes):
            ax = axes[i][j]
            rows = [r for r in results if r["function"] == func and r["threads"] == mode]
            peers = [p for p in peer_names(rows) if any(p in r["peers_ns"] for r in rows)]
            names = ["fastact", *peers, FLOOR]
            bar = 0.8 / len(names)
            for b, nm in enumerate(names):
                xs, ys = [], []
                for g, r in enumerate(rows):
                    v = (r["fastact_ns"] if nm == "fastact" else r["copyto_ns"]
                         if nm == FLOOR else r["peers_ns"].get(nm))
                    if v is not None:
                        xs.append(g - 0.4 + bar * (b + 0.5))
                        ys.append(v)
                style = _style(nm)
                used.add(style[2])
                ax.bar(xs, ys, bar, color=style[2],
                       edgecolor="black" if nm == "fastact" else "none", linewidth=0.6)
            labels = [f"{r['dtype'].replace('float', 'f')} {_short_n(r['n'])}"
                      + ("" if r["axis"] == "" else f"\naxis {r['axis']}") for r in rows]
            ax.set_xticks(range(len(rows)), labels, fontsize=8)
            ax.set_yscale("log")
            ax.set_ylabel("ns / element")
            ax.set_title(f"{func} — {MODES[mode]}", fontsize=11)
            ax.grid(axis="y", which="major", alpha=0.4)
    handles = [Patch(color=c, label=label) for _, label, c in _LIB_STYLE
               if label and c in used]
    fig.legend(handles=handles, loc="outside lower center", ncol=len(handles), fontsize=9)
    fig.suptitle(f"fastact benchmark: ns per element, log scale, lower is better\n"
                 f"{header_line}", fontsize=10)
    fig.savefig(path, dpi=100)


def subnormal_rows(functions, target, repeats, n=100_000):
    """Single-threaded ns/element of fastact on normal input (the benchmark's) against
    subnormal input (random subnormals of both signs) and large-magnitude input (|x|
    log-uniform from 10 to 10^37 / 10^300, both signs: saturated activations, masked
    logits), same n and layout: neither must fall onto a slow path (the budget is 2x;
    on Intel CPUs a subnormal operand or an underflowing result costs a microcode assist
    of ~150 cycles)."""
    by_name = {a.name: a for a in ACTIVATIONS}
    rows = []
    fastact.set_num_threads(1)
    try:
        for name in functions:
            act = by_name[name]
            for dtype in DTYPES:
                dt = np.dtype(dtype)
                shape = (n // ROW, ROW) if act.kind != "unary" else (n,)
                normal = make_input(n, dt, shape)
                tiny = np.finfo(dt).smallest_normal
                rng = np.random.default_rng(SEED)
                sub = (rng.uniform(-1, 1, n) * tiny).astype(dt).reshape(shape)
                assert np.all(np.abs(sub) < tiny)
                top = 37 if dt == np.float32 else 300
                large = (rng.choice([-1.0, 1.0], n) * 10.0 ** rng.uniform(1, top, n)
                         ).astype(dt).reshape(shape)
                axis = -1 if act.kind != "unary" else None
                out = out_for(act, normal, axis)
                f = fastact_for(act)
                best = measure({"normal": f(normal, out, axis), "subnormal": f(sub, out, axis),
                                "large": f(large, out, axis)}, target, repeats)
                rows.append((name, str(dt), n, best["normal"] / n * 1e9,
                             best["subnormal"] / n * 1e9, best["large"] / n * 1e9))
    finally:
        fastact.set_num_threads(0)
    return rows


def render_subnormal(rows):
    return ["", "## Subnormal and large-magnitude input (single-threaded)", "",
            "fastact ns/element on the benchmark's normal input, on random subnormal "
            "input and on large-magnitude input (|x| log-uniform from 10 to 10^37 / "
            "10^300, both signs) of the same shape; the target is a ratio of at most 2.",
            "", md_table(
        ["function", "dtype", "n", "normal ns/el", "subnormal ns/el", "subnormal/normal",
         "large ns/el", "large/normal"],
        [[name, dt, f"{n:,}", fmt(a), fmt(b), fmt_ratio(b / a), fmt(c), fmt_ratio(c / a)]
         for name, dt, n, a, b, c in rows])]


# ---------------------------------------------------------------------------------
# main
# ---------------------------------------------------------------------------------

def parse_args(argv, prog=None):
    p = argparse.ArgumentParser(prog=prog, description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true",
                   help="shorter measurements (~10 ms), fewer repeats, no n = 3.2e7")
    p.add_argument("--no-huge", action="store_true",
                   help="skip n = 3.2e7 (256 MB per float64 array)")
    p.add_argument("--threads", choices=("1", "default", "both"), default="both",
                   help="single-threaded (1), each library's default threads, or both "
                        "tables (default: both)")
    p.add_argument("--peers", type=lambda s: s.split(","),
                   help=f"comma-separated peer libraries to try (default: all of "
                        f"{','.join(LIBRARIES)})")
    p.add_argument("--csv", metavar="FILE", help="also write the rows as CSV to FILE")
    p.add_argument("--png", metavar="FILE",
                   help="also draw a bar chart to FILE (needs matplotlib)")
    p.add_argument("--sizes", type=_sizes,
                   help="comma-separated n, e.g. 1000,1e5 (default: 1e3,1e5,4e6,3.2e7)")
    p.add_argument("--functions", type=lambda s: s.split(","),
                   help="comma-separated subset of the activations")
    p.add_argument("--subnormal", action="store_true",
                   help="also time subnormal against normal input (n = 1e5, one thread)")
    # hidden: used by tests/test_bench.py and for ad-hoc runs
    p.add_argument("--target-ms", type=float, help=argparse.SUPPRESS)
    p.add_argument("--repeats", type=int, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    known = [a.name for a in ACTIVATIONS]
    args.functions = args.functions or known
    bad = [f for f in args.functions if f not in known]
    if bad:
        p.error(f"unknown function(s) {', '.join(bad)}; known: {', '.join(known)}")
    args.peers = args.peers or list(LIBRARIES)
    bad = [f for f in args.peers if f not in LIBRARIES]
    if bad:
        p.error(f"unknown peer(s) {', '.join(bad)}; known: {', '.join(LIBRARIES)}")
    if not args.sizes:
        drop = args.quick or args.no_huge
        args.sizes = [n for n in SIZES if not (drop and n == HUGE)]
    if any(n < 1 for n in args.sizes):
        p.error("sizes must be positive")
    if args.png and _import_optional("matplotlib") is None:
        p.error("--png needs matplotlib, which is not installed "
                "(pip install matplotlib, or drop --png)")
    args.modes = ["1", "default"] if args.threads == "both" else [args.threads]
    preset = QUICK if args.quick else FULL
    args.target = args.target_ms / 1e3 if args.target_ms else preset["target"]
    args.repeats = args.repeats or preset["repeats"]
    return args


def busy_note(load, ncpu):
    """A warning line when the machine is busy (1-minute load average `load` at least
    half of `ncpu` logical CPUs): multi-threaded timings then measure descheduled
    threads, not the kernels. None when idle or when the load is unknown."""
    if load is None or not ncpu or load < 0.5 * ncpu:
        return None
    return (f"**Warning: the machine is busy** (1-minute load average {load:.2f} on {ncpu} "
            f"logical CPUs before the run): the timings, the default-threads ones above "
            f"all, include time other processes took; rerun on an idle machine.")


def _load_average():
    try:
        return os.getloadavg()[0]
    except (AttributeError, OSError):  # Windows; or not available
        return None


def main(argv=None, prog=None):
    args = parse_args(sys.argv[1:] if argv is None else argv, prog)
    busy = busy_note(_load_average(), os.cpu_count())
    libs, skipped = load_libraries(args.peers)
    sessions = OrtSessions(*libs["onnxruntime"].module) if "onnxruntime" in libs else None
    cfg = fastact.config()
    progress = sys.stderr.isatty()

    versions = " | ".join(f"{lib.name} {lib.version}" for lib in libs.values()
                          if lib.name != "numpy")
    summary = (f"fastact {cfg['fastact']} (dispatch: {cfg['dispatch']}) | "
               f"{cpu_model()} ({os.cpu_count()} logical CPUs) | numpy {np.__version__}"
               + (f" | {versions}" if versions else ""))
    header = [
        "# fastact benchmark",
        "",
        f"fastact {cfg['fastact']} (dispatch: **{cfg['dispatch']}**; available: "
        f"{cfg['available paths']}) | CPU: {cpu_model()} ({os.cpu_count()} logical CPUs) | "
        f"numpy {np.__version__} | "
        + " | ".join(f"{name} {libs[name].version if name in libs else '(skipped)'}"
                     for name in LIBRARIES[1:] if name in args.peers)
        + f" | python {platform.python_version()}",
        "",
        f"Timing: best of {args.repeats} repeats of ~{args.target * 1e3:g} ms each"
        f"{' (--quick)' if args.quick else ''}, repeats interleaved across contenders. "
        f"Input: standard normal × {SCALE:g} (seed {SEED}). fastact, np.tanh, "
        f"scipy.special.expit, torch.tanh/sigmoid/softmax/log_softmax (out=), numexpr "
        f"(out=), onnxruntime (IO binding to the same NumPy buffers) and np.copyto write "
        f"into a preallocated output; composed NumPy expressions, torch F.softsign and "
        f"scipy softmax/log_softmax allocate their results. Softmax-like rows have length "
        f"{ROW}: axis -1 on shape (n/{ROW}, {ROW}), axis 0 on the C-ordered transposed "
        f"shape ({ROW}, n/{ROW}). OPENBLAS_NUM_THREADS="
        f"{os.environ.get('OPENBLAS_NUM_THREADS', '(unset)')}, OMP_NUM_THREADS="
        f"{os.environ.get('OMP_NUM_THREADS', '(unset)')} left as they are.",
    ]
    if skipped:
        header += [""] + [f"- {line}" for line in skipped]
    if busy:
        header += ["", busy]

    results, warnings, notes, body = [], [], [], []
    for mode in args.modes:
        limits, limits_desc = thread_limits(mode)
        mode_results = []
        with limits, np.errstate(all="ignore"):
            for lib in libs.values():
                lib.set_threads(mode)
            fastact.set_num_threads(1 if mode == "1" else 0)
            try:
                for act, dtype, n, axis, shape in cases(args.sizes, args.functions):
                    if progress:
                        print(f"  [{MODES[mode]}] {act.name} {dtype} n={n} axis={axis} ...",
                              file=sys.stderr, flush=True)
                    row, warn, note = run_case(act, dtype, n, axis, shape, libs, mode,
                                               sessions, args.target, args.repeats)
                    mode_results.append(row)
                    warnings += warn
                    notes += [m for m in note if m not in notes]
            finally:
                for lib in libs.values():
                    lib.set_threads("default")
                fastact.set_num_threads(0)
        lib_threads = [d for d in (lib.threads_desc(mode) for lib in libs.values()) if d]
        fa_threads = ("1" if mode == "1" else
                      f"{fastact.get_num_threads()} for calls of 65,536 elements and more")
        mode_desc = (f"Threads: fastact {fa_threads}; NumPy single-threaded; {limits_desc}"
                     + (f"; {', '.join(lib_threads)}" if lib_threads else "") + ".")
        body += render_mode(mode_results, mode, mode_desc)
        results += mode_results

    if args.subnormal:
        with np.errstate(all="ignore"):
            body += render_subnormal(subnormal_rows(args.functions, args.target, args.repeats))
    text = "\n".join(header + body + ([""] + [f"- {m}" for m in notes] if notes else [])
                     + ([""] + warnings if warnings else []))
    print(text)
    if args.csv:
        write_csv(args.csv, results)
    if args.png:
        write_png(args.png, results, summary)
    return 0


if __name__ == "__main__":
    sys.exit(main())
