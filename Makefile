# The two commands of the README: `make run` and `make test`. Both install into .venv first:
# `make run` only what running needs, `make test` (and `make install`, lint, bench) the test tools too.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
RUN_STAMP := $(VENV)/.installed-run
HOST   ?= 127.0.0.1
PORT   ?= 8000
AI_PORT ?= 8001

.PHONY: install install-run run test test-fast lint format bench system-deps clean

$(BIN)/python:
	@$(PYTHON) -c 'import sys; assert (3, 11) <= sys.version_info[:2] < (3, 13), "Python 3.11 or 3.12 is needed (found %s); set PYTHON=python3.11" % sys.version.split()[0]'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip wheel setuptools

# Reinstall whenever the dependency list or the install script changes.
$(STAMP): $(BIN)/python pyproject.toml scripts/install.sh
	VENV=$(VENV) bash scripts/install.sh
	@touch $(STAMP)

install: $(STAMP)

# Runtime dependencies only (no test tools); a full install serves as well.
$(RUN_STAMP): $(BIN)/python pyproject.toml scripts/install.sh
	VENV=$(VENV) EXTRAS= bash scripts/install.sh
	@touch $(RUN_STAMP)

install-run: $(if $(wildcard $(STAMP)),$(STAMP),$(RUN_STAMP))

run: install-run
	$(BIN)/interview-jobs db upgrade
	$(BIN)/interview-jobs up --host $(HOST) --port $(PORT) --ai-port $(AI_PORT)

# System packages the test suite uses (espeak-ng for generated speech, chromium for the browser
# tests, wrk for benchmarks); installed with apt when we may, otherwise listed.
system-deps:
	@bash scripts/system-deps.sh

test: install system-deps
	$(BIN)/python -m pytest $(PYTEST_ARGS)

test-fast: install
	$(BIN)/python -m pytest -m "not slow" $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports

format: install
	$(BIN)/ruff format src tests bench
	$(BIN)/ruff check --fix src tests bench

bench: install system-deps
	@for script in bench/*.py; do echo "== $$script"; $(BIN)/python $$script || exit 1; done

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache build src/*.egg-info
