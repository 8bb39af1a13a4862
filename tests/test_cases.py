"""Every case of the public reference file is a test (tests/references/public_cases.json,
a copy of ../shared/cases/public_cases.json so the suite never depends on that folder).
Functions that do not exist yet are skipped with reason "not implemented yet: issue 4"."""
import json
from pathlib import Path

import numpy as np
import pytest

import fastact
from fastact._registry import ROWWISE

import arrays

BUDGET = 2
COPY = Path(__file__).parent / "references" / "public_cases.json"
SHARED = Path(__file__).resolve().parents[2] / "shared" / "cases" / "public_cases.json"
CASES = json.loads(COPY.read_text())["cases"]


def test_copy_is_current():
    if not SHARED.exists():
        pytest.skip(f"{SHARED} (the development workspace's copy of the public bug-report "
                    f"cases) does not exist, so the check that tests/references/{COPY.name} "
                    f"matches it is skipped; the committed copy is tested")
    assert json.loads(SHARED.read_text()) == json.loads(COPY.read_text()), (
        f"refresh the copy: cp {SHARED} {COPY}")


def test_case_ids_unique():
    ids = [c["id"] for c in CASES]
    assert len(ids) == len(set(ids))


def _input(case):
    spec = case["input"]
    if isinstance(spec, str):
        assert spec.startswith("zeros(") and spec.endswith(")"), spec
        shape = tuple(int(v) for v in spec[6:-1].split(","))
        return np.zeros(shape, dtype=case["dtype"])
    return np.array(spec, dtype=case["dtype"])


def _expected(values):
    return np.vectorize(float, otypes=[np.float64])(np.array(values, dtype=object)) \
        if np.size(np.array(values, dtype=object)) else np.array(values, dtype=np.float64)


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_public_case(case):
    f = getattr(fastact, case["function"], None)
    if f is None:
        pytest.skip("not implemented yet: issue 4")
    x = _input(case)
    kwargs = case.get("kwargs") or {}
    if case["raises"]:
        import builtins
        exc = getattr(getattr(np, "exceptions", np), case["raises"], None) or getattr(builtins, case["raises"])
        with pytest.raises(exc):
            f(x, **kwargs)
        return
    got = np.asarray(f(x, **kwargs))
    # float16 stays float16 in the elementwise functions, gives float32 in the rowwise ones
    rowwise = case["function"] in ROWWISE
    want_dtype = x.dtype if x.dtype.kind == "f" and not (x.dtype == np.float16 and rowwise) \
        else (np.dtype(np.float32) if x.dtype == np.float16 else np.dtype(np.float64))
    assert got.dtype == want_dtype
    if case["expected_shape"] is not None:
        assert got.shape == tuple(case["expected_shape"])
        if got.size == 0:
            return
    want = _expected(case["expected"]).astype(got.dtype)
    assert got.shape == want.shape
    # exact for nan / inf / signed zero, within the ULP budget otherwise
    special = np.isnan(want) | np.isinf(want) | (want == 0)
    arrays.assert_same(got[special], want[special])
    d = arrays.ulp_distance(got[~special], want[~special])
    assert d.size == 0 or d.max() <= BUDGET, (got, want, d)
