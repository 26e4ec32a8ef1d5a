"""Enrollment rules (domain/enrollment.py), pure, with exact dates and amounts: when benefits
begin, the transfer's continuity (domain-rules.md §8), the 川渝 pooled-fund amount, the monthly
crediting, coverage of a visit's day, and the policy document's ``enrollment`` block."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from yibao.domain import enrollment as rules

D = dt.date
DEFAULT = rules.DEFAULT_RULES


@pytest.mark.parametrize("kind, enrolled, brdy, begins", [
    ("resident", D(2026, 3, 10), None, D(2026, 6, 10)),  # mid-year: 3 months' waiting
    ("resident", D(2026, 11, 30), None, D(2027, 1, 1)),  # in the enrollment window: next 1 January
    ("resident", D(2026, 8, 31), None, D(2026, 11, 30)),  # the day before the window; 31 → 30 November
    ("student", D(2026, 9, 3), None, D(2026, 9, 3)),  # enrolled at school start: at once
    ("student", D(2026, 4, 3), None, D(2026, 7, 3)),  # otherwise as a resident
    ("newborn", D(2026, 4, 20), D(2026, 2, 1), D(2026, 2, 1)),  # within 90 days of birth: from birth
    ("newborn", D(2026, 6, 1), D(2026, 2, 1), D(2026, 9, 1)),  # 120 days: waits as a resident
    ("employee", D(2026, 3, 10), None, D(2026, 3, 10)),
])
def test_benefits_begin_by_kind_and_date(kind, enrolled, brdy, begins):
    assert rules.benefit_begndate(kind, enrolled, DEFAULT, brdy=brdy) == begins


def test_a_region_sets_its_own_window_waiting_and_employee_wait():
    params = rules.rules_from_document({"enrollment": {"window": {"from": "10-01", "to": "12-20"}, "waiting_months": 1,
                                                       "employee_waiting_months": 1}})
    assert rules.benefit_begndate("resident", D(2026, 12, 21), params) == D(2027, 1, 21)
    assert rules.benefit_begndate("resident", D(2026, 12, 20), params) == D(2027, 1, 1)
    assert rules.benefit_begndate("employee", D(2026, 1, 31), params) == D(2026, 2, 28)


@pytest.mark.parametrize("last_month, begins", [
    ("2026-02", D(2026, 3, 10)),  # paid up to the month before: continuous
    ("2025-11", D(2026, 3, 10)),  # December, January, February unpaid: 3 months, still continuous (§8 ①)
    ("2025-10", D(2026, 9, 10)),  # 4 months: waits 6 months (§8 ③)
    (None, D(2026, 9, 10)),  # never paid
])
def test_a_transfer_keeps_benefits_continuous_after_a_gap_of_three_months_at_most(last_month, begins):
    assert rules.transfer_benefit_begndate(D(2026, 3, 10), last_month, DEFAULT) == begins


def test_the_pooled_fund_moves_only_under_a_regional_rule_in_force():
    params = rules.rules_from_document({"enrollment": {"pooled_fund_transfer_in": [
        {"from_admdvs": "500000", "effective_from": "2025-01-01", "amount_per_year": "200.00", "max_years": 10}]}})
    assert rules.pooled_fund_amount_fen(params, "500155", D(2026, 3, 10), 158) == 10 * 20000  # 13 years, cap 10
    assert rules.pooled_fund_amount_fen(params, "500155", D(2026, 3, 10), 35) == 2 * 20000  # whole years only
    assert rules.pooled_fund_amount_fen(params, "500155", D(2024, 12, 31), 158) == 0  # before it took effect
    assert rules.pooled_fund_amount_fen(params, "510100", D(2026, 3, 10), 158) == 0  # another pair
    assert rules.pooled_fund_amount_fen(DEFAULT, "500000", D(2026, 3, 10), 158) == 0  # the national default


def test_crediting_a_share_of_the_own_contribution_or_a_retirees_fixed_amount():
    params = rules.rules_from_document({"enrollment": {"account_crediting": {
        "share_of_personal_contribution": "0.50", "retiree_monthly": "120.00"}}})
    assert rules.credit_amount_fen(params, "1101", 20001) == ("share", 10001)  # 100.005 yuan rounds half up
    assert rules.credit_amount_fen(params, "1101", None) == ("share", 0)
    assert rules.credit_amount_fen(params, "1201", None) == ("retiree", 12000)
    assert rules.credit_amount_fen(params, "1300", 5000) == ("retiree", 12000)
    assert rules.credit_amount_fen(DEFAULT, "1101", 20000) == ("share", 0)  # no block: nothing credited
    assert params.credit_share == Decimal("0.50")


def test_a_visit_is_covered_between_benefit_begndate_and_insu_enddate():
    insurance = {"benefit_begndate": D(2026, 6, 10), "insu_enddate": D(2026, 12, 31)}
    assert rules.uncovered_code(insurance, D(2026, 6, 9)) == ("ENROLL_WAITING_PERIOD", {"day": D(2026, 6, 9),
                                                                                        "begins": D(2026, 6, 10)})
    assert rules.uncovered_code(insurance, D(2026, 6, 10)) is None
    assert rules.uncovered_code(insurance, D(2026, 12, 31)) is None
    assert rules.uncovered_code(insurance, D(2027, 1, 1))[0] == "ENROLL_INSURANCE_ENDED"
    assert rules.uncovered_code({"psn_no": "imported"}, D(1990, 1, 1)) is None  # no dates: as before
    assert rules.uncovered_code({"benefit_begndate": None, "insu_enddate": None}, D(1990, 1, 1)) is None


@pytest.mark.parametrize("block, path", [
    ({"waiting_months": -1}, "enrollment.waiting_months"),
    ({"waiting_months": True}, "enrollment.waiting_months"),
    ({"transfer_waiting_months": 7}, "enrollment.transfer_waiting_months"),  # §8 ③: at most 6
    ({"window": {"from": "02-30", "to": "12-31"}}, "enrollment.window.from"),
    ({"account_crediting": {"retiree_monthly": "1.005"}}, "enrollment.account_crediting.retiree_monthly"),
    ({"pooled_fund_transfer_in": [{"from_admdvs": "500000", "effective_from": "soon", "amount_per_year": "1"}]},
     "enrollment.pooled_fund_transfer_in[0].effective_from"),
])
def test_a_bad_parameter_is_named_by_its_path(block, path):
    with pytest.raises(rules.RuleError) as bad:
        rules.rules_from_document({"enrollment": block})
    assert bad.value.path == path


def test_months_and_contribution_years():
    assert rules.months_between("2025-11", "2026-03") == 4
    assert rules.contribution_years(158) == (13, 2)
    assert rules.add_months(D(2026, 1, 31), 1) == D(2026, 2, 28)
    assert rules.add_months(D(2027, 11, 30), 3) == D(2028, 2, 29)
