# The two commands of the README do all set-up themselves:
#   make run       serve qomon-mcp over stdio on an embedded demo space (no account needed)
#   make test      lint and run the whole test suite (what CI runs)
# and two more: make test-fast runs the suite without the tests marked slow (for development),
# make sandbox serves the emulated Qomon API itself on http://127.0.0.1:8765
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

# MCP clients start `make run` as their server command and read its stdout as JSON-RPC, so make
# must print nothing there: no recipe echo, no "Entering directory" (sub-makes turn -w on), and
# the set-up below writes its output to stderr.
.SILENT:
MAKEFLAGS += --no-print-directory

.PHONY: run sandbox test test-fast lint setup

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV) >&2
	$(BIN)/python -m pip install --quiet --upgrade pip >&2
	$(BIN)/python -m pip install --quiet -e '.[test]' >&2
	touch $@

run: setup
	$(BIN)/qomon-mcp --sandbox

sandbox: setup
	$(BIN)/qomon-mcp sandbox

lint: setup
	$(BIN)/ruff check qomon_mcp tests bench
	$(BIN)/ruff format --check --quiet qomon_mcp tests bench || { echo "make lint: run $(BIN)/ruff format qomon_mcp tests bench" >&2; exit 1; }
	$(BIN)/mypy qomon_mcp
	# The import contracts of pyproject.toml: layers that only look down, an emulator that reads only
	# the spec tables, no import cycle (.import_linter_cache is git-ignored).
	$(BIN)/lint-imports --no-logo >/dev/null || $(BIN)/lint-imports --no-logo --no-cache

# The connect-page screenshot test needs a Chromium (.ci/run installs Debian's); a machine with
# only Python and make runs everything else, and is told what was left out.
CHROMIUM := $(or $(CHROMIUM),$(shell command -v chromium || command -v chromium-browser))
NO_BROWSER := $(if $(CHROMIUM),,-m "not browser")

# One pytest worker per core (pytest-xdist): tests share no port (each binds port 0) and no file.
test: setup lint
	$(if $(CHROMIUM),,echo "make test: no Chromium found, so the browser test is left out (apt-get install chromium)" >&2)
	$(BIN)/python -m pytest -q -n auto $(NO_BROWSER)

test-fast: setup lint
	$(BIN)/python -m pytest -q -n auto -m "not slow"

# The Dockerfile, verified (scripts/image_test.sh): hadolint, then podman builds the image and runs
# `serve --sandbox` in it, and the host checks /healthz, the 401 challenge, one sign-in and
# tools/list. Needs root (it installs podman, runc and mmdebstrap from Debian when missing).
.PHONY: image-test
image-test: setup
	scripts/image_test.sh
