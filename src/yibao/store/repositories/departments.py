"""``uow.departments``: an institution's departments (科室) as chains of rows (3401–3403, 5101)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import insert, select

from .. import repository as repo
from .. import tables as t


def _tips():
    d, later = t.departments, t.departments.alias("later")
    replaced = select(later.c.dept_id).where(later.c.replaces_dept_id == d.c.dept_id).exists()
    return select(d).where(~replaced)


class Repository:
    def __init__(self, conn, now: dt.datetime):
        self.conn, self.now = conn, now

    def lock(self, fixmedins_code: str, hosp_dept_codg: str) -> None:
        """docs/locking.md, rank 11 (PostgreSQL advisory lock; SQLite writers queue)."""
        repo.lock_key(self.conn, f"department/{fixmedins_code}/{hosp_dept_codg}")

    def tip(self, fixmedins_code: str, hosp_dept_codg: str) -> dict | None:
        d = t.departments
        row = self.conn.execute(_tips().where(d.c.fixmedins_code == fixmedins_code,
                                              d.c.hosp_dept_codg == hosp_dept_codg)).mappings().first()
        return dict(row) if row else None

    def add(self, row: dict) -> int:
        values = {key: value for key, value in row.items() if key != "dept_id"}
        return self.conn.execute(insert(t.departments).values(**values).returning(t.departments.c.dept_id)).scalar_one()

    def tips(self, fixmedins_code: str) -> list[dict]:
        d = t.departments
        rows = self.conn.execute(_tips().where(d.c.fixmedins_code == fixmedins_code).order_by(d.c.hosp_dept_codg))
        return [dict(row) for row in rows.mappings()]
