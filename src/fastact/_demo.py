"""``python -m fastact demo``: a real inference pipeline, end to end.

scikit-learn's bundled digits scans (8x8 images, 10 classes) are split (stratified) into
train and test sets; an ``MLPClassifier`` is trained twice, with hidden activation
``tanh`` and ``logistic``. The forward pass on the held-out split is then redone by hand:
matrix products in NumPy (``X @ W + b`` with ``clf.coefs_`` / ``clf.intercepts_``), the
hidden activation with ``fastact.tanh`` / ``fastact.sigmoid`` and the output softmax over
rows with ``fastact.softmax(..., axis=1)``, in float64 and in float32. The result must
match ``clf.predict_proba`` (max abs difference <= 1e-12 in float64, <= 1e-5 in float32).

scikit-learn is an optional dependency (``pip install "fastact[demo]"``); it is imported
only inside :func:`run_pipeline`, so this module imports without it.
"""
import time
import warnings

import numpy as np

import fastact

#: max abs difference to ``clf.predict_proba`` allowed per dtype
BOUNDS = {"float64": 1e-12, "float32": 1e-5}

#: the hidden activations trained: sklearn's name -> (fastact function, NumPy expression)
HIDDEN = {
    "tanh": (fastact.tanh, np.tanh),
    "logistic": (fastact.sigmoid, lambda z: 1 / (1 + np.exp(-z))),
}

DEMO_INSTALL_HINT = 'the demo needs scikit-learn: pip install "fastact[demo]"'


def numpy_softmax(z):
    """Softmax over rows in plain NumPy (max-subtracted), the timing reference."""
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def forward(clf, X, dtype=np.float64):
    """``clf.predict_proba(X)`` recomputed with fastact activations, in ``dtype``.

    Returns ``(proba, preacts)``: the output probabilities and the pre-activations
    ``X @ W + b`` of every layer (the last one is the logits).
    """
    if clf.out_activation_ != "softmax":
        raise ValueError(f"expected a multiclass model (softmax output), "
                         f"got out_activation_={clf.out_activation_!r}")
    act = HIDDEN[clf.activation][0]
    a = np.asarray(X, dtype=dtype)
    preacts = []
    n = len(clf.coefs_)
    for i, (W, b) in enumerate(zip(clf.coefs_, clf.intercepts_)):
        z = a @ W.astype(dtype) + b.astype(dtype)
        preacts.append(z)
        a = act(z) if i < n - 1 else fastact.softmax(z, axis=1)
    return a, preacts


def _best_us(fns, z, repeat, number):
    """Best time of one call of each ``fn(z)`` of ``fns`` over ``repeat`` batches of
    ``number``, in µs. The functions' batches alternate, so a change in the machine's
    load or clock during the measurement affects them alike."""
    best = [float("inf")] * len(fns)
    for _ in range(repeat):
        for k, fn in enumerate(fns):
            t0 = time.perf_counter()
            for _ in range(number):
                fn(z)
            best[k] = min(best[k], (time.perf_counter() - t0) / number)
    return [b * 1e6 for b in best]


def time_activations(clf, preacts, repeat=5, number=100):
    """Time the activation calls of one forward pass, fastact vs NumPy's own expressions.

    Both run on the same pre-activations. Returns a dict of best per-call times in µs:
    ``hidden_fastact, hidden_numpy`` (all hidden layers) and ``softmax_fastact,
    softmax_numpy`` (the output layer).
    """
    fa, npa = HIDDEN[clf.activation]
    hidden, logits = preacts[:-1], preacts[-1]
    pairs = [_best_us((fa, npa), z, repeat, number) for z in hidden]
    soft = _best_us((lambda z: fastact.softmax(z, axis=1), numpy_softmax), logits,
                    repeat, number)
    return {
        "hidden_fastact": sum(p[0] for p in pairs),
        "hidden_numpy": sum(p[1] for p in pairs),
        "softmax_fastact": soft[0],
        "softmax_numpy": soft[1],
    }


def run_pipeline(quick=False, seed=0, timing=True):
    """Train the two models and check the fastact forward pass against scikit-learn.

    ``quick=True`` runs the same pipeline on a subset (600 scans, 60 epochs, fewer timing
    repeats) in a few seconds. Returns a list of dicts, one per (model, dtype), with keys
    ``activation, dtype, max_abs_diff, bound, passed, labels_identical, accuracy,
    sklearn_accuracy, converged, max_iter, n_train, n_test, times_us`` (``times_us`` is
    the dict of :func:`time_activations`, None when ``timing`` is false). Raises ImportError when scikit-learn is missing.
    """
    from sklearn.datasets import load_digits
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.model_selection import train_test_split
    from sklearn.neural_network import MLPClassifier

    X, y = load_digits(return_X_y=True)
    X = X / 16.0  # pixels are 0..16
    if quick:
        X, _, y, _ = train_test_split(X, y, train_size=600, stratify=y, random_state=seed)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.25, stratify=y, random_state=seed)
    max_iter = 60 if quick else 300
    repeat, number = (3, 20) if quick else (15, 100)

    rows = []
    for activation in HIDDEN:
        clf = MLPClassifier(hidden_layer_sizes=(64,), activation=activation,
                            max_iter=max_iter, random_state=seed)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", ConvergenceWarning)
            clf.fit(X_train, y_train)
        converged = not any(issubclass(w.category, ConvergenceWarning) for w in caught)
        for w in caught:  # anything other than non-convergence is shown as usual
            if not issubclass(w.category, ConvergenceWarning):
                warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
        ref = clf.predict_proba(X_test)
        ref_labels = clf.predict(X_test)
        for dtype in (np.float64, np.float32):
            name = np.dtype(dtype).name
            proba, preacts = forward(clf, X_test, dtype)
            diff = float(np.max(np.abs(proba.astype(np.float64) - ref)))
            labels = clf.classes_[np.argmax(proba, axis=1)]
            times = time_activations(clf, preacts, repeat, number) if timing else None
            rows.append({
                "activation": activation, "dtype": name,
                "max_abs_diff": diff, "bound": BOUNDS[name], "passed": diff <= BOUNDS[name],
                "labels_identical": bool(np.array_equal(labels, ref_labels)),
                "accuracy": float(np.mean(labels == y_test)),
                "sklearn_accuracy": float(np.mean(ref_labels == y_test)),
                "converged": converged, "max_iter": max_iter,
                "n_train": len(y_train), "n_test": len(y_test),
                "times_us": times,
            })
    return rows


def examples():
    """The seed's softmax examples, computed by fastact: list of (label, input, result)."""
    f32 = np.float32
    cases = [
        ("softmax([5, 4, -1])", np.array([5, 4, -1]), -1),
        ("softmax(float32 [8, -3, 0, 1], axis=0)", np.array([8., -3., 0., 1.], f32), 0),
        ("softmax(float32 [[8, -3], [0, 1]], axis=0)", np.array([[8., -3.], [0., 1.]], f32), 0),
        ("softmax(float32 [[[8], [-3]], [[0], [1]]], axis=0)",
         np.array([[[8.], [-3.]], [[0.], [1.]]], f32), 0),
    ]
    return [(label, x, fastact.softmax(x, axis=axis)) for label, x, axis in cases]


def main(quick=False, seed=0):
    """Print the demo; return the exit code (0: every check passed, 1: a FAIL)."""
    try:
        import sklearn  # noqa: F401
    except ImportError:
        print(DEMO_INSTALL_HINT)
        return 1

    print(f"fastact {fastact.__version__} (kernel path: {fastact.config()['dispatch']}), "
          f"NumPy {np.__version__}")
    print()
    print("Softmax examples (fastact):")
    with np.printoptions(precision=6, suppress=True):
        for label, _, result in examples():
            body = np.array2string(result, prefix="    ")
            print(f"  {label}:\n    {body}")
    print()

    rows = run_pipeline(quick=quick, seed=seed)
    r0 = rows[0]
    print(f"MLPClassifier(hidden_layer_sizes=(64,)) on sklearn's digits scans: "
          f"{r0['n_train']} train / {r0['n_test']} test (stratified), "
          f"max_iter={r0['max_iter']}{', quick variant' if quick else ''}")
    print("Forward pass on the test split redone with NumPy matmuls + fastact activations,"
          " compared with clf.predict_proba / clf.predict:")
    failed = False
    for r in rows:
        status = "PASS" if r["passed"] else "FAIL"
        failed |= not r["passed"]
        note = "" if r["converged"] else " (stopped at max_iter)"
        print(f"  {r['activation']:>8} {r['dtype']}: max |p - predict_proba| = "
              f"{r['max_abs_diff']:.3e} (bound {r['bound']:.0e}) {status}; "
              f"labels identical to predict: {'yes' if r['labels_identical'] else 'NO'}; "
              f"accuracy {r['accuracy']:.4f} (sklearn {r['sklearn_accuracy']:.4f}){note}")
    print()
    print("Time in the activation calls of one forward pass, on the same pre-activations "
          "(best of repeats, µs per call):")
    print(f"  {'model':>8} {'dtype':<7}  {'hidden: fastact':>15} {'NumPy':>8}   "
          f"{'softmax: fastact':>16} {'NumPy':>8}")
    for r in rows:
        t = r["times_us"]
        print(f"  {r['activation']:>8} {r['dtype']:<7}  {t['hidden_fastact']:15.1f} "
              f"{t['hidden_numpy']:8.1f}   {t['softmax_fastact']:16.1f} {t['softmax_numpy']:8.1f}")
    print("  (fastact: fastact.tanh / fastact.sigmoid, fastact.softmax(z, axis=1); NumPy: "
          "np.tanh / 1/(1+np.exp(-z)), max-subtracted np.exp(z)/sum)")
    print()
    print("FAIL: fastact's forward pass disagrees with scikit-learn" if failed
          else "PASS: all checks passed")
    return 1 if failed else 0
