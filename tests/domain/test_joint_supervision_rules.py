"""The pure rules of joint supervision and credit (domain/joint_supervision.py)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given, strategies as st

from yibao.domain import joint_supervision as rules

D = dt.date


def test_a_check_request_goes_request_assign_result_conclude_each_once():
    steps: list[str] = []
    for step, status in (("request", "requested"), ("assign", "assigned"), ("result", "answered"),
                         ("conclude", "concluded")):
        rules.next_check_step(steps, step)
        steps.append(step)
        assert rules.check_status(steps) == status
    with pytest.raises(rules.RuleBroken) as broken:
        rules.next_check_step(steps, "conclude")
    assert broken.value.code == "JOINT_CHECK_TRANSITION" and broken.value.params["status"] == "concluded"


@pytest.mark.parametrize("done, step", [([], "assign"), (["request"], "result"), (["request"], "conclude"),
                                        (["request", "assign"], "assign")])
def test_a_step_out_of_order_is_refused(done, step):
    with pytest.raises(rules.RuleBroken) as broken:
        rules.next_check_step(done, step)
    assert broken.value.code == "JOINT_CHECK_TRANSITION"


def test_an_unknown_step_is_refused_with_its_own_code():
    with pytest.raises(rules.RuleBroken) as broken:
        rules.next_check_step(["request"], "approve")
    assert broken.value.code == "JOINT_BAD_STEP"


def test_an_inspection_is_planned_started_and_closed_once():
    assert rules.next_inspection_step(None, "plan") == "planned"
    assert rules.next_inspection_step("planned", "start") == "in_progress"
    assert rules.next_inspection_step("in_progress", "close") == "closed"
    for status, step in (("planned", "close"), ("closed", "start"), ("in_progress", "plan")):
        with pytest.raises(rules.RuleBroken):
            rules.next_inspection_step(status, step)


def test_the_latest_availability_record_covering_the_day_decides():
    records = [rules.Availability(D(2026, 1, 1), None, True), rules.Availability(D(2026, 12, 10), D(2026, 12, 20), False)]
    assert rules.available_on([], D(2026, 12, 15))
    assert rules.available_on(records, D(2026, 12, 9))
    assert not rules.available_on(records, D(2026, 12, 10)) and not rules.available_on(records, D(2026, 12, 20))
    assert rules.available_on(records, D(2026, 12, 21))
    back = records + [rules.Availability(D(2026, 12, 15), D(2026, 12, 15), True)]
    assert rules.available_on(back, D(2026, 12, 15)) and not rules.available_on(back, D(2026, 12, 16))


def test_an_assignment_is_refused_when_unavailable_or_judging_the_employer():
    rules.check_assignment(target="inspection", available=True, employer_code="H1", inspected_code="H2")
    for kwargs, code in ((dict(target="inspection", available=False, employer_code=None, inspected_code="H2"),
                          "JOINT_EXPERT_UNAVAILABLE"),
                         (dict(target="case", available=True, employer_code="H2", inspected_code="H2"),
                          "JOINT_EXPERT_CONFLICT"),
                         (dict(target="party", available=True, employer_code=None, inspected_code=None),
                          "JOINT_BAD_TARGET")):
        with pytest.raises(rules.RuleBroken) as broken:
            rules.check_assignment(**kwargs)
        assert broken.value.code == code


def test_levels_and_restrictions_follow_the_score():
    policy = rules.CreditPolicy(strict_audit_below=75, no_direct_below=60)
    assert [rules.credit_level(s) for s in (100, 90, 89, 75, 74, 60, 59, -40)] == ["A", "A", "B", "B", "C", "C", "D", "D"]
    assert [rules.restriction(policy, s) for s in (80, 75, 74, 60, 59)] == [None, None, "strict_audit", "strict_audit",
                                                                            "no_direct"]


def test_a_case_costs_its_points_plus_more_per_full_ten_thousand_yuan():
    policy = rules.CreditPolicy(points_per_case=-20, points_per_10k_yuan=-5)
    assert rules.case_points(policy, 0) == -20
    assert rules.case_points(policy, 999_999) == -20  # 9 999.99 yuan
    assert rules.case_points(policy, 2_500_000) == -30  # 25 000 yuan: two full 10 000


def test_the_report_reward_is_a_share_with_a_floor_and_a_cap():
    policy = rules.CreditPolicy(reward_share=Decimal("0.05"), reward_floor_fen=20_000, reward_cap_fen=10_000_000)
    assert rules.report_reward_fen(policy, 0) == 0
    assert rules.report_reward_fen(policy, 100_000) == 20_000  # 5% of 1 000 yuan is 50: the 200 yuan floor
    assert rules.report_reward_fen(policy, 12_345_678) == 617_284  # 5% of 123 456.78 = 6 172.839 → 6 172.84
    assert rules.report_reward_fen(policy, 10 ** 10) == 10_000_000  # the cap


@given(st.integers(min_value=1, max_value=10 ** 12))
def test_a_reward_stays_between_floor_and_cap(recovered):
    policy = rules.DEFAULT_POLICY
    assert policy.reward_floor_fen <= rules.report_reward_fen(policy, recovered) <= policy.reward_cap_fen
