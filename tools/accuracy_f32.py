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


# Parameters at PyTorch's defaults; the required ones (no default) at these values.
PARAMS = {"step": (1.0,), "leaky_relu": (0.01,), "prelu": (0.25,), "frelu": (-0.5,),
          "hardtanh": (-1.0, 1.0), "hardshrink": (0.5,), "softshrink": (0.5,),
          "threshold": (0.5, -2.0)}

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
        same = (got == want) | (np.isnan(got) & np.isnan(want))
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
