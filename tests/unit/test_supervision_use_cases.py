"""The supervision use cases against an in-memory unit of work (milliseconds)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from yibao.app import actors, supervision

from ..refusals import refused
from .fake_statistics import FakeStatistics
from .fake_agreements import FakeAgreements
from .fake_joint_supervision import FakeJointSupervision
from .fake_supervision import FakeSupervision
from .fakes import FakeUnitOfWork

SHENZHEN = actors.agency("440300", "3f2a")
GUANGZHOU = actors.agency("440100", "9c1d")
HOSPITAL = "H44030000001"


def world(actor=SHENZHEN, now=dt.datetime(2026, 12, 1, 9, 0)) -> FakeUnitOfWork:
    uow = FakeUnitOfWork(actor, now)
    uow.supervision = FakeSupervision(now)
    uow.joint_supervision = FakeJointSupervision(uow.supervision)
    uow.statistics = FakeStatistics(uow.supervision)
    uow.supervision.institutions[HOSPITAL] = {"fixmedins_code": HOSPITAL, "admdvs": "440300"}
    uow.persons.rows["P1"] = {"psn_no": "P1"}
    uow.agreements = FakeAgreements({HOSPITAL: {"fixmedins_code": HOSPITAL, "admdvs": "440300"}})
    uow.agreements.add(dict(agreement_id="AG1", fixmedins_code=HOSPITAL, kind="designation", parent_agreement_id=None,
                            step="sign", begndate=dt.date(2020, 1, 1), enddate=None, services="outpatient;inpatient",
                            reason="", actor="system", recorded_at=now))
    return uow


def opened(uow, amount_fen=50_000) -> str:
    with uow:
        case = supervision.open_case(uow, admdvs="440300", subject_type="institution", subject_id=HOSPITAL,
                                     summary="分解住院", amount_fen=amount_fen, source="manual")
    return case["case_id"]


def confirmed(uow) -> str:
    case_id = opened(uow)
    for status in ("investigating", "confirmed"):
        with uow:
            supervision.move(uow, case_id, status)
    return case_id


def test_a_case_moves_suspected_investigating_confirmed_and_each_move_is_logged():
    uow = world()
    case_id = opened(uow)
    assert uow.supervision.cases[case_id]["status"] == "suspected"
    with uow:
        supervision.move(uow, case_id, "investigating", note="调取病历")
    with uow:
        case = supervision.move(uow, case_id, "confirmed")
    assert case["status"] == "confirmed" and case["closed_at"] == uow.now
    assert uow.supervision.cases[case_id]["closed_at"] == uow.now
    assert [e["detail"] for e in uow.supervision.events_of(case_id)] == [
        "opened: suspected", "suspected → investigating: 调取病历", "investigating → confirmed"]
    assert {e["by"] for e in uow.supervision.events} == {"440300"}
    assert uow.supervision.locked == [case_id, case_id]  # each move locks the case before deciding
    assert [(a, s, d) for _, a, s, d in uow.actions.rows] == [
        ("case.open", case_id, {"subject_type": "institution", "subject_id": HOSPITAL, "amount_fen": 50_000,
                                "source": "manual"}),
        ("case.status", case_id, {"from": "suspected", "to": "investigating"}),
        ("case.status", case_id, {"from": "investigating", "to": "confirmed"}),
        # the confirmed case is a credit record of its subject (app/credit.py): -20 by the default rule
        ("credit.case", case_id, {"subject_type": "institution", "subject_id": HOSPITAL, "points": -20})]
    assert [(c["subject_id"], c["points"], c["case_id"]) for c in uow.supervision.credits] == [(HOSPITAL, -20, case_id)]


@pytest.mark.parametrize("path, wrong", [((), "confirmed"), (("dismissed",), "investigating"),
                                         (("investigating", "confirmed"), "dismissed")])
def test_a_wrong_move_is_refused_and_changes_nothing(path, wrong):
    uow = world()
    case_id = opened(uow)
    for status in path:
        with uow:
            supervision.move(uow, case_id, status)
    before = (dict(uow.supervision.cases[case_id]), len(uow.supervision.events), len(uow.actions.rows))
    with refused("SUPERVISION_CASE_TRANSITION", f"变为 {wrong}"):
        with uow:
            supervision.move(uow, case_id, wrong)
    assert (uow.supervision.cases[case_id], len(uow.supervision.events), len(uow.actions.rows)) == before


def test_an_unknown_case_is_not_found():
    uow = world()
    with refused("SUPERVISION_CASE_NOT_FOUND", "CA0000000000") as caught:
        supervision.move(uow, "CA0000000000", "investigating")
    assert caught.value.http_status == 404


def test_recovered_money_posts_one_balanced_entry_and_one_row_naming_the_agency():
    uow = world()
    case_id = confirmed(uow)
    rows_before = len(uow.actions.rows)
    with uow:
        result = supervision.record_money(uow, case_id, "recovery", Decimal("1234.56"), note="追回")
    assert result == {"case_id": case_id, "kind": "recovery", "amount": Decimal("1234.56")}
    [entry] = uow.ledger.entries
    assert (entry.kind, entry.ref) == ("supervision_recovery", case_id)
    assert {p.account: p.amount_fen for p in entry.postings} == {"bank:440300": 123_456, "fund_recovery:440300": -123_456}
    [(actor, action, subject, detail)] = uow.actions.rows[rows_before:]
    assert (actor.label(), action, subject, detail) == (
        "agency:440300/token:3f2a", "case.money", case_id, {"kind": "recovery", "amount_fen": 123_456})
    assert uow.supervision.events[-1] | {"event_id": 0} == {
        "event_id": 0, "case_id": case_id, "kind": "recovery", "amount_fen": 123_456, "detail": "追回", "by": "440300",
        "at": uow.now}


@pytest.mark.parametrize("moves, kind, amount, code", [
    ((), "recovery", "10", "SUPERVISION_CASE_NOT_CONFIRMED"),
    ((), "penalty", "10", "SUPERVISION_CASE_NOT_CONFIRMED"),
    (("dismissed",), "refund", "10", "SUPERVISION_CASE_DISMISSED"),
    (("investigating", "confirmed"), "recovery", "0", "SUPERVISION_AMOUNT_NOT_POSITIVE"),
    (("investigating", "confirmed"), "bonus", "10", "SUPERVISION_BAD_MONEY_KIND"),
])
def test_refused_money_posts_nothing(moves, kind, amount, code):
    uow = world()
    case_id = opened(uow)
    for status in moves:
        with uow:
            supervision.move(uow, case_id, status)
    before = (len(uow.supervision.events), len(uow.actions.rows))
    with refused(code):
        with uow:
            supervision.record_money(uow, case_id, kind, Decimal(amount))
    assert uow.ledger.entries == [] and (len(uow.supervision.events), len(uow.actions.rows)) == before


def test_a_refund_on_self_inspection_needs_no_confirmed_case():
    uow = world()
    case_id = opened(uow)
    with uow:
        supervision.record_money(uow, case_id, "refund", Decimal("20.50"))
    assert {p.account: p.amount_fen for p in uow.ledger.entries[0].postings} == {"bank:440300": 2050,
                                                                                 "fund_refund:440300": -2050}
    stats = supervision.supervision_stats(uow, begin=dt.date(2026, 12, 1), end=dt.date(2026, 12, 1), admdvs="440300")
    assert (stats["cases"], stats["refunded_by_self_inspection"], stats["recovered_total"]) == (1, Decimal("20.50"),
                                                                                                Decimal("20.50"))
    # the province sees its city's case; another city does not
    assert supervision.supervision_stats(uow, begin=dt.date(2026, 12, 1), end=dt.date(2026, 12, 1),
                                         admdvs="440000")["refunded_amt"] == Decimal("20.50")
    other = supervision.supervision_stats(uow, begin=dt.date(2026, 12, 1), end=dt.date(2026, 12, 1), admdvs="441500")
    assert (other["cases"], other["refunded_amt"]) == (0, Decimal("0.00"))


def test_a_penalty_is_not_fund_loss_recovered_and_a_police_referral_is_counted_once():
    uow = world()
    case_id = confirmed(uow)
    with uow:
        supervision.record_money(uow, case_id, "recovery", Decimal("100.00"))
        supervision.record_money(uow, case_id, "penalty", Decimal("300.00"))
        supervision.refer_to_police(uow, case_id, note="涉嫌诈骗")
    assert uow.supervision.locked[-1] == case_id and uow.actions.rows[-1][1:3] == ("case.police", case_id)
    stats = supervision.supervision_stats(uow, begin=dt.date(2026, 12, 1), end=dt.date(2026, 12, 1), admdvs="440300")
    # recovered_total = 追回 100.00 + 自查自纠 0.00; the penalty 300.00 stands apart (seed 004)
    assert (stats["recovered_total"], stats["penalty_amt"], stats["penalty_cases"], stats["police_referrals"]) == (
        Decimal("100.00"), Decimal("300.00"), 1, 1)


def test_a_sanction_is_recorded_and_lifted_once():
    uow = world()
    case_id = opened(uow)
    with uow:
        row = supervision.sanction(uow, subject_type="institution", subject_id=HOSPITAL, kind="suspend",
                                   begndate=dt.date(2026, 12, 1), enddate=dt.date(2027, 2, 28), reason="分解住院",
                                   case_id=case_id)
    sanction_id = row["sanction_id"]
    assert uow.supervision.sanctions[sanction_id]["lifted_at"] is None
    assert uow.supervision.events[-1]["detail"] == f"suspend institution {HOSPITAL} from 2026-12-01"
    later = world(now=dt.datetime(2026, 12, 20, 15, 0))
    later.supervision.sanctions = uow.supervision.sanctions
    later.agreements = uow.agreements
    with later:
        lifted = supervision.lift(later, sanction_id)
    assert lifted["lifted_at"] == later.supervision.sanctions[sanction_id]["lifted_at"] == dt.datetime(2026, 12, 20, 15, 0)
    with refused("SUPERVISION_SANCTION_LIFTED", sanction_id):
        with later:
            supervision.lift(later, sanction_id)
    assert later.supervision.sanctions[sanction_id]["lifted_at"] == dt.datetime(2026, 12, 20, 15, 0)
    assert later.supervision.locked == [sanction_id, sanction_id]  # each lift locks the row first
    suspension = uow.agreements.rows[1]
    assert (suspension["step"], suspension["agreement_id"], suspension["enddate"]) == ("suspend", "AG1", dt.date(2027, 2, 28))
    assert [(a.label(), action, s, d) for a, action, s, d in later.actions.rows] == [
        ("agency:440300/token:3f2a", "agreement.resume", "AG1", {"fixmedins_code": HOSPITAL, "kind": "designation",
                                                                 "begndate": dt.date(2026, 12, 20), "refers_to": 2}),
        ("agency:440300/token:3f2a", "sanction.lift", sanction_id, {"subject_type": "institution", "subject_id": HOSPITAL})]
    assert [r["step"] for r in later.agreements.rows] == ["sign", "suspend", "resume"]  # the second lift wrote nothing
    assert uow.actions.rows[-1][1:3] == ("sanction.add", sanction_id)


@pytest.mark.parametrize("subject_type, subject_id, kind, enddate, code, status", [
    ("institution", "H00000000000", "suspend", dt.date(2027, 1, 1), "SUPERVISION_INSTITUTION_NOT_FOUND", 404),
    ("person", "P9", "suspend", dt.date(2027, 1, 1), "PERSON_UNKNOWN", 404),
    ("person", "P1", "terminate", None, "SUPERVISION_PERSON_SUSPEND_ONLY", 422),
    ("institution", HOSPITAL, "suspend", None, "SUPERVISION_SUSPENSION_NEEDS_END", 422),
    ("institution", HOSPITAL, "suspend", dt.date(2026, 11, 30), "INPUT_END_BEFORE_BEGIN", 422),
])
def test_refused_sanctions_write_nothing(subject_type, subject_id, kind, enddate, code, status):
    uow = world()
    with refused(code) as caught:
        with uow:
            supervision.sanction(uow, subject_type=subject_type, subject_id=subject_id, kind=kind,
                                 begndate=dt.date(2026, 12, 1), enddate=enddate, reason="x", case_id=None)
    assert caught.value.http_status == status
    assert uow.supervision.sanctions == {} and uow.actions.rows == []


def test_a_termination_has_no_end_date():
    uow = world()
    with uow:
        row = supervision.sanction(uow, subject_type="institution", subject_id=HOSPITAL, kind="terminate",
                                   begndate=dt.date(2026, 12, 1), enddate=dt.date(2027, 1, 1), reason="x", case_id=None)
    assert row["enddate"] is None and uow.actions.rows[-1][1] == "sanction.add"
    assert uow.actions.rows[-1][3]["enddate"] is None
    terminated = uow.agreements.rows[-1]
    assert (terminated["step"], terminated["begndate"], terminated.get("enddate")) == ("terminate", dt.date(2026, 12, 1), None)


def test_an_imported_notice_becomes_a_suspected_case_of_the_importing_agency():
    shenzhen = world()
    case_id = confirmed(shenzhen)
    notice = supervision.export_notice(shenzhen, case_id)
    assert notice["from_admdvs"] == "440300" and notice["case"]["status"] == "confirmed"
    guangzhou = world(actor=GUANGZHOU, now=dt.datetime(2026, 12, 3, 10, 0))
    with guangzhou:
        case = supervision.import_notice(guangzhou, notice, admdvs="440100")
    stored = guangzhou.supervision.cases[case["case_id"]]
    assert (stored["admdvs"], stored["status"], stored["subject_id"], stored["amount_fen"], stored["source"]) == (
        "440100", "suspected", HOSPITAL, 50_000, "notice:440300")
    assert stored["summary"] == "notice from 440300: 分解住院" and case["case_id"] != case_id
    assert [e["kind"] for e in guangzhou.supervision.events] == ["status", "note"]
    assert {e["by"] for e in guangzhou.supervision.events} == {"440100"}
    [(actor, action, subject, detail)] = guangzhou.actions.rows
    assert (actor, action, subject, detail["shared_case"], detail["source"]) == (
        GUANGZHOU, "case.open", case["case_id"], case_id, "notice:440300")


def test_a_notice_in_another_format_is_refused():
    uow = world()
    with refused("SUPERVISION_NOT_A_NOTICE"):
        supervision.import_notice(uow, {"format": "other"}, admdvs="440300")
    with refused("SUPERVISION_NOTICE_NO_SUBJECT"):
        supervision.import_notice(uow, {"format": supervision.NOTICE_FORMAT, "case": {"subject_id": "x"}}, admdvs="440300")
    assert uow.supervision.cases == {} and uow.actions.rows == []


def test_a_case_from_findings_sums_them_and_names_one_institution():
    uow = world()
    for n, (code, fen) in enumerate([(HOSPITAL, 10_000), (HOSPITAL, 2_550), ("H44030000002", 1)]):
        uow.supervision.stored_findings[f"FD{n}"] = {"finding_id": f"FD{n}", "fixmedins_code": code, "rule_type": "限性别",
                                                     "vola_amt_fen": fen, "found_at": uow.now}
    with uow:
        case = supervision.case_from_findings(uow, ["FD0", "FD1"], admdvs="440300")
    assert (case["subject_id"], case["amount_fen"], case["source"]) == (HOSPITAL, 12_550, "audit")
    assert case["summary"] == "2 findings (限性别), 125.50 yuan at stake"
    assert uow.actions.rows[-1][3]["findings"] == 2
    with refused("SUPERVISION_FINDINGS_SEVERAL_INSTITUTIONS"):
        supervision.case_from_findings(uow, ["FD0", "FD2"], admdvs="440300")
    with refused("SUPERVISION_FINDINGS_NOT_FOUND"):
        supervision.case_from_findings(uow, ["FD0", "FD9"], admdvs="440300")
    assert len(uow.supervision.cases) == 1
