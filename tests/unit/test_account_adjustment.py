"""The account adjustment use case against the in-memory unit of work (milliseconds)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from yibao.app import actors
from yibao.app.accounts import adjust
from yibao.domain.ledger import psn_acct

from ..refusals import refused
from .fakes import FakeUnitOfWork


def world(balance_fen: int | None = 10_000) -> FakeUnitOfWork:
    uow = FakeUnitOfWork(actors.operator("王五"))
    uow.persons.rows["P1"] = {"psn_no": "P1", "family_psn_no": None}
    uow.persons.insurance_rows["P1"] = [{"insutype": "390", "insuplc_admdvs": "441500"},
                                        {"insutype": "310", "insuplc_admdvs": "441502"}]
    if balance_fen is not None:
        uow.accounts.entries.append(dict(psn_no="P1", seq=1, amount_fen=balance_fen, balance_after_fen=balance_fen,
                                         kind="opening", setl_id=None, actor=""))
    return uow


def test_an_adjustment_appends_one_entry_posts_the_ledger_and_names_the_operator():
    uow = world()
    with uow:
        result = adjust(uow, "P1", Decimal("-20.50"), "更正重复划入")
    assert (result.balance_before, result.balance_after) == (Decimal("100.00"), Decimal("79.50"))
    assert uow.persons.locked == ["P1"] and uow.committed == 1
    last = uow.accounts.entries[-1]
    assert (last["seq"], last["amount_fen"], last["balance_after_fen"], last["kind"]) == (2, -2050, 7950, "adjustment")
    assert last["actor"] == "operator:王五 reason:更正重复划入"
    [entry] = uow.ledger.entries
    # The employee insurance's region funds the account (310 before 390).
    assert {p.account: p.amount_fen for p in entry.postings} == {"acct_funding:441502": -2050, psn_acct("P1"): 2050}
    [(actor, action, subject, detail)] = uow.actions.rows
    assert (actor.label(), action, subject) == ("operator:王五", "account.adjust", "P1")
    assert (detail["balance_before_fen"], detail["balance_after_fen"]) == (10_000, 7_950)


def test_an_account_with_no_entries_can_be_opened_by_an_adjustment():
    uow = world(balance_fen=None)
    with uow:
        result = adjust(uow, "P1", Decimal("5"), "期初补录")
    assert result.balance_after == Decimal("5.00") and uow.accounts.entries[-1]["seq"] == 1


@pytest.mark.parametrize("psn_no, amount, reason, code, words", [
    ("P1", Decimal("-100.01"), "x", "ACCOUNT_BELOW_ZERO", ["当前余额 100.00 元，调整 -100.01 元"]),
    ("P1", Decimal("0"), "x", "ACCOUNT_ZERO_AMOUNT", []),
    ("P1", Decimal("1.001"), "x", "ACCOUNT_BAD_AMOUNT", ["1.001"]),
    ("P1", Decimal("1"), "  ", "ACCOUNT_REASON_REQUIRED", []),
    ("P9", Decimal("1"), "x", "PERSON_NOT_FOUND", ["参保人 P9 不存在"]),
])
def test_refusals_write_nothing(psn_no, amount, reason, code, words):
    uow = world()
    with refused(code, *words):
        with uow:
            adjust(uow, psn_no, amount, reason)
    assert len(uow.accounts.entries) == 1 and uow.ledger.entries == [] and uow.actions.rows == []
    assert uow.committed == 0


def test_the_whole_balance_can_be_taken_out_but_not_a_fen_more():
    uow = world()
    with uow:
        assert adjust(uow, "P1", Decimal("-100.00"), "清零").balance_after == Decimal("0.00")
    with refused("ACCOUNT_BELOW_ZERO", "最多可减少 0.00 元"):
        with uow:
            adjust(uow, "P1", Decimal("-0.01"), "再减")
