"""Max / mean ulp error of fastact's float32 elementwise functions over float32 inputs.

    python tools/accuracy_f32.py                 # every float32 (2^32 inputs), path in use
    python tools/accuracy_f32.py --step 64       # every 64th bit pattern
    python tools/accuracy_f32.py --path baseline # one kernel path (see fastact.config())

The reference is the function computed in float64 (NumPy's float64 tanh / exp are
within a float64 ulp or two, i.e. ~2^-29 float32 ulp), and the error of each result is
|got - ref| / ulp(ref rounded to float32), ulp = 2^-149 for subnormals: the error
against the exact value, so a correctly rounded result scores <= 0.5. NaN and +-inf must
match exactly (reported as a mismatch otherwise).
"""
import argparse
import time

import numpy as np
from scipy import special

import fastact._ufuncs as _ufuncs

SELU_SCALE, SELU_ALPHA = 1.0507009873554804934193349852946, 1.6732632423543772848170429916717
# x - tanh x = sum_k TANHSHRINK_SERIES[k] x^(2k+3): Taylor coefficients (mpmath.taylor of
# tanh, 25 digits, as strings so longdouble gets them in full), used below 0.5 where
# x - tanh x cancels: 20 terms, truncation < 2^-64 relative there
TANHSHRINK_SERIES = (
    "0.3333333333333333333333333",
    "-0.1333333333333333333333333",
    "0.05396825396825396825396825",
    "-0.02186948853615520282186949",
    "0.008863235529902196568863236",
    "-0.003592128036572481016925461",
    "0.001455834387051318268249485",
    "-0.000590027440945585981378076",
    "0.0002391291142435524814857315",
    "-0.00009691537956929450325595875",
    "0.00003927832388331683405337081",
    "-0.00001591890506932896474074428",
    "0.000006451689215655430763190842",
    "-0.000002614771151290754554263594",
    "0.000001059726832010465435091355",
    "-0.0000004294911078273805854820351",
    "0.0000001740661896357164777986229",
    "-7.054636946400968325214519e-8",
    "2.859136662305253908331095e-8",
    "-1.158764443279885220019793e-8",
)


def _softsign(x):
    with np.errstate(invalid="ignore"):
        return np.where(np.isinf(x), np.sign(x), x / (1 + np.abs(x)))


def _sigmoid(x):
    with np.errstate(over="ignore"):
        return 1 / (1 + np.exp(-x))


def _gelu(x):
    # x Phi(x); scipy's ndtr uses erfc for x < 0, so it keeps its relative accuracy in
    # the tail (0.5 (1 + erf) would cancel)
    return np.where(x == -np.inf, -0.0, x * special.ndtr(x))  # -inf * 0: the limit -0.0


def _gelu_tanh(x):
    # x/2 (1 + tanh u) = x sigmoid(2u): no cancellation for x < 0 (float64 2u is good to
    # 1e-14 relative even at float32's underflow, |2u| ~ 100)
    return np.where(x == -np.inf, -0.0,
                    x * special.expit(2 * np.sqrt(2 / np.pi) * (x + 0.044715 * x**3)))


def _glu(x):
    # glu's ufunc checked as glu(x, x) = x sigmoid(x): both inputs sweep every float32
    return x * special.expit(x)


def _where(cond, a, b):
    return np.where(cond, a, b)


def _tanhshrink(x):
    """x - tanh x: the Taylor series below 0.5 (no cancellation), the difference above
    (cancels at most 13x there: 2^-49 relative in float64). Works in float64 and
    longdouble (accuracy_f64 imports it)."""
    u = x * x
    p = np.zeros_like(x)
    for c in reversed(TANHSHRINK_SERIES):
        p = p * u + x.dtype.type(c)
    with np.errstate(invalid="ignore"):
        return _where(np.abs(x) < 0.5, x * u * p, x - np.tanh(x))


def _silu(x):
    with np.errstate(invalid="ignore"):
        return _where(x == -np.inf, -0.0, x * special.expit(x))


def _mish(x):
    with np.errstate(invalid="ignore"):
        return _where(x == -np.inf, -0.0, x * np.tanh(np.logaddexp(0.0, x)))


# Parameters at PyTorch's defaults; the required ones (no default) at these values.
PARAMS = {"step": (1.0,), "leaky_relu": (0.01,), "prelu": (0.25,), "frelu": (-0.5,),
          "hardtanh": (-1.0, 1.0), "hardshrink": (0.5,), "softshrink": (0.5,),
          "threshold": (0.5, -2.0), "elu": (1.0,), "celu": (1.0,), "softplus": (1.0, 20.0)}

# float64 references of the piecewise functions, written from their definitions; NaN
# propagates through np.where's else branch (comparisons with NaN are False).
REFERENCES = {
    "tanh": np.tanh, "softsign": _softsign, "sigmoid": _sigmoid,
    "identity": lambda x: x,
    "step": lambda x: _where(x > 0, 1.0, _where(x < 0, 0.0, _where(x == 0, 1.0, x))),
    "relu": lambda x: _where(x <= 0, 0.0, x),
    "relu6": lambda x: _where(x <= 0, 0.0, _where(x >= 6, 6.0, x)),
    "leaky_relu": lambda x: _where(x > 0, x, 0.01 * x),
    "prelu": lambda x: _where(x > 0, x, 0.25 * x),
    "frelu": lambda x: _where(x <= 0, 0.0, x) - 0.5,
    "hardtanh": lambda x: _where(x < -1, -1.0, _where(x > 1, 1.0, x)),
    "hardsigmoid": lambda x: _where(x <= -3, 0.0, _where(x >= 3, 1.0, (x + 3) / 6)),
    "hardswish": lambda x: _where(x <= -3, 0.0, _where(x >= 3, x, x * (x + 3) / 6)),
    "hardshrink": lambda x: _where(np.abs(x) <= 0.5, 0.0, x),
    "softshrink": lambda x: _where(x > 0.5, x - 0.5, _where(x < -0.5, x + 0.5,
                                                             _where(np.abs(x) <= 0.5, 0.0, x))),
    "threshold": lambda x: _where(x <= 0.5, -2.0, x),
    "gelu": _gelu, "gelu_tanh": _gelu_tanh, "glu": _glu,
    # expm1 / log_expit / logaddexp: accurate in the tails (scipy, NumPy)
    "elu": lambda x: _where(x > 0, x, np.expm1(x)),
    "selu": lambda x: SELU_SCALE * _where(x > 0, x, SELU_ALPHA * np.expm1(x)),
    "celu": lambda x: _where(x > 0, x, np.expm1(x)),
    "softplus": lambda x: _where(x > 20, x, np.logaddexp(0.0, x)),
    "log_sigmoid": special.log_expit,
    "silu": _silu,
    "mish": _mish,
    "tanhshrink": _tanhshrink,
}
# Elementwise ufuncs with more than x as array input: how each is swept by one x.
SWEEP = {"glu": lambda ufunc: lambda x: ufunc(x, x)}
CHUNK = 1 << 25


def check(fn, ref, step=1):
    worst, worst_x, total, count, mismatches = 0.0, None, 0.0, 0, 0
    for start in range(0, 1 << 32, CHUNK):
        bits = np.arange(start, start + CHUNK, step, dtype=np.uint64).astype(np.uint32)
        x = bits.view(np.float32)
        with np.errstate(all="ignore"):
            got = fn(x).astype(np.float64)
            want = ref(x.astype(np.float64))
            ulp = np.spacing(np.abs(want.astype(np.float32))).astype(np.float64)
            err = np.abs(got - want) / np.maximum(ulp, 2.0**-149)
            rounded = want.astype(np.float32)  # overflows to +-inf where got must too
        same = (got == want) | (np.isnan(got) & np.isnan(want)) | (np.isinf(got) & (got == rounded))
        err[same] = 0.0
        finite = np.isfinite(err)
        mismatches += int((~finite).sum())
        total += float(err[finite].sum())
        count += int(finite.sum())
        i = int(np.argmax(np.where(finite, err, -1.0)))
        if err[i] > worst:
            worst, worst_x = float(err[i]), x[i]
    return worst, worst_x, total / count, count, mismatches


def bind(ufunc, name):
    """The ufunc with its parameters (PARAMS) filled in: a function of x alone."""
    if name in SWEEP:
        return SWEEP[name](ufunc)
    params = PARAMS.get(name, ())
    return lambda x: ufunc(x, *params)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--step", type=int, default=1, help="check every STEP-th bit pattern")
    parser.add_argument("--path", default=None, help="kernel path (default: the one in use)")
    parser.add_argument("--functions", nargs="*", default=list(REFERENCES))
    args = parser.parse_args(argv)
    path = args.path or _ufuncs.DISPATCH
    ufuncs = _ufuncs.make_ufuncs(path)
    print(f"| function | path | inputs | max ulp | worst input | mean ulp | NaN/inf mismatches |")
    print(f"|---|---|---:|---:|---|---:|---:|")
    for name in args.functions:
        t0 = time.time()
        worst, wx, mean, n, bad = check(bind(ufuncs[name], name), REFERENCES[name], args.step)
        print(f"| {name} | {path} | {n:,} | {worst:.3f} | {wx!r} | {mean:.4f} | {bad} |"
              f"  <!-- {time.time() - t0:.0f} s -->", flush=True)


if __name__ == "__main__":
    main()
