"""The demo pipeline (``python -m fastact demo``) and the ``info`` command."""
import os
import subprocess
import sys

import numpy as np
import pytest

import fastact
from fastact import _demo


def _run(*args):
    env = dict(os.environ, PYTHONIOENCODING="utf-8")
    return subprocess.run([sys.executable, "-m", "fastact", *args], capture_output=True,
                          text=True, encoding="utf-8", env=env, timeout=600)


def test_info_command():
    proc = _run("info")
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    for key in ("fastact", "numpy", "compiler", "dispatch", "available paths"):
        assert f"{key}:" in out
    assert f"fastact: {fastact.__version__}" in out
    assert f"numpy: {np.__version__}" in out
    assert f"dispatch: {fastact.config()['dispatch']}" in out


def test_no_command_is_a_usage_error():
    proc = _run()
    assert proc.returncode == 2
    assert "usage:" in proc.stderr


def test_examples():
    results = {label: r for label, _, r in _demo.examples()}
    assert len(results) == 4
    first = results["softmax([5, 4, -1])"]
    np.testing.assert_allclose(first, [0.730, 0.268, 0.002], atol=5e-4)
    for label, x, r in _demo.examples():
        assert r.shape == x.shape
        if x.dtype == np.float32:
            assert r.dtype == np.float32
            np.testing.assert_allclose(r.sum(axis=0), 1, rtol=1e-6)
    # axis 0 of the 2-D and 3-D cases are the same columns
    two = results["softmax(float32 [[8, -3], [0, 1]], axis=0)"]
    three = results["softmax(float32 [[[8], [-3]], [[0], [1]]], axis=0)"]
    np.testing.assert_array_equal(three[..., 0], two)


def test_demo_without_sklearn_says_how_to_install():
    code = ("import runpy, sys; sys.modules['sklearn'] = None; sys.argv = ['fastact', 'demo'];"
            " runpy.run_module('fastact', run_name='__main__')")
    env = dict(os.environ, PYTHONIOENCODING="utf-8")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          encoding="utf-8", env=env, timeout=120)
    assert proc.returncode == 1
    assert proc.stdout.strip() == 'the demo needs scikit-learn: pip install "fastact[demo]"'
    assert "Traceback" not in proc.stderr


try:
    import sklearn
    import sklearn.exceptions
except ImportError:
    sklearn = None
needs_sklearn = pytest.mark.skipif(
    sklearn is None, reason='scikit-learn not installed (pip install "fastact[demo]")')


@pytest.fixture(scope="module")
def quick_rows():
    return _demo.run_pipeline(quick=True, timing=False)


@needs_sklearn
def test_pipeline_agrees_with_sklearn(quick_rows):
    assert {(r["activation"], r["dtype"]) for r in quick_rows} == {
        (a, d) for a in ("tanh", "logistic") for d in ("float64", "float32")}
    for r in quick_rows:
        key = (r["activation"], r["dtype"])
        bound = 1e-12 if r["dtype"] == "float64" else 1e-5
        assert r["bound"] == bound
        assert r["max_abs_diff"] <= bound, key
        assert r["passed"], key
        assert r["labels_identical"], key
        assert r["accuracy"] > 0.8, key
        assert r["accuracy"] == r["sklearn_accuracy"], key


@needs_sklearn
def test_forward_dtypes():
    from sklearn.datasets import load_digits
    from sklearn.neural_network import MLPClassifier

    X, y = load_digits(return_X_y=True)
    X, y = X[:200] / 16.0, y[:200]
    clf = MLPClassifier(hidden_layer_sizes=(16, 8), activation="tanh", max_iter=5,
                        random_state=0)
    with pytest.warns(sklearn.exceptions.ConvergenceWarning):
        clf.fit(X, y)
    for dtype, bound in ((np.float64, 1e-12), (np.float32, 1e-5)):
        proba, preacts = _demo.forward(clf, X, dtype)
        assert proba.dtype == dtype
        assert [z.dtype for z in preacts] == [np.dtype(dtype)] * 3  # two hidden layers
        assert np.max(np.abs(proba - clf.predict_proba(X))) <= bound


@needs_sklearn
def test_demo_command_quick():
    proc = _run("demo", "--quick")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    out = proc.stdout
    assert "PASS: all checks passed" in out
    assert "FAIL" not in out
    assert out.count(" PASS;") == 4
    assert "[0.729736 0.268455 0.001809]" in out
    assert "µs" in out
    assert "Traceback" not in proc.stderr


@needs_sklearn
def test_demo_fails_loudly(monkeypatch, capsys):
    # an impossible bound: every comparison must print FAIL and the exit code is 1
    monkeypatch.setattr(_demo, "BOUNDS", {"float64": -1.0, "float32": -1.0})
    assert _demo.main(quick=True) == 1
    out = capsys.readouterr().out
    assert out.count(" FAIL;") == 4
    assert "FAIL: fastact's forward pass disagrees with scikit-learn" in out
