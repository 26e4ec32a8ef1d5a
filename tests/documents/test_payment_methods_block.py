"""The ``payment_methods`` block of a policy document: defaults, values and refusals by path."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from yibao.documents.payment_methods_document import parse_payment_methods
from yibao.documents.policy_document import parse_policy
from yibao.domain.budget import DEFAULT_RULES
from yibao.domain.errors import SettlementRefused

POLICY = Path(__file__).resolve().parents[2] / "policies" / "440300-310-2024.json"


def test_absent_fields_take_the_documented_defaults():
    assert parse_payment_methods(None) == DEFAULT_RULES
    rules = parse_payment_methods({"total_budget": {"quality_deposit_share": 0.1},
                                   "dip": {"core_case_threshold": 5, "level_coefficients": {"1": "0.85"}}})
    assert rules.total_budget.quality_deposit_share == Decimal("0.1")
    assert rules.total_budget.savings_kept_share == Decimal("0.5")
    assert (rules.dip.core_case_threshold, rules.dip.level_coefficients) == (5, {"1": Decimal("0.85")})


@pytest.mark.parametrize("block, path", [
    ({"total_budget": {"quality_deposit_share": "1.5"}}, "payment_methods.total_budget.quality_deposit_share"),
    ({"dip": {"core_case_threshold": 0}}, "payment_methods.dip.core_case_threshold"),
    ({"total_budget": {"deposit_zero_score": 95}}, "payment_methods.total_budget.deposit_zero_score"),
    ({"dip": {"low_cost_factor": "3"}}, "payment_methods.dip.low_cost_factor"),
])
def test_bad_values_are_refused_with_their_path(block, path):
    with pytest.raises(SettlementRefused) as caught:
        parse_payment_methods(block)
    assert path in str(caught.value)


def test_a_policy_document_accepts_the_block_and_refuses_a_bad_one():
    document = json.loads(POLICY.read_text(encoding="utf-8"))
    parse_policy(dict(document, payment_methods={"dip": {"high_cost_factor": "2.5"}}))
    with pytest.raises(SettlementRefused):
        parse_policy(dict(document, payment_methods={"total_budget": {"advance_share": "-1"}}))
