# The two commands of the README do all set-up themselves:
#   make sandbox   serve a demo Qomon space on http://127.0.0.1:8765
#   make test      run the whole test suite (what CI runs)
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: sandbox test lint setup

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

sandbox: setup
	$(BIN)/qomon-mcp sandbox

lint: setup
	$(BIN)/ruff check qomon_mcp tests bench

test: setup lint
	$(BIN)/python -m pytest -q
