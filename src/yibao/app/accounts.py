"""``yibao account``: a personal account's balance and movements, and explicit adjustments.

Imports never change a balance (app/importing.py): after a person's opening entry, money
moves only by settlements, their reversals, and an adjustment made here by a named operator
for a stated reason. An adjustment is one account entry of kind ``adjustment`` (the operator
and the reason in its ``actor``) and one balanced ledger entry, posted the way account
funding is (``ledger.account_movement_entry``), and one action-log row (``account.adjust``,
the operator as actor), in one write transaction that holds the person's lock, so it
serializes with settlements of the same person.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Protocol

from yibao.logging_setup import mask_text
from yibao.sim.idnumbers import mask_certno
from yibao.store import repository as repo
from yibao.store.database import Database

from . import actors, ledger
from .error_codes import refusal
from .unit_of_work import UnitOfWork

log = logging.getLogger("yibao.accounts")

ADJUSTMENT = "adjustment"
ACTOR_MAX = 200  # account_entries.actor
CENT = Decimal("0.01")
LIMIT = Decimal(10) ** 10  # yuan; far above any personal account, far below the fen column's range


class AccountBookRepository(Protocol):
    """``uow.account_book`` (store/repositories/account_book.py); balances come from ``uow.accounts.tips``."""

    def movements_of(self, psn_no: str) -> list[dict]:
        """The person's account entries in chain order (seq), with amount_fen and balance_after_fen."""


@dataclass(frozen=True)
class Adjustment:
    psn_no: str
    amount: Decimal
    balance_before: Decimal
    balance_after: Decimal
    ledger_entry_id: int | None
    actor: str


def _cents(amount: Decimal) -> Decimal | None:
    """The amount with two decimals, or None when it has more, is not finite or is absurd."""
    try:
        if not amount.is_finite() or abs(amount) >= LIMIT or amount != amount.quantize(CENT):
            return None
        return amount.quantize(CENT)
    except InvalidOperation:
        return None


def parse_amount(text: str) -> Decimal:
    """A signed amount in yuan with at most two decimals (``-20``, ``+100.5``, ``12.30``)."""
    try:
        amount = _cents(Decimal(text.strip()))
    except (InvalidOperation, AttributeError):
        amount = None
    if amount is None:
        raise refusal("ACCOUNT_BAD_AMOUNT", limit=f"{LIMIT:,}", value=repr(text))
    return amount


def adjustment_actor(operator: str, reason: str) -> str:
    return f"operator:{operator} reason:{reason}"


def adjust_account(database: Database, psn_no: str, amount: Decimal, reason: str, operator: str,
                   now: dt.datetime) -> Adjustment:
    """Change a person's account balance by ``amount`` yuan (signed), recording who and why, in
    one SQL unit of work (``adjust`` is the use case)."""
    from yibao.store.unit_of_work import SqlUnitOfWork

    operator = (operator or "").strip()
    if len(operator) > actors.PARTY_MAX:
        raise refusal("ACCOUNT_OPERATOR_TOO_LONG", limit=actors.PARTY_MAX)
    if not operator:
        raise refusal("ACCOUNT_OPERATOR_REQUIRED")
    with SqlUnitOfWork(database, actors.operator(operator), now) as uow:
        result = adjust(uow, psn_no, amount, reason)
    # The person number masked, and the free text run through the ID-number mask.
    log.info(mask_text(f"account adjustment: {mask_certno(psn_no)} {result.amount:+} yuan "
                       f"({result.balance_before} -> {result.balance_after}) by {operator}: {reason}"))
    return result


def _checked_amount(amount: Decimal) -> Decimal:
    cents = _cents(amount) if isinstance(amount, Decimal) else None
    if cents is None:
        raise refusal("ACCOUNT_BAD_AMOUNT", limit=f"{LIMIT:,}", value=amount)
    if cents == 0:
        raise refusal("ACCOUNT_ZERO_AMOUNT")
    return cents


def adjust(uow: UnitOfWork, psn_no: str, amount: Decimal, reason: str) -> Adjustment:
    """The use case: lock the person (docs/locking.md, rank 3), re-read the balance, refuse a
    result below zero, append the adjustment entry, post the ledger, record the action.

    Refused (GatewayError with an ACCOUNT_ code, nothing written): a zero amount, more than two decimals, an empty
    reason or operator, an unknown person, a result below zero."""
    amount = _checked_amount(amount)
    reason = (reason or "").strip()
    if not reason:
        raise refusal("ACCOUNT_REASON_REQUIRED")
    actor = adjustment_actor(uow.actor.party, reason)
    if len(actor) > ACTOR_MAX:
        raise refusal("ACCOUNT_ACTOR_TOO_LONG", limit=ACTOR_MAX - len(adjustment_actor("", "")))
    if psn_no not in uow.persons.lock([psn_no]):
        raise refusal("PERSON_NOT_FOUND", psn_no=psn_no)
    region = _account_region(uow.persons.insurances(psn_no), psn_no)
    tip = uow.accounts.tips([psn_no]).get(psn_no, (0, 0))  # read under the lock
    before_fen, amount_fen = tip[1], repo.to_fen(amount)
    if before_fen + amount_fen < 0:
        before = repo.from_fen(before_fen)
        raise refusal("ACCOUNT_BELOW_ZERO", before=before, amount=amount)
    after_fen = uow.accounts.append(psn_no, amount_fen, ADJUSTMENT, setl_id=None, actor=actor, tip=tip)
    entry_id = uow.ledger.post(ledger.account_movement_entry(psn_no, region, amount_fen, f"adjust:{psn_no}"))
    uow.actions.record("account.adjust", psn_no, {"amount_fen": amount_fen, "balance_before_fen": before_fen,
                                                  "balance_after_fen": after_fen, "reason": reason})
    return Adjustment(psn_no, amount, repo.from_fen(before_fen), repo.from_fen(after_fen), entry_id, actor)


def _account_region(insurances: list[dict], psn_no: str) -> str:
    """The insured region whose account-funding ledger account the money comes from: the
    employee insurance's (personal accounts are employees'), else the person's first."""
    if not insurances:
        raise refusal("ACCOUNT_NOT_INSURED", psn_no=psn_no)
    chosen = next((row for row in insurances if row["insutype"] == "310"), insurances[0])
    return chosen["insuplc_admdvs"]


def account_view(uow: UnitOfWork, psn_no: str) -> dict:
    """The balance and every movement in chain order, with the balance after each (stored with
    the entry, migration 0005); the balance is the last entry's, as a settlement reads it."""
    if uow.persons.get(psn_no) is None:
        raise refusal("PERSON_NOT_FOUND", psn_no=psn_no)
    rows = uow.account_book.movements_of(psn_no)
    movements = [{
        "entry_id": row["entry_id"], "created_at": row["created_at"], "kind": row["kind"],
        "amount": repo.from_fen(int(row["amount_fen"])), "balance_after": repo.from_fen(int(row["balance_after_fen"])),
        "setl_id": row["setl_id"] or "", "actor": row["actor"] or "",
    } for row in rows]
    balance_fen = uow.accounts.tips([psn_no]).get(psn_no, (0, 0))[1]
    return {"psn_no": psn_no, "balance": repo.from_fen(balance_fen), "movements": movements}


__all__ = ["ADJUSTMENT", "Adjustment", "account_view", "adjust", "adjust_account", "adjustment_actor", "parse_amount"]
