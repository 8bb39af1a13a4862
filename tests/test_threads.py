"""Threads for large arrays: the API, the environment variable, and results that are the
same bits for any thread count (no timing here)."""
import os
import subprocess
import sys

import numpy as np
import pytest

import fastact
import fastact._ufuncs as _ufuncs

from helpers import PATHS, UNARY_KERNELS, call, kernels


@pytest.fixture
def restore_threads():
    yield
    fastact.set_num_threads(0)


def test_set_and_get(restore_threads):
    fastact.set_num_threads(1)
    assert fastact.get_num_threads() == 1
    fastact.set_num_threads(0)
    full = fastact.get_num_threads()
    assert full >= 1
    assert full == 1 or _ufuncs.has_openmp()
    fastact.set_num_threads(2)
    assert fastact.get_num_threads() == min(2, full)


@pytest.mark.parametrize("bad", [-1, 1.5, "2", None, True, 2**31, 10**30])
def test_set_num_threads_rejects_bad_values(bad, restore_threads):
    with pytest.raises((TypeError, ValueError), match="fastact.set_num_threads"):
        fastact.set_num_threads(bad)


def _cases(dtype):
    rng = np.random.default_rng(11)
    x = (rng.standard_normal(300_000) * 6).astype(dtype)
    x[::997] = np.nan
    x[5::1009] = np.inf
    rows = x.reshape(300, 1000)
    return x, rows


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_results_do_not_depend_on_the_thread_count(path, dtype, restore_threads):
    x, rows = _cases(dtype)
    outputs = []
    for nt in (1, 2, 3, 0):
        fastact.set_num_threads(nt)
        got = [call(path, name, x) for name in ("tanh", "sigmoid", "softsign")]
        for name in ("softmax", "log_softmax"):
            got.append(call(path, name, rows, axis=-1))
            got.append(call(path, name, np.ascontiguousarray(rows.T), axis=0))
            got.append(call(path, name, rows[:, ::3], axis=0))  # strided slices
        outputs.append(got)
    for other in outputs[1:]:
        for a, b in zip(outputs[0], other):
            assert a.tobytes() == b.tobytes()


def test_threadpoolctl_limit_is_honoured(restore_threads):
    threadpoolctl = pytest.importorskip("threadpoolctl")
    if not _ufuncs.has_openmp():
        pytest.skip("this build has no OpenMP")
    with threadpoolctl.threadpool_limits(1):
        assert fastact.get_num_threads() == 1


def _run(env_value, code):
    env = dict(os.environ, FASTACT_NUM_THREADS=env_value)
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                          text=True, cwd=os.path.dirname(os.path.abspath(__file__)))


def test_environment_variable():
    res = _run("1", "import fastact; print(fastact.get_num_threads())")
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip() == "1"
    res = _run("lots", "import fastact")
    assert res.returncode != 0
    assert "FASTACT_NUM_THREADS" in res.stderr


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_large_calls_give_the_bits_of_small_ones(path, dtype, restore_threads):
    # A call over more than 512 KiB of contiguous input runs its kernel in chunks of 512
    # bytes, each after a software prefetch (_kernels.pxi, contig_blocks); smaller calls
    # run it once. Both must give the same bits, at any alignment of the array.
    fastact.set_num_threads(1)
    rng = np.random.default_rng(5)
    base = (rng.standard_normal(200_003) * 8).astype(dtype)
    base[::101] = np.nan
    base[7::211] = -np.inf
    base[9::307] = np.finfo(dtype).tiny / 3  # subnormal
    base[11::401] = -0.0
    x = base[1:]  # not 64-byte aligned
    assert x.nbytes >= 512 * 1024
    cuts = np.sort(rng.choice(np.arange(1, x.size), 40, replace=False))
    for name in UNARY_KERNELS + ("glu",):
        if name == "glu":  # two contiguous inputs of one element each (the `v` block)
            ker = kernels(path)["glu"]
            gate = x[::-1].copy()
            big = ker(x, gate)
            small = np.concatenate([ker(a, g) for a, g in
                                    zip(np.split(x, cuts), np.split(gate, cuts))])
        else:
            big = call(path, name, x)
            small = np.concatenate([call(path, name, part) for part in np.split(x, cuts)])
        assert big.tobytes() == small.tobytes(), name
