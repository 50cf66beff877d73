# Two commands for a newcomer: `make run` and `make test`. Each creates .venv itself.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: run test lint bench bench-tokens clean

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

bench-tokens: $(STAMP)  ## token verification cost against a bare route plus a bare jwt.decode
	$(BIN)/python bench/tokens.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .coverage *.egg-info
