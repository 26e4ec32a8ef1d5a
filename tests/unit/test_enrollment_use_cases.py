"""The use cases of app/enrollment.py over an in-memory unit of work: registration by kind,
refusals, suspension and end, contributions, the transfer and its acceptance, crediting."""

from __future__ import annotations

import datetime as dt

import pytest

from yibao.app import actors, enrollment
from yibao.app.errors import GatewayError

from .fake_enrollment import FakeEnrollment
from .fakes import FakeUnitOfWork

NOW = dt.datetime(2026, 3, 10, 9, 0)
PERSON = {"certno": "510104199001011234", "psn_name": "甲", "gend": "1", "brdy": dt.date(1990, 1, 1)}


@pytest.fixture
def uow():
    unit = FakeUnitOfWork(actors.operator("clerk"), NOW)
    unit.enrollment = FakeEnrollment()
    return unit


def refused_code(action) -> str:
    with pytest.raises(GatewayError) as caught:
        action()
    return caught.value.code


def enroll(uow, psn_no="P1", region="500000", kind="employee", psn_type="1101", day=dt.date(2026, 1, 5), insutype="310"):
    return enrollment.register(uow, psn_no=psn_no, insutype=insutype, insuplc_admdvs=region, kind=kind, psn_type=psn_type,
                               enroll_date=day, emp_no="E1" if kind == "employee" else None, person=PERSON)


def test_register_locks_the_person_creates_them_and_records_when_benefits_begin(uow):
    record = enroll(uow, "R1", "510100", "resident", "1501", dt.date(2026, 3, 10), "390")
    assert uow.enrollment.locked == [["R1"]]
    assert record["benefit_begndate"] == dt.date(2026, 6, 10)
    assert uow.enrollment.insurance("R1", "390")["benefit_begndate"] == dt.date(2026, 6, 10)
    assert uow.actions.rows[-1][1:3] == ("enroll.register", "R1")


def test_register_refusals(uow):
    assert refused_code(lambda: enroll(uow, kind="pensioner")) == "ENROLL_KIND_UNKNOWN"
    assert refused_code(lambda: enrollment.register(uow, psn_no="P9", insutype="310", insuplc_admdvs="500000",
                                                    kind="employee", psn_type="1101", enroll_date=NOW.date())) == \
        "ENROLL_EMPLOYER_REQUIRED"
    assert refused_code(lambda: enrollment.register(uow, psn_no="P9", insutype="390", insuplc_admdvs="500000",
                                                    kind="resident", psn_type="1501", enroll_date=NOW.date())) == \
        "ENROLL_PERSON_DETAILS_REQUIRED"
    enroll(uow)
    assert refused_code(lambda: enroll(uow)) == "ENROLL_ALREADY_INSURED"


def test_suspend_resume_end_are_dated_records_and_the_insurance_follows(uow):
    enroll(uow)
    enrollment.change_state(uow, "P1", "310", "suspend", dt.date(2026, 2, 1), "欠费")
    assert uow.enrollment.insurance("P1", "310")["psn_insu_stas"] == "2"
    assert refused_code(lambda: enrollment.change_state(uow, "P1", "310", "suspend", dt.date(2026, 2, 2))) == \
        "ENROLL_ALREADY_SUSPENDED"
    enrollment.change_state(uow, "P1", "310", "resume", dt.date(2026, 2, 10))
    assert refused_code(lambda: enrollment.change_state(uow, "P1", "310", "resume", dt.date(2026, 2, 11))) == \
        "ENROLL_NOT_SUSPENDED"
    assert refused_code(lambda: enrollment.change_state(uow, "P1", "310", "end", dt.date(2025, 12, 31))) == \
        "ENROLL_DATE_BEFORE_PERIOD"
    enrollment.change_state(uow, "P1", "310", "end", dt.date(2026, 2, 28))
    assert uow.enrollment.insurance("P1", "310")["insu_enddate"] == dt.date(2026, 2, 28)
    assert [r["step"] for r in uow.enrollment.records("P1")] == ["enroll", "suspend", "resume", "end"]
    assert refused_code(lambda: enrollment.contribute(uow, "P1", "310", "2026-03", emp_amt="1", psn_amt="1")) == \
        "ENROLL_ALREADY_ENDED"


def test_contributions_are_yuan_text_once_per_month(uow):
    enroll(uow)
    row = enrollment.contribute(uow, "P1", "310", "2026-01", emp_amt="600.00", psn_amt="200.5", base="10000")
    assert (row["emp_amt_fen"], row["psn_amt_fen"], row["base_fen"]) == (60000, 20050, 1000000)
    assert refused_code(lambda: enrollment.contribute(uow, "P1", "310", "2026-01", emp_amt="1", psn_amt="1")) == \
        "ENROLL_CONTRIBUTION_EXISTS"
    for bad in ("-1", "1.001", "abc", 1.5):
        assert refused_code(lambda: enrollment.contribute(uow, "P1", "310", "2026-02", emp_amt=bad, psn_amt="1")) == \
            "ENROLL_BAD_AMOUNT"
    assert refused_code(lambda: enrollment.contribute(uow, "P1", "310", "2026-13", emp_amt="1", psn_amt="1")) == \
        "ENROLL_BAD_MONTH"
    assert refused_code(lambda: enrollment.contribute(uow, "P2", "310", "2026-01", emp_amt="1", psn_amt="1")) == \
        "ENROLL_NOT_INSURED"


def test_a_transfer_excludes_retirees_and_names_the_right_regions(uow):
    enroll(uow, "RT", psn_type="1201")
    enroll(uow)
    issue = dict(psn_no="RT", from_admdvs="500000", to_admdvs="510100", insutype="310")
    assert refused_code(lambda: enrollment.issue_transfer(uow, **issue)) == "ENROLL_TRANSFER_RETIREE"
    issue["psn_no"] = "P1"
    assert refused_code(lambda: enrollment.issue_transfer(uow, **dict(issue, from_admdvs="440300"))) == \
        "ENROLL_TRANSFER_WRONG_REGION"
    assert refused_code(lambda: enrollment.issue_transfer(uow, **dict(issue, to_admdvs="500000"))) == \
        "ENROLL_TRANSFER_SAME_REGION"
    enrollment.issue_transfer(uow, **issue)
    assert refused_code(lambda: enrollment.issue_transfer(uow, **issue)) == "ENROLL_TRANSFER_OPEN"


def test_acceptance_ends_the_old_period_yesterday_and_moves_the_account_funding(uow):
    enroll(uow)
    enrollment.contribute(uow, "P1", "310", "2025-10", emp_amt="600", psn_amt="200")  # a 4-month gap: waiting
    uow.accounts.append("P1", 50000, "opening", setl_id=None, actor="t", tip=(0, 0))
    issued = enrollment.issue_transfer(uow, psn_no="P1", from_admdvs="500000", to_admdvs="510100", insutype="310")
    assert refused_code(lambda: enrollment.accept_transfer(uow, issued["transfer_id"], lambda r: r == "500000")) == \
        "ENROLL_TRANSFER_NOT_RECEIVER"
    accepted = enrollment.accept_transfer(uow, issued["transfer_id"], lambda r: r == "510100")
    assert (accepted["begndate"], accepted["benefit_begndate"]) == (dt.date(2026, 3, 10), dt.date(2026, 9, 10))
    steps = [(r["step"], r["insuplc_admdvs"], r["begndate"], r["enddate"]) for r in uow.enrollment.records("P1")]
    assert steps[-2:] == [("end", "500000", dt.date(2026, 3, 9), dt.date(2026, 3, 9)),
                          ("transfer_in", "510100", dt.date(2026, 3, 10), None)]
    assert uow.ledger.balances("acct_funding:") == {"acct_funding:510100": 50000, "acct_funding:500000": -50000}
    assert uow.enrollment.insurance("P1", "310")["insuplc_admdvs"] == "510100"
    assert refused_code(lambda: enrollment.accept_transfer(uow, issued["transfer_id"])) == "ENROLL_TRANSFER_ACCEPTED"
    assert refused_code(lambda: enrollment.accept_transfer(uow, "TR0")) == "ENROLL_TRANSFER_NOT_FOUND"


def test_crediting_locks_in_psn_no_order_and_never_twice(uow):
    uow.enrollment.policies[("510100", "310")] = {"enrollment": {"account_crediting": {
        "share_of_personal_contribution": "1.00", "retiree_monthly": "80.00"}}}
    for psn_no, psn_type in (("P3", "1101"), ("P1", "1201"), ("P2", "1101")):
        enroll(uow, psn_no, "510100", psn_type=psn_type)
    enrollment.contribute(uow, "P3", "310", "2026-02", emp_amt="600", psn_amt="200")
    first = enrollment.credit_month(uow, "2026-02")
    assert uow.enrollment.locked[-1] == ["P1", "P2", "P3"]
    assert (first["psn_nos"], str(first["amount"])) == (["P1", "P3"], "280.00")
    assert enrollment.credit_month(uow, "2026-02")["persons"] == 0
    assert uow.accounts.tips(["P1", "P3"]) == {"P1": (1, 8000), "P3": (1, 20000)}
    assert uow.ledger.balance("acct_funding:510100") == 28000


@pytest.mark.parametrize("begins, ends, begntime, code, words", [
    (dt.date(2026, 6, 10), None, dt.datetime(2026, 6, 9, 23, 0), "ENROLL_WAITING_PERIOD", ("2026-06-10", "2026-06-09")),
    (None, dt.date(2026, 3, 9), dt.datetime(2026, 3, 10, 8, 0), "ENROLL_INSURANCE_ENDED", ("2026-03-09",)),
])
def test_the_settlement_path_refuses_a_visit_outside_cover_from_the_insurance_it_locked(begins, ends, begntime, code, words):
    """Platform.price_visit decides on the insurance read with the person's lock; nothing else is read."""
    from yibao.app.platform import Platform

    from ..refusals import refused

    uow = FakeUnitOfWork(actors.institution("H51010000001", "M1"), NOW)
    uow.settlements = object()  # a repository without methods: any further read would fail
    insurance = {"psn_no": "P1", "insutype": "390", "psn_insu_stas": "1", "insuplc_admdvs": "510100",
                 "benefit_begndate": begins, "insu_enddate": ends}
    visit = {"mdtrt_id": "V1", "psn_no": "P1", "insutype": "390", "begntime": begntime, "endtime": None}
    with refused(code, "P1", *words):
        Platform(database=None).price_visit(uow, visit, {"admdvs": "510100"}, [], med_type="11", acct_used_flag=False,
                                            lock=True, family_link=None,
                                            locked={"person": {"psn_no": "P1", "family_psn_no": None}, "insurance": insurance})
