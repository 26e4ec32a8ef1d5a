"""Every golden case settles to its expected setlinfo (or error code), in-process and via the CLI."""

from __future__ import annotations

import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from yibao.documents.case_document import load_case
from yibao.documents.render import settlement_result
from yibao.domain.errors import SettlementRefused
from yibao.domain.settle import settle

from .conftest import golden_cases

CASES = golden_cases()


def expected_for(case_path: Path) -> dict:
    return json.loads(case_path.with_name(case_path.name.replace(".case.json", ".expected.json")).read_text())


def assert_matches(actual: dict, expected: dict) -> None:
    if "error" in expected:
        assert "error" in actual, f"expected refusal {expected['error']['code']}, got a settlement"
        assert actual["error"]["code"] == expected["error"]["code"]
        return
    assert "setlinfo" in actual, f"expected a settlement, got {actual}"
    for field, value in expected["setlinfo"].items():
        assert Decimal(str(actual["setlinfo"][field])) == Decimal(value), field


def test_there_are_golden_cases():
    assert len(CASES) >= 12


@pytest.mark.parametrize("case_path", CASES, ids=[p.name.removesuffix(".case.json") for p in CASES])
def test_golden_in_process(case_path: Path):
    try:
        actual = settlement_result(settle(load_case(case_path)))
    except SettlementRefused as refusal:
        actual = refusal.as_dict()
    assert_matches(json.loads(json.dumps(actual, default=str)), expected_for(case_path))


@pytest.mark.parametrize("case_path", CASES, ids=[p.name.removesuffix(".case.json") for p in CASES])
def test_golden_through_cli(case_path: Path):
    proc = subprocess.run(
        [sys.executable, "-m", "yibao.cli", "settle", str(case_path)],
        capture_output=True, text=True, timeout=60,
    )
    expected = expected_for(case_path)
    assert proc.returncode == (2 if "error" in expected else 0), proc.stderr
    assert proc.stderr == ""
    assert_matches(json.loads(proc.stdout), expected)
