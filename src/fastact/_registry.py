"""The one table of fastact's activations.

Everything else is derived from it: setup.py renders the kernel loops for every entry
(`_loops.pxi.tp`), `_ufuncs.pyx` registers one ufunc (kind "unary") or gufunc
(kind "rowwise", signature ``(n)->(n)``) per entry, `_api.py` wraps the rowwise ones,
and the tests walk it. To add an activation: add a row here and its kernel
``k_<name>(x, <one argument per parameter>)`` in `_kernels.pxi` (unary) -- plus its
reference in tests/references/generate.py (float64 table) and tests/refs.py (float32).

Parameters (``params``) are extra ufunc inputs after x, so they broadcast: the ufunc of
``leaky_relu`` has nin = 2 and loops ``?d->d`` .. ``Hd->d``, ``ef->e``, ``ff->f``, ``dd->d``. A
function with parameters is exposed through a keyword wrapper (`_api.py`) carrying the
defaults below (PyTorch's); ``wrapper.ufunc`` is the ufunc. ``checks`` are validated by
the wrapper before anything runs (NaN parameters are always rejected); ``channel``
lists the parameters that, given as a 1-D array of length C, apply along axis 1 of an
N-D input (like PyTorch's prelu weight).

Variants (``variants``, unary only): a keyword with a fixed set of string values that
picks one of several kernels, e.g. gelu's ``approximate="none" | "tanh"``. Each value is
its own ufunc, so each stays a plain elementwise loop with no per-call branching: the first
value uses the activation's own name (``k_gelu``, ufunc ``gelu``), every other value v the
internal name ``<name>_<v>`` (``k_gelu_tanh``). The public function is a keyword wrapper
(`_api.py`) that validates the keyword and calls the ufunc it selects; ``wrapper.ufunc``
is the default one and ``wrapper.ufuncs`` maps each value to its ufunc.

Kind "split" (glu): a binary ufunc ``k_<name>(a, b)`` applied to the two halves of the
input along ``axis``, behind a wrapper ``f(x, axis=-1, *, out=None)`` (`_api.py`).

This module is imported by setup.py at build time, so it must not import NumPy or
anything else outside the standard library.
"""
from typing import NamedTuple


REQUIRED = None  # a parameter default meaning "no default: must be given"


class Activation(NamedTuple):
    name: str
    kind: str  # "unary": elementwise ufunc; "rowwise": gufunc (n)->(n)
    formula: str  # formula; range; special values (first part up to ";" is the formula)
    peers: str  # the same function elsewhere (PyTorch / JAX / SciPy / ONNX names)
    example: str  # doctest body, checked by the test suite
    params: tuple = ()  # ((name, default or REQUIRED), ...): extra ufunc inputs
    checks: tuple = ()  # ((param, op, param or number), ...): ValueError unless it holds
    channel: tuple = ()  # params whose 1-D array value applies along axis 1 (prelu)
    variants: tuple = ()  # ((keyword, (default value, other values...)),): see above


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
        "identity", "unary",
        "identity(x) = x; range: all reals; NaN, +-inf and -0.0 are returned as they are",
        "torch.nn.Identity, jax.numpy.asarray, ONNX Identity",
        ">>> fastact.identity(np.array([-1.5, -0.0, 2.0]))\n"
        "array([-1.5, -0. ,  2. ])",
    ),
    Activation(
        "step", "unary",
        "step(x) = 1 if x > 0, 0 if x < 0, at_zero if x = +-0; range {0, at_zero, 1}; "
        "NaN -> NaN",
        "numpy.heaviside(x, at_zero), torch.heaviside, jax.numpy.heaviside",
        ">>> fastact.step(np.array([-2.0, 0.0, 3.0]))\n"
        "array([0., 1., 1.])\n"
        ">>> fastact.step(np.array([-2.0, 0.0, 3.0]), at_zero=0.5)\n"
        "array([0. , 0.5, 1. ])",
        params=(("at_zero", 1.0),),
    ),
    Activation(
        "relu", "unary",
        "relu(x) = max(x, 0); range [0, inf]; relu(-0.0) = +0.0, NaN -> NaN",
        "torch.nn.functional.relu, jax.nn.relu, ONNX Relu",
        ">>> fastact.relu(np.array([-1.0, -0.0, 2.5]))\n"
        "array([0. , 0. , 2.5])",
    ),
    Activation(
        "relu6", "unary",
        "relu6(x) = min(max(x, 0), 6); range [0, 6]; relu6(-0.0) = +0.0, NaN -> NaN",
        "torch.nn.functional.relu6, jax.nn.relu6, ONNX Clip(x, 0, 6)",
        ">>> fastact.relu6(np.array([-1.0, 2.5, 7.0]))\n"
        "array([0. , 2.5, 6. ])",
    ),
    Activation(
        "leaky_relu", "unary",
        "leaky_relu(x) = x if x > 0 else negative_slope * x; range: all reals (any slope, "
        "also > 1 or < 0); never -0.0: -0.0 -> +0.0, NaN -> NaN",
        "torch.nn.functional.leaky_relu, jax.nn.leaky_relu, ONNX LeakyRelu",
        ">>> fastact.leaky_relu(np.array([-2.0, 0.0, 3.0]))\n"
        "array([-0.02,  0.  ,  3.  ])\n"
        ">>> fastact.leaky_relu(np.array([-2.0, 3.0]), negative_slope=0.5)\n"
        "array([-1.,  3.])",
        params=(("negative_slope", 0.01),),
    ),
    Activation(
        "prelu", "unary",
        "prelu(x) = x if x > 0 else weight * x; range: all reals; weight of shape (C,) "
        "applies along axis 1 of an N-D x (a scalar or size-1 weight everywhere); "
        "never -0.0, NaN -> NaN",
        "torch.nn.functional.prelu, ONNX PRelu",
        ">>> fastact.prelu(np.array([[-1.0, -1.0], [2.0, -4.0]]), np.array([0.1, 0.5]))\n"
        "array([[-0.1, -0.5],\n"
        "       [ 2. , -2. ]])",
        params=(("weight", REQUIRED),),
        channel=("weight",),
    ),
    Activation(
        "frelu", "unary",
        "frelu(x) = max(x, 0) + bias; range [bias, inf]; bias of shape (C,) applies along "
        "axis 1 of an N-D x (like prelu's weight); NaN -> NaN",
        "flexible ReLU (Qiu et al. 2018): torch.relu(x) + bias",
        ">>> fastact.frelu(np.array([[-1.0, 2.0], [3.0, -4.0]]), np.array([-0.5, 0.5]))\n"
        "array([[-0.5,  2.5],\n"
        "       [ 2.5,  0.5]])",
        params=(("bias", REQUIRED),),
        channel=("bias",),
    ),
    Activation(
        "hardtanh", "unary",
        "hardtanh(x) = min(max(x, min_val), max_val); range [min_val, max_val]; "
        "NaN -> NaN; needs min_val <= max_val",
        "torch.nn.functional.hardtanh, jax.nn.hard_tanh, ONNX Clip",
        ">>> fastact.hardtanh(np.array([-3.0, 0.5, 3.0]))\n"
        "array([-1. ,  0.5,  1. ])",
        params=(("min_val", -1.0), ("max_val", 1.0)),
        checks=(("min_val", "<=", "max_val"),),
    ),
    Activation(
        "hardsigmoid", "unary",
        "hardsigmoid(x) = min(max(x / 6 + 1/2, 0), 1); range [0, 1]; within 1 ulp "
        "(x/6 + 1/2 rounded once); NaN -> NaN",
        "torch.nn.functional.hardsigmoid, jax.nn.hard_sigmoid, ONNX HardSigmoid(alpha=1/6)",
        ">>> fastact.hardsigmoid(np.array([-4.0, 1.0, -2.5, 3.0], dtype=np.float32))\n"
        "array([0.        , 0.6666667 , 0.08333334, 1.        ], dtype=float32)",
    ),
    Activation(
        "hardswish", "unary",
        "hardswish(x) = x * hardsigmoid(x) = x * min(max(x + 3, 0), 6) / 6; "
        "range [-3/8, inf]; never -0.0 (x <= -3 -> +0.0); NaN -> NaN",
        "torch.nn.functional.hardswish, jax.nn.hard_swish, ONNX HardSwish",
        ">>> fastact.hardswish(np.array([-3.0, -1.0, 1.0, 3.0]))\n"
        "array([ 0.        , -0.33333333,  0.66666667,  3.        ])",
    ),
    Activation(
        "hardshrink", "unary",
        "hardshrink(x) = x if |x| > lambd else 0; range {0} and |y| > lambd; "
        "+-0 -> +0.0, NaN -> NaN; needs lambd >= 0",
        "torch.nn.functional.hardshrink, ONNX Shrink(bias=0)",
        ">>> fastact.hardshrink(np.array([-1.0, 0.25, 0.75]))\n"
        "array([-1.  ,  0.  ,  0.75])",
        params=(("lambd", 0.5),),
        checks=(("lambd", ">=", 0),),
    ),
    Activation(
        "softshrink", "unary",
        "softshrink(x) = x - lambd if x > lambd, x + lambd if x < -lambd, else 0; "
        "range: all reals; +-0 -> +0.0, NaN -> NaN; needs lambd >= 0",
        "torch.nn.functional.softshrink, ONNX Shrink(bias=lambd)",
        ">>> fastact.softshrink(np.array([-1.0, 0.25, 0.75]))\n"
        "array([-0.5 ,  0.  ,  0.25])",
        params=(("lambd", 0.5),),
        checks=(("lambd", ">=", 0),),
    ),
    Activation(
        "threshold", "unary",
        "threshold(x) = x if x > threshold else value; range: all reals; NaN -> NaN "
        "(NaN is never <= threshold); both parameters are required",
        "torch.nn.functional.threshold, ONNX ThresholdedRelu (value=0)",
        ">>> fastact.threshold(np.array([-1.0, 0.5, 2.0]), 1.0, -7.0)\n"
        "array([-7., -7.,  2.])",
        params=(("threshold", REQUIRED), ("value", REQUIRED)),
    ),
    Activation(
        "elu", "unary",
        "elu(x) = x if x > 0 else alpha * (e^x - 1); range (-alpha, inf) for alpha > 0; "
        "elu(-inf) = -alpha, elu(+-0) = alpha * +-0, NaN -> NaN; any finite alpha",
        "torch.nn.functional.elu, jax.nn.elu, ONNX Elu",
        ">>> fastact.elu(np.array([-1.0, 0.0, 2.0]))\n"
        "array([-0.63212056,  0.        ,  2.        ])",
        params=(("alpha", 1.0),),
    ),
    Activation(
        "selu", "unary",
        "selu(x) = scale * (x if x > 0 else alpha * (e^x - 1)), scale = "
        "1.0507009873554804934, alpha = 1.6732632423543772848; range (-scale*alpha, inf); "
        "selu(-inf) = -1.7580993408473768 (scale * alpha rounded once), +-0 -> +-0, NaN -> NaN",
        "torch.nn.functional.selu, jax.nn.selu, ONNX Selu",
        ">>> fastact.selu(np.array([-1.0, 0.0, 1.0], dtype=np.float32))\n"
        "array([-1.1113307,  0.       ,  1.050701 ], dtype=float32)",
    ),
    Activation(
        "celu", "unary",
        "celu(x) = max(0, x) + min(0, alpha * (e^(x/alpha) - 1)); range (-alpha, inf) for "
        "alpha > 0; a huge alpha gives x (expm1 keeps x/alpha); +-0 -> +-0, NaN -> NaN; "
        "needs alpha != 0",
        "torch.nn.functional.celu, jax.nn.celu, ONNX Celu",
        ">>> fastact.celu(np.array([-1.0, 0.0, 2.0]), alpha=2.0)\n"
        "array([-0.78693868,  0.        ,  2.        ])",
        params=(("alpha", 1.0),),
        checks=(("alpha", "!=", 0),),
    ),
    Activation(
        "softplus", "unary",
        "softplus(x) = x if beta * x > threshold else log(1 + e^(beta x)) / beta "
        "(PyTorch's rule), computed without overflow; range (0, inf) for beta > 0; "
        "softplus(-inf) = 0, softplus(+inf) = inf, NaN -> NaN; a negative beta gives the "
        "same formula (a smooth min(x, 0)); needs beta != 0 (the limit diverges)",
        "torch.nn.functional.softplus, jax.nn.softplus, ONNX Softplus (beta=1, no threshold)",
        ">>> fastact.softplus(np.array([-1.0, 0.0, 30.0]))\n"
        "array([ 0.31326169,  0.69314718, 30.        ])\n"
        ">>> fastact.softplus(np.array([0.5, -1.0, 2.0]), beta=1e30, threshold=1e30)\n"
        "array([0.5, 0. , 2. ])",
        params=(("beta", 1.0), ("threshold", 20.0)),
        checks=(("beta", "!=", 0),),
    ),
    Activation(
        "log_sigmoid", "unary",
        "log_sigmoid(x) = log(1 / (1 + e^-x)) = min(x, 0) - log1p(e^-|x|); range (-inf, 0]; "
        "log_sigmoid(-inf) = -inf, log_sigmoid(+inf) = -0.0, NaN -> NaN",
        "torch.nn.functional.logsigmoid, jax.nn.log_sigmoid, scipy.special.log_expit",
        ">>> fastact.log_sigmoid(np.array([-800.0, 0.0, 40.0]))\n"
        "array([-8.00000000e+02, -6.93147181e-01, -4.24835426e-18])",
    ),
    Activation(
        "silu", "unary",
        "silu(x) = x * sigmoid(x) = x / (1 + e^-x); range [-0.2785, inf); "
        "silu(+inf) = inf, silu(-inf) = -0.0 (the limit), +-0 -> +-0, NaN -> NaN",
        "torch.nn.functional.silu, jax.nn.silu (swish), ONNX HardSwish's smooth cousin "
        "(Swish: x * Sigmoid(x))",
        ">>> fastact.silu(np.array([-1.0, 0.0, 2.0]))\n"
        "array([-0.26894142,  0.        ,  1.76159416])",
    ),
    Activation(
        "mish", "unary",
        "mish(x) = x * tanh(softplus(x)) = x (w^2 + 2w) / (w^2 + 2w + 2), w = e^x; "
        "range [-0.3088, inf); mish(+inf) = inf, mish(-inf) = -0.0, +-0 -> +-0, NaN -> NaN",
        "torch.nn.functional.mish, ONNX Mish",
        ">>> fastact.mish(np.array([-1.0, 0.0, 2.0]))\n"
        "array([-0.30340146,  0.        ,  1.94395896])",
    ),
    Activation(
        "tanhshrink", "unary",
        "tanhshrink(x) = x - tanh(x), accurate near 0 (-x^3 P(x^2)); range: all reals "
        "(odd); +-0 -> +-0, +-inf -> +-inf, NaN -> NaN",
        "torch.nn.functional.tanhshrink, jax.numpy: x - jnp.tanh(x)",
        ">>> fastact.tanhshrink(np.array([-1.0, 0.001, 2.0]))\n"
        "array([-2.38405844e-01,  3.33333200e-10,  1.03597242e+00])",
    ),
    Activation(
        "gelu", "unary",
        "gelu(x) = x * Phi(x) = x/2 * (1 + erf(x / sqrt 2)) (approximate=\"none\"), or "
        "x/2 * (1 + tanh(sqrt(2/pi) * (x + 0.044715 x^3))) (approximate=\"tanh\"); range "
        "[-0.17, inf]; gelu(-inf) = -0.0, gelu(+inf) = +inf, -0.0 -> -0.0, NaN -> NaN; "
        "accurate far into the negative tail (the result rounds to -0.0 below x = -38.58 "
        "in float64, -14.36 in float32) and up to the overflow threshold",
        "torch.nn.functional.gelu, jax.nn.gelu (approximate=False / True), ONNX Gelu",
        ">>> fastact.gelu(np.array([1.0, -3.0]))\n"
        "array([ 0.84134475, -0.00404969])\n"
        ">>> fastact.gelu(np.array([1.0, -3.0]), approximate=\"tanh\")\n"
        "array([ 0.84119199, -0.00363739])",
        variants=(("approximate", ("none", "tanh")),),
    ),
    Activation(
        "glu", "split",
        "glu(x) = a * sigmoid(b), where a and b are the first and second halves of x along "
        "axis (its length must be even); the result has half that length",
        "torch.nn.functional.glu, jax.nn.glu, ONNX (Split, Sigmoid, Mul)",
        ">>> fastact.glu(np.array([[1.0, 2.0, 0.0, 100.0]]))\n"
        "array([[0.5, 2. ]])",
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
    Activation(
        "softmin", "rowwise",
        "softmin(x)_i = softmax(-x)_i = e^(min x - x_i) / sum_j e^(min x - x_j) along one "
        "axis; each slice sums to 1; -inf entries play the role of softmax's +inf",
        "torch.nn.functional.softmin, ONNX Softmax(Neg(x))",
        ">>> fastact.softmin(np.array([5.0, 4.0, -1.0])).round(3)\n"
        "array([0.002, 0.007, 0.991])",
    ),
)

UNARY = tuple(a.name for a in ACTIVATIONS if a.kind == "unary")
SPLIT = tuple(a.name for a in ACTIVATIONS if a.kind == "split")
ROWWISE = tuple(a.name for a in ACTIVATIONS if a.kind == "rowwise")
BY_NAME = {a.name: a for a in ACTIVATIONS}
NPARAMS = {a.name: len(a.params) for a in ACTIVATIONS}



def variant_kernels(act):
    """{value: ufunc name} of an activation with variants ({} without)."""
    out = {}
    for keyword, values in act.variants:
        for i, v in enumerate(values):
            out[v] = act.name if i == 0 else f"{act.name}_{v}"
    return out


# Every elementwise ufunc (kernel k_<name>) and its number of extra inputs: the unary
# activations, their variants' internal ufuncs, and the split ones (2 inputs).
ELEMENTWISE = {}
for _a in ACTIVATIONS:
    if _a.kind == "unary":
        ELEMENTWISE[_a.name] = len(_a.params)
        for _k in variant_kernels(_a).values():
            ELEMENTWISE[_k] = len(_a.params)
    elif _a.kind == "split":
        ELEMENTWISE[_a.name] = 1
MAX_PARAMS = 4  # the loops' limit (MAXP in _kernels.pxi)
assert max(ELEMENTWISE.values()) <= MAX_PARAMS
assert all(len(a.variants) <= 1 and (not a.variants or a.kind == "unary") for a in ACTIVATIONS)
