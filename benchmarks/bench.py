#!/usr/bin/env python3
"""Timing benchmark: fastact against NumPy, SciPy, PyTorch, ONNX Runtime, numexpr and
the np.copyto memory floor -- the same code as ``python -m fastact bench``.

    python benchmarks/bench.py [--quick] [--csv FILE] [--png FILE] [--threads 1|default|both]

The benchmark itself lives in src/fastact/_bench.py (so that an installed fastact has
it too). From a source checkout this script runs the checkout's copy of that file
against the installed fastact; elsewhere it falls back to the installed
``fastact._bench``. See benchmarks/README.md and ``--help``.
"""
import importlib.util
import sys
from pathlib import Path

_SOURCE = Path(__file__).resolve().parent.parent / "src" / "fastact" / "_bench.py"


def _load():
    if _SOURCE.is_file():
        spec = importlib.util.spec_from_file_location("_fastact_bench_checkout", _SOURCE)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module
    from fastact import _bench
    return _bench


_bench = _load()
main = _bench.main

if __name__ == "__main__":
    sys.exit(main())
