"""``uow.reconciliation``: an institution's settlement totals and rows for a period, and its
clearing applications (3201–3204)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import case, func, insert, select, update

from .. import repository as repo
from .. import tables as t


def _in_period(s, fixmedins_code: str, begin: dt.date, end: dt.date):
    return (s.c.fixmedins_code == fixmedins_code, s.c.setl_time >= dt.datetime.combine(begin, dt.time()),
            s.c.setl_time < dt.datetime.combine(end + dt.timedelta(days=1), dt.time()))


class Repository:
    def __init__(self, conn, now: dt.datetime):
        self.conn, self.now = conn, now

    def totals(self, fixmedins_code: str, begin: dt.date, end: dt.date, clr_type: str | None,
               insutype: str | None) -> tuple[int, int, int, int, int, int]:
        """Rows, net settlements (a reversal counts -1), medical fees, fund, account and cash (fen)."""
        s = t.settlements
        query = select(
            func.count(), func.coalesce(func.sum(case((s.c.kind == "settlement", 1), else_=-1)), 0),
            func.coalesce(func.sum(s.c.medfee_sumamt_fen), 0), func.coalesce(func.sum(s.c.fund_pay_sumamt_fen), 0),
            func.coalesce(func.sum(s.c.acct_pay_fen), 0), func.coalesce(func.sum(s.c.psn_cash_pay_fen), 0),
        ).where(*_in_period(s, fixmedins_code, begin, end))
        if clr_type:
            query = query.where(s.c.clr_type == clr_type)
        if insutype:
            query = query.where(s.c.insutype == insutype)
        return tuple(int(value) for value in self.conn.execute(query).one())

    def settlements_in_period(self, fixmedins_code: str, begin: dt.date, end: dt.date) -> dict[str, dict]:
        s = t.settlements
        rows = self.conn.execute(select(s).where(*_in_period(s, fixmedins_code, begin, end))).mappings()
        return {row["setl_id"]: dict(row) for row in rows}

    def lock_applications_of(self, fixmedins_code: str, clr_type: str) -> None:
        """One institution's applications of a clearing type queue here (docs/locking.md, rank 4)."""
        repo.lock_key(self.conn, f"clearing-application/{fixmedins_code}/{clr_type}")

    def overlapping_application(self, fixmedins_code: str, clr_type: str, begin: dt.date, end: dt.date) -> str | None:
        a = t.clearing_applications
        row = self.conn.execute(select(a.c.clr_appy_evt_id).where(
            a.c.fixmedins_code == fixmedins_code, a.c.clr_type == clr_type, a.c.status == "applied",
            a.c.begndate <= end, a.c.enddate >= begin)).first()
        return row[0] if row else None

    def add_application(self, row: dict) -> None:
        self.conn.execute(insert(t.clearing_applications).values(**row))

    def lock_application(self, clr_appy_evt_id: str) -> dict | None:
        """The application row, locked and read after the lock (docs/locking.md, rank 4)."""
        a = t.clearing_applications
        query = select(a).where(a.c.clr_appy_evt_id == clr_appy_evt_id)
        if self.conn.dialect.name == "postgresql":
            query = query.with_for_update()
        row = self.conn.execute(query).mappings().first()
        return dict(row) if row else None

    def cancel_application(self, clr_appy_evt_id: str, at: dt.datetime) -> None:
        a = t.clearing_applications
        self.conn.execute(update(a).where(a.c.clr_appy_evt_id == clr_appy_evt_id).values(status="cancelled", cancelled_at=at))
