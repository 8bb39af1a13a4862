"""Generate tests/references/float64_reference.json: exact values of fastact's functions.

Every value is computed with mpmath at 60 significant digits and rounded once to the
nearest float64 (through a 40-digit decimal string, which Python rounds correctly,
subnormals included). The inputs are fixed by a seeded generator, so rerunning gives
the same file:

    python tests/references/generate.py          # from the repository root; ~1 minute

Needs numpy and mpmath only (not fastact). The tests (tests/test_accuracy.py) load the
table and assert max ULP error <= 2 for every function, dtype and kernel path.

Contents:
  unary:   {name: {"x": [repr], "y": [repr]}} for tanh, softsign, sigmoid, the
           piecewise functions and the exponential family (elu .. tanhshrink;
           parameters at PyTorch's defaults) -- a few thousand
           float64 inputs: random bit patterns over every binade, log-uniform and uniform
           samples, and hand-picked points (subnormals, the tanh kernel switch at |x| = 0.6,
           tanh's clamp at 20, the exp overflow/underflow thresholds 709/710 and -745/-746,
           20..40, the float32 thresholds 88/89 and -88..-104, FLT_MAX, DBL_MAX).
           gelu (x Phi(x), Phi by mpmath's erfc) and gelu_tanh (PyTorch's approximate="tanh",
           its formula as written, at the precision that 1 + tanh(u) needs) on the same
           inputs plus their negative tails down to the underflow (-40 .. -0.5, densely).
  split:   {"glu": {"a": [repr], "b": [repr], "y": [repr]}} -- a * sigmoid(b) on pairs:
           b over the unary inputs' range and the subnormal tail of sigmoid (-760 .. -700),
           a of every scale (up to 1e300, so that a subnormal sigmoid(b) matters).
  rowwise: {"rows": [[repr]], "softmax": [[repr]], "log_softmax": [[repr]],
           "softmin": [[repr]]} -- rows of
           length 1..100 and some of 1000, values of many scales (spreads 1e-3..760,
           offsets up to 1e8), 120 rows of 65 normal logits (sd 5), computed as exp(x_i - max) / sum and
           (x_i - max) - log(sum) with the sum split as k + rest (k = count of maxima)
           so that log1p(rest) keeps tiny rests exactly; softmin is softmax of -row.
The new entries (gelu, gelu_tanh, glu) draw from their own seeded generator, so the older
entries keep their inputs.
"""
import json
import os
import sys

import mpmath
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "float64_reference.json")
DPS = 60
TINY = mpmath.mpf(2) ** -1100  # below half the smallest subnormal: rounds to +-0


def to_f64(v):
    """mpf -> nearest float64 (round half even; subnormals rounded once)."""
    if mpmath.isnan(v):
        return float("nan")
    if mpmath.isinf(v):
        return float(v)
    if v == 0:
        return 0.0
    if abs(v) < TINY:
        return -0.0 if v < 0 else 0.0
    return float(mpmath.nstr(v, 40, min_fixed=1, max_fixed=0))


def mp(x):
    return mpmath.mpf(float(x))


def ref_tanh(x):
    return mpmath.tanh(mp(x))


def ref_softsign(x):
    v = mp(x)
    if mpmath.isinf(v):
        return mpmath.mpf(1) if v > 0 else mpmath.mpf(-1)
    return v / (1 + abs(v))


def ref_sigmoid(x):
    v = mp(x)
    if mpmath.isinf(v):
        return mpmath.mpf(1) if v > 0 else mpmath.mpf(0)
    return 1 / (1 + mpmath.exp(-v))


def _piecewise(fn):
    """A reference from its definition in exact arithmetic; NaN in -> NaN out."""
    def ref(x):
        v = mp(x)
        return v if mpmath.isnan(v) else fn(v)
    return ref


ZERO, ONE, SIX = mpmath.mpf(0), mpmath.mpf(1), mpmath.mpf(6)
# Parameters at PyTorch's defaults; required ones at tests/helpers.py REQUIRED_VALUES.
# (mpf(0.01) is the float64 nearest 0.01: the value the float64 kernel receives.)
PIECEWISE = {
    "identity": lambda v: v,
    "step": lambda v: ONE if v > 0 else (ZERO if v < 0 else ONE),
    "relu": lambda v: v if v > 0 else ZERO,
    "relu6": lambda v: ZERO if v <= 0 else min(v, SIX),
    "leaky_relu": lambda v: v if v > 0 else mpmath.mpf(0.01) * v,
    "prelu": lambda v: v if v > 0 else mpmath.mpf(0.25) * v,
    "frelu": lambda v: (v if v > 0 else ZERO) - mpmath.mpf(0.5),
    "hardtanh": lambda v: max(-ONE, min(ONE, v)),
    "hardsigmoid": lambda v: max(ZERO, min(ONE, (v + 3) / 6)),
    "hardswish": lambda v: ZERO if v <= -3 else (v if v >= 3 else v * (v + 3) / 6),
    "hardshrink": lambda v: v if abs(v) > mpmath.mpf(0.5) else ZERO,
    "softshrink": lambda v: (v - mpmath.mpf(0.5) if v > 0.5 else
                             (v + mpmath.mpf(0.5) if v < -0.5 else ZERO)),
    "threshold": lambda v: v if v > 0.5 else mpmath.mpf(-2),
}
SELU_SCALE = mpmath.mpf("1.0507009873554804934193349852946")
SELU_ALPHA = mpmath.mpf("1.6732632423543772848170429916717")


def _expm1(v):
    return mpmath.mpf(-1) if v == mpmath.ninf else mpmath.expm1(v)


def _log1pexp(v):
    """log(1 + e^v), with its limits."""
    if mpmath.isinf(v):
        return v if v > 0 else ZERO
    return mpmath.log1p(mpmath.exp(v))


def _tanhshrink(v):
    if mpmath.isinf(v):
        return v
    if v == 0:
        return v
    # enough digits for the cancellation x - tanh x ~ x^3/3
    with mpmath.workdps(DPS + int(2 * max(0, -mpmath.log10(abs(v)))) + 10):
        return +(v - mpmath.tanh(v))


def _xf(f):
    """x f(x) with the limit 0 at -inf (silu, mish)."""
    return lambda v: ZERO if v == mpmath.ninf else (v if v == mpmath.inf else v * f(v))


# Functions of the exponential family (issue 4); parameters at PyTorch's defaults
EXPFAMILY = {
    "elu": lambda v: v if v > 0 else _expm1(v),
    "selu": lambda v: SELU_SCALE * (v if v > 0 else SELU_ALPHA * _expm1(v)),
    "celu": lambda v: v if v > 0 else _expm1(v),
    "softplus": lambda v: v if v > 20 else _log1pexp(v),
    "log_sigmoid": lambda v: -_log1pexp(-v),
    "silu": _xf(lambda v: 1 / (1 + mpmath.exp(-v))),
    "mish": _xf(lambda v: mpmath.tanh(_log1pexp(v))),
    "tanhshrink": _tanhshrink,
}
UNARY = {"tanh": ref_tanh, "softsign": ref_softsign, "sigmoid": ref_sigmoid,
         **{name: _piecewise(fn) for name, fn in PIECEWISE.items()},
         **{name: _piecewise(fn) for name, fn in EXPFAMILY.items()}}


def ref_gelu(x):
    """x Phi(x) = x erfc(-x / sqrt 2) / 2 (erfc keeps the negative tail's relative
    accuracy); gelu(-inf) = -0.0 (the limit), gelu(+inf) = +inf."""
    v = mp(x)
    if abs(v) > 50 and not mpmath.isnan(v):  # 1 - Phi(50) < 1e-500: x, or below 2^-1100
        return v if v > 0 else mpmath.mpf(0)
    return v * mpmath.erfc(-v / mpmath.sqrt(2)) / 2


def ref_gelu_tanh(x):
    """0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))), literally: for x < 0, 1 + tanh(u)
    is about 2 e^(2u), so the working precision is raised by |2u| / ln 10 digits to keep
    DPS digits after the cancellation."""
    v = mp(x)
    if mpmath.isnan(v):
        return v
    if abs(v) > 50:  # 1 + tanh(u) = 2 - ~e^(-4000), or ~e^(-4000): x, or below 2^-1100
        return v if v > 0 else mpmath.mpf(0)
    # the decimal constant 0.044715 as PyTorch writes it, parsed at the working precision
    u = mpmath.sqrt(2 / mpmath.pi) * (v + mpmath.mpf("0.044715") * v**3)
    extra = int(abs(2 * u) / mpmath.log(10)) + 10 if u < 0 else 0
    with mpmath.workdps(DPS + extra):
        u = mpmath.sqrt(2 / mpmath.pi) * (v + mpmath.mpf("0.044715") * v**3)
        return mpmath.mpf(0.5) * v * (1 + mpmath.tanh(u))


def ref_glu(a, b):
    """a * sigmoid(b), exactly -- except where sigmoid(b) itself rounds to 0 in float64
    (b < -745.13): there fastact's glu, like PyTorch's a * sigmoid(b), gives a * 0."""
    s = 1 / (1 + mpmath.exp(-mp(b)))
    return mp(a) * s if s > mpmath.mpf(2) ** -1075 else mpmath.mpf(0)


GELU = {"gelu": ref_gelu, "gelu_tanh": ref_gelu_tanh}  # on unary + gelu_tail inputs


def gelu_tail(rng):
    """Extra gelu inputs: the negative tail to past the float64 underflow (-38.6 erf form,
    -21.5 tanh form) and the positive side where gelu(x) -> x."""
    xs = list(np.linspace(-40, -0.5, 791)) + list(-rng.uniform(0.5, 40, 600))
    xs += list(rng.uniform(0.5, 40, 200)) + [-38.5, -38.6, -38.7, -37.5, -21.5, -21.4]
    return np.array(xs)


def glu_inputs(rng, xs):
    """(a, b) pairs for glu: b from the unary inputs (finite, |b| <= 800) and the sigmoid
    tail, a random of every scale (log-uniform 2^-30 .. 2^1000, both signs)."""
    b = xs[np.isfinite(xs) & (np.abs(xs) <= 800)]
    b = np.concatenate([b, rng.uniform(-760, -700, 400), [-725.5, -745.0, -745.1, -709.0]])
    a = 2.0 ** rng.uniform(-30, 1000, b.size) * rng.choice([-1.0, 1.0], b.size)
    a[: b.size // 2] = rng.standard_normal(b.size // 2) * 10  # ordinary scales too
    return a, b


def unary_inputs(rng):
    xs = []
    # random finite bit patterns: every binade equally likely, both signs
    bits = rng.integers(0, 2**64, size=1200, dtype=np.uint64)
    v = bits.view(np.float64)
    xs += list(v[np.isfinite(v)])
    # log-uniform over the interesting range, both signs
    mag = 2.0 ** rng.uniform(-40, 11, size=1500)
    xs += list(mag * rng.choice([-1.0, 1.0], size=mag.size))
    # uniform where all three functions bend
    xs += list(rng.uniform(-40, 40, size=600))
    # the tanh kernel switch at 0.6 and the 0.55-0.65 band
    xs += list(np.linspace(0.55, 0.65, 101)) + list(-np.linspace(0.55, 0.65, 101))
    for c in (0.6, 10.0, 20.0, 40.0, 45.0, 800.0, 708.0, 709.0, 709.782712893384, 710.0, 745.0, 745.1332191019412,
              746.0, 88.0, 88.72283935546875, 89.0, 103.97, 104.0, 36.0, 37.0, 19.0,
              1.0, 0.5, 2.0 ** -26, 2.0 ** -27, 2.0 ** -28):
        for s in (1.0, -1.0):
            a = s * c
            xs += [a, np.nextafter(a, np.inf), np.nextafter(a, -np.inf)]
    xs += list(np.linspace(20, 40, 81)) + list(-np.linspace(20, 40, 81))
    xs += list(np.linspace(700, 760, 61)) + list(-np.linspace(700, 760, 61))
    xs += list(-np.linspace(80, 110, 61))
    # tiny, subnormal, huge
    xs += [5e-324, -5e-324, 1e-320, -1e-320, 2.2250738585072014e-308,
           -2.2250738585072014e-308, 2.225073858507201e-308, 1e-300, -1e-300, 1e-200,
           1.401298464324817e-45, 1.1754943508222875e-38, 3.4028234663852886e+38,
           -3.4028234663852886e+38, 1.7976931348623157e+308, -1.7976931348623157e+308,
           1e300, -1e300, 1e20, -1e20, 0.0, -0.0]
    # the piecewise functions' corners (-3, 3, 6, +-0.5, +-1) and between them
    for c in (3.0, 6.0, 0.5, 1.0, 2.5):
        for a in (c, -c):
            xs += [a, np.nextafter(a, np.inf), np.nextafter(a, -np.inf)]
    xs += list(rng.uniform(-8, 8, size=400))
    xs += list(rng.uniform(-1e-4, 1e-4, size=100))
    xs = np.array(xs, dtype=np.float64)
    # dedupe by bit pattern (keeps -0.0 and 0.0 apart), stable order
    _, idx = np.unique(xs.view(np.uint64), return_index=True)
    return xs[np.sort(idx)]


def row_inputs(rng):
    rows = []
    spreads = (1e-3, 1.0, 10.0, 50.0, 100.0, 300.0, 700.0, 760.0)
    offsets = (0.0, 3.0, -1e3, 1e5)
    for n in range(1, 101):
        spread = spreads[n % len(spreads)]
        off = offsets[(n // len(spreads)) % len(offsets)]
        rows.append(rng.uniform(-spread / 2, spread / 2, size=n) + off)
    for n, spread in ((1000, 10.0), (1000, 50.0), (1000, 700.0), (1000, 1e-3)):
        rows.append(rng.uniform(-spread / 2, spread / 2, size=n))
    # normal-distributed logits, a unique dominant maximum, ties, huge equal values
    rows.append(rng.standard_normal(257) * 3)
    # many ordinary logit rows (normal, sd 5): where exp and sum errors add up
    rows += [rng.standard_normal(65) * 5 for _ in range(120)]
    rows += [rng.standard_normal(1000) * 5 for _ in range(2)]
    rows.append(np.r_[rng.uniform(-800, -700, size=30), 0.0])
    rows.append(np.r_[rng.uniform(-40, -20, size=63), 5.0])
    rows.append(np.array([1e8, 1e8]))
    rows.append(np.array([1e8, 1e8 - 1, 1e8 - 30]))
    rows.append(np.array([-1e8, -1e8, -1e8 + 2]))
    rows.append(np.array([3.0, 3.0, 3.0, -2.0]))
    rows.append(np.array([5.0, 4.0, -1.0]))
    rows.append(np.array([1.0, 2.0, 3.0]))
    rows.append(np.array([0.0, 745.0, 745.5]))
    rows.append(regression_row())
    return rows


def regression_row():
    """Column 11 of the (65, 18) block drawn by test_softmax.py::
    test_many_columns_block_path (seed 8): its element 29 came out 2.7 ulp off in float64."""
    r = np.random.default_rng(8)
    for ncols in range(1, 70):
        for n in (1, 3, 17, 65):
            x = r.standard_normal((n, ncols)) * 5.0
            if (n, ncols) == (65, 18):
                return x[:, 11].copy()


def ref_rows(row):
    v = [mp(x) for x in row]
    m = max(v)
    d = [mpmath.fsub(x, m, exact=True) for x in v]
    k = sum(1 for x in d if x == 0)
    rest = mpmath.fsum(mpmath.exp(x) for x in d if x != 0)
    total = k + rest
    sm = [to_f64(mpmath.exp(x) / total) for x in d]
    lse = mpmath.log1p(rest) if k == 1 else mpmath.log(total)
    lsm = [to_f64(x - lse) for x in d]
    return sm, lsm


def main():
    mpmath.mp.dps = DPS
    rng = np.random.default_rng(20240602)
    xs = unary_inputs(rng)
    unary = {}
    for name, f in UNARY.items():
        unary[name] = {"x": [repr(float(x)) for x in xs],
                       "y": [repr(to_f64(f(x))) for x in xs]}
    rows = row_inputs(rng)
    sms, lsms, smins = [], [], []
    for row in rows:
        sm, lsm = ref_rows(row)
        sms.append([repr(v) for v in sm])
        lsms.append([repr(v) for v in lsm])
        smins.append([repr(v) for v in ref_rows(-np.asarray(row))[0]])
    rng2 = np.random.default_rng(20250115)  # the newer entries: their own stream
    gx = np.concatenate([xs, gelu_tail(rng2)])
    for name, f in GELU.items():
        unary[name] = {"x": [repr(float(x)) for x in gx],
                       "y": [repr(to_f64(f(x))) for x in gx]}
    ga, gb = glu_inputs(rng2, xs)
    split = {"glu": {"a": [repr(float(v)) for v in ga], "b": [repr(float(v)) for v in gb],
                     "y": [repr(to_f64(ref_glu(a, b))) for a, b in zip(ga, gb)]}}
    table = {
        "about": "Generated by tests/references/generate.py (mpmath, %d digits, rounded to "
                 "nearest float64). Rerun: python tests/references/generate.py" % DPS,
        "unary": unary,
        "split": split,
        "rowwise": {"rows": [[repr(float(x)) for x in r] for r in rows],
                    "softmax": sms, "log_softmax": lsms, "softmin": smins},
    }
    with open(OUT, "w") as f:
        json.dump(table, f, separators=(",", ":"))
        f.write("\n")
    print(f"wrote {OUT}: {len(xs)} unary inputs x {len(UNARY)} functions, {len(gx)} x "
          f"{len(GELU)} gelus, {len(ga)} glu pairs, "
          f"{len(rows)} rows ({sum(map(len, rows))} elements), "
          f"{os.path.getsize(OUT) / 1e6:.2f} MB", file=sys.stderr)


if __name__ == "__main__":
    main()
