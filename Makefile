# iotstack: `make template` and `make test` are all a newcomer needs; both create .venv first.
.DEFAULT_GOAL := help
SHELL := /bin/bash

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
# Rebuilt whenever setup.cfg or pyproject.toml is newer than the last install.
READY := $(VENV)/.installed

$(READY): setup.cfg pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "iotstack needs Python 3.11 or newer; set PYTHON=/path/to/python3.11" >&2; exit 2; }
	@echo "Creating $(VENV) with $$($(PYTHON) --version) (takes a minute, once)"
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install --disable-pip-version-check -e '.[dev]' > $(VENV)/install.log 2>&1 || \
		{ cat $(VENV)/install.log >&2; echo "pip install failed; the log is $(VENV)/install.log" >&2; exit 1; }
	@touch $@

.PHONY: help
help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

.PHONY: template
template: $(READY) ## Generate, lint and write templates/<env>.json for every environment
	@$(BIN)/iotstack template

.PHONY: test
test: $(READY) ## Run the test suite
	@$(BIN)/python -m pytest

.PHONY: bench
bench: $(READY) ## Time generation, cold and warm `make template`, and a bare cfn-lint run
	@$(BIN)/python scripts/bench.py

.PHONY: lint
lint: $(READY) ## Check the Python code with ruff
	@$(BIN)/ruff check generator tests scripts
	@$(BIN)/ruff format --check generator tests scripts

.PHONY: venv
venv: $(READY) ## Create or refresh .venv (the other targets do it themselves)

.PHONY: clean
clean: ## Remove .venv and caches (templates/ stays: it is committed)
	rm -rf $(VENV) .cache .pytest_cache .ruff_cache *.egg-info
