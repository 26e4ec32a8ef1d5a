"""The agreement rules (domain/agreements.py): periods, suspensions and their early end,
terminations, the Internet+ supplement following its physical agreement, coverage and the
services a visit needs."""

from __future__ import annotations

import datetime as dt

import pytest

from yibao.domain import agreements as rules

D = dt.date


def record(record_id, step, agreement_id="A1", code="H1", kind="designation", parent=None, **values):
    return dict(record_id=record_id, agreement_id=agreement_id, fixmedins_code=code, kind=kind,
                parent_agreement_id=parent, step=step, **values)


def signed_pair() -> list[dict]:
    """H1's designation agreement for 2026 and I1's Internet+ supplement on it from March."""
    return [record(1, "sign", begndate=D(2026, 1, 1), enddate=D(2026, 12, 31), services="outpatient;inpatient"),
            record(2, "sign", "S1", "I1", "internet", "A1", begndate=D(2026, 3, 1), enddate=None,
                   services="internet;outpatient")]


def test_a_signed_agreement_holds_within_its_period_and_a_renewal_extends_it():
    records = signed_pair()
    assert rules.coverage(rules.fold(records), "H1", D(2026, 6, 1)) == {"outpatient", "inpatient"}
    assert rules.coverage(rules.fold(records), "H1", D(2025, 12, 31)) == frozenset()
    assert rules.coverage(rules.fold(records), "H1", D(2027, 1, 1)) == frozenset()
    records.append(record(3, "renew", begndate=D(2026, 1, 1), enddate=D(2028, 12, 31), services="outpatient"))
    agreements = rules.fold(records)
    assert rules.coverage(agreements, "H1", D(2027, 1, 1)) == {"outpatient"}
    assert rules.status_on(agreements, agreements["A1"], D(2029, 1, 1)) == "expired"


def test_a_suspension_holds_for_its_period_and_a_resumption_ends_it_early():
    records = signed_pair() + [record(3, "suspend", begndate=D(2026, 5, 1), enddate=D(2026, 7, 31), reason="x")]
    agreements = rules.fold(records)
    assert [rules.coverage(agreements, "H1", day) != frozenset() for day in
            (D(2026, 4, 30), D(2026, 5, 1), D(2026, 7, 31), D(2026, 8, 1))] == [True, False, False, True]
    assert rules.status_on(agreements, agreements["A1"], D(2026, 6, 1)) == "suspended"
    agreements = rules.fold(records + [record(4, "resume", begndate=D(2026, 6, 10), refers_to=3)])
    assert [rules.coverage(agreements, "H1", day) != frozenset() for day in
            (D(2026, 6, 9), D(2026, 6, 10))] == [False, True]


def test_the_supplement_follows_its_physical_agreement_but_not_the_other_way():
    agreements = rules.fold(signed_pair())
    assert rules.coverage(agreements, "I1", D(2026, 2, 28)) == frozenset()  # before its own begin
    assert rules.coverage(agreements, "I1", D(2026, 3, 1)) == {"internet", "outpatient"}
    assert rules.coverage(agreements, "I1", D(2027, 1, 1)) == frozenset()  # the physical one expired
    suspended = rules.fold(signed_pair() + [record(3, "suspend", begndate=D(2026, 5, 1), enddate=D(2026, 5, 31))])
    assert rules.coverage(suspended, "I1", D(2026, 5, 15)) == frozenset()
    assert rules.status_on(suspended, suspended["S1"], D(2026, 5, 15)) == "suspended"
    terminated = rules.fold(signed_pair() + [record(3, "terminate", begndate=D(2026, 9, 1))])
    assert rules.status_on(terminated, terminated["S1"], D(2026, 9, 1)) == "terminated"
    supplement_ended = rules.fold(signed_pair() + [record(3, "terminate", "S1", "I1", "internet", "A1",
                                                          begndate=D(2026, 9, 1))])
    assert rules.coverage(supplement_ended, "I1", D(2026, 9, 1)) == frozenset()
    assert rules.coverage(supplement_ended, "H1", D(2026, 9, 1)) == {"outpatient", "inpatient"}


@pytest.mark.parametrize("kind, med_type, cross_region, covered, missing", [
    ("outpatient", "11", False, {"outpatient"}, []),
    ("outpatient", "11", False, {"inpatient"}, ["outpatient"]),
    ("outpatient", "14", False, {"outpatient"}, ["chronic"]),
    ("outpatient", "1402", False, {"chronic"}, []),
    ("inpatient", "21", True, {"inpatient"}, ["cross_region"]),
    ("pharmacy", "41", False, {"pharmacy", "account"}, []),
    ("outpatient", "41", False, {"outpatient"}, ["pharmacy"]),
])
def test_what_a_visit_needs(kind, med_type, cross_region, covered, missing):
    assert rules.missing_services(frozenset(covered), kind=kind, med_type=med_type, cross_region=cross_region) == missing


def test_account_money_needs_the_account_service():
    assert rules.account_allowed(frozenset({"outpatient", "account"})) is True
    assert rules.account_allowed(frozenset({"outpatient"})) is False


def test_a_settlement_waits_while_the_visits_agreement_is_halted_today():
    records = signed_pair() + [record(3, "suspend", begndate=D(2026, 6, 1), enddate=D(2026, 6, 30), reason="分解住院")]
    agreements = rules.fold(records)
    halt = rules.halted_since(agreements, "H1", D(2026, 5, 20), D(2026, 6, 2))
    assert halt == {"action": "suspend", "until": D(2026, 6, 30), "reason": "分解住院"}
    assert rules.halted_since(agreements, "H1", D(2026, 5, 20), D(2026, 7, 1)) is None
    assert rules.halted_since(agreements, "I1", D(2026, 5, 20), D(2026, 6, 2))["action"] == "suspend"  # via the parent


def test_services_are_parsed_strictly_and_written_in_a_fixed_order():
    assert rules.services_text(rules.parse_services(" account;inpatient ;")) == "inpatient;account"
    with pytest.raises(ValueError, match="dental"):
        rules.parse_services("inpatient;dental")
