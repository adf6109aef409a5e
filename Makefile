# The two commands a new user needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8501

.PHONY: run test install install-dev clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# torch is pinned in pyproject.toml (2.13.0, CPU): an unpinned torch pulls a multi-GB CUDA build.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@ $(VENV)/.installed

# axe-core (accessibility rules) for the browser test, from npm; the browser is Debian's chromium.
AXE := $(VENV)/axe/node_modules/axe-core/axe.min.js
$(AXE): | $(BIN)/python
	npm install --silent --no-audit --no-fund --prefix $(VENV)/axe axe-core@4

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev $(AXE)

run: install
	$(BIN)/assistant ingest corpus --if-empty
	$(BIN)/assistant serve --host $(HOST) --port $(PORT)

test: install-dev
	$(BIN)/python -m pytest

clean:
	rm -rf $(VENV) data .pytest_cache .test-cache
