"""An in-memory unit of work (app/unit_of_work.py) for testing use cases in milliseconds,
as cosmicpython's tests/unit/test_handlers.py does with its FakeUnitOfWork."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from yibao.app.actors import Actor
from yibao.domain import ledger as rules


@dataclass
class FakePersons:
    rows: dict[str, dict] = field(default_factory=dict)
    insurance_rows: dict[str, list[dict]] = field(default_factory=dict)
    locked: list[str] = field(default_factory=list)

    def get(self, psn_no):
        return self.rows.get(psn_no)

    def lock(self, psn_nos):
        wanted = sorted({p for p in psn_nos if p})
        self.locked += wanted
        return {p: self.rows[p] for p in wanted if p in self.rows}

    def insurances(self, psn_no):
        return self.insurance_rows.get(psn_no, [])


@dataclass
class FakeAccounts:
    entries: list[dict] = field(default_factory=list)

    def tips(self, psn_nos):
        tips = {}
        for entry in self.entries:
            if entry["psn_no"] in psn_nos:
                tips[entry["psn_no"]] = (entry["seq"], entry["balance_after_fen"])
        return tips

    def append(self, psn_no, amount_fen, kind, *, setl_id, actor, tip):
        # The chain rules the database enforces (migration 0005), enforced here too.
        assert self.tips([psn_no]).get(psn_no, (0, 0)) == tip, "the tip is not the last entry"
        after = tip[1] + amount_fen
        assert after >= 0, "ck_account_entries_not_negative"
        self.entries.append(dict(psn_no=psn_no, seq=tip[0] + 1, amount_fen=amount_fen, balance_after_fen=after,
                                 kind=kind, setl_id=setl_id, actor=actor))
        return after


@dataclass
class FakeLedger:
    entries: list[rules.Entry] = field(default_factory=list)

    def post(self, entry):
        if not entry.postings:
            return None
        rules.assert_balanced(entry)
        self.entries.append(entry)
        return len(self.entries)

    def post_many(self, entries):
        for entry in entries:
            self.post(entry)

    def balances(self, prefix=""):
        totals: dict[str, int] = {}
        for entry in self.entries:
            for posting in entry.postings:
                if posting.account.startswith(prefix):
                    totals[posting.account] = totals.get(posting.account, 0) + posting.amount_fen
        return totals

    def balance(self, account):
        return self.balances(account).get(account, 0)

    def problems(self):
        return []  # every entry was asserted balanced when posted


@dataclass
class FakeActions:
    actor: Actor
    rows: list[tuple] = field(default_factory=list)

    def record(self, action, subject, detail):
        self.rows.append((self.actor, action, subject, detail))
        return len(self.rows)


class FakeUnitOfWork:
    """Commits on a normal exit; an exception restores every repository as it was."""

    def __init__(self, actor: Actor, now: dt.datetime = dt.datetime(2026, 12, 1, 9, 0)):
        self.actor, self.now = actor, now
        self.persons, self.accounts, self.ledger = FakePersons(), FakeAccounts(), FakeLedger()
        self.actions = FakeActions(actor)
        self.committed = 0

    def __enter__(self):
        self._saved = ([dict(e) for e in self.accounts.entries], list(self.ledger.entries), list(self.actions.rows))
        return self

    def __exit__(self, kind, value, traceback):
        if kind is None:
            self.committed += 1
        else:
            self.accounts.entries, self.ledger.entries, self.actions.rows = self._saved
