"""Max / mean ulp error of fastact's float64 functions on random inputs over all binades.

    python tools/accuracy_f64.py                     # 1e7 inputs per function, path in use
    python tools/accuracy_f64.py -n 100000 --path baseline

Inputs: half are random bit patterns (every binade equally likely, subnormals and the
huge ones included), half log-uniform in magnitude over [2^-30, 2^10] (where the
functions are not flat), both signs, plus every special value (+-0, +-inf, NaN, the
smallest subnormal, the smallest normal, the largest finite) and the overflow/underflow
edges (+-708..+-746). softmax / log_softmax: the same number of elements as rows of 1000
with spreads from 1e-3 to 1e3, and rows holding the special values.

gelu (both forms): NumPy has no longdouble erfc, and the tanh form's exponent argument
(up to 745) needs more than longdouble's 64 bits, so their reference is mpmath (40
digits) on a smaller sample (--mp-n, default 1e5 inputs: the same mix, its log-uniform
half over [2^-30, 40] so that the whole negative tail to the underflow is covered).
glu's ufunc is checked as glu(x, x) = x sigmoid(x) (x * 0 where sigmoid(x) rounds to 0).

The reference is the function computed in x87 extended precision (NumPy's longdouble:
64-bit significand, so ~2^-11 float64 ulp), and the error of each result is
|got - ref| / ulp(ref rounded to float64), ulp = 2^-1074 for subnormals: the error
against the exact value, so a correctly rounded result scores <= 0.5. NaN and +-inf must
match exactly (reported as a mismatch otherwise). Needs an extended longdouble (x86 Linux
and most Unix); elsewhere it says so and stops.
"""
import argparse
import os
import sys
import time

import numpy as np

import fastact._ufuncs as _ufuncs
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from accuracy_f32 import _tanhshrink  # noqa: E402 (series + difference: longdouble too)

LD = np.longdouble
SELU_SCALE = LD("1.0507009873554804934193349852946")
SELU_ALPHA = LD("1.6732632423543772848170429916717")


def _log1pexp(x):
    """log(1 + e^x) in longdouble without overflow or cancellation."""
    return np.maximum(x, 0) + np.log1p(np.exp(-np.abs(x)))


def _xf(x, f):
    """x * f(x) with the limit -0.0 at -inf (silu, mish)."""
    with np.errstate(invalid="ignore"):
        return np.where(x == -np.inf, -0.0, x * f(x))


def _softsign(x):
    return np.where(np.isinf(x), np.sign(x), x / (1 + np.abs(x)))


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


def _policy(x, finite_result, logmode):
    """fastact's documented policy for slices whose max is not finite (README): NaN
    anywhere -> NaN; max +inf -> the +inf entries share the mass; all -inf -> uniform."""
    nan = np.isnan(x).any(axis=-1, keepdims=True)
    pinf = x == np.inf
    npinf = pinf.sum(axis=-1, keepdims=True)
    share = np.where(pinf, 1 / np.maximum(npinf, 1), 0).astype(LD)
    uniform = np.full_like(x, 1 / LD(x.shape[-1]))
    special = np.where(npinf > 0, share, uniform)
    if logmode:
        with np.errstate(divide="ignore"):
            special = np.log(special)
    out = np.where(np.isfinite(np.max(x, axis=-1, keepdims=True)), finite_result, special)
    return np.where(nan, np.nan, out)


def _softmax(x):
    m = np.max(x, axis=-1, keepdims=True)
    e = np.exp(x - m)
    return _policy(x, e / e.sum(axis=-1, keepdims=True), False)


def _log_softmax(x):
    # the entries equal to the max apart: log1p(rest) keeps -tiny results (ld's 1 + tiny
    # would round them to 0)
    m = np.max(x, axis=-1, keepdims=True)
    top = x == m
    rest = np.where(top, 0, np.exp(x - m)).sum(axis=-1, keepdims=True)
    k = top.sum(axis=-1, keepdims=True)
    lse = np.where(k == 1, np.log1p(rest), np.log(k + rest))
    return _policy(x, (x - m) - lse, True)


def _glu(x, gate=None):
    """a sigmoid(b), exactly, except where sigmoid(b) itself rounds to 0 in float64
    (b < -745.13): there glu is a * 0, as documented (and as PyTorch's a * sigmoid(b))."""
    gate = x if gate is None else gate
    s = 1 / (1 + np.exp(-gate))
    return x * np.where(s.astype(np.float64) == 0, LD(0), s)


def _mp_ref(fn):
    """A reference computed with mpmath (40 digits) element by element, rounded to
    longdouble through a 25-digit string (far below a float64 ulp)."""
    def ref(x):
        import mpmath
        mpmath.mp.dps = 40
        out = np.empty(x.shape, dtype=LD)
        for i, v in enumerate(np.asarray(x, dtype=np.float64).ravel()):
            if not np.isfinite(v) or abs(v) > 50:  # both gelus: x above 50, -0.0 below -50
                out.flat[i] = LD(np.nan) if np.isnan(v) else (LD(v) if v > 0 else LD(-0.0))
                continue
            out.flat[i] = LD(mpmath.nstr(fn(mpmath.mpf(v)), 25, min_fixed=1, max_fixed=0))
        return out
    return ref


def _mp_gelu(v):
    return v * mpmath_ncdf(v)


def mpmath_ncdf(v):
    import mpmath
    return mpmath.erfc(-v / mpmath.sqrt(2)) / 2


def _mp_gelu_tanh(v):
    import mpmath
    z = 2 * mpmath.sqrt(2 / mpmath.pi) * (v + mpmath.mpf("0.044715") * v**3)
    return v / (1 + mpmath.exp(-z))


REFERENCES = {"tanh": np.tanh, "softsign": _softsign, "sigmoid": _sigmoid,
              "glu": _glu, "gelu": _mp_ref(_mp_gelu), "gelu_tanh": _mp_ref(_mp_gelu_tanh),
              "softmax": _softmax, "log_softmax": _log_softmax,
              "elu": lambda x: np.where(x > 0, x, np.expm1(x)),
              "selu": lambda x: SELU_SCALE * np.where(x > 0, x, SELU_ALPHA * np.expm1(x)),
              "celu": lambda x: np.where(x > 0, x, np.expm1(x)),
              "softplus": lambda x: np.where(x > 20, x, _log1pexp(x)),
              "log_sigmoid": lambda x: -_log1pexp(-x),
              "silu": lambda x: _xf(x, lambda v: 1 / (1 + np.exp(-v))),
              "mish": lambda x: _xf(x, lambda v: np.tanh(_log1pexp(v))),
              "tanhshrink": _tanhshrink}
# Parameters at PyTorch's defaults (the ufuncs take them as inputs)
_w = np.where
# The piecewise functions, in extended precision (exact where the result is)
PIECEWISE = {
    "identity": lambda x: x,
    "step": lambda x: _w(x > 0, 1, _w(x < 0, 0, _w(x == 0, 1, x))),
    "relu": lambda x: _w(x <= 0, 0, x),
    "relu6": lambda x: _w(x <= 0, 0, _w(x >= 6, 6, x)),
    "leaky_relu": lambda x: _w(x > 0, x, LD("0.01") * x),
    "prelu": lambda x: _w(x > 0, x, LD(0.25) * x),
    "frelu": lambda x: _w(x <= 0, 0, x) - LD(0.5),
    "hardtanh": lambda x: _w(x < -1, -1, _w(x > 1, 1, x)),
    "hardsigmoid": lambda x: _w(x <= -3, 0, _w(x >= 3, 1, (x + 3) / 6)),
    "hardswish": lambda x: _w(x <= -3, 0, _w(x >= 3, x, x * (x + 3) / 6)),
    "hardshrink": lambda x: _w(np.abs(x) <= LD(0.5), 0, x),
    "softshrink": lambda x: _w(x > 0.5, x - LD(0.5), _w(x < -0.5, x + LD(0.5),
                                                       _w(np.abs(x) <= 0.5, 0, x))),
    "threshold": lambda x: _w(x <= 0.5, -2, x),
}
REFERENCES.update(PIECEWISE)
REFERENCES["softmin"] = lambda x: _softmax(-x)  # the policy with -inf as softmax's +inf
ROWWISE = ("softmax", "log_softmax", "softmin")
PARAMS = {"elu": (1.0,), "celu": (1.0,), "softplus": (1.0, 20.0), "step": (1.0,),
          "leaky_relu": (0.01,), "prelu": (0.25,), "frelu": (-0.5,), "hardtanh": (-1.0, 1.0),
          "hardshrink": (0.5,), "softshrink": (0.5,), "threshold": (0.5, -2.0)}
MPMATH = ("gelu", "gelu_tanh")  # references by mpmath: the smaller sample (--mp-n)
SWEEP = {"glu": lambda ufunc: lambda x: ufunc(x, x)}
ROW = 1000
SPECIALS = np.array([0.0, np.inf, np.nan, 5e-324, 2.2250738585072014e-308,
                     1.7976931348623157e308] + list(np.arange(708.0, 747.0, 0.25)))


def inputs(n, seed=0, top=10.0):
    """n float64 inputs: random bit patterns, log-uniform (up to 2^top), and the special
    values."""
    rng = np.random.default_rng(seed)
    half = n // 2
    bits = rng.integers(0, 1 << 63, size=half, dtype=np.int64).view(np.float64)
    bits = bits[np.isfinite(bits)]
    mid = np.exp2(rng.uniform(-30, top, size=n - half))
    x = np.concatenate([bits, mid, SPECIALS])
    return x * rng.choice([-1.0, 1.0], size=x.size)


def rows(n, seed=0):
    """softmax input: n // ROW rows of ROW, spreads 1e-3 .. 1e3, plus special rows."""
    rng = np.random.default_rng(seed)
    spread = 10.0 ** rng.uniform(-3, 3, size=(max(n // ROW, 1), 1))
    x = rng.standard_normal((spread.shape[0], ROW)) * spread + rng.uniform(-1e3, 1e3, spread.shape)
    special = np.full((4, ROW), -3.0)
    special[0, :3] = [np.inf, np.inf, 1.0]
    special[1, :] = -np.inf
    special[2, 5] = np.nan
    special[3, :] = np.linspace(-800.0, 0.0, ROW)  # results down to the subnormal range
    return np.concatenate([x, special])


def check(fn, ref, x):
    with np.errstate(all="ignore"):
        got = fn(x)
        want = ref(x.astype(LD))
        rounded = want.astype(np.float64)
        ulp = np.spacing(np.abs(rounded)).astype(LD)
        err = (np.abs(got.astype(LD) - want) / np.maximum(ulp, LD(2.0) ** -1074)).astype(np.float64)
    same = (got == rounded) | (np.isnan(got) & np.isnan(rounded))
    err[same] = 0.0
    finite = np.isfinite(err)
    i = int(np.argmax(np.where(finite, err, -1.0)))
    worst_x = x.flat[i] if x.ndim == 1 else f"row {i // x.shape[-1]}, element {i % x.shape[-1]}"
    return float(err.flat[i]), worst_x, float(err[finite].mean()), int(finite.sum()), int((~finite).sum())


def bind(ufunc, name):
    """The ufunc with its parameters (PARAMS) filled in: a function of x alone."""
    params = PARAMS.get(name, ())
    return lambda x: ufunc(x, *params)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=10_000_000, help="inputs per function")
    parser.add_argument("--path", default=None, help="kernel path (default: the one in use)")
    parser.add_argument("--functions", nargs="*", default=list(REFERENCES))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--mp-n", type=int, default=100_000,
                        help="inputs for the functions with mpmath references (gelu)")
    args = parser.parse_args(argv)
    if np.finfo(LD).nmant < 63:
        raise SystemExit("accuracy_f64: needs an extended-precision longdouble (x86 Linux)")
    path = args.path or _ufuncs.DISPATCH
    ufuncs = _ufuncs.make_ufuncs(path)
    flat, table = inputs(args.n, args.seed), rows(args.n, args.seed)
    print("| function | path | inputs | max ulp | worst input | mean ulp | NaN/inf mismatches |")
    print("|---|---|---:|---:|---|---:|---:|")
    for name in args.functions:
        t0 = time.time()
        x = table if name in ROWWISE else flat
        if name in MPMATH:
            x = inputs(args.mp_n, args.seed, top=np.log2(40.0))
        fn = SWEEP[name](ufuncs[name]) if name in SWEEP else bind(ufuncs[name], name)
        worst, wx, mean, n, bad = check(fn, REFERENCES[name], x)
        print(f"| {name} | {path} | {n:,} | {worst:.3f} | {wx!r} | {mean:.4f} | {bad} |"
              f"  <!-- {time.time() - t0:.0f} s -->", flush=True)


if __name__ == "__main__":
    main()
