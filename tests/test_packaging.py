"""Packaging: the cibuildwheel build set, the installed wheel's contents and kernel paths,
the run-time NumPy requirement, and (opt-in, `-m slow`) the local proof script."""
import importlib.metadata
import importlib.util
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import fastact

ROOT = Path(__file__).resolve().parent.parent
PKG_DIR = Path(fastact.__file__).resolve().parent
PYTHONS = ("cp310", "cp311", "cp312", "cp313", "cp314", "cp314t")
EXPECTED = {
    "linux": {f"{py}-{libc}_{arch}" for py in PYTHONS for libc in ("manylinux", "musllinux")
              for arch in ("x86_64", "aarch64")},
    "macos": {f"{py}-macosx_{arch}" for py in PYTHONS for arch in ("x86_64", "arm64")},
    # NumPy has no Windows ARM64 wheel for Python 3.10 (pyproject.toml: skip)
    "windows": {f"{py}-win_{arch}" for py in PYTHONS for arch in ("amd64", "arm64")}
               - {"cp310-win_arm64"},
}


def _cibuildwheel():
    scripts = Path(sys.executable).parent
    for candidate in (scripts / "cibuildwheel", scripts / "cibuildwheel.exe"):
        if candidate.exists():
            return str(candidate)
    found = shutil.which("cibuildwheel")
    if found is None:
        pytest.skip('cibuildwheel is not installed (pip install "fastact[test]")')
    return found


@pytest.mark.parametrize("platform", sorted(EXPECTED))
def test_cibuildwheel_builds_exactly_the_supported_set(platform):
    env = {k: v for k, v in os.environ.items() if not k.startswith("CIBW_")}
    proc = subprocess.run([_cibuildwheel(), "--print-build-identifiers", "--platform", platform],
                          capture_output=True, text=True, cwd=ROOT, env=env, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    got = set(proc.stdout.split())
    assert got == EXPECTED[platform], (sorted(got - EXPECTED[platform]),
                                       sorted(EXPECTED[platform] - got))
    assert not any(re.search(r"i686|win32|armv7|ppc64|s390x|pp\d", i) for i in got)


def test_cibuildwheel_configuration_matches_its_schema():
    _cibuildwheel()
    jsonschema = pytest.importorskip("jsonschema")
    try:
        import tomllib
    except ImportError:  # Python 3.10
        tomllib = pytest.importorskip("tomli")
    import json
    spec = importlib.util.find_spec("cibuildwheel")
    if spec is None:
        pytest.skip("cibuildwheel is not importable from this Python")
    schema_path = Path(spec.origin).parent / "resources" / "cibuildwheel.schema.json"
    schema = json.loads(schema_path.read_text(encoding="utf-8"))
    with open(ROOT / "pyproject.toml", "rb") as f:
        config = tomllib.load(f)["tool"]["cibuildwheel"]
    jsonschema.validate(config, schema)


def _installed_from_a_wheel():
    try:
        dist = importlib.metadata.distribution("fastact")
    except importlib.metadata.PackageNotFoundError:
        return None
    files = dist.files or []
    init = [f for f in files if str(f).replace("\\", "/") == "fastact/__init__.py"]
    if not init or Path(dist.locate_file(init[0])).resolve().parent != PKG_DIR:
        return None  # metadata of another copy (an editable install, ...)
    return dist


def test_installed_wheel_holds_modules_python_stubs_only():
    dist = _installed_from_a_wheel()
    if dist is None:
        pytest.skip("fastact is not installed from a wheel (testing the source tree)")
    names = [str(f).replace("\\", "/") for f in dist.files]
    package = [n for n in names if n.startswith("fastact/") and "__pycache__" not in n]
    assert "fastact/py.typed" in package and "fastact/__init__.pyi" in package
    for name in package:
        assert re.search(r"\.(py|pyi|so|pyd)$|/py\.typed$", name), name
    assert not any(n.startswith("tests/") for n in names)
    extensions = [n for n in package if n.endswith((".so", ".pyd"))]
    assert any("/_ufuncs." in n for n in extensions) and any("/_loops_baseline." in n
                                                             for n in extensions)


def test_installed_wheel_has_its_kernel_paths():
    """cibuildwheel sets FASTACT_EXPECT_PATHS per architecture (pyproject.toml): every
    x86-64 wheel carries the baseline, AVX2 and AVX-512 modules, an arm64 wheel the
    baseline (NEON) one."""
    want = os.environ.get("FASTACT_EXPECT_PATHS", "").replace(",", " ").split()
    if not want:
        pytest.skip("FASTACT_EXPECT_PATHS is not set (set by cibuildwheel)")
    assert not str(PKG_DIR).startswith(str(ROOT / "src")), "testing the source tree"
    have = [isa for isa in ("baseline", "avx2", "avx512")
            if importlib.util.find_spec(f"fastact._loops_{isa}") is not None]
    assert have == want
    assert set(fastact._ufuncs.AVAILABLE) <= set(want)
    assert fastact.config()["flags [baseline]"]


def test_runtime_numpy_requirement_and_version():
    import numpy as np
    try:
        requires = importlib.metadata.requires("fastact")
    except importlib.metadata.PackageNotFoundError:
        requires = None
    if requires is not None:
        assert "numpy>=1.23.5" in [r.replace(" ", "") for r in requires]
        assert fastact.__version__ == importlib.metadata.version("fastact")
    numpy_version = tuple(int(p) for p in re.findall(r"\d+", np.__version__)[:3])
    assert numpy_version >= (1, 23, 5)
    assert re.fullmatch(r"\d+\.\d+\.\d+.*|0\+unknown", fastact.__version__)


def test_pyproject_declares_what_setup_py_builds():
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert 'dependencies = ["numpy>=1.23.5"]' in text
    assert '"numpy>=2.0"' in text  # build requirement: built against NumPy 2.x
    setup_py = (ROOT / "setup.py").read_text(encoding="utf-8")
    assert '("NPY_TARGET_VERSION", "NPY_1_23_API_VERSION")' in setup_py
    for pyx in (ROOT / "src" / "fastact").glob("*.pyx"):
        first = pyx.read_text(encoding="utf-8").splitlines()[0]
        assert first == "# cython: freethreading_compatible = True", pyx.name


@pytest.mark.slow
def test_check_wheels_script(tmp_path):
    """tools/check_wheels.sh: the sdist, a wheel from it for every local CPython,
    auditwheel / check-wheel-contents / twine, and the suite against each installed
    wheel (minutes: opt-in with -m slow)."""
    if sys.platform != "linux":
        pytest.skip("auditwheel repairs Linux wheels only")
    env = dict(os.environ, WORK=str(tmp_path / "work"))
    proc = subprocess.run(["bash", str(ROOT / "tools" / "check_wheels.sh")], env=env,
                          capture_output=True, text=True, timeout=3600)
    lines = [l for l in proc.stdout.splitlines() if re.match(r"cp3\d+\S*: (PASS|FAIL)", l)]
    print("\n".join(lines))
    assert proc.returncode == 0, proc.stdout[-6000:] + proc.stderr[-3000:]
    assert lines and all(": PASS" in l for l in lines)
    assert any("numpy1.23.5" in l for l in lines)


# spelled in pieces so that this file does not itself hold the strings it looks for
_FORBIDDEN = ["-f" + "fast-math", "-O" + "fast", "/fp:" + "fast", "-march" + "=native"]


def test_no_ieee_breaking_or_host_specific_flag_anywhere_that_ships():
    # the build's flags (what the installed modules were compiled with) ...
    flags = str(fastact.config())
    assert not [f for f in _FORBIDDEN if f in flags], flags
    # ... and every file of the sdist's sources, README (the wheel's PKG-INFO) included
    shipped = [ROOT / "README.md", ROOT / "setup.py", ROOT / "pyproject.toml",
               ROOT / "MANIFEST.in", *sorted((ROOT / "src" / "fastact").iterdir()),
               *sorted((ROOT / ".github" / "workflows").glob("*.yml"))]
    for path in shipped:
        if not path.is_file() or path.suffix in (".so", ".pyd", ".c"):
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        found = [f for f in _FORBIDDEN if f in text]
        assert not found, f"{path.relative_to(ROOT)} names {found}"
