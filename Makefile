# Two commands for a newcomer: `make run` and `make test`. Each creates .venv itself.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: run test lint bench load faults clean

$(STAMP): setup.cfg pyproject.toml requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $@

run: $(STAMP)  ## serve on 127.0.0.1:5000 (local mode when COGNITO_USER_POOL_ID is unset)
	$(BIN)/flask --app wsgi run --host 127.0.0.1 --port 5000

lint: $(STAMP)
	$(BIN)/ruff check proxy_app tests bench wsgi.py
	$(BIN)/mypy proxy_app wsgi.py

test: lint  ## ruff, mypy, then the test suite
	$(BIN)/pytest

bench: $(STAMP)  ## proxy overhead against direct boto3 calls
	$(BIN)/python bench/overhead.py

load: $(STAMP)  ## 50 users for 60 s against gunicorn + a standalone moto (a benchmark, not CI)
	$(BIN)/python bench/load.py $(LOAD_ARGS)

faults: $(STAMP)  ## answer time of each Cognito fault, with the default timeouts
	$(BIN)/python bench/faults.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .coverage *.egg-info
