"""README.md: the two set-up commands, the example, and .ci/run running the test command."""
import doctest
import re
import shlex
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
CI_RUN = ROOT / ".ci" / "run"

DEMO_COMMAND = 'python -m pip install ".[demo]" && python -m fastact demo'
TEST_COMMAND = 'python -m pip install ".[test]" && python -m pytest'


def _readme():
    return README.read_text(encoding="utf-8")


def _blocks(text, lang=""):
    """The bodies of the fenced code blocks of ``text`` whose info string is ``lang``."""
    return re.findall(rf"^```{re.escape(lang)}\n(.*?)^```$", text, re.M | re.S)


def _readme_commands():
    """The lines of the README's first code block: the set-up commands."""
    return [line.strip() for line in _blocks(_readme())[0].splitlines() if line.strip()]


def _readme_test_command():
    (command,) = [c for c in _readme_commands() if c.endswith("pytest")]
    return command


def test_readme_opens_with_the_two_setup_commands():
    assert _readme_commands() == [DEMO_COMMAND, TEST_COMMAND]
    text = _readme()
    # they come right after the one-paragraph intro, before any section
    assert text.index(DEMO_COMMAND) < text.index("\n## ")
    assert "From a clone of this repository" in text


def _ci_commands():
    """The commands of .ci/run, one per logical line, comments and blank lines dropped."""
    lines = []
    for raw in CI_RUN.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if line and not line.startswith("#"):
            lines.append(line)
    return lines


def test_ci_runs_exactly_the_readme_test_command():
    command = _readme_test_command()
    ci = _ci_commands()
    assert ci.count(command) == 1, f".ci/run must run {command!r} verbatim"
    # it is the last command, so its exit status is the script's
    assert ci[-1] == command
    # and the tokens are the same (no stray quoting differences)
    assert shlex.split(ci[-1]) == shlex.split(command)


def test_ci_script_is_strict_and_uses_a_fresh_venv():
    text = CI_RUN.read_text(encoding="utf-8")
    assert text.startswith("#!/usr/bin/env bash\n")
    assert "set -euo pipefail" in _ci_commands()
    assert re.search(r"rm -rf \"\$VENV\"", text)
    assert re.search(r"python3 -m venv \"\$VENV\"", text)
    assert "SECONDS" in text


def test_readme_example_runs():
    (example,) = _blocks(_readme(), "python")
    parser = doctest.DocTestParser()
    test = parser.get_doctest(example, {}, "README.md", str(README), 0)
    runner = doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE)
    runner.run(test)
    result = runner.summarize(verbose=False)
    assert result.attempted > 0
    assert result.failed == 0


def test_readme_has_the_accuracy_and_speed_tables():
    """Every activation has a row in the accuracy table, and the speed table is there."""
    from fastact._registry import ACTIVATIONS

    text = README.read_text(encoding="utf-8")
    acc = text[text.index("## Accuracy"):text.index("## Speed")]
    for act in ACTIVATIONS:
        assert f"| {act.name} |" in acc, act.name
    speed = text[text.index("## Speed"):]
    assert "| function |" in speed and "np.copyto" in speed
