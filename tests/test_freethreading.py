"""Free-threaded CPython (3.14t): importing fastact keeps the GIL off, and concurrent
calls, thread-limit changes and ufunc construction give the same results as serial ones.
(On a regular build the same threads run under the GIL: still a useful smoke test.)"""
import subprocess
import sys
import sysconfig
import threading

import numpy as np

import fastact
import fastact._ufuncs as _ufuncs

FREE_THREADED = bool(sysconfig.get_config_var("Py_GIL_DISABLED"))


def test_import_keeps_the_gil_disabled():
    code = ("import sys, fastact, fastact._ufuncs; import fastact._loops_baseline; "
            "print(sys._is_gil_enabled() if hasattr(sys, '_is_gil_enabled') else True)")
    proc = subprocess.run([sys.executable, "-W", "error::RuntimeWarning", "-c", code],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    if FREE_THREADED:  # every module declares Py_MOD_GIL_NOT_USED
        assert proc.stdout.strip() == "False", proc.stdout + proc.stderr


def test_concurrent_calls_and_thread_limits():
    rng = np.random.default_rng(5)
    x = rng.standard_normal((64, 1 << 11)).astype(np.float32)  # above the threading cutoff
    want_tanh, want_softmax = fastact.tanh(x), fastact.softmax(x)
    errors, barrier = [], threading.Barrier(6)
    limit, before = _ufuncs._thread_limit, fastact.get_num_threads()

    def worker(i):
        try:
            barrier.wait()
            for k in range(5):
                if i == 0:
                    fastact.set_num_threads(1 + k % 2)
                elif i == 1:
                    made = _ufuncs.make_ufuncs()
                    assert np.array_equal(made["tanh"](x), want_tanh)
                else:
                    assert np.array_equal(fastact.tanh(x), want_tanh)
                    assert np.array_equal(fastact.softmax(x), want_softmax)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(6)]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        fastact.set_num_threads(limit)
    assert not errors, errors
    assert fastact.get_num_threads() == before
