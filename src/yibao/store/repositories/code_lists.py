"""The national code lists without prices (app/code_lists.py): diagnoses, procedures and the
other lists of 1309–1315."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import insert, select, update

from .. import tables as t


class Repository:
    def __init__(self, conn, now: dt.datetime):
        self.conn, self.now = conn, now

    def upsert(self, list_kind: str, rows: list[dict], ver: int) -> None:
        """Each row replaces the stored row of its code, or is added, with ``ver`` (not
        financial: a code list row is reference data, replaced by the list's next import)."""
        c = t.code_lists.c
        codes = [row["code"] for row in rows]
        stored = set(self.conn.execute(select(c.code).where(c.list_kind == list_kind, c.code.in_(codes))).scalars())
        for row in rows:
            values = dict(row, ver=ver, updated_at=self.now)
            if row["code"] in stored:
                self.conn.execute(update(t.code_lists).where(c.list_kind == list_kind, c.code == row["code"]).values(**values))
            else:
                self.conn.execute(insert(t.code_lists).values(list_kind=list_kind, **values))

    def rows_after(self, list_kind: str, ver: int) -> list[dict]:
        c = t.code_lists.c
        query = select(t.code_lists).where(c.list_kind == list_kind, c.ver > ver).order_by(c.ver, c.code)
        return [dict(row) for row in self.conn.execute(query).mappings()]
