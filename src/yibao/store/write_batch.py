"""A request's inserts sent to PostgreSQL together, in one statement, when its transaction ends.

The settlement path writes a settlement, account entries, accumulator deltas, a ledger entry
with its postings and the request log: six or seven statements, each a round trip, although
nothing in the request reads them back. Inside ``deferred(conn)`` the repositories hand such
rows to the batch instead (``defer``), and the batch sends them as one statement of
data-modifying CTEs (PostgreSQL runs every one of them exactly once, in order, whether the
outer query reads it or not) at ``flush``: explicitly at the end of the request, and
automatically before any other statement of the transaction, so a read always sees the rows
written before it (like an ORM session's autoflush). Constraint and type errors are the
database's, raised at the flush instead of at the insert; either way the transaction rolls
back. SQLite (in-process, no round trips) inserts at once.
"""

from __future__ import annotations

import datetime as dt
import json
from contextlib import contextmanager
from contextvars import ContextVar
from decimal import Decimal
from typing import Iterator

from sqlalchemy import Connection, Table, event

from yibao.domain import ledger as rules

from . import tables as t

_current: ContextVar["WriteBatch | None"] = ContextVar("current_write_batch", default=None)
_sql_cache: dict[tuple, str] = {}


class WriteBatch:
    def __init__(self, conn: Connection):
        self.conn = conn
        self.parts: list[tuple[Table, tuple[str, ...], list[dict]]] = []
        self.flushing = False

    def add(self, table: Table, rows: list[dict]) -> None:
        columns = tuple(rows[0])
        assert all(tuple(row) == columns for row in rows), "one column list per part"
        self.parts.append((table, columns, rows))

    def flush(self) -> None:
        if not self.parts or self.flushing:
            return
        parts, self.parts = self.parts, []
        shape = tuple((table.name, columns) for table, columns, _ in parts)
        sql = _sql_cache.get(shape)
        if sql is None:
            sql = _sql_cache[shape] = _statement(shape)
        # One JSON parameter per part: a short statement with few parameters, so the driver
        # converts it once per shape (psycopg caches statements of at most 50 parameters).
        params = tuple(json.dumps(rows, default=_json_value, ensure_ascii=False) for _, _, rows in parts)
        self.flushing = True
        try:
            # On the driver connection, prepared (driver_sql.py): the batch is the request's
            # largest statement and SQLAlchemy's execution context would only cost CPU here.
            from .driver_sql import execute_text

            execute_text(self.conn, sql, params)
        finally:
            self.flushing = False


def _json_value(value):
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"cannot send {type(value).__name__} in a write batch")


def _statement(shape: tuple) -> str:
    """One statement inserting every part: ``WITH w0 AS (INSERT ... SELECT ... FROM
    json_populate_recordset(NULL::table, $1)), w1 AS (...) SELECT 1``. A ledger entry's
    postings take the entry's generated id from the CTE that inserted it."""
    ctes = []
    last_entry = None
    for i, (table, columns) in enumerate(shape):
        names = ", ".join(columns)
        rows = f"json_populate_recordset(NULL::{table}, %s::json) AS r"
        if table == t.ledger_entries.name:
            ctes.append(f"w{i} AS (INSERT INTO {table} ({names}) SELECT {names} FROM {rows} RETURNING entry_id)")
            last_entry = f"w{i}"
        elif table == t.ledger_postings.name:
            assert last_entry is not None and columns == ("account", "amount_fen"), "postings follow their entry"
            ctes.append(f"w{i} AS (INSERT INTO {table} (entry_id, account, amount_fen) "
                        f"SELECT {last_entry}.entry_id, r.account, r.amount_fen FROM {last_entry}, {rows})")
        else:
            ctes.append(f"w{i} AS (INSERT INTO {table} ({names}) SELECT {names} FROM {rows})")
    return "WITH " + ", ".join(ctes) + " SELECT 1"


@contextmanager
def deferred(conn: Connection) -> Iterator[WriteBatch | None]:
    """Defer this transaction's inserts on PostgreSQL until ``flush`` (or the next statement)."""
    if conn.dialect.name != "postgresql":
        yield None
        return
    batch = WriteBatch(conn)
    token = _current.set(batch)
    try:
        yield batch
        batch.flush()
    finally:
        _current.reset(token)


def defer(conn: Connection, table: Table, rows: list[dict]) -> bool:
    """Hand ``rows`` to the open batch of ``conn``; False when there is none (insert now)."""
    batch = _current.get()
    if batch is None or batch.conn is not conn or not rows:
        return False
    batch.add(table, rows)
    return True


def defer_ledger_entry(conn: Connection, entry: rules.Entry, now) -> bool:
    batch = _current.get()
    if batch is None or batch.conn is not conn:
        return False
    batch.add(t.ledger_entries, [{"kind": entry.kind, "ref": entry.ref, "created_at": now}])
    batch.add(t.ledger_postings, [{"account": p.account, "amount_fen": p.amount_fen} for p in entry.postings])
    return True


def flush_pending(conn: Connection) -> None:
    """Send the rows pending on ``conn`` before a statement that does not pass through
    SQLAlchemy's events (driver_sql.py), as ``install_autoflush`` does for the others."""
    batch = _current.get()
    if batch is not None and batch.parts and not batch.flushing and batch.conn is conn:
        batch.flush()


def install_autoflush(engine) -> None:
    """Before any statement on a connection with pending rows, send them first."""

    @event.listens_for(engine, "before_execute")
    def _flush_first(conn, clauseelement, multiparams, params, execution_options):
        batch = _current.get()
        if batch is not None and batch.parts and not batch.flushing and batch.conn is conn:
            batch.flush()
