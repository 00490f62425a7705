# fcr: every target creates the environment (.venv) first when it is missing or out of date.
# Only Python 3.11 is needed on the machine.
SHELL := /bin/bash
.SHELLFLAGS := -o pipefail -c
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PIP := $(BIN)/python -m pip --disable-pip-version-check -q
# Quiet the find-links/extra-index warnings some machines' pip configuration prints.
QUIET := 2>&1 | sed '/is ignored: it is neither a file nor a directory/d'

.PHONY: install test test-slow demo docs docs-check readme export clean help

help:
	@echo "make install   create .venv: torch==2.13.0 (CPU wheel) first, then fcr-sc with dev extras"
	@echo "make test      run every test: notebooks, tests/, export/clean/README sync, docs build"
	@echo "make test-slow the same, with cells flagged slow"
	@echo "make demo      simulate data, train FCR and a plain VAE, write a report (fcr demo)"
	@echo "make docs      build the documentation site into _docs/"
	@echo "make docs-check build the site, serve it on localhost, open it in headless Chromium (installs Debian's chromium if missing)"
	@echo "make readme    regenerate README.md from nbs/index.ipynb"
	@echo "make export    nbdev_export + nbdev_clean + README, after editing notebooks"
	@echo "make clean     remove build outputs (not .venv)"

$(STAMP): settings.ini setup.py
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(PIP) install --upgrade pip setuptools wheel $(QUIET)
	$(PIP) install torch==2.13.0 $(QUIET)
	$(PIP) install -e ".[dev]" $(QUIET)
	@$(BIN)/python -c "import torch, fcr; print('fcr', fcr.__version__, '| torch', torch.__version__)"
	@touch $(STAMP)

install: $(STAMP)

test: $(STAMP)
	MPLBACKEND=Agg $(BIN)/python -m pytest

test-slow: $(STAMP)
	MPLBACKEND=Agg FCR_TEST_FLAGS=slow $(BIN)/python -m pytest

demo: $(STAMP)
	MPLBACKEND=Agg $(BIN)/fcr demo --out fcr_demo --force

docs: $(STAMP)
	$(BIN)/python tools/build_docs.py --check

docs-check: $(STAMP)
	@command -v chromium >/dev/null || { apt-get update -qq && apt-get install -y -qq chromium; }
	MPLBACKEND=Agg FCR_TEST_FLAGS=slow FCR_SCREENSHOT_DIR=_docs_screenshots $(BIN)/python -m pytest tests/test_browser.py

readme: $(STAMP)
	$(BIN)/python tools/make_readme.py

export: $(STAMP)
	$(BIN)/nbdev_export
	$(BIN)/nbdev_clean
	$(BIN)/python tools/make_readme.py

clean:
	rm -rf _docs _proc .pytest_cache build dist *.egg-info fcr_demo
	find . -name __pycache__ -not -path "./$(VENV)/*" -prune -exec rm -rf {} +
