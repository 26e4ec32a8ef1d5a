"""The whole database as data, to prove a refused request changed nothing."""

from __future__ import annotations

from sqlalchemy import select

from yibao.store import tables as t
from yibao.store.database import Database


def snapshot(database: Database) -> dict[str, list[tuple]]:
    state = {}
    with database.read() as conn:
        for table in t.metadata.sorted_tables:
            rows = conn.execute(select(table)).all()
            state[table.name] = sorted((tuple(str(value) for value in row) for row in rows))
    return state
