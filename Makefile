# Two commands for a newcomer: `make run` and `make test`. Each creates .venv itself.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: run test test-fast lint browser bench bench-migration bench-tokens bench-legacy-timing load faults clean deploy-tools package offline coldstart

# `make run PORT=5050 HOST=...`: set on make's command line. A HOST or PORT in the shell's
# environment is ignored (zsh has a HOST, many platforms a PORT, meant for something else).
HOST := 127.0.0.1
PORT := 5000

# One package a line as pip goes, without download bars: the first install takes a minute.
$(STAMP): setup.cfg pyproject.toml requirements.txt
	@echo "Installing cognito-proxy and its development tools into $(VENV): about a minute"
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install --progress-bar off --disable-pip-version-check -e '.[dev]'
	touch $@

run: $(STAMP)  ## serve on http://HOST:PORT, 127.0.0.1:5000 unless given (local mode when COGNITO_USER_POOL_ID is unset)
	$(BIN)/flask --app wsgi run --host '$(HOST)' --port '$(PORT)'

lint: $(STAMP)
	$(BIN)/ruff check proxy_app local_cognito tests bench wsgi.py triggers.py
	$(BIN)/ruff format --check proxy_app local_cognito tests bench wsgi.py triggers.py
	$(BIN)/mypy proxy_app local_cognito wsgi.py triggers.py
	$(BIN)/lint-imports --no-cache  # the import contracts in setup.cfg

test: lint  ## ruff, mypy, then the test suite
	$(BIN)/pytest

# The levels that need no browser, no npm and no database server (tests/README.md), four
# files at a time (much of their time is spent waiting on sockets and timeouts), without
# coverage. A test that reaches PostgreSQL or MariaDB is marked db_server, one that needs
# npm's tools npm, one that takes more than a few seconds slow (the 1,000-user import);
# TESTS_WITHOUT_DB_SERVERS fails a test that reaches a database server unmarked.
FAST_LEVELS := tests/unit tests/api tests/emulator tests/cli tests/migration tests/aws_lambda
test-fast: $(STAMP)  ## the suite without browser, npm, database servers, fuzzing or slow tests
	TESTS_WITHOUT_DB_SERVERS=1 $(BIN)/pytest $(FAST_LEVELS) -m "not npm and not db_server and not slow" \
		-n 4 --dist loadfile --no-cov -q

# The browser test (tests/browser/) drives Debian's Chromium; Playwright never
# downloads a browser of its own. Needs root for apt-get (CI and this project's machines).
CHROMIUM := /usr/bin/chromium
browser:  ## install Debian's Chromium for the browser test, when it is missing
	@test -x $(CHROMIUM) || { apt-get update && apt-get install -y chromium; }
	@$(CHROMIUM) --version 2>/dev/null

bench: $(STAMP)  ## sign-in overhead against a bare Flask() app making the same call (over moto, and in process)
	$(BIN)/python bench/overhead.py

load: $(STAMP)  ## 50 users for 60 s, gunicorn + standalone moto; floor: same calls with boto3 directly
	$(BIN)/python bench/load.py $(LOAD_ARGS)

faults: $(STAMP)  ## answer time of each Cognito fault, with the default timeouts
	$(BIN)/python bench/faults.py

bench-migration: $(STAMP)  ## first sign-in through migration vs a normal sign-in, same run
	$(BIN)/python bench/migration.py

bench-tokens: $(STAMP)  ## GET /token/valid against a bare Flask() app plus a bare jwt.decode
	$(BIN)/python bench/tokens.py

bench-legacy-timing: $(STAMP)  ## legacy authenticate(): unknown and locked users vs a known one, same run
	$(BIN)/python bench/legacy_timing.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .coverage *.egg-info
	rm -rf $(OFFLINE_VENV) node_modules .serverless

# --- Deployment (README "Deployment") --------------------------------------------
# The Lambda runtime is Python 3.12: python3.12 on PATH, else the newest pyenv 3.12.
ifndef PYTHON312
PYTHON312 := $(shell python3.12 -c 'import sys; print(sys.executable)' 2>/dev/null || \
	PYENV_VERSION=$$(pyenv versions --bare 2>/dev/null | grep -E '^3\.12(\.[0-9]+)?$$' | tail -1) \
	pyenv which python3.12 2>/dev/null)
endif
export PYTHON312
NODE_STAMP := node_modules/.installed-stamp
OFFLINE_VENV := .venv-offline
OFFLINE_STAMP := $(OFFLINE_VENV)/.installed-stamp
SLS := node node_modules/serverless/bin/serverless.js
EXAMPLE_PARAMS := --param RegionParameter=us-east-1 \
	--param CognitoUserPoolIdParameter=us-east-1_EXAMPLE01 \
	--param CognitoAppClientIdParameter=1example23456789abcdefghij \
	--param CognitoAutoconfirmUserParameter=false

$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

# The handler's interpreter under serverless-offline: Python 3.12 with the runtime deps.
$(OFFLINE_STAMP): requirements.txt
	@test -n "$(PYTHON312)" || { echo "no Python 3.12 found (python3.12 on PATH, or pyenv)" >&2; exit 1; }
	$(PYTHON312) -m venv $(OFFLINE_VENV)
	$(OFFLINE_VENV)/bin/python -m pip install -q -r requirements.txt
	touch $@

deploy-tools: $(NODE_STAMP) $(OFFLINE_STAMP)  ## npm ci + the Python 3.12 venv

package: $(NODE_STAMP)  ## build .serverless/ (zip + CloudFormation) with example parameters, offline
	@test -n "$(PYTHON312)" || { echo "no Python 3.12 found (python3.12 on PATH, or pyenv)" >&2; exit 1; }
	$(SLS) package --stage prod $(EXAMPLE_PARAMS)
	@$(PYTHON) -c "import os, zipfile; z = zipfile.ZipFile('.serverless/cognito-proxy.zip'); \
	print(f'.serverless/cognito-proxy.zip: {os.path.getsize(z.filename) / 2**20:.2f} MiB zipped, ' \
	f'{sum(i.file_size for i in z.infolist()) / 2**20:.2f} MiB unzipped, {len(z.infolist())} files')"

offline: $(STAMP) $(NODE_STAMP) $(OFFLINE_STAMP)  ## serverless-offline on 127.0.0.1:3000 against an embedded moto
	$(BIN)/python deploy/offline.py

coldstart: $(STAMP) $(OFFLINE_STAMP)  ## fresh-process start-up of wsgi.handler vs a bare Flask() app making the same call, on 3.12 (COLDSTART_ARGS="--package ZIP" runs it unzipped)
	$(BIN)/python bench/coldstart.py --python $(OFFLINE_VENV)/bin/python $(COLDSTART_ARGS)
