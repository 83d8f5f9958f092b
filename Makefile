# iotstack: `make template` and `make test` are all a newcomer needs; both create .venv first.
.DEFAULT_GOAL := help
SHELL := /bin/bash

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
# Every install comes from a lock file in requirements/ (docs/pipeline.md): each package pinned with
# its hashes (pip --require-hashes refuses anything else), compiled by `make lock`. A stamp is rebuilt
# whenever its lock, setup.cfg or pyproject.toml is newer than the last install.
READY := $(VENV)/.installed
# The runtime dependencies only (requirements/runtime.txt): what the drift job installs, so that no test
# or dev package runs next to its AWS credentials. `make template` and the rest add the dev lock on top.
RUNTIME := $(VENV)/.runtime

# $(call install_venv,LOCK,WHAT): create .venv if needed, install LOCK (hashes required), then iotstack
# itself from the work tree with --no-deps, --no-build-isolation (the locked setuptools builds it) and
# --no-index: nothing unhashed is fetched.
define install_venv
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "iotstack needs Python 3.11 or newer; set PYTHON=/path/to/python3.11" >&2; exit 2; }
	@echo "Creating $(VENV) with $$($(PYTHON) --version), $(2) (takes a minute, once)"
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@{ $(BIN)/python -m pip install --disable-pip-version-check --require-hashes -r $(1) && \
	   $(BIN)/python -m pip install --disable-pip-version-check --no-deps --no-build-isolation --no-index -e . ; \
	 } > $(VENV)/install.log 2>&1 || \
		{ cat $(VENV)/install.log >&2; echo "pip install failed; the log is $(VENV)/install.log" >&2; exit 1; }
	@touch $@
endef

$(READY): setup.cfg pyproject.toml requirements/dev.txt
	$(call install_venv,requirements/dev.txt,the dev lock)

$(RUNTIME): setup.cfg pyproject.toml requirements/runtime.txt
	$(call install_venv,requirements/runtime.txt,the runtime lock only)

# The package's bytecode, compiled again whenever a module changes: an editable install leaves it to
# the first import, and a shell with PYTHONDONTWRITEBYTECODE set (some CI images and sandboxes do)
# never writes it, so every command would compile all of generator/ again (30-50 ms a run).
BYTECODE := $(VENV)/.bytecode

$(BYTECODE): $(READY) $(shell find generator -name '*.py')
	@$(BIN)/python -m compileall -q generator
	@touch $@

# The security scanners (checkov, cfripper) live in their own venv: their pins clash with ours.
SCAN_VENV := .venv-scan
SCAN_READY := $(SCAN_VENV)/.installed

# Their lock, requirements/scanners.txt, is compiled from scanners/requirements.txt's exact pins.
$(SCAN_READY): requirements/scanners.txt
	@echo "Creating $(SCAN_VENV) for checkov and cfripper (about 30 s, once)"
	@test -x $(SCAN_VENV)/bin/python || $(PYTHON) -m venv $(SCAN_VENV)
	@$(SCAN_VENV)/bin/python -m pip install --disable-pip-version-check --require-hashes -r requirements/scanners.txt \
		> $(SCAN_VENV)/install.log 2>&1 || \
		{ cat $(SCAN_VENV)/install.log >&2; echo "pip install failed; the log is $(SCAN_VENV)/install.log" >&2; exit 1; }
	@touch $@

.PHONY: help
help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

.PHONY: template
template: $(READY) $(BYTECODE) ## Generate, lint and write templates/<env>.json and <env>.md for every environment
	@$(BIN)/iotstack template

.PHONY: test
# The scanners' venv too: tests/test_scan.py runs both scanners over the committed templates.
test: $(READY) $(BYTECODE) $(SCAN_READY) ## Run the test suite (including the security scanners)
	@$(BIN)/python -m pytest

.PHONY: scan
scan: $(READY) $(BYTECODE) $(SCAN_READY) ## Run checkov and cfripper over templates/*.json; fail on any unsuppressed finding
	@$(BIN)/iotstack scan

.PHONY: deploy
deploy: $(READY) $(BYTECODE) ## Deploy templates/<env>.json through a change set (make deploy ENV=dev [ARGS="--no-execute"]), or a fleet to its stack set (make deploy FLEET=plants)
	@test -n "$(ENV)$(FLEET)" -a -z "$(and $(ENV),$(FLEET))" || { echo "usage: make deploy ENV=<environment> or FLEET=<fleet> [ARGS=...]; see iotstack deploy --help" >&2; exit 2; }
	@$(BIN)/iotstack deploy $(if $(ENV),--env $(ENV),--fleet $(FLEET)) $(ARGS)

# make itself exits 2 whenever a recipe fails, so `make drift` cannot tell drift (2) from trouble (1):
# a scheduled job calls .venv/bin/iotstack drift, as .github/workflows/drift.yml does.
.PHONY: drift
drift: $(READY) $(BYTECODE) ## Detect drift of the deployed stack (make drift ENV=prod [ARGS="--format json"]) or of a fleet's sites (make drift FLEET=plants)
	@test -n "$(ENV)$(FLEET)" -a -z "$(and $(ENV),$(FLEET))" || { echo "usage: make drift ENV=<environment> or FLEET=<fleet> [ARGS=...]; see iotstack drift --help" >&2; exit 2; }
	@$(BIN)/iotstack drift $(if $(ENV),--env $(ENV),--fleet $(FLEET)) $(ARGS)

# With the break-glass role's credentials, inside the VPC or through an SSM port forward (ARGS="--host 127.0.0.1 --port N").
.PHONY: database-users
database-users: $(READY) $(BYTECODE) ## Create the IAM database users iot_writer, iot_reader (as the master, psql): make database-users ENV=prod [ARGS=...]
	@test -n "$(ENV)" || { echo "usage: make database-users ENV=<environment> [ARGS=...]; see iotstack database-users --help" >&2; exit 2; }
	@$(BIN)/iotstack database-users --env $(ENV) $(ARGS)

.PHONY: bootstrap
bootstrap: $(READY) $(BYTECODE) ## Create or update the bootstrap stack (artifact bucket) of <env>'s account and region (make bootstrap ENV=prod), or a fleet's, with its administration role (make bootstrap FLEET=plants)
	@test -n "$(ENV)$(FLEET)" -a -z "$(and $(ENV),$(FLEET))" || { echo "usage: make bootstrap ENV=<environment> or FLEET=<fleet> [ARGS=...]; see iotstack bootstrap --help" >&2; exit 2; }
	@$(BIN)/iotstack bootstrap $(if $(ENV),--env $(ENV),--fleet $(FLEET)) $(ARGS)

.PHONY: demo
demo: $(READY) $(BYTECODE) ## On a local AWS emulator: deploy dev, change and redeploy it, destroy it; deploy prod, see the guard refuse; roll a fleet of four plants out
	@$(BIN)/python scripts/demo.py

.PHONY: emulator
emulator: $(READY) $(BYTECODE) ## A local AWS emulator (moto) to deploy to with no AWS account: paste the `export` line it prints in another shell
	@$(BIN)/python -m tests.support.emulator --port $(or $(PORT),4566)

.PHONY: bench
bench: $(READY) $(BYTECODE) ## Time --no-lint, cold/warm `make template`, diff, the forecast and a 100-site fleet's check against their floors; fails on a miss
	@$(BIN)/python scripts/bench.py

.PHONY: style
style: $(READY) $(BYTECODE) ## Check the Python code's style with ruff
	@$(BIN)/ruff check generator tests scripts scanners
	@$(BIN)/ruff format --check generator tests scripts scanners

# The review gate (issue 4). The security scanners run too when their venv exists (`make scan` or
# `make test` creates it); `make scan` then also refreshes it when requirements/scanners.txt changed.
# In CI (CI set) missing scanners are a failure, not a skip. BASE=REF plans against that revision
# (default: the merge base with origin/main or main); ARGS=--skip-plan checks without a plan, on purpose.
# Whatever fails, make itself exits 2: a pipeline that must tell a problem (1) from bad usage (2) runs
# .venv/bin/iotstack check.
# iotstack diff exits 2 (changes) and 3 (a stateful resource at stake) as a plan does, and make then says
# "Error 2"; the plan above it is the answer. A pipeline that reads the code runs .venv/bin/iotstack diff.
.PHONY: diff
diff: $(READY) $(BYTECODE) ## What deploying would change, every environment against the base: make diff [BASE=REF] [ARGS="--format markdown"]
	@$(BIN)/iotstack diff $(if $(BASE),--base $(BASE)) $(ARGS)

.PHONY: cost
cost: $(READY) $(BYTECODE) ## What each environment (and fleet site) costs a month at prices/<region>.json: make cost [ENV=dev] [FLEET=plants] [ARGS="--format markdown"]
	@$(BIN)/iotstack cost $(if $(ENV),--env $(ENV)) $(if $(FLEET),--fleet $(FLEET)) $(ARGS)

.PHONY: check
check: $(READY) $(BYTECODE) ## Review gate: templates current, lint and policy clean, the plan safe: make check [BASE=REF] [ARGS=--skip-plan]
	@$(BIN)/iotstack check $(if $(BASE),--base $(BASE)) $(ARGS)
	@if [ -d $(SCAN_VENV) ]; then $(MAKE) --no-print-directory scan; \
	 elif [ -n "$$CI" ]; then echo "security scanners not installed (make scan installs them): in CI that fails" >&2; exit 1; \
	 else echo "security scanners not installed (make scan installs them): skipped"; fi

# AWS's public price list files, no credentials (docs/cost.md): prices/<region>.json for every Region of the
# environments and fleets, all written or none. Offline, from a copy laid out as AWS serves it: ARGS="--from DIR".
.PHONY: prices
prices: $(READY) $(BYTECODE) ## Refresh prices/<region>.json from AWS's price list files (needs the internet; offline: ARGS="--from DIR"; ARGS="--region R" for one Region)
	@$(BIN)/iotstack prices refresh $(ARGS)

.PHONY: pictures
pictures: ## Draw templates/<env>.md and a change picture into docs/pictures/ (mermaid-cli, Chromium); fail on text under 12 px at 900 px
	@scripts/pictures.sh

.PHONY: venv
venv: $(READY) $(SCAN_READY) ## Create or refresh .venv and .venv-scan (the other targets do it themselves)

.PHONY: runtime
runtime: $(RUNTIME) ## Create .venv with the runtime dependencies only (the drift job: no test or dev package)

# The lock files, compiled for Python 3.11 on Linux by uv (installed from requirements/uv.txt, hashes
# required, into .cache/lock): runtime.txt from setup.cfg, dev.txt from setup.cfg's dev extra (which
# includes test), both with setuptools (requirements/build.in); scanners.txt from scanners/requirements.txt
# (3.11.5: its soupsieve needs it). uv keeps every pin that still fits and resolves only what changed;
# UPGRADE=1 takes the newest versions allowed.
LOCK_VENV := .cache/lock
LOCK_READY := $(LOCK_VENV)/.installed
COMPILE = $(LOCK_VENV)/bin/uv pip compile --quiet --generate-hashes --python-platform linux \
	--custom-compile-command "make lock" $(if $(UPGRADE),--upgrade)

$(LOCK_READY): requirements/uv.txt
	@test -x $(LOCK_VENV)/bin/python || $(PYTHON) -m venv $(LOCK_VENV)
	@$(LOCK_VENV)/bin/python -m pip install --disable-pip-version-check --require-hashes -r requirements/uv.txt \
		> $(LOCK_VENV)/install.log 2>&1 || \
		{ cat $(LOCK_VENV)/install.log >&2; echo "pip install failed; the log is $(LOCK_VENV)/install.log" >&2; exit 1; }
	@touch $@

.PHONY: lock
lock: $(LOCK_READY) ## Compile the hashed lock files requirements/*.txt again (after a pin changes); UPGRADE=1 takes the newest
	@$(COMPILE) --python-version 3.11 -o requirements/runtime.txt setup.cfg requirements/build.in
	@$(COMPILE) --python-version 3.11 --extra dev -o requirements/dev.txt setup.cfg requirements/build.in
	@$(COMPILE) --python-version 3.11.5 -o requirements/scanners.txt scanners/requirements.txt
	@$(COMPILE) --python-version 3.11 -o requirements/uv.txt requirements/uv.in
	@echo "requirements/*.txt compiled: review the diff (git diff requirements/) and commit it"

.PHONY: clean
clean: ## Remove .venv, .venv-scan and caches (templates/ and the measured durations stay)
	rm -rf $(VENV) $(SCAN_VENV) .cache/iotstack/lint .cache/lock .cache/pictures .pytest_cache .ruff_cache *.egg-info
	find generator tests scripts -name __pycache__ -type d -prune -exec rm -rf {} +
