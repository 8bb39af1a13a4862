"""Accuracy: max error <= 2 ULP for every function and dtype on every kernel path.

float64: against the mpmath table tests/references/float64_reference.json (see
generate.py next to it), every elementwise ufunc (parameters at PARAMS; gelu's variants
each; glu's ufunc on its (a, b) pairs) and every rowwise function. float32: a strided sweep over all 2^32 bit patterns against a
float64 reference rounded to float32. Run with ``pytest -s`` to see the measured maxima.
"""
import json
from pathlib import Path

import numpy as np
import pytest
try:
    from scipy import special
    from scipy.special import expit
except ImportError:  # SciPy is optional for testing a wheel (no wheels on every platform)
    special = None

    def expit(x):
        with np.errstate(over="ignore"):
            return 1.0 / (1.0 + np.exp(-x))

import arrays
from helpers import PARAMS, PATHS, UNARY_KERNELS, call, kernels, rowwise_ref, tiny_rule

BUDGET = 2
REF = Path(__file__).parent / "references" / "float64_reference.json"
UNARY = ("tanh", "softsign", "sigmoid", "gelu", "gelu_tanh")  # float32 references below
ROWWISE = ("softmax", "log_softmax", "softmin")


@pytest.fixture(scope="module")
def table():
    with open(REF) as f:
        return json.load(f)


def report(label, d, x):
    m, at = arrays.worst(d, x)
    print(f"\n[accuracy] {label}: max {m:g} ulp at x={at!r}")
    return m


# ------------------------------------------------------------------ float64 unary
@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("name", UNARY_KERNELS)
def test_float64_unary_vs_mpmath(table, name, path):
    entry = table["unary"][name]
    x = np.array([float(v) for v in entry["x"]])
    want = np.array([float(v) for v in entry["y"]])
    assert x.size > 3000
    got = call(path, name, x)
    d = arrays.ulp_distance(got, want)
    m = report(f"{name} float64 [{path}] vs mpmath ({x.size} points)", d, x)
    assert m <= BUDGET
    # strided input goes through the buffered loop: same bits
    arrays.assert_same(call(path, name, np.repeat(x, 2)[::2]), got)


@pytest.mark.parametrize("path", PATHS)
def test_float64_glu_vs_mpmath(table, path):
    entry = table["split"]["glu"]
    a, b, want = (np.array([float(v) for v in entry[k]]) for k in ("a", "b", "y"))
    assert a.size > 3000 and (b < -708).sum() > 300  # the subnormal-sigmoid tail is in
    got = call(path, "glu", a, b)
    d = arrays.ulp_distance(got, want)
    m = report(f"glu float64 [{path}] vs mpmath ({a.size} pairs)", d, b)
    assert m <= BUDGET
    arrays.assert_same(call(path, "glu", np.repeat(a, 2)[::2], b), got)


@pytest.mark.parametrize("path", PATHS)
def test_float32_glu_on_table_inputs(table, path):
    # float32 glu is computed in double and rounded once: the float64 product rounded
    entry = table["split"]["glu"]
    with np.errstate(over="ignore"):
        a, b = (np.array([float(v) for v in entry[k]]).astype(np.float32) for k in "ab")
    ok = np.isfinite(a)
    got = call(path, "glu", a[ok], b[ok])
    want = (a[ok].astype(np.float64) * expit(b[ok].astype(np.float64))).astype(np.float32)
    assert report(f"glu float32 [{path}] on table pairs", arrays.ulp_distance(got, want),
                  b[ok]) <= BUDGET


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("name", UNARY)
def test_float32_unary_on_table_inputs(table, name, path):
    # the table's inputs in float32 (overflowing ones become +-inf), reference rounded
    with np.errstate(over="ignore"):
        x = np.array([float(v) for v in table["unary"][name]["x"]]).astype(np.float32)
    got = call(path, name, x)
    d = arrays.ulp_distance(got, REF32[name](x))
    assert report(f"{name} float32 [{path}] on table inputs", d, x) <= BUDGET


# ------------------------------------------------------------------ rowwise
LAYOUTS = {  # label: (make the layout from a 1-D row, axis to reduce)
    "contiguous": (lambda x: x, -1),
    "strided": (lambda x: np.repeat(x, 3)[::3], -1),
    "column": (lambda x: x[:, None].copy(), 0),
}


def _worst_rowwise(path, name, cases, dtype, layouts):
    """Max ulp distance over (x, want) cases and layouts, and where it happened."""
    worst_d, worst_at = 0.0, None
    for x, want in cases:
        for label in layouts:
            make, axis = LAYOUTS[label]
            got = call(path, name, make(x), axis=axis).reshape(-1)
            assert got.dtype == dtype
            d = arrays.ulp_distance(got, want, tiny_abs=tiny_rule(dtype))
            if d.max() > worst_d:
                i = int(np.argmax(d))
                worst_d, worst_at = float(d.max()), (label, x.size, i, x[i], got[i], want[i])
    return worst_d, worst_at


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("name", ROWWISE)
def test_float64_rowwise_vs_mpmath(table, name, path):
    rows = table["rowwise"]["rows"]
    cases = ((np.array([float(v) for v in row]), np.array([float(v) for v in ref]))
             for row, ref in zip(rows, table["rowwise"][name]))
    worst_d, worst_at = _worst_rowwise(path, name, cases, np.float64, LAYOUTS)
    print(f"\n[accuracy] {name} float64 [{path}] vs mpmath ({len(rows)} rows): "
          f"max {worst_d:g} ulp at (layout, n, index, x, got, want)={worst_at}")
    assert worst_d <= BUDGET, worst_at


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("name", ROWWISE)
def test_float32_rowwise(table, name, path):
    xs = (np.array([float(v) for v in row]).astype(np.float32)
          for row in table["rowwise"]["rows"])
    cases = ((x, rowwise_ref(-x if name == "softmin" else x, log=(name == "log_softmax")))
             for x in xs)
    worst_d, worst_at = _worst_rowwise(path, name, cases, np.float32, ("contiguous", "column"))
    print(f"\n[accuracy] {name} float32 [{path}] rows: max {worst_d:g} ulp at "
          f"(layout, n, index, x, got, want)={worst_at}")
    assert worst_d <= BUDGET, worst_at


# ------------------------------------------------------------------ float32 sweep
def _softsign64(x):
    with np.errstate(invalid="ignore"):
        y = x / (1 + np.abs(x))
    return np.where(np.isinf(x), np.sign(x), y)


def _gelu64(x, tanh_form=False):
    # x Phi(x) (ndtr: erfc-based, accurate in the tail) or x sigmoid(2u) (the tanh form
    # without its cancellation); the limit -0.0 at -inf
    if special is None and not tanh_form:
        pytest.skip("the float32 gelu reference needs scipy.special.ndtr")
    with np.errstate(all="ignore"):
        y = (x * expit(2 * np.sqrt(2 / np.pi) * (x + 0.044715 * x**3)) if tanh_form
             else x * special.ndtr(x))
    return np.where(x == -np.inf, -0.0, y)


REF32 = {  # float64 reference rounded once to float32
    "tanh": lambda x: np.tanh(x.astype(np.float64)).astype(np.float32),
    "softsign": lambda x: _softsign64(x.astype(np.float64)).astype(np.float32),
    "sigmoid": lambda x: expit(x.astype(np.float64)).astype(np.float32),
    "gelu": lambda x: _gelu64(x.astype(np.float64)).astype(np.float32),
    "gelu_tanh": lambda x: _gelu64(x.astype(np.float64), True).astype(np.float32),
}
STRIDE = 64          # every 64th bit pattern: 2^26 = 67M inputs per function
OFFSET = 0x2B        # random-ish, so the sweep is not aligned to round numbers
CHUNK = 1 << 21      # inputs per chunk (keeps memory around 50 MB)
SPECIAL32 = np.array([np.nan, np.inf, -np.inf, 0.0, -0.0, 88.0, 89.0, -88.0, -100.0,
                      -104.0, 0.6, -0.6, 10.0, np.finfo(np.float32).max,
                      -np.finfo(np.float32).max, np.finfo(np.float32).smallest_subnormal],
                     dtype=np.float32)


@pytest.mark.parametrize("name", UNARY[:3])  # gelu's: tools/accuracy_f32.py (test_tools)
def test_float32_sweep_all_paths(name):
    ks = {p: kernels(p)[name] for p in PATHS}
    worst = {p: (0.0, None, None, None) for p in PATHS}
    total = 0
    for start in range(0, 1 << 32, CHUNK * STRIDE):
        bits = np.arange(start + OFFSET, min(start + CHUNK * STRIDE, 1 << 32), STRIDE,
                         dtype=np.uint64).astype(np.uint32)
        x = bits.view(np.float32)
        if start == 0:
            x = np.concatenate([SPECIAL32, x])
        with np.errstate(invalid="ignore"):  # signalling NaN patterns
            want = REF32[name](x)
        total += x.size
        for p, f in ks.items():
            with np.errstate(over="raise", invalid="raise", divide="raise"):
                got = f(x)
            if True:
                assert got.dtype == np.float32
                d = arrays.ulp_distance(got, want)
                i = int(np.argmax(d))
                if d[i] > worst[p][0]:
                    worst[p] = (float(d[i]), x[i], got[i], want[i])
                lo = 0 if name == "sigmoid" else -1
                ok = np.isnan(got) | ((got >= lo) & (got <= 1))
                assert ok.all(), (p, x[~ok][:5], got[~ok][:5])
    assert total >= (1 << 32) // STRIDE
    for p, (m, xw, gw, ww) in worst.items():
        print(f"\n[accuracy] {name} float32 [{p}] sweep of {total} inputs: max {m:g} ulp"
              + (f" at x={xw!r} (got {gw!r}, want {ww!r})" if xw is not None else ""))
    # the budget for the seed's elementwise three: 1 ulp
    assert all(m <= 1 for m, *_ in worst.values()), worst


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("name", ("sigmoid", "silu"))
def test_float32_lanes_mixing_table_and_tail(name, path):
    # AVX-512: a vector with any lane below -17.71 takes those lanes from the exp kernel;
    # a lane's result must not depend on its neighbours (each element alone: same bits)
    # and stays within budget on both sides of the switch
    base = np.array([-17.72, -17.71, -17.7, -20.0, -88.5, -104.0, -np.inf, 0.3, 17.7, 17.72,
                     -1e-30, 5.0, -5.0, np.nan, -0.0, -150.0, 1e-45, -9.28020763],
                    dtype=np.float32)
    rng = np.random.default_rng(5)
    x = np.concatenate([base, rng.permutation(np.tile(base, 7))])
    got = call(path, name, x)
    alone = np.concatenate([call(path, name, x[i:i + 1]) for i in range(x.size)])
    arrays.assert_same(got, alone)
    want = REF32["sigmoid"](x)
    if name == "silu":
        with np.errstate(invalid="ignore"):  # -inf * 0: the limit is set below
            want = (x.astype(np.float64) * expit(x.astype(np.float64))).astype(np.float32)
        want[np.isneginf(x)] = -0.0
    d = arrays.ulp_distance(got, want)
    assert report(f"{name} float32 [{path}] mixed lanes", d, x) <= (1 if name == "sigmoid" else BUDGET)


@pytest.mark.parametrize("path", PATHS)
def test_float32_glu_lanes_mixing_table_and_tail(path):
    # glu's ufunc a sigmoid(b): on AVX-512 lanes with b < -17.71, a = +-inf or a NaN come
    # from the exp kernel, the others from sigmoid's table; each pair alone: same bits
    vals = np.array([-17.72, -17.7, -20.0, -88.5, -150.0, -np.inf, np.inf, np.nan, -0.0, 0.0,
                     0.3, 17.72, 3e38, -3e38, 1e-45, -9.28, 5.0, 1e30], dtype=np.float32)
    rng = np.random.default_rng(6)
    a = rng.choice(vals, 400)
    b = rng.choice(vals, 400)
    glu = kernels(path)["glu"]
    with np.errstate(all="raise"):
        got = glu(a, b)
        alone = np.concatenate([glu(a[i:i + 1], b[i:i + 1]) for i in range(a.size)])
    arrays.assert_same(got, alone)
    with np.errstate(all="ignore"):  # inf * 0 and overflow in the reference
        want = (a.astype(np.float64) * expit(b.astype(np.float64))).astype(np.float32)
    ok = ~np.isnan(want)
    assert np.isnan(got[~ok]).all()
    d = arrays.ulp_distance(got[ok], want[ok])
    assert report(f"glu float32 [{path}] mixed lanes", d, a[ok]) <= BUDGET


# ------------------------------------------------------------------ small dtypes
@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("name", UNARY_KERNELS)
def test_every_small_int_and_float16_exhaustively(name, path):
    # small ints: computed in float64; float16: computed in float32 and rounded once, so
    # exactly np.float16(f32 result) for all 65536 inputs (contiguous, strided, in place)
    f = kernels(path)[name]
    p = PARAMS[name]
    for dt in (np.int8, np.uint8, np.int16, np.uint16):
        info = np.iinfo(dt)
        x = np.arange(int(info.min), int(info.max) + 1).astype(dt)
        got = f(x, *p)
        assert got.dtype == np.float64
        arrays.assert_same(got, f(x.astype(np.float64), *p))
    arrays.assert_same(f(np.array([False, True]), *p), f(np.array([0.0, 1.0]), *p))
    h = np.arange(1 << 16, dtype=np.uint32).astype(np.uint16).view(np.float16)
    with np.errstate(all="raise"):
        got = f(h, *p)
    assert got.dtype == np.float16
    with np.errstate(over="ignore"):  # the reference's own cast: selu(65504) > float16 max
        want = f(h.astype(np.float32), *p).astype(np.float16)
    arrays.assert_same(got, want)
    arrays.assert_same(f(np.repeat(h, 2)[::2], *p), want)
    hc = h.copy()
    f(hc, *p, out=hc)
    arrays.assert_same(hc, want)
