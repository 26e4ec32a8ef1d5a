"""The action log's queries: append a row, read rows back. Nothing here updates or deletes
(migration 0006 makes the database refuse both)."""

from __future__ import annotations

import datetime as dt
import json

from sqlalchemy import Connection, insert, select

from . import tables as t


def detail_text(detail: dict) -> str:
    """The detail as stored: small JSON for people reading the log (ids and fen amounts)."""
    return json.dumps(detail, ensure_ascii=False, sort_keys=True, default=str)


def append(conn: Connection, *, at: dt.datetime, actor_kind: str, actor_party: str, actor_ref: str, action: str,
           subject: str, detail: str) -> int:
    """One row in the caller's transaction: it commits or rolls back with the action it records."""
    result = conn.execute(insert(t.action_log).values(
        at=at, actor_kind=actor_kind, actor_party=actor_party, actor_ref=actor_ref, action=action, subject=subject,
        detail=detail))
    return int(result.inserted_primary_key[0])


def entries(conn: Connection, *, subject: str | None = None, action: str | None = None) -> list[dict]:
    """Rows in the order they were written, optionally for one subject or one action."""
    query = select(t.action_log).order_by(t.action_log.c.action_id)
    if subject is not None:
        query = query.where(t.action_log.c.subject == subject)
    if action is not None:
        query = query.where(t.action_log.c.action == action)
    return [dict(row) for row in conn.execute(query).mappings()]
