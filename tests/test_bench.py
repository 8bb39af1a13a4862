"""The benchmark (src/fastact/_bench.py, run as benchmarks/bench.py or
``python -m fastact bench``) runs and prints complete tables. No timing assertions.

torch, onnxruntime and numexpr are not in the test extra: these tests pass with or
without them (a missing peer must be skipped with a line saying so)."""
import csv
import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

from fastact._registry import ACTIVATIONS

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "benchmarks" / "bench.py"
TINY = ["--quick", "--sizes", "1000", "--target-ms", "0.2", "--repeats", "1"]
DTYPES = ("float32", "float64")
OPTIONAL = ("torch", "onnxruntime", "numexpr")


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("fastact_bench", BENCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def expected_rows(functions=None):
    """(function, dtype, axis) of every row a main table must have."""
    from fastact._bench import BENCH_VARIANTS  # timed as functions of their own
    kinds = {act.name: act.kind for act in ACTIVATIONS}
    kinds.update({name: kinds[base] for name, (base, _) in BENCH_VARIANTS.items()})
    assert "gelu_tanh" in kinds
    rows = set()
    for name, kind in kinds.items():
        if functions and name not in functions:
            continue
        for dtype in DTYPES:
            for axis in (("—",) if kind == "unary" else ("-1", "0")):
                rows.add((name, dtype, axis))
    return rows


def tables(text):
    """Every Markdown table of ``text`` as (title, rows as dicts keyed by the header);
    the title is the nearest preceding '#' heading."""
    lines = text.splitlines()
    found, title, i = [], None, 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("#"):
            title = line.lstrip("#").strip()
        if line.startswith("| "):
            header = [c.strip() for c in line.strip().strip("|").split(" | ")]
            assert set(lines[i + 1]) <= set("|-: "), lines[i + 1]
            rows, i = [], i + 2
            while i < len(lines) and lines[i].startswith("|"):
                cells = [c.strip() for c in lines[i].strip().strip("|").split(" | ")]
                assert len(cells) == len(header), lines[i]
                rows.append(dict(zip(header, cells)))
                i += 1
            found.append((title, rows))
            continue
        i += 1
    return found


def main_tables(text):
    """{thread mode title: rows} of the 'fastact vs the best peer' tables."""
    return {title.split(":")[0]: rows for title, rows in tables(text)
            if "fastact vs the best peer" in title}


def check_main_table(rows, functions=None):
    for col in ("function", "dtype", "n", "axis", "fastact ns/el", "best peer",
                "best peer ns/el", "fastact/best peer", "np.copyto ns/el", "fastact/copyto"):
        assert col in rows[0]
    assert {(r["function"], r["dtype"], r["axis"]) for r in rows} == expected_rows(functions)
    assert len(rows) == len(expected_rows(functions))
    for r in rows:
        assert r["n"] == "1,000"
        assert float(r["fastact ns/el"]) > 0 and float(r["np.copyto ns/el"]) > 0
        # every activation benchmarked here has a NumPy peer at least
        assert r["best peer"] != "—" and float(r["best peer ns/el"]) > 0
        assert float(r["fastact/best peer"]) > 0


def test_quick_run_prints_a_row_for_every_function_dtype_and_thread_mode(
        bench, capsys, tmp_path):
    out_csv = tmp_path / "bench.csv"
    assert bench.main([*TINY, "--csv", str(out_csv)]) == 0
    text = capsys.readouterr().out

    import fastact
    assert f"dispatch: **{fastact.config()['dispatch']}**" in text
    assert "CPU:" in text
    assert "WARNING" not in text  # every peer computed the same function as fastact

    mains = main_tables(text)
    assert list(mains) == ["Single-threaded", "Default threads"]
    for rows in mains.values():
        check_main_table(rows)

    # every installed optional peer shows up in the every-contender tables, every
    # missing one is named once as skipped
    every = " ".join(" ".join(rows[0]) for title, rows in tables(text)
                     if "every contender" in title)
    for lib in OPTIONAL:
        installed = importlib.util.find_spec(lib) is not None
        skipped = text.count(f"{lib} not installed: its peers skipped")
        if lib == "onnxruntime" and installed and importlib.util.find_spec("onnx") is None:
            installed = False
            skipped = text.count("onnx not installed: the onnxruntime peers skipped")
        if installed:
            assert lib in every and skipped == 0, lib
        else:
            assert skipped == 1 and lib not in every, lib

    with open(out_csv, newline="") as fh:
        records = list(csv.DictReader(fh))
    assert {r["threads"] for r in records} == {"1", "default"}
    for mode in ("1", "default"):
        assert ({(r["function"], r["dtype"], r["axis"] or "—") for r in records
                 if r["threads"] == mode} == expected_rows())
    assert all(float(r["fastact_ns"]) > 0 and float(r["copyto_ns"]) > 0 for r in records)


def test_missing_peers_are_skipped_with_one_line_each(bench, capsys, monkeypatch):
    for name in ("scipy", "scipy.special", "threadpoolctl", "torch", "onnxruntime",
                 "onnx", "numexpr"):
        monkeypatch.setitem(sys.modules, name, None)  # import raises ImportError
    assert bench.main([*TINY, "--functions", "sigmoid,softmax", "--threads", "1"]) == 0
    text = capsys.readouterr().out
    assert "scipy not installed" in text and "threadpoolctl not installed" in text
    for lib in ("torch", "onnxruntime", "numexpr"):
        assert text.count(f"{lib} not installed: its peers skipped") == 1
    mains = main_tables(text)
    assert list(mains) == ["Single-threaded"]
    check_main_table(mains["Single-threaded"], {"sigmoid", "softmax"})
    columns = {c for title, rows in tables(text) for c in rows[0]}
    for lib in ("scipy", "torch", "onnxruntime", "numexpr"):
        assert not any(lib in c for c in columns), lib
        assert not any(lib in r["best peer"] for r in mains["Single-threaded"])


def test_peers_option_and_default_threads_only(bench, capsys):
    assert bench.main([*TINY, "--functions", "tanh", "--peers", "numpy",
                       "--threads", "default"]) == 0
    text = capsys.readouterr().out
    mains = main_tables(text)
    assert list(mains) == ["Default threads"]
    rows = mains["Default threads"]
    check_main_table(rows, {"tanh"})
    assert {r["best peer"] for r in rows} == {"np.tanh"}
    assert "not installed" not in text  # only numpy was asked for


def test_a_disagreeing_peer_is_reported_and_not_timed(bench, capsys, monkeypatch):
    impl = bench._bench  # the module bench.py runs
    real = impl._numpy_peers

    def wrong(name, np_):
        peers = dict(real(name, np_))
        peers["wrong peer"] = lambda x, out, axis: (lambda: x + 1)
        return peers

    monkeypatch.setattr(impl, "_numpy_peers", wrong)
    assert bench.main([*TINY, "--functions", "softsign", "--peers", "numpy",
                       "--threads", "1"]) == 0
    text = capsys.readouterr().out
    assert text.count("WARNING") == 2  # float32 and float64
    assert "wrong peer differs from fastact" in text and "not timed" in text
    rows = main_tables(text)["Single-threaded"]
    assert all(r["best peer"] == "numpy x/(1+abs(x))" for r in rows)
    (every,) = [rows for title, rows in tables(text) if "every contender" in title]
    assert {r["wrong peer"] for r in every} == {"differs"}


def test_bad_options_are_rejected(bench, capsys):
    for argv in (["--functions", "swishy"], ["--peers", "jax"], ["--threads", "3"]):
        with pytest.raises(SystemExit) as exc:
            bench.main([*TINY, *argv])
        assert exc.value.code == 2
    for sizes in ("abc", "inf", "1e400", "0", "-5", "1.5", "1000,"):
        with pytest.raises(SystemExit):
            bench.main([*TINY[:1], "--sizes", sizes])
        assert "expected comma-separated whole numbers" in capsys.readouterr().err, sizes


def test_png_chart(bench, capsys, tmp_path, monkeypatch):
    png = tmp_path / "bench.png"
    argv = [*TINY, "--functions", "tanh,softmax", "--peers", "numpy", "--png", str(png)]
    if importlib.util.find_spec("matplotlib") is None:
        with pytest.raises(SystemExit) as exc:
            bench.main(argv)
        assert exc.value.code == 2
        assert "--png needs matplotlib" in capsys.readouterr().err
        return
    assert bench.main(argv) == 0
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    # without matplotlib: a clear message before anything is timed
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    with pytest.raises(SystemExit) as exc:
        bench.main(argv)
    assert exc.value.code == 2
    assert "--png needs matplotlib" in capsys.readouterr().err


def test_runs_as_a_script():
    proc = subprocess.run([sys.executable, str(BENCH), *TINY, "--functions", "tanh",
                           "--threads", "1"],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert {r["dtype"] for r in main_tables(proc.stdout)["Single-threaded"]} == set(DTYPES)


def test_python_m_fastact_bench():
    proc = subprocess.run([sys.executable, "-m", "fastact", "bench", *TINY,
                           "--functions", "sigmoid", "--peers", "numpy,scipy",
                           "--threads", "1"],
                          capture_output=True, text=True, timeout=300, cwd=ROOT.parent)
    assert proc.returncode == 0, proc.stderr
    rows = main_tables(proc.stdout)["Single-threaded"]
    check_main_table(rows, {"sigmoid"})
    help_ = subprocess.run([sys.executable, "-m", "fastact", "bench", "--help"],
                           capture_output=True, text=True, timeout=60, cwd=ROOT.parent)
    assert help_.returncode == 0 and "python -m fastact bench" in help_.stdout
    assert "--png" in help_.stdout and "--threads" in help_.stdout


def test_a_busy_machine_is_said_in_the_header(bench, capsys, monkeypatch):
    # default-threads timings on a loaded machine measure descheduled threads: the
    # header says so when the load average is at least half the logical CPUs
    impl = bench._bench
    assert impl.busy_note(None, 2) is None and impl.busy_note(0.9, 2) is None
    assert "busy" in impl.busy_note(1.0, 2) and "1.00 on 2" in impl.busy_note(1.0, 2)
    monkeypatch.setattr(impl, "_load_average", lambda: 64.0)
    assert bench.main([*TINY, "--functions", "sigmoid", "--threads", "1"]) == 0
    assert "Warning: the machine is busy" in capsys.readouterr().out
    monkeypatch.setattr(impl, "_load_average", lambda: 0.0)
    assert bench.main([*TINY, "--functions", "sigmoid", "--threads", "1"]) == 0
    assert "busy" not in capsys.readouterr().out


def test_subnormal_and_large_input_table(bench, capsys):
    assert bench.main([*TINY, "--functions", "tanh,softmax", "--peers", "numpy",
                       "--threads", "1", "--subnormal"]) == 0
    found = dict(tables(capsys.readouterr().out))
    rows = found["Subnormal and large-magnitude input (single-threaded)"]
    assert {(r["function"], r["dtype"]) for r in rows} == {
        (f, d) for f in ("tanh", "softmax") for d in DTYPES}
    for r in rows:
        for col in ("normal ns/el", "subnormal ns/el", "large ns/el"):
            assert float(r[col]) > 0
        for col, num in (("subnormal/normal", "subnormal ns/el"), ("large/normal", "large ns/el")):
            assert float(r[col]) == pytest.approx(float(r[num]) / float(r["normal ns/el"]),
                                                  rel=0.06)
