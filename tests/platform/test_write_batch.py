"""The request's write batch (store/write_batch.py) on both backends: rows deferred on
PostgreSQL are seen by the next read of the same transaction, reach the database with the
transaction, vanish with a rollback, and a ledger entry's postings carry its generated id;
SQLite writes at once. Either way the stored rows are the same."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from yibao.domain import ledger as rules
from yibao.store import repository as repo
from yibao.store import tables as t
from yibao.store import write_batch
from yibao.store.repositories.ledger import post_entry


NOW = dt.datetime(2026, 12, 1, 9, 0)


def log(conn, msgid: str) -> None:
    repo.log_request(conn, "H1", msgid, "2207", "0" * 64, NOW, '{"ok": "是"}')


def entry(ref: str) -> rules.Entry:
    return rules.Entry("settlement", ref, (rules.Posting("fund:A", -150), rules.Posting("medins:H1", 150)))


def test_deferred_rows_are_read_back_committed_and_carry_the_ledger_entry_id(database):
    with database.write() as conn, write_batch.deferred(conn) as batch:
        log(conn, "M1")
        post_entry(conn, entry("S1"), NOW)
        if batch is not None:  # PostgreSQL: nothing sent yet
            assert [table.name for table, _, _ in batch.parts] == ["request_log", "ledger_entries", "ledger_postings"]
        seen = repo.logged_request(conn, "H1", "M1")  # the read flushes first
        assert seen is not None and seen["output"] == '{"ok": "是"}'
        log(conn, "M2")
    with database.read() as conn:
        assert [row.msgid for row in conn.execute(select(t.request_log.c.msgid).order_by(t.request_log.c.msgid))] == ["M1", "M2"]
        [entry_id] = [row.entry_id for row in conn.execute(select(t.ledger_entries.c.entry_id))]
        postings = conn.execute(select(t.ledger_postings.c.entry_id, t.ledger_postings.c.account,
                                       t.ledger_postings.c.amount_fen).order_by(t.ledger_postings.c.account)).all()
    assert [tuple(p) for p in postings] == [(entry_id, "fund:A", -150), (entry_id, "medins:H1", 150)]


def test_a_failed_flush_or_a_refusal_leaves_nothing(database):
    with database.write() as conn:
        log(conn, "M1")
    with pytest.raises(IntegrityError):  # the same msgid again: the request log's key refuses it
        with database.write() as conn, write_batch.deferred(conn):
            post_entry(conn, entry("S2"), NOW)
            log(conn, "M1")
    with pytest.raises(RuntimeError):
        with database.write() as conn, write_batch.deferred(conn):
            log(conn, "M3")
            raise RuntimeError("refused")
    with database.read() as conn:
        assert [row.msgid for row in conn.execute(select(t.request_log.c.msgid))] == ["M1"]
        assert conn.execute(select(t.ledger_entries.c.entry_id)).all() == []
