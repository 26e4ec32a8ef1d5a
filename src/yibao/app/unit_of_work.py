"""The unit of work a use case runs in: one transaction, the repositories it reads and writes
through, the acting party and the clock (cosmicpython's service_layer/unit_of_work.py).

A use case names what it needs in domain words (``uow.persons.lock``, ``uow.accounts.append``),
never SQL; ``store/unit_of_work.py`` gives the SQL one, ``tests/unit/fakes.py`` an in-memory one
so a use case is tested in milliseconds. Leaving the ``with`` block normally commits; an
exception rolls everything back (a refusal changes nothing).
"""

from __future__ import annotations

import datetime as dt
from typing import Protocol

from yibao.domain import ledger as rules

from .actors import Actor


class Transaction(Protocol):
    """An open database transaction that a use case hands through to the store unchanged
    (the settlement path, until it runs over a unit of work end to end)."""


class PersonRepository(Protocol):
    def get(self, psn_no: str) -> dict | None: ...

    def lock(self, psn_nos: list[str]) -> dict[str, dict]:
        """Lock the persons in ascending psn_no order (docs/locking.md, rank 3); the rows as read
        after the lock, by psn_no (an unknown person is absent)."""

    def insurances(self, psn_no: str) -> list[dict]: ...


class AccountRepository(Protocol):
    def tips(self, psn_nos: list[str]) -> dict[str, tuple[int, int]]:
        """Each person's last account entry as (seq, balance_after_fen); absent = no entries."""

    def append(self, psn_no: str, amount_fen: int, kind: str, *, setl_id: str | None, actor: str,
               tip: tuple[int, int]) -> int:
        """Append a movement after ``tip`` (read under the person's lock); the balance after it (fen)."""


class LedgerRepository(Protocol):
    def post(self, entry: rules.Entry) -> int | None: ...

    def post_many(self, entries: list[rules.Entry]) -> None: ...

    def balance(self, account: str) -> int:
        """The account's balance in fen (the sum of its postings)."""

    def balances(self, prefix: str = "") -> dict[str, int]: ...

    def problems(self) -> list[str]:
        """Read-side checks: unbalanced entries, a ledger that does not sum to zero."""


class ActionLog(Protocol):
    def record(self, action: str, subject: str, detail: dict) -> int:
        """One row naming the unit of work's actor (one action = one transaction = one row)."""


class UnitOfWork(Protocol):
    """Besides the repositories below, a unit of work offers one repository per subject by
    name (``uow.clearing``, ``uow.supervision``...): each use case module states the Protocol
    of the repository it needs next to its use cases (e.g. ``ClearingRepository`` in
    app/clearing.py); store/repositories/<subject>.py implements it as ``Repository``."""

    actor: Actor
    now: dt.datetime
    persons: PersonRepository
    accounts: AccountRepository
    ledger: LedgerRepository
    actions: ActionLog

    def __enter__(self) -> "UnitOfWork": ...

    def __exit__(self, *exc) -> None: ...
