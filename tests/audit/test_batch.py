"""The post-event batch on DuckDB against the Python path, on generated data covering every
rule type; Parquet input; claim-data errors."""

from __future__ import annotations

from collections import Counter

import pytest

from yibao.analytics.audit_batch import BatchError, run_batch_audit, write_claims_parquet
from yibao.domain.audit import RULE_TYPES, audit_claims, claims_from_rows, flat_rows

from .builders import claim, line, package
from .generate import generated_claims, generated_package


@pytest.fixture(scope="module")
def population():
    claims, deaths = generated_claims()
    return claims, [row for visit in claims for row in flat_rows(visit)], deaths, generated_package()


@pytest.fixture(scope="module")
def python_findings(population):
    claims, _, deaths, rules = population
    return audit_claims(claims, rules, "事后", deaths)


def test_generated_data_has_violations_of_every_rule_type(population, python_findings):
    _, rows, _, _ = population
    assert 300 <= len(rows) <= 1000
    counts = Counter(item.rule_type for item in python_findings)
    assert set(counts) == set(RULE_TYPES), counts


def test_duckdb_batch_equals_the_python_path(population, python_findings):
    _, rows, deaths, rules = population
    steps = []
    found = run_batch_audit("duckdb", rows, rules, deaths, progress=steps.append)
    assert found == python_findings
    assert [step.step for step in steps] == ["prepare"] + [rule.rule_id for rule in rules.rules]
    assert sum(step.findings for step in steps) == len(found)


def test_parquet_input_and_deaths_file(population, python_findings, tmp_path):
    _, rows, deaths, rules = population
    write_claims_parquet(rows, tmp_path / "claims.parquet")
    deaths_file = tmp_path / "deaths.csv"
    deaths_file.write_text("certno,die_date\n" + "".join(f"{c},{d.isoformat()}\n" for c, d in deaths.items()))
    assert run_batch_audit("duckdb", str(tmp_path / "*.parquet"), rules, deaths_file) == python_findings


def test_flat_rows_round_trip(population):
    claims, rows, _, _ = population
    back = claims_from_rows(rows)
    assert [row for visit in back for row in flat_rows(visit)] == rows
    assert [visit.lines for visit in back] == [visit.lines for visit in claims]


def test_only_the_stage_rules_run():
    rules = package()
    pre_only = type(rules)(**{**rules.__dict__, "rules": tuple(
        type(rule)(**{**rule.__dict__, "stages": ("事前",)}) for rule in rules.rules)})
    duplicate = claim(line("X001", "1"), line("X001", "2"))
    assert run_batch_audit("duckdb", flat_rows(duplicate), rules) != []
    assert run_batch_audit("duckdb", flat_rows(duplicate), pre_only) == []


def test_bad_claim_rows_name_row_and_column(tmp_path):
    rows = flat_rows(claim(line("X001", "1"), line("X002", "2")))
    rows[1]["fee_date"] = "2024-13-01"
    with pytest.raises(BatchError, match=r"claims: row 2, column fee_date"):
        run_batch_audit("duckdb", rows, package())
    del rows[0]["hilist_code"]
    with pytest.raises(BatchError, match=r"claims: row 1, column hilist_code: required"):
        run_batch_audit("duckdb", rows, package())
    write_claims_parquet(flat_rows(claim(line("X001"))), tmp_path / "c.parquet")
    import duckdb

    duckdb.sql(f"COPY (SELECT * EXCLUDE (certno) FROM '{tmp_path / 'c.parquet'}') TO '{tmp_path / 'd.parquet'}'")
    with pytest.raises(BatchError, match="missing column.*certno"):
        run_batch_audit("duckdb", tmp_path / "d.parquet", package())
