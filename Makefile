# yibao: the two commands of the README, and a few more.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
DB ?= sqlite:///./yibao.db
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: setup run demo serve his test test-fast test-no-server test-pythons bench races fuzz clean

setup: $(BIN)/.installed

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test,spark]'
	touch $@

## Set up, load the demo world once (SQLite), serve the gateway and print its address.
run: setup
	@if [ ! -f yibao-demo-data/institutions.csv ]; then $(BIN)/yibao demo --db $(DB); fi
	$(BIN)/yibao db upgrade --db $(DB)
	$(BIN)/yibao serve --db $(DB) --host $(HOST) --port $(PORT)

demo: setup
	$(BIN)/yibao demo --db $(DB)

## Walk 100 visits through a running gateway (make run in another terminal).
his: setup
	$(BIN)/yibao his --visits 100 --url http://$(HOST):$(PORT)

## All tests (unit, properties, golden cases, CLI, gateway on SQLite and PostgreSQL).
test: setup
	$(BIN)/python -m pytest -q

## Everything but the end-to-end tests against a real gateway server (marked "server"):
## use cases, repositories and the dispatcher on SQLite and PostgreSQL.
test-no-server: setup
	$(BIN)/python -m pytest -q -m "not server"

## The tests that start no server, cluster or browser: engine, documents, golden cases,
## audit rules (DuckDB), the demo world generator. About a minute on 2 cores.
test-fast: setup
	$(BIN)/python -m pytest -q tests/unit tests/domain tests/documents tests/test_golden.py tests/audit tests/sim \
		--ignore=tests/audit/test_spark.py

## The unit and domain tests on every Python 3.11+ the machine has (pyenv's versions and
## python3.1x on PATH), each in a throwaway venv under $${TMPDIR:-/tmp}/yibao-pythons.
test-pythons:
	bench/test_pythons.sh

bench: setup
	$(BIN)/python bench/settle_bench.py
	$(BIN)/python bench/clearing_bench.py
	$(BIN)/python bench/audit_bench.py
	$(BIN)/python bench/gateway_bench.py
	$(BIN)/python bench/visit_cost.py

## The integrity issue's full counts: every race 40 times against a 3-worker server on
## PostgreSQL and SQLite (CI runs 10), and 12,000 fuzzed envelopes on both backends.
races: setup
	YIBAO_RACE_TRIES=40 $(BIN)/python -m pytest -q -s -m races tests/platform/test_races.py tests/platform/test_races_records.py

fuzz: setup
	$(BIN)/python bench/fuzz_envelopes.py --envelopes 12000
	YIBAO_FUZZ_ADMIN_EXAMPLES=50 $(BIN)/python -m pytest -q tests/platform/test_hostile.py -k admin_api

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
