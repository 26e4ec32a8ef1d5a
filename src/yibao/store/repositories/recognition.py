"""Catalogue recognitions between regions (migration 0027, app/recognition.py) and the regions'
catalogues as of a day, for their comparison."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Connection, insert, or_, select
from sqlalchemy.exc import IntegrityError

from yibao.domain.case import CatalogEntry

from .. import tables as t
from ..repository import caches


class Repository:
    """``uow.recognition``. Rows are plain dicts."""

    def __init__(self, conn: Connection, now: dt.datetime):
        self.conn, self.now = conn, now

    def catalogue(self, admdvs: str, day: dt.date) -> dict[str, CatalogEntry]:
        """The region's catalogue entries valid on ``day`` (its region chain, nearest wins)."""
        h = t.hilist.c
        codes = self.conn.execute(select(h.hilist_code).distinct()
                                  .where(h.insu_admdvs.in_(caches.region_chain(admdvs)))).scalars().all()
        return caches.load_catalog_entries(self.conn, admdvs, codes, day)

    def add(self, row: dict) -> None:
        self.conn.execute(insert(t.recognitions).values(**row))

    def add_step(self, row: dict) -> bool:
        """False when the recognition already has that step (the primary key decides)."""
        try:
            with self.conn.begin_nested():
                self.conn.execute(insert(t.recognition_steps).values(**row))
        except IntegrityError:
            return False
        return True

    def get(self, recognition_id: str) -> dict | None:
        found = self.of([t.recognitions.c.recognition_id == recognition_id])
        return found[0] if found else None

    def of_region(self, admdvs: str) -> list[dict]:
        c = t.recognitions.c
        return self.of([or_(c.from_admdvs == admdvs, c.to_admdvs == admdvs)])

    def of(self, conditions: list) -> list[dict]:
        rows = [dict(r) for r in self.conn.execute(select(t.recognitions).where(*conditions)
                                                   .order_by(t.recognitions.c.recognition_id)).mappings()]
        if not rows:
            return rows
        s = t.recognition_steps.c
        steps = self.conn.execute(select(s.recognition_id, s.step, s.by_admdvs, s.actor, s.recorded_at)
                                  .where(s.recognition_id.in_([r["recognition_id"] for r in rows]))).mappings().all()
        for row in rows:
            row["steps"] = [dict(step) for step in steps if step["recognition_id"] == row["recognition_id"]]
        return rows
