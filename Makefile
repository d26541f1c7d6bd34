# The two commands of the README do all set-up themselves:
#   make run       serve qomon-mcp over stdio on an embedded demo space (no account needed)
#   make test      lint and run the whole test suite (what CI runs)
# and one more: make sandbox serves the emulated Qomon API itself on http://127.0.0.1:8765
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run sandbox test lint setup

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

run: setup
	$(BIN)/qomon-mcp --sandbox

sandbox: setup
	$(BIN)/qomon-mcp sandbox

lint: setup
	$(BIN)/ruff check qomon_mcp tests bench

test: setup lint
	$(BIN)/python -m pytest -q
