# The two commands of the README: `make book` and `make test`. Each creates .venv and
# installs what it needs on a fresh machine with only Python 3.11 and make.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin

.PHONY: book test sync lint clean publish

$(VENV)/.book: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -e ".[book]"
	touch $@

$(VENV)/.test: pyproject.toml $(VENV)/.book
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $@

## Build the whole book at the full profile into _build/html.
book: $(VENV)/.book
	$(BIN)/python tools/build_book.py --profile full

## Build the book, then _build/publish: the folder to put on a static host (the HTML, and
## under artefacts/ the cached datasets and trained networks with their SHA-256).
publish: book
	$(BIN)/python tools/publish.py --html _build/html --out _build/publish

## Run every test: lint, unit tests, smoke notebooks with nbval, smoke book build, browser check.
test: $(VENV)/.test
	PATH="$(CURDIR)/$(BIN):$$PATH" bash tools/run_tests.sh

## Regenerate notebooks/*.ipynb from the chapters in book/ (after editing a chapter).
sync: $(VENV)/.test
	$(BIN)/python tools/sync_notebooks.py

lint: $(VENV)/.test
	PATH="$(CURDIR)/$(BIN):$$PATH" bash tools/run_tests.sh lint

clean:
	rm -rf _build
