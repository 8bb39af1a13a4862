# cython: freethreading_compatible = True
# (free-threaded CPython 3.14t: this module keeps no state that could race without the
# GIL. Its globals are set once at import (under the import lock: DISPATCH, AVAILABLE,
# UFUNCS), append-only (_keep: list.append is atomic on every build), or a single int
# (_thread_limit) whose last writer wins; the kernel modules' own state is described
# in _loops.pxi.tp and _kernels.pxi.)
# _ufuncs.pyx -- registers fastact's ufuncs and gufuncs from the kernels of the best
# instruction set this CPU has.
#
# Design:
#  (a) The kernels are compiled once per instruction set into _loops_<isa> modules
#      (baseline; avx2 and avx512 on x86-64). Only a module whose instruction set the
#      CPU supports is ever imported: its very module-init code may use those
#      instructions.
#  (b) FASTACT_DISPATCH=baseline|avx2|avx512 asks for a lower path (for testing and
#      comparison); a path above what the CPU supports is never taken.
#  (c) Each activation of _registry.ACTIVATIONS becomes one real numpy.ufunc:
#      unary ones with loops bool/int8/uint8/int16/uint16 -> float64 (converted in the
#      loop), float16 -> float16 (computed in float32), float32 -> float32 and
#      float64 -> float64 (wider ints reach float64 by NumPy's safe casting); an
#      activation with parameters takes them as extra inputs (nin = 1 + len(params)),
#      float32 for the float16/float32 loops, else float64; rowwise ones a gufunc "(n)->(n)" with float32 and float64
#      loops (the Python wrapper in _api.py sends other inputs to float64).
import os
import operator
import sys
import importlib
import importlib.util

import numpy as np
cimport numpy as cnp
from cpython.pycapsule cimport PyCapsule_GetPointer
from libc.stdlib cimport malloc

from ._registry import ACTIVATIONS, ELEMENTWISE, variant_kernels

cnp.import_array()

cdef extern from "numpy/ndarraytypes.h":
    enum: NPY_HALF  # not in Cython's numpy declarations
cnp.import_ufunc()

cdef extern from *:
    """
    #if defined(_MSC_VER) && (defined(_M_X64) || defined(_M_AMD64))
    #include <intrin.h>
    #include <immintrin.h>
    #endif
    /* 0 = baseline, 1 = AVX2+FMA, 2 = AVX-512 (F, DQ, BW, VL) with OS support. */
    static int fa_cpu_level(void)
    {
    #if (defined(__x86_64__) || defined(__i386__)) && (defined(__GNUC__) || defined(__clang__))
        __builtin_cpu_init();
        if (!(__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))) return 0;
        if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq")
            && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl"))
            return 2;
        return 1;
    #elif defined(_MSC_VER) && (defined(_M_X64) || defined(_M_AMD64))
        int r[4];
        unsigned long long xcr0;
        __cpuid(r, 0);
        if (r[0] < 7) return 0;
        __cpuid(r, 1);
        if (!((r[2] >> 27) & 1) || !((r[2] >> 28) & 1) || !((r[2] >> 12) & 1)) return 0;
        xcr0 = _xgetbv(0);
        if ((xcr0 & 6) != 6) return 0;
        __cpuidex(r, 7, 0);
        if (!((r[1] >> 5) & 1)) return 0;
        if ((xcr0 & 0xe6) == 0xe6 && ((r[1] >> 16) & 1) && ((r[1] >> 17) & 1)
            && ((r[1] >> 30) & 1) && ((r[1] >> 31) & 1))
            return 2;
        return 1;
    #else
        return 0;
    #endif
    }
    """
    int fa_cpu_level()

cdef extern from *:
    """
    /* Type resolution that names the function and the dtypes when nothing matches
     * (NumPy's own message names neither). Every fastact ufunc gets it. */
    static int fa_type_resolver(PyUFuncObject *ufunc, NPY_CASTING casting,
                                PyArrayObject **operands, PyObject *type_tup,
                                PyArray_Descr **out_dtypes)
    {
        int i, res = PyUFunc_DefaultTypeResolver(ufunc, casting, operands, type_tup,
                                                 out_dtypes);
        PyObject *names, *sep, *joined;
        if (res >= 0 || !PyErr_ExceptionMatches(PyExc_TypeError)) return res;
        PyErr_Clear();
        names = PyList_New(0);
        for (i = 0; names != NULL && i < ufunc->nin; i++) {
            PyObject *s = operands[i] == NULL ? PyUnicode_FromString("?")
                          : PyObject_Str((PyObject *)PyArray_DESCR(operands[i]));
            if (s == NULL || PyList_Append(names, s) < 0) { Py_XDECREF(s); Py_CLEAR(names); break; }
            Py_DECREF(s);
        }
        if (names == NULL) return -1;
        sep = PyUnicode_FromString(", ");
        joined = sep ? PyUnicode_Join(sep, names) : NULL;
        Py_XDECREF(sep);
        Py_DECREF(names);
        if (joined == NULL) return -1;
        if (type_tup != NULL && type_tup != Py_None) {  /* dtype= or signature= given */
            PyErr_Format(PyExc_TypeError,
                         "fastact.%s: no loop for input dtype %U with dtype/signature %R "
                         "(loops: float16->float16, float32->float32, float64->float64, "
                         "bool/int->float64)",
                         ufunc->name, joined, type_tup);
        } else {
            PyErr_Format(PyExc_TypeError,
                         "fastact.%s: unsupported input dtype %U (expected bool, integer, "
                         "float16, float32 or float64)", ufunc->name, joined);
        }
        Py_DECREF(joined);
        return -1;
    }
    static void fa_set_type_resolver(PyObject *ufunc)
    {
        ((PyUFuncObject *)ufunc)->type_resolver = &fa_type_resolver;
    }
    """
    void fa_set_type_resolver(object ufunc)

cdef extern from *:
    """
    #if defined(__clang__)
    #define FA_COMPILER "Clang " __clang_version__
    #elif defined(__GNUC__)
    #define FA_COMPILER "GCC " __VERSION__
    #elif defined(_MSC_VER)
    #define FA_STR2(x) #x
    #define FA_STR(x) FA_STR2(x)
    #define FA_COMPILER "MSVC " FA_STR(_MSC_FULL_VER)
    #else
    #define FA_COMPILER "unknown"
    #endif
    """
    const char* FA_COMPILER

COMPILER = FA_COMPILER.decode()

ISA_LEVELS = ("baseline", "avx2", "avx512")


def _available_paths():
    """Instruction-set paths that this build has and this CPU can run, lowest first."""
    return tuple(isa for level, isa in enumerate(ISA_LEVELS)
                 if level <= fa_cpu_level()
                 and importlib.util.find_spec(f"fastact._loops_{isa}") is not None)


def _choose_path():
    paths = _available_paths()
    want = os.environ.get("FASTACT_DISPATCH", "").strip().lower()
    if want and want not in ISA_LEVELS:
        raise ImportError(
            f"fastact: FASTACT_DISPATCH={want!r} is not one of {', '.join(ISA_LEVELS)}")
    if want in paths:
        return want, paths
    return paths[-1], paths


DISPATCH, AVAILABLE = _choose_path()
_keep = []  # names and docs NumPy points into: they must live forever


cdef void* _ptr(dict table, str key) except NULL:
    return PyCapsule_GetPointer(table[key], NULL)


cdef char* _cstr(str s):
    b = s.encode()
    _keep.append(b)
    return b


def _doc(act):
    params = "".join(f", {p}" + ("" if d is None else f"={d!r}") for p, d in act.params)
    sig = f"{act.name}(x{params}, /, out=None, *, where=True, ...)\n\n" if act.params else ""
    return (f"{sig}{act.formula}\n\nSame function as: {act.peers}.\n"
            f"float32 in -> float32 out, float64 -> float64, float16 -> float16 (computed "
            f"in float32, rounded once), bool/integers -> float64."
            + (" Parameters are extra inputs: they broadcast against x." if act.params
               else "")
            + f"\n\nExamples\n--------\n>>> import numpy as np, fastact\n{act.example}\n")


_INTS = ((cnp.NPY_BOOL, "bool"), (cnp.NPY_BYTE, "int8"), (cnp.NPY_UBYTE, "uint8"),
         (cnp.NPY_SHORT, "int16"), (cnp.NPY_USHORT, "uint16"))


def _loop_specs(act, nparams):
    """(loop, loop data or None, operand types) for each of act's loops. For a unary
    activation the order matters: NumPy takes the first loop all inputs cast to safely,
    so small integers and bool meet their float64 loops before float16/32's. The
    parameters of the int loops are float64, those of the float16 and float32 loops
    float32 (a parameter is never rounded to float16), those of the float64 loop float64."""
    if act.kind == "rowwise":
        return [(f"{act.name}_loop_{c}", None, (t, t))
                for c, t in (("e", NPY_HALF), ("f", cnp.NPY_FLOAT), ("d", cnp.NPY_DOUBLE))]
    np_ = nparams
    d = cnp.NPY_DOUBLE
    name = act.name
    return ([("elementwise_loop_d", f"data:{name}:{k}", (t,) + (d,) * (np_ + 1))
             for t, k in _INTS]
            + [("elementwise_loop_f", f"data:{name}:half",
                (NPY_HALF,) + (cnp.NPY_FLOAT,) * np_ + (NPY_HALF,)),
               ("elementwise_loop_f", f"data:{name}:same_f", (cnp.NPY_FLOAT,) * (np_ + 2))]
            + [("elementwise_loop_d", f"data:{name}:same_d", (d,) * (np_ + 2))])


def _ufunc_acts():
    """(activation as seen by its ufunc, nparams) for every ufunc: each activation, and
    for each non-default variant value v an internal ufunc named <name>_<v>; a split
    activation's ufunc takes its two halves (1 extra input)."""
    for act in ACTIVATIONS:
        if act.kind == "rowwise":
            yield act, 0
            continue
        for value, kname in (variant_kernels(act) or {None: act.name}).items():
            a = act if kname == act.name else act._replace(
                name=kname, formula=f"{act.name}(x, {act.variants[0][0]}={value!r}): "
                                    + act.formula)
            yield a, ELEMENTWISE[kname]


cdef object _make(act, int nparams, dict table):
    specs = _loop_specs(act, nparams)
    cdef int i, j, ntypes = len(specs), nargs = len(specs[0][2])
    cdef cnp.PyUFuncGenericFunction* funcs = <cnp.PyUFuncGenericFunction*>malloc(
        ntypes * sizeof(cnp.PyUFuncGenericFunction))
    cdef void** data = <void**>malloc(ntypes * sizeof(void*))
    cdef char* types = <char*>malloc(nargs * ntypes)
    if funcs == NULL or data == NULL or types == NULL:
        raise MemoryError()
    for i, (loop, dat, tys) in enumerate(specs):
        funcs[i] = <cnp.PyUFuncGenericFunction>_ptr(table, loop)
        data[i] = NULL if dat is None else _ptr(table, dat)
        for j in range(nargs):
            types[nargs * i + j] = tys[j]
    if act.kind == "rowwise":
        return cnp.PyUFunc_FromFuncAndDataAndSignature(
            funcs, data, types, ntypes, 1, 1, cnp.PyUFunc_None, _cstr(act.name),
            _cstr(_doc(act)), 0, _cstr("(n)->(n)"))
    return cnp.PyUFunc_FromFuncAndData(funcs, data, types, ntypes, nargs - 1, 1,
                                       cnp.PyUFunc_None, _cstr(act.name),
                                       _cstr(_doc(act)), 0)


_thread_limit = 0  # fastact.set_num_threads; applied to every kernel module loaded


def _loops_module(isa):
    module = importlib.import_module(f"fastact._loops_{isa}")
    module.set_num_threads(_thread_limit)
    return module


def set_num_threads(n):
    """Use at most n threads for large arrays (0: as many as OpenMP offers, which follows
    OMP_NUM_THREADS and threadpoolctl). Small arrays always run on one thread, and the
    results are the same bits for any thread count."""
    global _thread_limit
    try:
        if isinstance(n, bool):
            raise TypeError
        n = operator.index(n)
    except TypeError:
        raise TypeError(f"fastact.set_num_threads: n must be an integer, got {n!r}") from None
    if not 0 <= n <= 2147483647:  # the OpenMP thread count is a C int
        raise ValueError(f"fastact.set_num_threads: n must be between 0 (0: default) and "
                         f"2147483647, got {n}")
    _thread_limit = n
    for name, module in list(sys.modules.items()):
        if name.startswith("fastact._loops_"):
            module.set_num_threads(n)


def get_num_threads():
    """The number of threads a large call uses now."""
    return _loops_module(DISPATCH).get_num_threads()


def has_openmp():
    return _loops_module(DISPATCH).has_openmp()


def make_ufuncs(isa=None):
    """A fresh {name: ufunc} dict built from the kernels of one path (default: the one
    in use). The tests use it to check every path this machine can run."""
    isa = DISPATCH if isa is None else isa
    if isa not in AVAILABLE:
        raise ValueError(f"fastact: path {isa!r} is not available here ({AVAILABLE})")
    table = _loops_module(isa).loop_table()
    ufuncs = {act.name: _make(act, np_, table) for act, np_ in _ufunc_acts()}
    for uf in ufuncs.values():
        fa_set_type_resolver(uf)
    return ufuncs


ctypedef void (*gufunc_loop)(char** args, const cnp.npy_intp* dims,
                             const cnp.npy_intp* steps, void* data) noexcept nogil


cdef class _Direct:
    """What the direct calls share: the float32 / float64 loops of one function on the
    path in use (capsules NAME_<kind>_f / _d of the loop table) and the checks on x and
    out. Each check answers whether the call can skip NumPy; no means None."""
    cdef gufunc_loop loop_f
    cdef gufunc_loop loop_d

    def __init__(self, table, name):
        self.loop_f = <gufunc_loop>PyCapsule_GetPointer(table[f"{name}_{self.KIND}_f"], NULL)
        self.loop_d = <gufunc_loop>PyCapsule_GetPointer(table[f"{name}_{self.KIND}_d"], NULL)

    cdef gufunc_loop _loop(self, cnp.ndarray x) noexcept:
        """x's loop if x is a native, aligned, C-contiguous float32/float64 array of at
        least one dimension, else NULL."""
        cdef int typenum = cnp.PyArray_TYPE(x)
        if (cnp.PyArray_NDIM(x) == 0 or not cnp.PyArray_IS_C_CONTIGUOUS(x)
                or not cnp.PyArray_ISALIGNED(x) or not cnp.PyArray_ISNOTSWAPPED(x)):
            return NULL
        if typenum == cnp.NPY_FLOAT:
            return self.loop_f
        if typenum == cnp.NPY_DOUBLE:
            return self.loop_d
        return NULL

    cdef int _axis(self, cnp.ndarray x, int axis) noexcept:
        """axis normalised into 0 .. nd-1 if x has a loop (above), is not empty and axis
        is in range; else -1."""
        cdef int nd = cnp.PyArray_NDIM(x)
        if self._loop(x) == NULL or cnp.PyArray_SIZE(x) == 0:
            return -1
        if axis < 0:
            axis += nd
        return axis if 0 <= axis < nd else -1


cdef object _output(cnp.ndarray x, out, const cnp.npy_intp* dims, bint same_ok):
    """The output: a new C-contiguous array of shape dims and x's dtype for out None;
    out itself if it is such a writeable, aligned, native ndarray that does not overlap
    x (or, with same_ok, is x); else None."""
    cdef int typenum = cnp.PyArray_TYPE(x), nd = cnp.PyArray_NDIM(x), k
    cdef cnp.ndarray y
    cdef char* xa
    cdef char* ya
    if out is None:
        return cnp.PyArray_EMPTY(nd, <cnp.npy_intp*>dims, typenum, 0)
    if type(out) is not np.ndarray:
        return None
    y = out
    if (cnp.PyArray_TYPE(y) != typenum or cnp.PyArray_NDIM(y) != nd
            or not cnp.PyArray_IS_C_CONTIGUOUS(y) or not cnp.PyArray_ISALIGNED(y)
            or not cnp.PyArray_ISWRITEABLE(y) or not cnp.PyArray_ISNOTSWAPPED(y)):
        return None
    for k in range(nd):
        if cnp.PyArray_DIMS(y)[k] != dims[k]:
            return None
    if same_ok and y is x:
        return y
    xa = <char*>cnp.PyArray_DATA(x)
    ya = <char*>cnp.PyArray_DATA(y)
    if xa < ya + cnp.PyArray_NBYTES(y) and ya < xa + cnp.PyArray_NBYTES(x):
        return None  # overlap: NumPy copies first
    return y


cdef class RowwiseDirect(_Direct):
    """The gufunc loop of one rowwise function (softmax, ...) on the path in use, called
    without NumPy's gufunc machinery: for the common call (a native, aligned, C-contiguous
    float32/float64 ndarray over any one axis, out None or such an array of the same
    shape and dtype that is x itself or does not overlap it), which costs ~1 us in NumPy's
    dispatch for a small array (~2 us with axis=). The very same loop runs (threads,
    FP-flag restore) on the slices NumPy would hand it: the last axis as rows; another
    axis as, for each index before it, the block of adjacent slices after it (columns
    for axis 0 of a matrix). So the bits are those of the gufunc. Anything else
    (including an axis out of range) returns None and the caller uses the gufunc."""
    KIND = "loop"

    def __call__(self, cnp.ndarray x, out, int axis=-1):
        cdef int k
        cdef cnp.npy_intp outer = 1, inner, n, total = cnp.PyArray_SIZE(x)
        cdef cnp.npy_intp isz = cnp.PyArray_ITEMSIZE(x)
        cdef cnp.npy_intp dims[2]
        cdef cnp.npy_intp steps[4]
        axis = self._axis(x, axis)
        if axis < 0:
            return None
        n = cnp.PyArray_DIMS(x)[axis]
        y = _output(x, out, cnp.PyArray_DIMS(x), True)
        if y is None:
            return None
        for k in range(axis):
            outer *= cnp.PyArray_DIMS(x)[k]
        inner = total // (outer * n)
        dims[1] = n
        if inner == 1:  # rows: one call over all of them
            outer, dims[0] = 1, total // n
            steps[0] = steps[1] = n * isz
            steps[2] = steps[3] = isz
        else:  # per index before axis: inner adjacent slices, n apart by inner elements
            dims[0] = inner
            steps[0] = steps[1] = isz
            steps[2] = steps[3] = inner * isz
        _run(self._loop(x), x, y, outer, n * inner * isz, dims, steps, total)
        return y


cdef class SplitDirect(_Direct):
    """The direct loop of one split function (glu) on the path in use: for a native,
    aligned, C-contiguous float32/float64 ndarray halved along any axis of even nonzero
    length, out None or such an array of the halved shape and dtype that does not
    overlap x. Per index before the axis, the halves a and b are two adjacent runs of
    memory, so the whole call is one loop over the output (split over threads when it
    is large, however short the rows: NumPy's ufunc would call the kernel once per
    row). The kernel is the ufunc's own, so the bits are the ufunc's. Anything else
    returns None and the caller goes through the ufunc on the halves' views."""
    KIND = "halves"

    def __call__(self, cnp.ndarray x, out, int axis=-1):
        cdef int nd = cnp.PyArray_NDIM(x), k
        cdef cnp.npy_intp n, total = cnp.PyArray_SIZE(x), outer = 1
        cdef cnp.npy_intp odims[64]
        cdef cnp.npy_intp dims[2]
        axis = self._axis(x, axis)
        if axis < 0 or nd > 64:
            return None
        n = cnp.PyArray_DIMS(x)[axis]
        if n % 2:
            return None
        for k in range(nd):
            odims[k] = cnp.PyArray_DIMS(x)[k]
        odims[axis] = n // 2
        y = _output(x, out, odims, False)
        if y is None:
            return None
        for k in range(axis):
            outer *= odims[k]
        dims[0] = outer
        dims[1] = total // outer // 2
        _run(self._loop(x), x, y, 1, 0, dims, NULL, total)
        return y


cdef void _run(gufunc_loop loop, cnp.ndarray x, cnp.ndarray y, cnp.npy_intp outer,
               cnp.npy_intp block, const cnp.npy_intp* dims, const cnp.npy_intp* steps,
               cnp.npy_intp total):
    """_run_slices on x's and y's memory, without the GIL for large calls (other Python
    threads may run meanwhile)."""
    cdef char* xa = <char*>cnp.PyArray_DATA(x)
    cdef char* ya = <char*>cnp.PyArray_DATA(y)
    if total >= 65536:
        with nogil:
            _run_slices(loop, xa, ya, outer, block, dims, steps)
    else:
        _run_slices(loop, xa, ya, outer, block, dims, steps)


cdef void _run_slices(gufunc_loop loop, char* xa, char* ya, cnp.npy_intp outer,
                      cnp.npy_intp block, const cnp.npy_intp* dims,
                      const cnp.npy_intp* steps) noexcept nogil:
    """The gufunc loop on outer blocks of block bytes each (x and y alike)."""
    cdef char* args[2]
    cdef cnp.npy_intp o
    for o in range(outer):
        args[0] = xa + o * block
        args[1] = ya + o * block
        loop(args, dims, steps, NULL)


_env_threads = os.environ.get("FASTACT_NUM_THREADS", "").strip()
if _env_threads:
    try:
        set_num_threads(int(_env_threads))
    except (TypeError, ValueError):
        raise ImportError(f"fastact: FASTACT_NUM_THREADS={_env_threads!r} is not an integer "
                          f">= 0") from None

UFUNCS = make_ufuncs()
globals().update(UFUNCS)
# the rowwise functions' direct calls on the path in use (see RowwiseDirect) ...
DIRECT = {name: RowwiseDirect(_loops_module(DISPATCH).loop_table(), name)
          for name in (a.name for a in ACTIVATIONS if a.kind == "rowwise")}
# ... and the split ones' (see SplitDirect)
DIRECT.update({name: SplitDirect(_loops_module(DISPATCH).loop_table(), name)
               for name in (a.name for a in ACTIVATIONS if a.kind == "split")})
