"""The double-entry ledger's writes (the reads stay in app/ledger.py until they move here)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Connection, insert

from yibao.domain import ledger as rules

from .. import tables as t


def post_entry(conn: Connection, entry: rules.Entry, now: dt.datetime) -> int | None:
    """Append one balanced entry; asserted on write (and checked again by ``check_ledger``).
    An entry without postings (a visit paid wholly in cash) moves no money and is not written."""
    if not entry.postings:
        return None
    rules.assert_balanced(entry)
    result = conn.execute(insert(t.ledger_entries).values(kind=entry.kind, ref=entry.ref, created_at=now))
    entry_id = result.inserted_primary_key[0]
    conn.execute(insert(t.ledger_postings), [
        {"entry_id": entry_id, "account": posting.account, "amount_fen": posting.amount_fen} for posting in entry.postings
    ])
    return entry_id
