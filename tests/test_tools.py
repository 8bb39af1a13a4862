"""The repository's tools run and agree with the budget (coarse settings: fast)."""
import importlib.util
from pathlib import Path

import numpy as np
import pytest

import fastact._ufuncs as _ufuncs

ROOT = Path(__file__).resolve().parents[1]


def _load(name):
    if name.startswith("accuracy_"):  # the accuracy tools take references from SciPy
        pytest.importorskip("scipy", reason="SciPy is not installed")
    spec = importlib.util.spec_from_file_location(name, ROOT / "tools" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _regenerate(tmp_path, writer, header):
    """The generator module, after checking that its `writer` writes exactly the
    committed src/fastact/`header`."""
    pytest.importorskip("mpmath")
    gen = _load("fit_coefficients")
    out = tmp_path / header
    getattr(gen, writer)(str(out))
    committed = (ROOT / "src" / "fastact" / header).read_text()
    assert out.read_text() == committed
    return gen, committed


@pytest.mark.parametrize("path", _ufuncs.AVAILABLE)
def test_accuracy_tool_coarse_sweep(path):
    tool = _load("accuracy_f32")
    ufuncs = _ufuncs.make_ufuncs(path)
    from fastact._registry import ELEMENTWISE
    # the checker covers every elementwise ufunc: gelu's variants and glu included
    assert set(tool.REFERENCES) == set(ELEMENTWISE)
    for name, ref in tool.REFERENCES.items():
        worst, worst_x, mean, count, mismatches = tool.check(tool.bind(ufuncs[name], name), ref,
                                                           step=1 << 16)
        assert count == 1 << 16
        assert mismatches == 0, name
        assert worst <= 2.0, (name, path, worst, worst_x)
        assert 0.0 <= mean < worst or worst == 0.0


def test_accuracy_tool_prints_a_table(capsys):
    _load("accuracy_f32").main(["--step", str(1 << 20), "--functions", "sigmoid"])
    out = capsys.readouterr().out
    assert "| sigmoid |" in out and "max ulp" in out


def test_tanh_table_matches_its_generator():
    """The committed _tanh_table.h is what tools/fit_coefficients.py writes."""
    pytest.importorskip("mpmath")
    gen = _load("fit_coefficients")
    table, worst = gen.tanh_table()
    header = (ROOT / "src" / "fastact" / "_tanh_table.h").read_text()
    assert f"#define FA_TANH_TAB_DEG {gen.TABLE_DEG}" in header
    body = header[header.index("= {") + 3:header.rindex("};")]
    values = [float(v.strip().rstrip("f}").lstrip("{")) for v in body.replace("\n", "").split(",")
              if v.strip().strip("{}")]
    expected = np.array([float(v) for row in table for v in row], dtype=np.float32)
    assert np.array_equal(np.array(values[:expected.size], dtype=np.float32), expected)
    assert worst < 2.0**-26


def test_gelu_table_matches_its_generator(tmp_path):
    """The committed _gelu_table.h is what tools/fit_coefficients.py writes (write_gelu_table),
    and its fits are as good as the header says the kernel needs (Q 2^-60, h 2^-59)."""
    gen, committed = _regenerate(tmp_path, "write_gelu_table", "_gelu_table.h")
    q, qerr, table, worst = gen.gelu_tables()
    assert qerr < 2.0**-60 and worst < 2.0**-59
    assert f"#define FA_GELU_TAB_N {gen.GELU_INTERVALS}" in committed
    assert len(table) == gen.GELU_TAB_DEG + 1 and len(table[0]) == gen.GELU_INTERVALS


def test_gelu_f32_table_matches_its_generator(tmp_path):
    """The committed _gelu_f32_table.h (float32 gelu's AVX-512 block) is what
    tools/fit_coefficients.py writes (write_gelu_f32_table), fit to 2^-28."""
    gen, _ = _regenerate(tmp_path, "write_gelu_f32_table", "_gelu_f32_table.h")
    table, worst = gen.gelu_f32_table()
    assert worst < 2.0**-28 and len(table) == gen.GELU_F_DEG + 1


def test_sigmoid_table_matches_its_generator(tmp_path):
    """The committed _sigmoid_table.h (float32 sigmoid's / silu's AVX-512 blocks) is what
    tools/fit_coefficients.py writes (write_sigmoid_table), fit to 2^-29, with the
    constant terms' two parts adding up to sigmoid at the interval centres."""
    mpmath = pytest.importorskip("mpmath")
    gen, _ = _regenerate(tmp_path, "write_sigmoid_table", "_sigmoid_table.h")
    rows, worst = gen.sigmoid_table()
    assert worst < 2.0**-29 and len(rows) == gen.SIG_DEG + 5
    deg = gen.SIG_DEG
    for i in (0, 1, 17, 31):
        c = rows[deg][i]
        g = 1 / (1 + mpmath.exp(c))
        hi, lo = float(np.float32(float(rows[deg + 1][i]))), float(np.float32(float(rows[deg + 2][i])))
        assert abs(mpmath.mpf(hi) + lo - g) < g * 2.0**-45
        phi, mlo = float(np.float32(float(rows[deg + 3][i]))), float(np.float32(float(rows[deg + 4][i])))
        assert abs(mpmath.mpf(phi) - mlo - (1 - g)) < 2.0**-45


def test_tanhshrink_table_matches_its_generator(tmp_path):
    """The committed _tanhshrink_table.h (float32 tanhshrink's AVX-512 block) is what
    tools/fit_coefficients.py writes (write_tanhshrink_table): the table fit to 2^-26.5
    relative to a - tanh(a), and the small-|x| P(0) = 1/3 in two parts."""
    mpmath = pytest.importorskip("mpmath")
    gen, committed = _regenerate(tmp_path, "write_tanhshrink_table", "_tanhshrink_table.h")
    table, worst, p, perr = gen.tanhshrink_table()
    assert worst < 2.0**-26.5 and perr < 2.0**-30 and len(table) == gen.TS_DEG + 1
    line = committed[committed.index("FA_TS_P["):].split("\n")[0]
    vals = [float(np.float32(v.strip().rstrip("f};"))) for v in line[line.index("{") + 1:].split(",")]
    assert abs(mpmath.mpf(vals[0]) + mpmath.mpf(vals[-1]) - mpmath.mpf(1) / 3) < 2.0**-32


def test_exp2_table_matches_its_generator(tmp_path):
    """The committed _exp2_table.h is what tools/fit_coefficients.py writes, and its
    hi + lo pairs are 2^(j/32) to float32-squared precision."""
    mpmath = pytest.importorskip("mpmath")
    _, committed = _regenerate(tmp_path, "write_exp2_table", "_exp2_table.h")
    body = committed[committed.index("= {") + 3:committed.index("};")]
    vals = [float(np.float32(v.strip().rstrip("f}").lstrip("{")))  # as C reads them
            for v in body.replace("\n", "").split(",") if v.strip().strip("{}")]
    for j in range(32):
        exact = mpmath.mpf(2) ** (mpmath.mpf(j) / 32)
        assert abs(mpmath.mpf(vals[j]) + mpmath.mpf(vals[32 + j]) - exact) < 2.0**-44
    dbody = committed[committed.index("FA_EXP2_32D"):]
    dbody = dbody[dbody.index("= {") + 3:dbody.index("};")]
    dvals = [float(v.strip().strip("{}")) for v in dbody.replace("\n", "").split(",")
             if v.strip().strip("{}")]
    assert len(dvals) == 64
    for j in range(32):
        exact = mpmath.mpf(2) ** (mpmath.mpf(j) / 32)
        assert abs(mpmath.mpf(dvals[j]) + mpmath.mpf(dvals[32 + j]) - exact) < 2.0**-100


@pytest.mark.skipif(np.finfo(np.longdouble).nmant < 63, reason="needs an extended longdouble")
@pytest.mark.parametrize("path", _ufuncs.AVAILABLE)
def test_float64_accuracy_tool_sample(path):
    """tools/accuracy_f64.py on 2e5 inputs per function (the full run uses 1e7; the
    mpmath-referenced gelus 3000, their tail range): within the 2-ulp budget, specials
    matching exactly. glu's ufunc is swept as glu(x, x), as the tool does."""
    pytest.importorskip("mpmath")
    tool = _load("accuracy_f64")
    ufuncs = _ufuncs.make_ufuncs(path)
    flat, table = tool.inputs(200_000, seed=1), tool.rows(200_000, seed=1)
    assert np.isnan(flat).any() and np.isinf(flat).any() and (np.abs(flat) == 5e-324).any()
    assert {"gelu", "gelu_tanh", "glu"} <= set(tool.REFERENCES)
    for name, ref in tool.REFERENCES.items():
        x = table if name in tool.ROWWISE else flat
        if name in tool.MPMATH:
            x = tool.inputs(3000, seed=1, top=np.log2(40.0))
            assert (x < -38.6).any() and ((x > -38.6) & (x < -30)).any()  # to the underflow
        fn = (tool.SWEEP[name](ufuncs[name]) if name in tool.SWEEP
              else tool.bind(ufuncs[name], name))
        worst, worst_x, mean, count, mismatches = tool.check(fn, ref, x)
        assert mismatches == 0, name
        assert count == x.size
        assert worst <= 2.0, (name, path, worst, worst_x)


@pytest.mark.parametrize("path", _ufuncs.AVAILABLE)
def test_float32_dense_across_binades(path):
    """Every float32 binade densely (64 points each, both signs, subnormals included),
    against tools/accuracy_f32.py's float64 references: within the 1-ulp budget of the
    seed's elementwise functions (catches thresholds, e.g. a tiny-|x| shortcut taken too
    early, that a coarse bit-pattern sweep steps over)."""
    tool = _load("accuracy_f32")
    ufuncs = _ufuncs.make_ufuncs(path)
    rng = np.random.default_rng(7)
    exps = np.repeat(np.arange(-149, 128), 64)
    x = np.ldexp(rng.uniform(1, 2, exps.size), exps).astype(np.float32)
    x = np.concatenate([x, -x])
    for name in ("tanh", "softsign", "sigmoid"):
        with np.errstate(all="ignore"):
            got = ufuncs[name](x).astype(np.float64)
            want = tool.REFERENCES[name](x.astype(np.float64))
        ulp = np.maximum(np.spacing(np.abs(want.astype(np.float32))).astype(np.float64),
                         2.0**-149)
        err = np.where(got == want, 0.0, np.abs(got - want) / ulp)
        i = int(np.argmax(err))
        assert err[i] <= 1.0, (name, path, x[i], got[i], want[i], err[i])


def test_peer_accuracy_tool(capsys):
    # the peers are optional (each missing one prints "not installed"); fastact's own
    # lines are always there, within the budget and with no tail result flushed to 0
    pytest.importorskip("mpmath", reason="mpmath is not installed")
    _load("peer_accuracy").main(["-n", "20000"])
    lines = capsys.readouterr().out.splitlines()
    ours = [line for line in lines if line.startswith("fastact ")]
    assert len(ours) == 3
    for line in ours:
        assert float(line.split("max ")[1].split(" ulp")[0]) <= 2.0, line
        if "tail results" in line:
            assert "nonzero: 0 of " in line and not line.endswith(" of 0"), line
    assert len(lines) == 8  # tanh and sigmoid float32 x 3 libraries, sigmoid float64 x 2
