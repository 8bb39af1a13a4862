#!/usr/bin/env python3
"""Timing benchmark: fastact against NumPy, SciPy and the np.copyto memory floor.

    python benchmarks/bench.py [--quick] [--csv FILE]

Prints Markdown tables of nanoseconds per element (best of several repeats, each
repeat long enough to be ~75 ms; --quick: shorter and fewer) for every fastact
activation and its peers:

* elementwise (tanh, softsign, sigmoid): n = 1e3, 1e5, 4e6, float32 and float64;
  fastact and peers that accept ``out=`` write into a preallocated array, composed
  NumPy expressions run as written (temporaries included);
* rowwise (softmax, log_softmax): rows of 1000, i.e. shape (n/1000, 1000) reduced
  over axis -1, and the transposed shape (1000, n/1000), still C-ordered, reduced
  over axis 0 (column-wise);
* ``np.copyto(out, x)`` on the same input: the memory-bandwidth floor.

Everything runs single-threaded: threadpoolctl (if installed) limits the BLAS/OpenMP
pools to 1 thread for the whole run; NumPy ufuncs are single-threaded anyway.
OPENBLAS_NUM_THREADS & co. are honoured as they are, never changed.

This is a timing benchmark, not a test: nothing here asserts on speed. Outputs of
every contender are compared once with fastact's, and a mismatch is reported as a
warning (it would mean the benchmark compares different things).
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
from fastact._registry import ACTIVATIONS

SIZES = (1_000, 100_000, 4_000_000)
DTYPES = (np.float32, np.float64)
ROW = 1000  # row length of the rowwise benchmarks
SEED = 20240502
SCALE = 4.0  # input: standard normal * SCALE

FULL = {"target": 0.075, "repeats": 7}  # seconds per measurement, repeats (best taken)
QUICK = {"target": 0.010, "repeats": 3}

FLOOR = "np.copyto"


# ---------------------------------------------------------------------------------
# contenders: name -> callable(x, out, axis) for one case
# ---------------------------------------------------------------------------------

def _numpy_sigmoid(x, out, axis):
    return 1 / (1 + np.exp(-x))


def _numpy_softsign(x, out, axis):
    return x / (1 + np.abs(x))


def _numpy_softmax(x, out, axis):
    e = np.exp(x - x.max(axis, keepdims=True))
    return e / e.sum(axis, keepdims=True)


def _numpy_log_softmax(x, out, axis):
    m = x.max(axis, keepdims=True)
    return x - m - np.log(np.sum(np.exp(x - m), axis, keepdims=True))


def peers_for(name, scipy_special):
    """{peer name: callable(x, out, axis)} for one activation (may be empty)."""
    peers = {}
    if name == "tanh":
        peers["np.tanh"] = lambda x, out, axis: np.tanh(x, out=out)
    elif name == "softsign":
        peers["numpy x/(1+abs(x))"] = _numpy_softsign
    elif name == "sigmoid":
        peers["numpy 1/(1+exp(-x))"] = _numpy_sigmoid
        if scipy_special is not None:
            expit = scipy_special.expit
            peers["scipy.special.expit"] = lambda x, out, axis: expit(x, out=out)
    elif name == "softmax":
        peers["numpy exp(x-max)/sum"] = _numpy_softmax
        if scipy_special is not None:
            sm = scipy_special.softmax
            peers["scipy.special.softmax"] = lambda x, out, axis: sm(x, axis=axis)
    elif name == "log_softmax":
        peers["numpy x-max-log(sum(exp))"] = _numpy_log_softmax
        if scipy_special is not None:
            lsm = scipy_special.log_softmax
            peers["scipy.special.log_softmax"] = lambda x, out, axis: lsm(x, axis=axis)
    return peers


def fastact_for(act):
    func = getattr(fastact, act.name)
    if act.kind == "rowwise":
        return lambda x, out, axis: func(x, axis=axis, out=out)
    return lambda x, out, axis: func(x, out=out)


def _floor(x, out, axis):
    np.copyto(out, x)
    return out


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
    f()  # warm up (page-faults the output, loads code)
    number = 1
    while True:
        t = _time(f, number)
        if t >= min(0.2 * target, 0.01):
            break
        number *= 10 if t < 1e-3 else 2
    return max(1, math.ceil(target * number / t))


def measure(contenders, target, repeats):
    """{name: best seconds per call}. Repeats are interleaved across the contenders so
    that a burst of noise from other processes hits them all alike."""
    numbers = {name: calibrate(f, target) for name, f in contenders.items()}
    best = dict.fromkeys(contenders, math.inf)
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        for _ in range(repeats):
            for name, f in contenders.items():
                number = numbers[name]
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
    if got.shape != ref.shape:
        return False
    eps = np.finfo(dtype).eps
    scale = max(1.0, float(np.max(np.abs(ref), initial=0.0)))
    return np.allclose(got, ref, rtol=1000 * eps, atol=64 * eps * scale)


def run_case(act, dtype, n, axis, shape, scipy_special, target, repeats):
    x = make_input(n, dtype, shape)
    out = np.empty_like(x)
    peers = peers_for(act.name, scipy_special)
    funcs = {"fastact": fastact_for(act), **peers, FLOOR: _floor}

    warnings = []
    ref = np.array(funcs["fastact"](x, out, axis), copy=True)
    for name, f in peers.items():
        got = np.asarray(f(x, np.empty_like(x), axis))
        if not _agrees(ref, got, dtype):
            err = np.max(np.abs(got.astype(np.float64) - ref)) if got.shape == ref.shape \
                else f"shape {got.shape} != {ref.shape}"
            warnings.append(f"WARNING: {act.name} {dtype} n={n} axis={axis}: {name} "
                            f"differs from fastact (max abs diff {err})")

    contenders = {name: (lambda f=f: f(x, out, axis)) for name, f in funcs.items()}
    best = measure(contenders, target, repeats)
    ns = {name: t * 1e9 / n for name, t in best.items()}

    peer_ns = {name: ns[name] for name in peers}
    best_peer = min(peer_ns, key=peer_ns.get) if peer_ns else None
    fa = ns["fastact"]
    return {
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
        "peers_us_per_call": {name: best[name] * 1e6 for name in peers},
    }, warnings


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


def _import_optional(name):
    try:
        return __import__(name, fromlist=["_"])
    except ImportError:
        return None


class _NoLimits:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def thread_limits():
    """(context manager, description) limiting native thread pools to 1 thread."""
    threadpoolctl = _import_optional("threadpoolctl")
    if threadpoolctl is None:
        return _NoLimits(), "threadpoolctl not installed (pools not limited)"
    return threadpoolctl.threadpool_limits(1), "threadpoolctl threadpool_limits(1)"


# ---------------------------------------------------------------------------------
# output
# ---------------------------------------------------------------------------------

def fmt(v):
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
    return "—" if math.isnan(v) else f"{v:.2f}"


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
        names += [p for p in r["peers_ns"] if p not in names]
    return names


def render(results, header_lines, warnings):
    out = list(header_lines)
    out += ["", "## fastact vs the best peer (ns per element, lower is better; "
                "ratio < 1: fastact is faster)", ""]
    out.append(md_table(MAIN_HEADER, main_rows(results)))

    for kind, title in (("unary", "elementwise"), ("rowwise", "softmax-like")):
        names = {a.name for a in ACTIVATIONS if a.kind == kind}
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
            row += [fmt(r["fastact_ns"]), *(fmt(r["peers_ns"].get(p)) for p in peers),
                    fmt(r["copyto_ns"])]
            rows.append(row)
        out += ["", f"## Every contender, {title} (ns per element)", "", md_table(header, rows)]

    small = [r for r in results if r["n"] == min(x["n"] for x in results)]
    if small:
        n = small[0]["n"]
        out += ["", f"## Time per call at n = {n:,} (µs; call overhead dominates)", ""]
        rows = [[r["function"], r["dtype"], r["axis"] if r["axis"] != "" else "—",
                 fmt(r["fastact_us_per_call"]), r["best_peer"] or "—",
                 fmt(r["peers_us_per_call"].get(r["best_peer"]))] for r in small]
        out.append(md_table(["function", "dtype", "axis", "fastact µs/call", "best peer",
                             "best peer µs/call"], rows))
    if warnings:
        out += [""] + warnings
    return "\n".join(out)


CSV_FIELDS = ["function", "dtype", "n", "axis", "shape", "fastact_ns", "best_peer",
              "best_peer_ns", "ratio_peer", "copyto_ns", "ratio_copyto",
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


# ---------------------------------------------------------------------------------
# main
# ---------------------------------------------------------------------------------

def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true",
                   help="shorter measurements (~10 ms) and fewer repeats")
    p.add_argument("--csv", metavar="FILE", help="also write the rows as CSV to FILE")
    # hidden: used by tests/test_bench.py and for ad-hoc runs
    p.add_argument("--sizes", type=lambda s: [int(float(v)) for v in s.split(",")],
                   help=argparse.SUPPRESS)
    p.add_argument("--functions", type=lambda s: s.split(","), help=argparse.SUPPRESS)
    p.add_argument("--target-ms", type=float, help=argparse.SUPPRESS)
    p.add_argument("--repeats", type=int, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    known = [a.name for a in ACTIVATIONS]
    args.functions = args.functions or known
    bad = [f for f in args.functions if f not in known]
    if bad:
        p.error(f"unknown function(s) {', '.join(bad)}; known: {', '.join(known)}")
    args.sizes = args.sizes or list(SIZES)
    if any(n < 1 for n in args.sizes):
        p.error("sizes must be positive")
    preset = QUICK if args.quick else FULL
    args.target = args.target_ms / 1e3 if args.target_ms else preset["target"]
    args.repeats = args.repeats or preset["repeats"]
    return args


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    scipy_special = _import_optional("scipy.special")
    scipy = sys.modules.get("scipy") if scipy_special is not None else None
    limits, limits_desc = thread_limits()
    cfg = fastact.config()
    progress = sys.stderr.isatty()

    header = [
        "# fastact benchmark",
        "",
        f"fastact {cfg['fastact']} (dispatch: **{cfg['dispatch']}**; available: "
        f"{cfg['available paths']}) | CPU: {cpu_model()} ({os.cpu_count()} logical CPUs) | "
        f"numpy {np.__version__} | "
        f"scipy {scipy.__version__ if scipy is not None else 'not installed'} | "
        f"python {platform.python_version()}",
        "",
        f"Single-threaded: {limits_desc} for the whole run (NumPy ufuncs are "
        f"single-threaded anyway); OPENBLAS_NUM_THREADS="
        f"{os.environ.get('OPENBLAS_NUM_THREADS', '(unset)')} left as is. "
        f"Timing: best of {args.repeats} repeats of ~{args.target * 1e3:g} ms each"
        f"{' (--quick)' if args.quick else ''}. Input: standard normal × {SCALE:g} "
        f"(seed {SEED}). fastact, np.tanh, scipy.special.expit and np.copyto write into "
        f"a preallocated out=; composed NumPy expressions and scipy softmax/log_softmax "
        f"allocate their results. Softmax-like rows have length {ROW}: axis -1 on shape "
        f"(n/{ROW}, {ROW}), axis 0 on the C-ordered transposed shape ({ROW}, n/{ROW}).",
    ]

    results, warnings = [], []
    with limits, np.errstate(all="ignore"):
        for act, dtype, n, axis, shape in cases(args.sizes, args.functions):
            if progress:
                print(f"  {act.name} {dtype} n={n} axis={axis} ...", file=sys.stderr,
                      flush=True)
            row, warn = run_case(act, dtype, n, axis, shape, scipy_special,
                                 args.target, args.repeats)
            results.append(row)
            warnings += warn

    print(render(results, header, warnings))
    if args.csv:
        write_csv(args.csv, results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
