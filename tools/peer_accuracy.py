"""How accurate are the peers the benchmark compares with? Max ulp of ONNX Runtime's and
PyTorch's tanh / sigmoid (whichever are installed), and how many tail results they
flush to 0, next to fastact's on the same inputs.

    python tools/peer_accuracy.py [-n 1000000]

float32: n inputs (half 4 x standard normal, 40% uniform in [-10, 10], 10% in the sigmoid
tail [-104, -80]) against the float64 computation; float64 sigmoid: 2,500 inputs (2,000
of 10 x standard normal, 500 in the tail [-750, -700]) against mpmath at 40 digits.
The ulp is the float32 / float64 spacing at the reference (the smallest subnormal at
least). Prints one line per (library, function).
"""
import argparse

import numpy as np

import fastact


def _ulps(y, ref, dtype):
    ref = np.asarray(ref, np.float64)
    tiny = float(np.finfo(dtype).smallest_subnormal)
    spacing = np.maximum(np.spacing(np.abs(ref).astype(dtype)).astype(np.float64), tiny)
    return np.abs(y.astype(np.float64) - ref) / spacing


def _onnx(op):
    """f(x) through a one-node ONNX Runtime session, or None if it is not installed."""
    try:
        import onnxruntime as ort
        from onnx import TensorProto, helper
    except ImportError:
        return None
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 1
    io = [helper.make_tensor_value_info(n, TensorProto.FLOAT, [None]) for n in "xy"]
    graph = helper.make_graph([helper.make_node(op, ["x"], ["y"])], op, io[:1], io[1:])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    session = ort.InferenceSession(model.SerializeToString(), opts,
                                   providers=["CPUExecutionProvider"])
    return lambda x: session.run(None, {"x": x})[0]


def _torch(name):
    try:
        import torch
    except ImportError:
        return None
    f = getattr(torch, name)
    return lambda x: f(torch.from_numpy(x)).numpy()


def _report(label, y, ref, x, dtype, tail=None):
    """One line: the max ulp and its input; with ``tail`` (a mask), how many results
    there are 0 although the reference rounded to ``dtype`` is not."""
    u = _ulps(y, ref, dtype)
    k = int(np.argmax(u))
    line = f"{label}: max {u[k]:.3g} ulp at x = {x[k]!r}"
    if tail is not None:
        nonzero = (np.asarray(ref).astype(dtype) != 0) & tail
        line += (f"; tail results 0 instead of nonzero: {int(np.sum((y == 0) & nonzero))} "
                 f"of {int(np.sum(nonzero))}")
    print(line)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", type=int, default=1_000_000, help="float32 inputs")
    args = parser.parse_args(argv)
    rng = np.random.default_rng(1)
    n = args.n
    x = np.concatenate([rng.standard_normal(n // 2) * 4, rng.uniform(-10, 10, n - n // 2 - n // 10),
                        -rng.uniform(80, 104, n // 10)]).astype(np.float32)
    xd = x.astype(np.float64)
    tail = x < -88
    with np.errstate(over="ignore"):
        refs = {"tanh": np.tanh(xd), "sigmoid": 1 / (1 + np.exp(-xd))}
    for name, onnx_op in (("tanh", "Tanh"), ("sigmoid", "Sigmoid")):
        for label, f in ((f"fastact {name} float32", getattr(fastact, name)),
                         (f"onnxruntime {onnx_op} float32", _onnx(onnx_op)),
                         (f"torch.{name} float32", _torch(name))):
            if f is None:
                print(f"{label}: not installed")
                continue
            _report(label, f(x), refs[name], x, np.float32,
                    tail if name == "sigmoid" else None)

    import mpmath
    mpmath.mp.dps = 40
    x64 = np.concatenate([rng.standard_normal(2000) * 10, -rng.uniform(700, 750, 500)])
    ref = np.array([float(1 / (1 + mpmath.exp(-mpmath.mpf(v)))) for v in x64])
    for label, f in (("fastact sigmoid float64", fastact.sigmoid),
                     ("torch.sigmoid float64", _torch("sigmoid"))):
        if f is None:
            print(f"{label}: not installed")
            continue
        _report(label, f(x64), ref, x64, np.float64, x64 < -700)


if __name__ == "__main__":
    main()
