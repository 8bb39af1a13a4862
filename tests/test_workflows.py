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
