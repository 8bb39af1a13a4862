"""The one table of fastact's activations.

Everything else is derived from it: setup.py renders the kernel loops for every entry
(`_loops.pxi.tp`), `_ufuncs.pyx` registers one ufunc (kind "unary") or gufunc
(kind "rowwise", signature ``(n)->(n)``) per entry, `_api.py` wraps the rowwise ones,
and the tests walk it. To add an activation: add a row here and its kernel
``k_<name>`` in `_kernels.pxi` (unary) -- plus its reference in tests/references.

This module is imported by setup.py at build time, so it must not import NumPy or
anything else outside the standard library.
"""
from typing import NamedTuple


class Activation(NamedTuple):
    name: str
    kind: str  # "unary": elementwise ufunc; "rowwise": gufunc (n)->(n)
    formula: str
    peers: str  # the same function elsewhere (PyTorch / SciPy / ONNX names)
    example: str  # doctest body, checked by the test suite


ACTIVATIONS = (
    Activation(
        "tanh", "unary",
        "tanh(x) = (e^x - e^-x) / (e^x + e^-x); range (-1, 1); tanh(+-inf) = +-1",
        "numpy.tanh, torch.tanh, ONNX Tanh",
        ">>> fastact.tanh(np.array([-1.0, 0.0, 2.0]))\n"
        "array([-0.76159416,  0.        ,  0.96402758])",
    ),
    Activation(
        "softsign", "unary",
        "softsign(x) = x / (1 + |x|); range (-1, 1); softsign(+-inf) = +-1",
        "torch.nn.functional.softsign, ONNX Softsign",
        ">>> fastact.softsign(np.array([-1.0, 0.0, 3.0]))\n"
        "array([-0.5 ,  0.  ,  0.75])",
    ),
    Activation(
        "sigmoid", "unary",
        "sigmoid(x) = 1 / (1 + e^-x); range [0, 1]; sigmoid(-inf) = 0, sigmoid(+inf) = 1; "
        "accurate in both tails (float32 x < -88 gives the subnormal true value)",
        "scipy.special.expit, torch.sigmoid, ONNX Sigmoid",
        ">>> fastact.sigmoid(np.array([-1.0, 0.0, 2.0], dtype=np.float32))\n"
        "array([0.26894143, 0.5       , 0.8807971 ], dtype=float32)",
    ),
    Activation(
        "softmax", "rowwise",
        "softmax(x)_i = e^(x_i - max x) / sum_j e^(x_j - max x) along one axis; "
        "each slice sums to 1",
        "scipy.special.softmax, torch.softmax, ONNX Softmax",
        ">>> fastact.softmax(np.array([5.0, 4.0, -1.0])).round(3)\n"
        "array([0.73 , 0.268, 0.002])",
    ),
    Activation(
        "log_softmax", "rowwise",
        "log_softmax(x)_i = x_i - max x - log sum_j e^(x_j - max x) along one axis",
        "scipy.special.log_softmax, torch.log_softmax, ONNX LogSoftmax",
        ">>> fastact.log_softmax(np.array([1e8, 1e8]))\n"
        "array([-0.69314718, -0.69314718])",
    ),
)

UNARY = tuple(a.name for a in ACTIVATIONS if a.kind == "unary")
ROWWISE = tuple(a.name for a in ACTIVATIONS if a.kind == "rowwise")
BY_NAME = {a.name: a for a in ACTIVATIONS}
