"""Command line: ``python -m fastact info``, ``python -m fastact demo [--quick]`` and
``python -m fastact bench [options]`` (see ``python -m fastact bench --help``)."""
import argparse
import sys


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["bench"]:  # its options are parsed by the benchmark itself
        from . import _bench
        return _bench.main(argv[1:], prog="python -m fastact bench")
    parser = argparse.ArgumentParser(
        prog="python -m fastact",
        description="fastact: neural-network activation functions as NumPy ufuncs.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="{info,demo,bench}")
    sub.add_parser("info", help="print the version, NumPy version, kernel path in use "
                                "and compiler flags")
    demo = sub.add_parser("demo", help="train scikit-learn MLPs on the digits scans and "
                                       "redo their forward pass with fastact "
                                       '(needs: pip install "fastact[demo]")')
    demo.add_argument("--quick", action="store_true",
                      help="the same pipeline on a small subset (a few seconds)")
    demo.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    sub.add_parser("bench", help="time fastact against NumPy, SciPy, PyTorch, ONNX Runtime "
                                 "and numexpr, whichever are installed (options: "
                                 "python -m fastact bench --help)")
    args = parser.parse_args(argv)

    if args.command == "info":
        import fastact
        fastact.show_config()
        return 0
    from . import _demo
    return _demo.main(quick=args.quick, seed=args.seed)


if __name__ == "__main__":
    sys.exit(main())
