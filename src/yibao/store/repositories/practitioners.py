"""``uow.practitioners``: the practitioners registered with an institution (5102)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from .. import tables as t


class Repository:
    def __init__(self, conn, now: dt.datetime):
        self.conn, self.now = conn, now

    def of_institution(self, fixmedins_code: str) -> list[dict]:
        p = t.practitioners
        rows = self.conn.execute(select(p).where(p.c.fixmedins_code == fixmedins_code).order_by(p.c.prac_psn_code))
        return [dict(row) for row in rows.mappings()]

    def institution_exists(self, fixmedins_code: str) -> bool:
        i = t.institutions
        return self.conn.execute(select(i.c.fixmedins_code).where(i.c.fixmedins_code == fixmedins_code)).first() is not None
