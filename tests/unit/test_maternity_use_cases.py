"""生育登记 and 生育津贴 over a fake unit of work: the allowance's amount and ledger entry, once
per delivery; refusals for what the policy does not pay; the filing a policy may require."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import pytest

from yibao.app import actors, maternity

from ..refusals import refused
from .fakes import FakeUnitOfWork

NOW = dt.datetime(2026, 12, 1, 10, 0)
POLICY = (Path(__file__).resolve().parents[2] / "policies" / "441500-510-2024.json").read_text(encoding="utf-8")


class FakeMaternity:
    def __init__(self, persons):
        self.persons, self.filing_rows, self.allowance_rows, self.locked = persons, [], [], []

    def lock_person(self, psn_no):
        self.locked.append(psn_no)
        return self.persons.rows.get(psn_no)

    def insurance(self, psn_no, insutype):
        return next((i for i in self.persons.insurances(psn_no) if i["insutype"] == insutype), None)

    def policy_in_force(self, admdvs, insutype, day):
        return {"policy_id": 7, "document": POLICY} if (admdvs, insutype) == ("441500", "510") and day.year >= 2024 else None

    def filing_covering(self, psn_no, day):
        return next((f for f in self.filing_rows if f["psn_no"] == psn_no and f["begndate"] <= day <= f["enddate"]), None)

    def filings(self, psn_no):
        return [f for f in self.filing_rows if f["psn_no"] == psn_no]

    def add_filing(self, row):
        self.filing_rows.append(row)

    def allowance_for(self, psn_no, delivery_date):
        return next((a for a in self.allowance_rows if (a["psn_no"], a["delivery_date"]) == (psn_no, delivery_date)), None)

    def allowances(self, psn_no):
        return [a for a in self.allowance_rows if a["psn_no"] == psn_no]

    def add_allowance(self, row):
        self.allowance_rows.append(row)


@pytest.fixture
def uow():
    unit = FakeUnitOfWork(actors.agency("441500", "0badc0de"), NOW)
    unit.maternity = FakeMaternity(unit.persons)
    for psn_no, insutypes in (("MUM", ("310", "510")), ("EMP", ("310",))):
        unit.persons.rows[psn_no] = {"psn_no": psn_no}
        unit.persons.insurance_rows[psn_no] = [{"psn_no": psn_no, "insutype": i, "insuplc_admdvs": "441500",
                                                "psn_insu_stas": "1"} for i in insutypes]
    return unit


def test_the_allowance_is_computed_paid_through_the_ledger_and_paid_once(uow):
    day = dt.date(2026, 11, 20)
    with uow:
        row = maternity.pay_allowance(uow, "MUM", delivery_type="caesarean", delivery_date=day,
                                      avg_monthly_wage=Decimal("7777.77"), babies=2)
    # caesarean 193 days + 15 for the second baby = 208; 7,777.77 × 208 = 1,617,776.16; ÷ 30 = 53,925.872 → 53,925.87
    assert (row["days"], row["amount_fen"], row["policy_id"]) == (208, 5_392_587, 7)
    assert uow.ledger.balances() == {"fund:441500:510100": 5_392_587, "claimant:MUM": -5_392_587}
    assert uow.actions.rows[-1][1:3] == ("maternity.allowance", "MUM") and uow.maternity.locked == ["MUM"]
    with refused("MATERNITY_ALLOWANCE_PAID"):
        maternity.pay_allowance(uow, "MUM", delivery_type="natural", delivery_date=day, avg_monthly_wage=Decimal("9000"))
    assert maternity.public_allowance(row)["amount"] == "53925.87"


@pytest.mark.parametrize("changes, code", [
    ({"delivery_type": "twins"}, "MATERNITY_BAD_DELIVERY_TYPE"),
    ({"delivery_type": "family_planning"}, "MATERNITY_NO_ALLOWANCE"),
    ({"avg_monthly_wage": Decimal("0")}, "MATERNITY_BAD_WAGE"),
    ({"avg_monthly_wage": Decimal("100.001")}, "MATERNITY_BAD_WAGE"),
    ({"babies": 0}, "MATERNITY_BAD_BABIES"),
    ({"delivery_date": dt.date(2023, 5, 1)}, "MATERNITY_NO_POLICY"),
    ({"psn_no": "EMP"}, "PERSON_NO_ACTIVE_INSURANCE"),
    ({"psn_no": "NOBODY"}, "PERSON_NOT_FOUND"),
])
def test_refusals_leave_nothing(uow, changes, code):
    request = dict(psn_no="MUM", delivery_type="natural", delivery_date=dt.date(2026, 11, 20),
                   avg_monthly_wage=Decimal("9000"), babies=1) | changes
    with refused(code):
        with uow:
            maternity.pay_allowance(uow, request.pop("psn_no"), **request)
    assert uow.maternity.allowance_rows == [] and uow.ledger.entries == []


def test_a_filing_covers_its_period_and_is_required_only_when_asked(uow):
    filing = maternity.register_filing(uow, "MUM", dt.date(2026, 3, 1))
    assert filing["enddate"] == dt.date(2027, 3, 1) and filing["actor"] == "agency:441500/token:0badc0de"
    maternity.require_filing(uow, "MUM", dt.date(2026, 11, 20))
    with refused("MATERNITY_NOT_FILED"):
        maternity.require_filing(uow, "MUM", dt.date(2027, 4, 1))
    with refused("MATERNITY_BAD_PERIOD"):
        maternity.register_filing(uow, "MUM", dt.date(2026, 3, 1), dt.date(2026, 2, 1))
    assert json.loads(POLICY)["maternity"]["filing_required"] is False  # Shanwei asks none; Huizhou does
