# yibao: the two commands of the README, and a few more.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: setup run test bench clean

setup: $(BIN)/.installed

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	touch $@

## Settle two demonstration cases: the result JSON of one, the explanation of another.
run: setup
	$(BIN)/yibao settle tests/golden/ex3b_referral_cross_province.case.json
	$(BIN)/yibao settle tests/golden/ex5_civil_servant_large_expense.case.json --explain

## All tests (unit, properties, golden cases, CLI).
test: setup
	$(BIN)/python -m pytest -q

bench: setup
	$(BIN)/python bench/settle_bench.py

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
