# Guichet: the two commands of the README are `make demo` and `make test`.
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
PYTHON ?= python3
export GUICHET_DATA_DIR ?= $(CURDIR)/data

.PHONY: install demo serve migrate test lint typecheck pytest test-slow bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

## demo: create .venv, install, migrate, seed the demo organization, serve on 127.0.0.1:8000
demo: install
	GUICHET_DEV=1 $(VENV)/bin/guichet demo
	GUICHET_DEV=1 $(VENV)/bin/guichet serve --host 127.0.0.1 --port 8000

serve: install
	GUICHET_DEV=1 $(VENV)/bin/guichet serve

migrate: install
	GUICHET_DEV=1 $(VENV)/bin/guichet migrate

## test: lint, type-check and run the test suite (PostgreSQL too when GUICHET_TEST_POSTGRES_URL is set)
test: install lint typecheck pytest

lint:
	$(VENV)/bin/ruff check src tests $(wildcard bench)
	$(VENV)/bin/ruff format --check src tests $(wildcard bench)

typecheck:
	$(VENV)/bin/mypy

pytest:
	$(VENV)/bin/pytest -m "not slow" -n 2

## test-slow: long property runs and end-to-end checks (CI runs it too)
test-slow: install
	$(VENV)/bin/pytest -m slow; status=$$?; [ $$status -eq 0 ] || [ $$status -eq 5 ]

bench: install
	$(PY) bench/routing.py --json
	$(PY) bench/simulate.py --json

clean:
	rm -rf $(VENV) data .mypy_cache .pytest_cache .ruff_cache .hypothesis
