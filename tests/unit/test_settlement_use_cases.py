"""Storing and reversing a settlement over a fake unit of work (milliseconds, no database):
the reversal restores the account and the accumulators exactly and balances the ledger."""

from __future__ import annotations

import collections
import dataclasses
import datetime as dt
from pathlib import Path

import pytest

from yibao.app import actors
from yibao.app.platform import Platform, Priced
from yibao.documents.case_document import load_case
from yibao.domain.settle import settle
from yibao.store.repository import to_fen

from ..refusals import refused
from .fake_settlements import FakeSettlements
from .fakes import FakeUnitOfWork

GOLDEN = Path(__file__).resolve().parent.parent / "golden"
NOW = dt.datetime(2026, 12, 1, 10, 0)


def unit_for(case_name: str):
    case = load_case(GOLDEN / f"{case_name}.case.json")
    uow = FakeUnitOfWork(actors.institution("H00000000001", "M1"), NOW)
    uow.settlements = FakeSettlements(uow.accounts)
    person = case.person
    family = "FAMILY-OWNER" if person.mutual_aid_balance else None
    if family:  # the case file's family account, as the platform names it: the bound owner's
        person = dataclasses.replace(person, mutual_aid_accounts=((family, person.mutual_aid_balance),))
        case = dataclasses.replace(case, person=person)
    # opening balances as the account chains' first entries
    tips = {}
    for psn_no, balance in ((person.psn_no, person.acct_balance), (family, person.mutual_aid_balance)):
        if psn_no:
            uow.accounts.append(psn_no, to_fen(balance), "opening", setl_id=None, actor="import", tip=(0, 0))
            tips[psn_no] = (1, to_fen(balance))
    priced = Priced(settle(case), case, 1, {"psn_no": person.psn_no, "family_psn_no": family},
                    {"insutype": person.insutype}, case.visit.enddate.year, family, None, None, tips)
    visit = {"mdtrt_id": "M-1", "psn_no": person.psn_no, "insutype": person.insutype, "kind": "outpatient"}
    return uow, priced, visit


def net_accumulators(rows: list[dict]) -> dict:
    totals: dict = collections.Counter()
    for row in rows:
        totals[(row["category"], row["key"])] += row["amount"]
    return {key: value for key, value in totals.items() if value}


@pytest.mark.parametrize("case_name", ["ex2b_resident_outpatient_family_account", "ex6_retiree_outpatient_pooling"])
def test_the_reversal_restores_accounts_and_accumulators_and_balances_the_ledger(case_name):
    uow, priced, visit = unit_for(case_name)
    platform = Platform(database=None)
    balances_before = uow.accounts.tips([visit["psn_no"], priced.family_psn_no])
    with uow:
        stored = platform.store_settlement(uow, priced, visit, {"fixmedins_code": "H00000000001"}, msgid="M1", infno="2207")
    s = priced.settlement
    assert stored["acct_pay_fen"] == to_fen(s.acct_pay) and stored["acct_mulaid_pay_fen"] == to_fen(s.acct_mulaid_pay)
    after = uow.accounts.tips([visit["psn_no"]])[visit["psn_no"]][1]
    assert after == balances_before[visit["psn_no"]][1] - to_fen(s.acct_pay)
    assert net_accumulators(uow.settlements.accumulators)  # the settlement counted
    with uow:
        reversal = platform.reverse_settlement(uow, stored, msgid="M2", infno="2208", actor="H00000000001/M2")
    assert reversal["reverses_setl_id"] == stored["setl_id"] and reversal["medfee_sumamt_fen"] == -stored["medfee_sumamt_fen"]
    assert uow.accounts.tips([visit["psn_no"], priced.family_psn_no]) == {
        psn: (seq + (2 if moved else 0), balance) for psn, (seq, balance) in balances_before.items()
        for moved in [bool(s.acct_pay if psn == visit["psn_no"] else s.acct_mulaid_pay)]}
    assert net_accumulators(uow.settlements.accumulators) == {}
    assert all(amount == 0 for amount in uow.ledger.balances().values())
    assert sorted(uow.settlements.locked) == sorted({visit["psn_no"], *([priced.family_psn_no] if priced.family_psn_no else [])})


def test_a_settlement_is_reversed_once_and_a_second_reversal_changes_nothing():
    uow, priced, visit = unit_for("ex6_retiree_outpatient_pooling")
    platform = Platform(database=None)
    with uow:
        stored = platform.store_settlement(uow, priced, visit, {"fixmedins_code": "H00000000001"}, msgid="M1", infno="2207")
        platform.reverse_settlement(uow, stored, msgid="M2", infno="2208")
    entries, rows = list(uow.accounts.entries), list(uow.settlements.rows)
    with refused("REVERSAL_ALREADY_REVERSED", stored["setl_id"]):
        with uow:
            platform.reverse_settlement(uow, stored, msgid="M3", infno="2208")
    assert uow.accounts.entries == entries and uow.settlements.rows == rows
    with refused("REVERSAL_OF_REVERSAL", rows[-1]["setl_id"]):
        platform.reverse_settlement(uow, rows[-1], msgid="M4", infno="2208")
