"""``uow.maternity``: 生育登记 and 生育津贴 (app/maternity.py, migration 0021)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import insert, select

from .. import repository as repo
from .. import tables as t

_f, _a = t.maternity_filings, t.maternity_allowances


class Repository:
    def __init__(self, conn, now: dt.datetime):
        self.conn, self.now = conn, now

    def lock_person(self, psn_no: str) -> dict | None:
        """Rank 3: the person's row, read after its lock."""
        return repo.lock_persons(self.conn, [psn_no]).get(psn_no)

    def insurance(self, psn_no: str, insutype: str) -> dict | None:
        return repo.insurance(self.conn, psn_no, insutype)

    def policy_in_force(self, admdvs: str, insutype: str, day: dt.date) -> dict | None:
        return repo.policy_row(self.conn, admdvs, insutype, day)

    def filing_covering(self, psn_no: str, day: dt.date) -> dict | None:
        row = self.conn.execute(select(_f).where(_f.c.psn_no == psn_no, _f.c.begndate <= day, _f.c.enddate >= day)
                                .order_by(_f.c.begndate).limit(1)).mappings().first()
        return None if row is None else dict(row)

    def filings(self, psn_no: str) -> list[dict]:
        return [dict(r) for r in self.conn.execute(select(_f).where(_f.c.psn_no == psn_no).order_by(_f.c.begndate)).mappings()]

    def add_filing(self, row: dict) -> None:
        self.conn.execute(insert(_f).values(**row))

    def allowance_for(self, psn_no: str, delivery_date: dt.date) -> dict | None:
        row = self.conn.execute(select(_a).where(_a.c.psn_no == psn_no, _a.c.delivery_date == delivery_date)).mappings().first()
        return None if row is None else dict(row)

    def allowances(self, psn_no: str) -> list[dict]:
        return [dict(r) for r in self.conn.execute(select(_a).where(_a.c.psn_no == psn_no)
                                                   .order_by(_a.c.delivery_date)).mappings()]

    def add_allowance(self, row: dict) -> None:
        self.conn.execute(insert(_a).values(**row))
