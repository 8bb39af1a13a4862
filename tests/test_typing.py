"""Typing: the stub is the generator's output, matches the run-time API, ships with
py.typed, and mypy --strict accepts a user's module (and rejects wrong calls)."""
import ast
import importlib.util
import inspect
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import fastact
from fastact._registry import ACTIVATIONS

ROOT = Path(__file__).resolve().parent.parent
PKG_DIR = Path(fastact.__file__).resolve().parent  # the installed package, or src/


def _generator():
    spec = importlib.util.spec_from_file_location("gen_stubs", ROOT / "tools" / "gen_stubs.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_committed_stub_is_the_generators_output():
    gen = _generator()
    committed = (ROOT / "src" / "fastact" / "__init__.pyi").read_text(encoding="utf-8")
    assert committed == gen.render(ACTIVATIONS), "run: python tools/gen_stubs.py"
    assert gen.main(["--check"]) == 0


def test_the_package_has_the_stub_and_py_typed():
    assert (PKG_DIR / "py.typed").is_file()
    installed = (PKG_DIR / "__init__.pyi").read_text(encoding="utf-8")
    assert installed == _generator().render(ACTIVATIONS)


def _stub_tree():
    return ast.parse((PKG_DIR / "__init__.pyi").read_text(encoding="utf-8"))


def test_stub_names_match_the_module():
    tree = _stub_tree()
    (all_node,) = [n for n in tree.body if isinstance(n, ast.Assign)
                   and n.targets[0].id == "__all__"]
    assert ast.literal_eval(all_node.value) == fastact.__all__
    annotated = {n.target.id: ast.unparse(n.annotation) for n in tree.body
                 if isinstance(n, ast.AnnAssign)}
    functions = {n.name for n in tree.body if isinstance(n, ast.FunctionDef)}
    for name in fastact.__all__:
        assert name in annotated or name in functions, name
    for act in ACTIVATIONS:
        obj = getattr(fastact, act.name)
        if annotated[act.name] == "np.ufunc":
            assert type(obj).__name__ == "ufunc", act.name
        else:
            assert inspect.isfunction(obj), act.name  # a wrapper from _api.py


def test_stub_parameters_match_the_wrappers():
    """Each wrapper's parameters (names, order, defaults) as typed in the stub are the
    run-time signature's, up to **kwargs (which the stub spells out as a TypedDict)."""
    classes = {n.name: n for n in _stub_tree().body if isinstance(n, ast.ClassDef)}
    annotated = {n.target.id: ast.unparse(n.annotation) for n in _stub_tree().body
                 if isinstance(n, ast.AnnAssign)}
    for act in ACTIVATIONS:
        cls = classes.get(annotated[act.name])
        if cls is None:
            continue
        obj = getattr(fastact, act.name)
        attrs = {n.target.id for n in cls.body if isinstance(n, ast.AnnAssign)}
        for attr in attrs:
            assert hasattr(obj, attr), (act.name, attr)
        calls = [n for n in cls.body if isinstance(n, ast.FunctionDef)]
        assert len(calls) == 2
        for call in calls:
            args = call.args
            stub = [(a.arg, "pos") for a in args.args[1:]]
            stub += [(a.arg, "kw") for a in args.kwonlyargs]
            defaults = [None] * (len(args.args) - 1 - len(args.defaults)) + [
                ast.literal_eval(d) for d in args.defaults]
            defaults += [ast.literal_eval(d) for d in args.kw_defaults]
            try:
                sig = inspect.signature(obj)
            except ValueError:  # pragma: no cover
                pytest.fail(f"{act.name} has no signature")
            params = [p for p in sig.parameters.values()
                      if p.kind is not inspect.Parameter.VAR_KEYWORD
                      and p.name != "where"]
            run = [(p.name, "kw" if p.kind is inspect.Parameter.KEYWORD_ONLY else "pos")
                   for p in params]
            assert stub == run, act.name
            run_defaults = [None if p.default is inspect.Parameter.empty else p.default
                            for p in params]
            assert defaults == run_defaults, act.name


SNIPPET = '''\
"""A user's module: typed with fastact's stubs, checked by mypy --strict."""
from typing import Any

import numpy as np
from numpy.typing import NDArray

import fastact


def layer(x: NDArray[np.float32], w: NDArray[np.float32]) -> NDArray[Any]:
    h = fastact.gelu(x @ w, approximate="tanh")
    h = fastact.leaky_relu(h, 0.2, out=h)
    h = fastact.hardtanh(h, min_val=-2.0, max_val=2.0, dtype=np.float32)
    h = fastact.prelu(h, np.ones(h.shape[1], dtype=np.float32))
    h = fastact.glu(h, axis=-1)
    return fastact.softmax(h, axis=-1)


s: np.floating[Any] = fastact.softplus(1.5, beta=2.0)
ufunc: np.ufunc = fastact.tanh
y = fastact.sigmoid(np.linspace(-1, 1, 5), out=np.empty(5))
gufunc: np.ufunc = fastact.log_softmax.gufunc
param_ufunc: np.ufunc = fastact.softplus.ufunc
tanh_ufunc: np.ufunc = fastact.gelu.ufuncs["tanh"]
version: str = fastact.__version__
threads: int = fastact.get_num_threads()
fastact.set_num_threads(2)
facts: dict[str, Any] = fastact.config()
'''

BAD = '''\
import numpy as np
import fastact

x = np.ones(3)
fastact.gelu(x, approximate="exact")
fastact.leaky_relu(x, slope=0.1)
fastact.softmax(x, axis="0")
fastact.tanh.ufunc
'''


def _mypy(tmp_path, source):
    pytest.importorskip("mypy", reason='mypy is not installed (pip install "fastact[test]")')
    (tmp_path / "user.py").write_text(source, encoding="utf-8")
    env = dict(os.environ)
    if PKG_DIR.parent.name not in ("site-packages", "dist-packages"):
        env["MYPYPATH"] = str(PKG_DIR.parent)  # testing the source tree (PYTHONPATH=src)
    return subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental",
         "--cache-dir", os.devnull, "--python-executable", sys.executable, "user.py"],
        capture_output=True, text=True, cwd=tmp_path, env=env, timeout=300)


def test_mypy_strict_accepts_a_user_module(tmp_path):
    proc = _mypy(tmp_path, SNIPPET)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Success" in proc.stdout


def test_mypy_strict_rejects_wrong_calls(tmp_path):
    proc = _mypy(tmp_path, BAD)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    for line in (5, 6, 7, 8):
        assert f"user.py:{line}: error" in proc.stdout, (line, proc.stdout)
