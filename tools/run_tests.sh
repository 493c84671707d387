#!/usr/bin/env bash
# Everything `make test` runs, in order; stops at the first failure.
# Usage: tools/run_tests.sh [lint]   (with "lint", only the lint step)
set -eo pipefail
cd "$(dirname "$0")/.."
start=$SECONDS
step() { printf '\n=== %s (%ds)\n' "$1" $((SECONDS - start)); }

step "lint: ruff over rgkit, tests, tools and the chapter notebooks"
ruff check rgkit tests tools benchmarks
ruff format --check rgkit tests tools benchmarks
mapfile -t chapters < <(python tools/sync_notebooks.py --list)
nbqa ruff "${chapters[@]}"
nbqa "ruff format --check" "${chapters[@]}"
[ "${1:-}" = lint ] && exit 0

step "browser: make sure Debian's chromium is here"
bash tools/ensure_chromium.sh

export RGBOOK_QUIET=1

step "unit tests"
python -m pytest -q -p no:cacheprovider rgkit tests

step "smoke notebooks: papermill, then nbval on what papermill wrote"
out=_build/smoke/executed
rm -rf "$out" && mkdir -p "$out"
for nb in notebooks/*.ipynb; do
    papermill --log-level WARNING -k python3 -p profile smoke "$nb" "$out/$(basename "$nb")"
done
python -m pytest -q -p no:cacheprovider --nbval-lax --nbval-current-env "$out"

step "smoke book: jupyter-book build -W -n --keep-going, with papermill's outputs"
# The chapters papermill just executed go into the smoke build's execution cache, so no
# chapter runs a third time; one whose outputs are refused (see tools/build_book.py) runs.
python tools/build_book.py --profile smoke --executed "$out"

step "browser check of the smoke book"
python tools/browser_check.py _build/smoke/_build/html --screenshot _build/smoke/screenshots/mapping.png

step "all tests passed"
