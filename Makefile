# Qiyou: `make run` sets up and starts the server, `make test` sets up and runs every test.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: setup run test lint bench clean

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	@$(PYTHON) -m venv --help >/dev/null 2>&1 || (apt-get update -qq && apt-get install -y -qq python3-venv)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e ".[test]"
	touch $@

run: setup
	$(BIN)/qiyou demo
	$(BIN)/qiyou serve

lint: setup
	$(BIN)/ruff check .

test: setup lint
	$(BIN)/pytest

bench: setup
	$(BIN)/python bench/smtp_ingest.py
	$(BIN)/python bench/push_latency.py

clean:
	rm -rf $(VENV) var
