"""The double-entry ledger: balanced entries appended, balances and checks read back."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Connection, func, insert, select

from yibao.domain import ledger as rules

from .. import tables as t
from .. import write_batch


def post_entry(conn: Connection, entry: rules.Entry, now: dt.datetime) -> int | None:
    """Append one balanced entry; asserted on write (and checked again by ``check_ledger``).
    An entry without postings (a visit paid wholly in cash) moves no money and is not written."""
    if not entry.postings:
        return None
    rules.assert_balanced(entry)
    if write_batch.defer_ledger_entry(conn, entry, now):
        return None  # sent with the request's other rows (store/write_batch.py); its id is the database's
    result = conn.execute(insert(t.ledger_entries).values(kind=entry.kind, ref=entry.ref, created_at=now))
    entry_id = result.inserted_primary_key[0]
    conn.execute(insert(t.ledger_postings), [
        {"entry_id": entry_id, "account": posting.account, "amount_fen": posting.amount_fen} for posting in entry.postings
    ])
    return entry_id


def balance(conn: Connection, account: str) -> int:
    return int(conn.execute(select(func.coalesce(func.sum(t.ledger_postings.c.amount_fen), 0))
                            .where(t.ledger_postings.c.account == account)).scalar_one())


def balances(conn: Connection, prefix: str = "") -> dict[str, int]:
    query = select(t.ledger_postings.c.account, func.sum(t.ledger_postings.c.amount_fen)).group_by(t.ledger_postings.c.account)
    if prefix:
        query = query.where(t.ledger_postings.c.account.like(prefix + "%"))
    return {account: int(total) for account, total in conn.execute(query)}


def check_ledger(conn: Connection) -> list[str]:
    """Read-side checks: every entry balances, and the whole ledger sums to zero."""
    unbalanced = conn.execute(
        select(t.ledger_postings.c.entry_id, func.sum(t.ledger_postings.c.amount_fen))
        .group_by(t.ledger_postings.c.entry_id).having(func.sum(t.ledger_postings.c.amount_fen) != 0)
    ).all()
    errors = [f"ledger entry {entry_id} does not balance: {total} fen" for entry_id, total in unbalanced]
    total = conn.execute(select(func.coalesce(func.sum(t.ledger_postings.c.amount_fen), 0))).scalar_one()
    if total:
        errors.append(f"the ledger does not sum to zero: {total} fen")
    return errors


class Repository:
    """``uow.ledger``: post balanced entries; read balances (fen) and the read-side checks."""

    def __init__(self, conn: Connection, now: dt.datetime):
        self.conn, self.now = conn, now

    def post(self, entry: rules.Entry) -> int | None:
        return post_entry(self.conn, entry, self.now)

    def post_many(self, entries: list[rules.Entry]) -> None:
        """Append many balanced entries in three statements (a bulk import's opening entries)."""
        entries = [entry for entry in entries if entry.postings]
        for entry in entries:
            rules.assert_balanced(entry)
        if not entries:
            return
        write_batch.flush_pending(self.conn)
        ids = self.conn.execute(insert(t.ledger_entries).returning(t.ledger_entries.c.entry_id, sort_by_parameter_order=True),
                                [{"kind": e.kind, "ref": e.ref, "created_at": self.now} for e in entries]).scalars().all()
        self.conn.execute(insert(t.ledger_postings), [{"entry_id": entry_id, "account": p.account, "amount_fen": p.amount_fen}
                                                      for entry_id, entry in zip(ids, entries) for p in entry.postings])

    def balance(self, account: str) -> int:
        return balance(self.conn, account)

    def balances(self, prefix: str = "") -> dict[str, int]:
        return balances(self.conn, prefix)

    def problems(self) -> list[str]:
        return check_ledger(self.conn)
