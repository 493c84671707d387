#!/usr/bin/env bash
# Everything `make test` runs, in order; stops at the first failure.
# Usage: tools/run_tests.sh [lint]   (with "lint", only the lint step)
set -eo pipefail
cd "$(dirname "$0")/.."
start=$SECONDS
last=$SECONDS
# Each header says how long the step before it took and the time since the start.
step() {
    printf '\n=== %s (previous step %ds, %ds in all)\n' "$1" $((SECONDS - last)) $((SECONDS - start))
    last=$SECONDS
}
# The kernel's warning about TCP without encryption is about local kernels and says nothing.
quiet_kernel() { grep -v --line-buffered "running over TCP without encryption" >&2 || true; }

step "lint: ruff over rgkit, tests, tools and the chapter notebooks"
ruff check rgkit tests tools benchmarks
ruff format --check rgkit tests tools benchmarks
mapfile -t chapters < <(python tools/sync_notebooks.py --list)
nbqa ruff "${chapters[@]}"
nbqa "ruff format --check" "${chapters[@]}"
[ "${1:-}" = lint ] && exit 0

export RGBOOK_QUIET=1

step "unit tests"
python -m pytest -q -p no:cacheprovider rgkit tests

step "smoke notebooks: papermill, then nbval on what papermill wrote"
out=_build/smoke/executed
rm -rf "$out" && mkdir -p "$out"
for nb in notebooks/*.ipynb; do
    echo "--- $(basename "$nb")"
    papermill --log-level WARNING -k python3 -p profile smoke "$nb" "$out/$(basename "$nb")" \
        2> >(quiet_kernel)
done
python -m pytest -q -p no:cacheprovider --nbval-lax --nbval-current-env "$out"

step "smoke book: jupyter-book build -W -n --keep-going, with papermill's outputs"
# The chapters papermill just executed go into the smoke build's execution cache, so no
# chapter runs a third time; one whose outputs are refused (see tools/build_book.py) runs.
# With a repository address (a test one), so the pages must carry their launch buttons.
test_repository=https://github.com/rgbook-test/deep-learning-rg
python tools/build_book.py --profile smoke --executed "$out" --repository "$test_repository"
python tools/check_launch.py _build/smoke/_build/html --repository "$test_repository"

step "browser check of the smoke book"
status=0
bash tools/ensure_chromium.sh || status=$?
if [ "$status" = 0 ]; then
    python tools/browser_check.py _build/smoke/_build/html --screenshots _build/smoke/screenshots
elif [ "$status" != 2 ]; then
    exit "$status"
fi

step "all tests passed"
