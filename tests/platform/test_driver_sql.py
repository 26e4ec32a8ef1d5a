"""The hot statements run on the driver connection (store/driver_sql.py) read what SQLAlchemy
reads on both backends, see the write batch's pending rows, are seen by the engine's statement
listeners, and fail with SQLAlchemy's own exceptions (the dispatcher's retry paths rely on it)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import bindparam, event, select
from sqlalchemy.exc import IntegrityError

from yibao.store import driver_sql
from yibao.store import repository as repo
from yibao.store import tables as t
from yibao.store import write_batch

NOW = dt.datetime(2026, 12, 1, 9, 0)
rl = t.request_log.c
# A literal bound in the statement itself, an expanding IN and labels: what the hot statements use.
BY_MSGIDS = (select(rl.msgid, rl.infno.label("transaction"), rl.received_at, rl.infcode)
             .where(rl.msgid.in_(bindparam("msgids", expanding=True)), rl.infno == "2207").order_by(rl.msgid))


def log(conn, msgid: str, infno: str = "2207") -> None:
    repo.log_request(conn, "H1", msgid, infno, "0" * 64, NOW, '{"ok": 1}')


@pytest.mark.parametrize("msgids", [[], ["M1"], ["M1", "M2", "M3", "M9"]])
def test_driver_reads_equal_sqlalchemy_reads(database, msgids):
    with database.write() as conn:
        for msgid, infno in (("M1", "2207"), ("M2", "2207"), ("M3", "2204")):
            log(conn, msgid, infno)
    with database.read() as conn:
        expected = [dict(row) for row in conn.execute(BY_MSGIDS, {"msgids": msgids}).mappings()]
        assert driver_sql.all_mappings(conn, BY_MSGIDS, {"msgids": msgids}) == expected
        assert driver_sql.all_tuples(conn, BY_MSGIDS, {"msgids": msgids}) == [tuple(row.values()) for row in expected]
        assert driver_sql.first_mapping(conn, BY_MSGIDS, {"msgids": msgids}) == (expected[0] if expected else None)
    assert [row["msgid"] for row in expected] == [m for m in ("M1", "M2") if m in msgids]
    if expected:
        assert expected[0] == {"msgid": "M1", "transaction": "2207", "received_at": NOW, "infcode": 0}


def test_driver_reads_see_pending_rows_and_are_counted(database):
    seen: list[str] = []

    def listener(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    event.listen(database.engine, "before_cursor_execute", listener)
    try:
        with database.write() as conn, write_batch.deferred(conn):
            log(conn, "M1")
            rows = driver_sql.all_mappings(conn, BY_MSGIDS, {"msgids": ["M1"]})
    finally:
        event.remove(database.engine, "before_cursor_execute", listener)
    assert [row["msgid"] for row in rows] == ["M1"]
    statements = [s for s in seen if not s.lstrip().upper().startswith(("BEGIN", "COMMIT", "PRAGMA"))]
    # the pending insert is sent first, then the read: two statements on either backend
    assert len(statements) == 2 and statements[0].lstrip().upper().startswith(("WITH", "INSERT"))


def test_driver_errors_are_sqlalchemy_errors_and_roll_back(database):
    with database.write() as conn:
        log(conn, "M1")
    with pytest.raises(IntegrityError):
        with database.write() as conn, write_batch.deferred(conn):
            log(conn, "M2")
            log(conn, "M1")  # the request log's key refuses it, at the flush on PostgreSQL
            driver_sql.all_mappings(conn, BY_MSGIDS, {"msgids": ["M1"]})
    with database.read() as conn:
        assert [row["msgid"] for row in driver_sql.all_mappings(conn, BY_MSGIDS, {"msgids": ["M1", "M2"]})] == ["M1"]
