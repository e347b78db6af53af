# Two commands do all the set-up: `make run` (local stack with a seeded demo)
# and `make test` (every check). Each creates .venv and installs what it needs,
# exactly as locked: requirements-dev.txt (the dev environment) and
# shared/requirements.txt (the Lambda layer, read by `sam build`), both with hashes.
# Daily work: `make fmt`, `make unit`; `make lock` after changing pyproject.toml; `make openapi`
# after changing a route.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
PORT ?= 3000
DEV_LOCK := requirements-dev.txt
LAYER_LOCK := shared/requirements.txt
# `make lock UPGRADE=--upgrade` moves every pin to the newest release pyproject.toml allows;
# without it, pins already in the locks are kept.
UPGRADE ?=

.PHONY: run test lint fmt unit bench lock lock-tools openapi holidays clean console console-test screenshots \
	sam-build sam-translate build-check chromium

# Tools whose pins clash with the project's (and each other's) get an environment each,
# .venv-<tool> from requirements-<tool>.txt (hashes; the lock is complete, so --no-deps, then
# pip check): the AWS SAM CLI and checkov.
TOOLS := sam checkov
SAM := .venv-sam/bin/sam
CHECKOV := .venv-checkov/bin/checkov
# The region sam validate names; nothing is asked of AWS (no account, no credentials).
SAM_REGION ?= eu-west-3

# The owner console (console/: Preact, Vite, TypeScript): `npm ci` from its lock, then a build that
# make redoes only when a source, the lock or the API's spec changed.
CONSOLE_MODULES := console/node_modules/.package-lock.json
CONSOLE_BUILD := console/dist/index.html
CONSOLE_SOURCES := $(shell find console/src console/public -type f 2>/dev/null) console/index.html \
	console/vite.config.ts console/tsconfig.json openapi.json

$(STAMP): pyproject.toml $(DEV_LOCK) $(LAYER_LOCK)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --require-hashes -r $(DEV_LOCK)
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $@

.venv-%/.installed-stamp: requirements-%.txt
	test -x .venv-$*/bin/python || $(PYTHON) -m venv .venv-$*
	.venv-$*/bin/python -m pip install --quiet --disable-pip-version-check --no-deps --require-hashes -r $<
	.venv-$*/bin/python -m pip check
	touch $@

$(CONSOLE_MODULES): console/package.json console/package-lock.json
	cd console && npm ci --no-audit --no-fund --loglevel=error
	touch $@

$(CONSOLE_BUILD): $(CONSOLE_MODULES) $(CONSOLE_SOURCES)
	cd console && npm run --silent build

console: $(CONSOLE_BUILD)

# The console's own checks: format, types, the generated API types against openapi.json, component tests.
console-test: $(CONSOLE_MODULES)
	cd console && npx prettier --check . --log-level warn && npx tsc --noEmit && npx vitest run

run: $(STAMP) $(CONSOLE_BUILD)
	PORT=$(PORT) exec $(BIN)/python -m devstack

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/cfn-lint template.yaml

fmt: $(STAMP) $(CONSOLE_MODULES)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .
	cd console && npx prettier --write . --log-level warn

# The fast tests (about a minute): unit, handler (moto in-process) and event-shape tests; no local stack, no browser.
unit: $(STAMP)
	$(BIN)/python -m pytest tests/unit tests/handlers tests/test_event_shapes.py -m "not e2e and not browser"

# What `sam deploy` would upload, built as Lambda runs it (python3.13, arm64) without Docker:
# the layer by shared/Makefile, the functions by functions/Makefile (samconfig: cached, parallel).
sam-build: .venv-sam/.installed-stamp
	SAM_CLI_TELEMETRY=0 $(SAM) build

# template.yaml as SAM transforms it for CloudFormation (the roles and policies it adds), read by
# tests/test_template_iam_translated.py; offline, with the translator of the SAM CLI.
sam-translate: .venv-sam/.installed-stamp
	mkdir -p .aws-sam
	.venv-sam/bin/python scripts/sam_translate.py template.yaml > .aws-sam/translated.json.tmp
	mv .aws-sam/translated.json.tmp .aws-sam/translated.json

# sam build, sam validate --lint and checkov on template.yaml (offline: --skip-download; each
# skip is in its resource's Metadata, with its reason); tests/test_sam_build.py (in `make
# test`) checks what was built.
build-check: sam-build .venv-checkov/.installed-stamp
	SAM_CLI_TELEMETRY=0 $(SAM) validate --lint --region $(SAM_REGION)
	$(CHECKOV) --quiet --compact --skip-download --framework cloudformation --file template.yaml

# The checks before pytest are independent (each its own environment, installs included): make runs
# them side by side, each one's output kept together. Then pytest on every core (pytest-xdist): a
# module's tests, its moto and its local stacks stay on one worker (--dist loadfile).
test:
	$(MAKE) --no-print-directory -j 4 --output-sync=target lint build-check console-test console chromium
	HYPOTHESIS_PROFILE=ci $(BIN)/python -m pytest -n auto --dist loadfile

chromium:
	bash scripts/ensure-chromium.sh

# The README's screenshots of the console, taken by its browser tests (tests/browser/test_console.py, test_account_security.py).
screenshots: $(STAMP) $(CONSOLE_BUILD) chromium
	SCREENSHOTS_DIR=docs/screenshots $(BIN)/python -m pytest tests/browser/test_console.py tests/browser/test_account_security.py -q

bench: $(STAMP)
	$(BIN)/python -m bench

# shared/vault_share/invitations/public_holidays.py from the `holidays` package (after a lock that
# moves it: tests/unit/test_schedule.py fails while the table, or the version it names, differs).
holidays: $(STAMP)
	$(BIN)/python -m scripts.public_holidays

# openapi.json from the functions' resolvers and route decorators (tests/test_openapi.py fails when it is stale),
# then the console's API types from it (console/tests/schema-drift.test.ts fails when they are stale).
openapi: $(STAMP) $(CONSOLE_MODULES)
	$(BIN)/python -m scripts.openapi
	cd console && npm run --silent types

# The dev lock is universal (any OS, Python >= 3.11); the layer lock is for Lambda (python3.13,
# arm64) and takes its versions from the dev lock, so that what is tested is what is shipped.
lock: $(STAMP)
	$(BIN)/uv pip compile --quiet pyproject.toml --extra dev --universal --python-version 3.11 \
		--generate-hashes $(UPGRADE) -o $(DEV_LOCK)
	$(BIN)/uv pip compile --quiet pyproject.toml --python-version 3.13 --python-platform aarch64-manylinux_2_28 \
		--only-binary :all: --generate-hashes -c $(DEV_LOCK) -o $(LAYER_LOCK)

# The tool environments' locks (requirements-<tool>.in -> .txt), as the dev lock is made.
lock-tools: $(STAMP)
	for tool in $(TOOLS); do \
		$(BIN)/uv pip compile --quiet requirements-$$tool.in --universal --python-version 3.11 \
			--generate-hashes $(UPGRADE) -o requirements-$$tool.txt || exit 1; \
	done

clean:
	rm -rf $(VENV) $(TOOLS:%=.venv-%) .aws-sam build .pytest_cache .mypy_cache .ruff_cache console/node_modules console/dist
