"""benchmarks/bench.py runs and prints a complete table (no timing assertions)."""
import csv
import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

from fastact._registry import ACTIVATIONS

BENCH = Path(__file__).resolve().parents[1] / "benchmarks" / "bench.py"
TINY = ["--quick", "--sizes", "1000", "--target-ms", "0.2", "--repeats", "1"]
DTYPES = ("float32", "float64")


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("fastact_bench", BENCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def expected_rows():
    """(function, dtype, axis) of every row the main table must have."""
    rows = set()
    for act in ACTIVATIONS:
        for dtype in DTYPES:
            for axis in (("—",) if act.kind == "unary" else ("-1", "0")):
                rows.add((act.name, dtype, axis))
    return rows


def main_table(text):
    """The rows of the first Markdown table as dicts keyed by its header."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("| function"))
    header = [c.strip() for c in lines[start].strip("|").split("|")]
    assert set(lines[start + 1]) <= set("|-: ")
    rows = []
    for line in lines[start + 2:]:
        if not line.startswith("|"):
            break
        cells = [c.strip() for c in line.strip().strip("|").split(" | ")]
        assert len(cells) == len(header), line
        rows.append(dict(zip(header, cells)))
    return rows


def test_quick_run_prints_a_row_for_every_function_and_dtype(bench, capsys, tmp_path):
    out_csv = tmp_path / "bench.csv"
    assert bench.main([*TINY, "--csv", str(out_csv)]) == 0
    text = capsys.readouterr().out

    import fastact
    assert f"dispatch: **{fastact.config()['dispatch']}**" in text
    assert "CPU:" in text
    assert "WARNING" not in text  # every peer computed the same function as fastact

    rows = main_table(text)
    for col in ("function", "dtype", "n", "axis", "fastact ns/el", "best peer",
                "best peer ns/el", "fastact/best peer", "np.copyto ns/el", "fastact/copyto"):
        assert col in rows[0]
    assert {(r["function"], r["dtype"], r["axis"]) for r in rows} == expected_rows()
    assert len(rows) == len(expected_rows())
    for r in rows:
        assert r["n"] == "1,000"
        assert float(r["fastact ns/el"]) > 0 and float(r["np.copyto ns/el"]) > 0
        # every activation benchmarked here has a NumPy peer at least
        assert r["best peer"] != "—" and float(r["best peer ns/el"]) > 0

    with open(out_csv, newline="") as fh:
        records = list(csv.DictReader(fh))
    assert {(r["function"], r["dtype"], r["axis"] or "—") for r in records} == expected_rows()
    assert all(float(r["fastact_ns"]) > 0 for r in records)


def test_runs_without_scipy_and_threadpoolctl(bench, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "scipy", None)
    monkeypatch.setitem(sys.modules, "scipy.special", None)
    monkeypatch.setitem(sys.modules, "threadpoolctl", None)
    assert bench.main([*TINY, "--functions", "sigmoid,softmax"]) == 0
    text = capsys.readouterr().out
    assert "scipy not installed" in text and "threadpoolctl not installed" in text
    rows = main_table(text)
    assert "| scipy.special" not in text and not any("scipy" in r["best peer"] for r in rows)
    assert {r["function"] for r in rows} == {"sigmoid", "softmax"}


def test_runs_as_a_script():
    proc = subprocess.run([sys.executable, str(BENCH), *TINY, "--functions", "tanh"],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert {r["dtype"] for r in main_table(proc.stdout)} == set(DTYPES)
