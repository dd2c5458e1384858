# Developer tasks; CI runs `make check` through .ci/run.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: install test lint typecheck check bench-quick clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

install: $(BIN)/python
	$(BIN)/pip install -q -e '.[dev,browser,cluster]'

lint:
	$(BIN)/ruff check searchsvc tests $(wildcard bench)
	$(BIN)/ruff format --check searchsvc tests $(wildcard bench)

typecheck:
	$(BIN)/mypy searchsvc

test:
	$(BIN)/pytest -q

check: lint typecheck test

bench-quick:
	$(BIN)/python -m bench --quick

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .mypy_cache .ruff_cache
