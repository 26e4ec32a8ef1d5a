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

## Settle the golden demonstration cases and explain one of them.
run: setup
	@for case in tests/golden/*.case.json; do \
	  printf '%-48s ' "$$(basename $$case .case.json)"; \
	  $(BIN)/yibao settle $$case | $(BIN)/python -c 'import json,sys; d=json.load(sys.stdin); s=d.get("setlinfo"); print(d["error"]["code"] if "error" in d else f"medfee {s[\"medfee_sumamt\"]}  funds {s[\"fund_pay_sumamt\"]}  person {s[\"psn_part_amt\"]}")'; \
	done
	$(BIN)/yibao settle tests/golden/ex5_civil_servant_large_expense.case.json --explain

## All tests (unit, properties, golden cases, CLI).
test: setup
	$(BIN)/python -m pytest -q

bench: setup
	$(BIN)/python bench/settle_bench.py

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
