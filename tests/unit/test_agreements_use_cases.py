"""The agreement use cases (app/agreements.py) against an in-memory unit of work: application,
evaluation and signature, the Internet+ supplement and its cascade, renewals, the import's
default agreement that a re-import never widens."""

from __future__ import annotations

import datetime as dt

from yibao.app import actors, agreements
from yibao.domain import agreements as rules

from ..refusals import refused
from .fake_agreements import FakeAgreements
from .fakes import FakeUnitOfWork

AGENCY = actors.agency("440300", "3f2a")
HOSPITAL, ONLINE, OTHER = "H44030000001", "H44030000002", "H44030000003"
D = dt.date


def world() -> FakeUnitOfWork:
    uow = FakeUnitOfWork(AGENCY, dt.datetime(2026, 12, 1, 9, 0))
    uow.agreements = FakeAgreements({code: {"fixmedins_code": code, "fixmedins_name": f"医院{code[-1]}",
                                            "admdvs": "440300"} for code in (HOSPITAL, ONLINE, OTHER)})
    return uow


def signed(uow, code=HOSPITAL, services="outpatient;inpatient", internet_of="", score=85) -> str:
    with uow:
        applied = agreements.apply(uow, fixmedins_code=code, services=services, internet_of=internet_of)
        agreements.evaluate(uow, applied["agreement_id"], score=score, checklist={"信息系统对接": True})
        agreements.sign(uow, applied["agreement_id"], begndate=D(2026, 1, 1), enddate=D(2027, 12, 31),
                        prices=[{"item": "互联网复诊", "price": "20"}] if internet_of else None)
    return applied["agreement_id"]


def test_an_application_is_evaluated_then_signed_and_every_step_is_recorded_with_its_actor():
    uow = world()
    agreement_id = signed(uow)
    assert [(r["step"], r["actor"]) for r in uow.agreements.rows] == [
        ("apply", "agency:440300/token:3f2a"), ("evaluate", "agency:440300/token:3f2a"),
        ("sign", "agency:440300/token:3f2a")]
    assert uow.agreements.rows[-1]["services"] == "inpatient;outpatient"
    assert [row[1] for row in uow.actions.rows] == ["agreement.apply", "agreement.evaluate", "agreement.sign"]
    assert uow.agreements.locked == [HOSPITAL] * 3  # each step locks the family first
    assert rules.coverage(rules.fold(uow.agreements.rows), HOSPITAL, D(2026, 6, 1)) == {"inpatient", "outpatient"}
    with refused("AGREEMENT_ALREADY_SIGNED"):
        with uow:
            agreements.sign(uow, agreement_id, begndate=D(2026, 1, 1), enddate=None)


def test_a_failed_or_missing_evaluation_is_not_signed():
    uow = world()
    with uow:
        applied = agreements.apply(uow, fixmedins_code=HOSPITAL, services="outpatient")
    with refused("AGREEMENT_NOT_EVALUATED", "60"):
        with uow:
            agreements.sign(uow, applied["agreement_id"], begndate=D(2026, 1, 1), enddate=None)
    with uow:
        agreements.evaluate(uow, applied["agreement_id"], score=59, checklist={})
    with refused("AGREEMENT_NOT_EVALUATED"):
        with uow:
            agreements.sign(uow, applied["agreement_id"], begndate=D(2026, 1, 1), enddate=None)
    assert [r["step"] for r in uow.agreements.rows] == ["apply", "evaluate"]


def test_a_supplement_needs_an_active_physical_agreement_and_follows_its_period():
    uow = world()
    with refused("AGREEMENT_NO_PHYSICAL_AGREEMENT", HOSPITAL):
        with uow:
            agreements.apply(uow, fixmedins_code=ONLINE, services="outpatient", internet_of=HOSPITAL)
    physical = signed(uow)
    supplement = signed(uow, ONLINE, "outpatient", internet_of=HOSPITAL)
    sign = uow.agreements.rows[-1]
    assert (sign["kind"], sign["parent_agreement_id"], sign["enddate"], sign["services"]) == (
        "internet", physical, None, "outpatient;internet")
    assert sign["prices"] == '[{"item": "互联网复诊", "price": "20.00"}]'
    with refused("AGREEMENT_SUPPLEMENT_FOLLOWS"):
        with uow:
            agreements.renew(uow, supplement, enddate=D(2030, 1, 1))
    with uow:
        agreements.renew(uow, physical, enddate=D(2029, 12, 31))
    assert rules.coverage(rules.fold(uow.agreements.rows), ONLINE, D(2029, 6, 1)) == {"internet", "outpatient"}


def test_suspending_or_terminating_the_physical_agreement_cascades_to_the_supplement():
    uow = world()
    physical = signed(uow)
    supplement = signed(uow, ONLINE, "outpatient", internet_of=HOSPITAL)
    with uow:
        row = agreements.suspend(uow, physical, begndate=D(2026, 12, 1), enddate=D(2027, 2, 28), reason="分解住院")
    cascaded = uow.agreements.rows[-1]
    assert (cascaded["agreement_id"], cascaded["step"], cascaded["refers_to"], cascaded["enddate"]) == (
        supplement, "suspend", row["record_id"], D(2027, 2, 28))
    assert cascaded["reason"] == "实体定点协议暂停：分解住院"
    with uow:
        agreements.resume(uow, physical, suspension_id=row["record_id"], begndate=D(2027, 1, 10), reason="整改完成")
    assert [(r["agreement_id"], r["step"], r["refers_to"]) for r in uow.agreements.rows[-2:]] == [
        (physical, "resume", row["record_id"]), (supplement, "resume", cascaded["record_id"])]
    with uow:
        agreements.terminate(uow, physical, begndate=D(2027, 6, 1), reason="欺诈骗保")
    agreements_now = rules.fold(uow.agreements.rows)
    assert rules.status_on(agreements_now, agreements_now[supplement], D(2027, 6, 1)) == "terminated"
    assert [r["step"] for r in uow.agreements.rows if r["agreement_id"] == supplement][-1] == "terminate"


def test_ending_the_supplement_leaves_the_physical_agreement_to_the_agency():
    uow = world()
    physical = signed(uow)
    supplement = signed(uow, ONLINE, "outpatient", internet_of=HOSPITAL)
    with uow:
        agreements.terminate(uow, supplement, begndate=D(2026, 12, 1), reason="违规开展互联网诊疗")
    found = rules.fold(uow.agreements.rows)
    assert rules.status_on(found, found[physical], D(2026, 12, 2)) == "in_force"
    assert rules.status_on(found, found[supplement], D(2026, 12, 2)) == "terminated"
    assert not [r for r in uow.agreements.rows if r["agreement_id"] == physical and r["step"] == "terminate"]


def test_refusals_write_nothing():
    uow = world()
    physical = signed(uow)
    before = list(uow.agreements.rows)
    for code, action in (
        ("AGREEMENT_BAD_SERVICES", lambda: agreements.apply(uow, fixmedins_code=OTHER, services="dental")),
        ("AGREEMENT_INTERNET_NEEDS_SUPPLEMENT", lambda: agreements.apply(uow, fixmedins_code=OTHER, services="internet")),
        ("AGREEMENT_INSTITUTION_NOT_FOUND", lambda: agreements.apply(uow, fixmedins_code="H0", services="outpatient")),
        ("AGREEMENT_SUSPENSION_NEEDS_END", lambda: agreements.suspend(uow, physical, begndate=D(2026, 12, 1),
                                                                        enddate=None, reason="x")),
        ("AGREEMENT_REASON_REQUIRED", lambda: agreements.terminate(uow, physical, begndate=D(2026, 12, 1), reason=" ")),
        ("AGREEMENT_RENEWAL_NOT_LATER", lambda: agreements.renew(uow, physical, enddate=D(2027, 1, 1))),
        ("AGREEMENT_NOT_FOUND", lambda: agreements.renew(uow, "AG0", enddate=None)),
    ):
        with refused(code):
            with uow:
                action()
    assert uow.agreements.rows == before


def test_the_import_gives_a_default_agreement_once_and_a_reimport_never_widens_it():
    uow = world()
    with uow:
        created = agreements.from_import(uow, [
            dict(fixmedins_code=ONLINE, begndate=None, enddate=None, services="", internet_of=HOSPITAL),
            dict(fixmedins_code=HOSPITAL, begndate=D(2026, 1, 1), enddate=None, services="outpatient;internet",
                 internet_of=""),
            dict(fixmedins_code=OTHER, begndate=None, enddate=None, services="", internet_of="")])
    assert created == 3
    found = rules.fold(uow.agreements.rows)
    assert rules.coverage(found, HOSPITAL, D(2026, 6, 1)) == {"outpatient", "internet"}
    assert rules.coverage(found, OTHER, D(2001, 1, 1)) == set(rules.PHYSICAL_SERVICES)  # everything, as before
    assert rules.coverage(found, ONLINE, D(2026, 6, 1)) == set(rules.SERVICES)
    count = len(uow.agreements.rows)
    with uow:
        assert agreements.from_import(uow, [dict(fixmedins_code=HOSPITAL, begndate=D(2000, 1, 1), enddate=None,
                                                 services="", internet_of="")]) == 0
    assert len(uow.agreements.rows) == count
