"""Each activation's registry example runs as a doctest, and is in the docstrings."""
import doctest

import numpy as np
import pytest

import fastact
from fastact._registry import ACTIVATIONS

IDS = [a.name for a in ACTIVATIONS]


def run_doctest(text, name):
    parser = doctest.DocTestParser()
    test = parser.get_doctest(text, {"np": np, "fastact": fastact}, name, None, 0)
    assert test.examples, f"{name}: no example"
    runner = doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE)
    runner.run(test)
    result = runner.summarize(verbose=False)
    assert result.failed == 0, f"{name}: {result.failed} of {result.attempted} failed"
    return result.attempted


@pytest.mark.parametrize("act", ACTIVATIONS, ids=IDS)
def test_registry_example_runs(act):
    assert run_doctest(act.example, act.name) >= 1


@pytest.mark.parametrize("act", ACTIVATIONS, ids=IDS)
def test_docstring_has_example_and_formula(act):
    doc = getattr(fastact, act.name).__doc__
    assert act.formula.split(";")[0] in doc
    for line in act.example.splitlines():
        assert line.strip() in doc
    assert run_doctest(doc, f"fastact.{act.name}.__doc__") >= 1
