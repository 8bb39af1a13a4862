"""The GitHub Actions workflows validate against the schema and pass zizmor's audit."""
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
WORKFLOWS = ROOT / ".github" / "workflows"
FILES = sorted(WORKFLOWS.glob("*.yml")) + sorted(WORKFLOWS.glob("*.yaml"))


def _tool(name):
    """The console script ``name`` next to this Python, else on PATH, else skip."""
    scripts = Path(sys.executable).parent
    for candidate in (scripts / name, scripts / f"{name}.exe"):
        if candidate.exists():
            return str(candidate)
    found = shutil.which(name)
    if found is None:
        pytest.skip(f"{name} is not installed (pip install \"fastact[test]\")")
    return found


def _run(args):
    return subprocess.run(args, capture_output=True, text=True, encoding="utf-8",
                          errors="replace", cwd=ROOT, timeout=300)


def test_there_are_workflows():
    assert FILES, "no workflow files in .github/workflows"


def test_workflows_match_the_schema():
    tool = _tool("check-jsonschema")
    proc = _run([tool, "--builtin-schema", "vendor.github-workflows", *map(str, FILES)])
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_zizmor_finds_nothing():
    tool = _tool("zizmor")
    proc = _run([tool, "--offline", str(WORKFLOWS)])
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_tests_workflow_runs_the_readme_command():
    text = (WORKFLOWS / "tests.yml").read_text(encoding="utf-8")
    assert 'run: python -m pip install ".[test]" && python -m pytest' in text
    for os_name in ("ubuntu-latest", "macos-latest", "windows-latest"):
        assert os_name in text
    for version in ("3.10", "3.11", "3.12", "3.13"):
        assert f'"{version}"' in text
    # every action is pinned by a full commit SHA with a version comment
    uses = re.findall(r"uses:\s*(\S+)(.*)", text)
    assert uses
    for ref, comment in uses:
        assert re.fullmatch(r"[\w.-]+/[\w.-]+@[0-9a-f]{40}", ref), ref
        assert re.fullmatch(r"\s+# v\d+(\.\d+)*", comment), (ref, comment)
    assert "persist-credentials: false" in text
    assert "fail-fast: false" in text


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_every_action_is_pinned_by_sha(path):
    uses = re.findall(r"uses:\s*(\S+)(.*)", path.read_text(encoding="utf-8"))
    assert uses
    for ref, comment in uses:
        assert re.fullmatch(r"[\w.-]+/[\w.-]+@[0-9a-f]{40}", ref), ref
        assert re.fullmatch(r"\s+# v\d+(\.\d+)*( .*)?", comment), (ref, comment)


def test_wheels_workflow_builds_everywhere_and_publishes_by_trusted_publishing():
    text = (WORKFLOWS / "wheels.yml").read_text(encoding="utf-8")
    # the six runner kinds, each building its own architecture natively
    for os_name, arch in (("ubuntu-latest", "x86_64"), ("ubuntu-24.04-arm", "aarch64"),
                          ("macos-15-intel", "x86_64"), ("macos-latest", "arm64"),
                          ("windows-latest", "AMD64"), ("windows-11-arm", "ARM64")):
        assert re.search(rf"- os: {re.escape(os_name)}\n\s+arch: {arch}\n", text), os_name
    assert "python -m cibuildwheel --output-dir wheelhouse" in text
    assert "CIBW_ARCHS: ${{ matrix.arch }}" in text
    # artifacts per platform, and the sdist
    assert "name: wheels-${{ matrix.os }}-${{ matrix.arch }}" in text
    assert "python -m build --sdist" in text and "name: sdist" in text
    assert "bash tools/check_wheels.sh" in text
    # publish: on version tags only, trusted publishing, no stored token
    publish = text[text.index("\n  publish:"):]
    assert "startsWith(github.ref, 'refs/tags/v')" in publish
    assert "id-token: write" in publish
    assert "pypa/gh-action-pypi-publish@" in publish
    assert "needs: [wheels, sdist, local-proof]" in publish
    for forbidden in ("password:", "secrets.", "TWINE_PASSWORD", "api-token"):
        assert forbidden not in text, forbidden
    # everything else is read-only
    assert text.count("id-token: write") == 1
    assert "\npermissions:\n  contents: read\n" in text
    assert text.count("persist-credentials: false") == text.count("actions/checkout@")
    assert "fail-fast: false" in text
