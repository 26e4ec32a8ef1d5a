"""Prepayments (预付金) between an insured region and a treatment province (app/prepayment.py
is the use case; docs/locking.md rank 7 is the lock taken here)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Connection, func, insert, select, update

from .. import repository as repo
from .. import tables as t


def _year(year: int) -> tuple[dt.datetime, dt.datetime]:
    return dt.datetime(year, 1, 1), dt.datetime(year + 1, 1, 1)


class Repository:
    """``uow.prepayments``: rows are plain dicts, amounts in fen."""

    def __init__(self, conn: Connection, now: dt.datetime):
        self.conn, self.now = conn, now

    def lock_plan(self, year: int) -> None:
        """Rank 7: concurrent plans of one year queue here."""
        repo.lock_key(self.conn, f"prepayment-plan/{year}")

    def annual_pairs(self, year: int) -> set[tuple[str, str]]:
        """The (insured region, treatment province) pairs that already have the year's annual prepayment."""
        p = t.prepayments
        return {(r.insured_admdvs, r.treatment_prov) for r in self.conn.execute(
            select(p.c.insured_admdvs, p.c.treatment_prov).where(p.c.year == year, p.c.kind == "annual"))}

    def cross_province_payments(self, year: int) -> dict[tuple[str, str], int]:
        """Fund and account payments (net of reversals, fen) per (insured region, treatment province)."""
        s = t.settlements
        prov = func.substr(s.c.mdtrtarea_admvs, 1, 2)
        start, end = _year(year)
        rows = self.conn.execute(
            select(s.c.insuplc_admdvs, prov, func.sum(s.c.fund_pay_sumamt_fen + s.c.acct_pay_fen + s.c.acct_mulaid_pay_fen))
            .where(s.c.setl_time >= start, s.c.setl_time < end, func.substr(s.c.insuplc_admdvs, 1, 2) != prov)
            .group_by(s.c.insuplc_admdvs, prov)
        ).all()
        return {(insured, f"{p}0000"): int(total) for insured, p, total in rows if total}

    def uncleared_cross_province_payments(self, year: int) -> dict[tuple[str, str], int]:
        """The year's cross-province fund and account payments (fen) not yet on a paid statement,
        per (insured region, treatment province)."""
        ci, cs, s = t.clearing_items, t.clearing_statements, t.settlements
        paid_items = (
            select(ci.c.setl_id)
            .join(cs, (cs.c.month == ci.c.month) & (cs.c.insuplc_admdvs == ci.c.insuplc_admdvs)
                  & (cs.c.mdtrtarea_admvs == ci.c.mdtrtarea_admvs))
            .where(cs.c.status == "paid")
        )
        prov = func.substr(s.c.mdtrtarea_admvs, 1, 2)
        start, end = _year(year)
        return {(insured, f"{p}0000"): int(total) for insured, p, total in self.conn.execute(
            select(s.c.insuplc_admdvs, prov, func.sum(s.c.fund_pay_sumamt_fen + s.c.acct_pay_fen + s.c.acct_mulaid_pay_fen))
            .where(s.c.setl_time >= start, s.c.setl_time < end,
                   func.substr(s.c.insuplc_admdvs, 1, 2) != prov, s.c.setl_id.not_in(paid_items))
            .group_by(s.c.insuplc_admdvs, prov))}

    def of_year(self, year: int) -> list[dict]:
        return [dict(row) for row in self.conn.execute(select(t.prepayments).where(t.prepayments.c.year == year)).mappings()]

    def add(self, row: dict) -> None:
        self.conn.execute(insert(t.prepayments).values(**row))

    def get(self, prepay_id: str) -> dict | None:
        return self._get(prepay_id, lock=False)

    def lock(self, prepay_id: str) -> dict | None:
        """Rank 7: the prepayment row locked (PostgreSQL) and read after the lock; None if unknown."""
        return self._get(prepay_id, lock=True)

    def _get(self, prepay_id: str, *, lock: bool) -> dict | None:
        query = select(t.prepayments).where(t.prepayments.c.prepay_id == prepay_id)
        if lock and self.conn.dialect.name == "postgresql":
            query = query.with_for_update()
        row = self.conn.execute(query).mappings().first()
        return None if row is None else dict(row)

    def update(self, prepay_id: str, values: dict) -> None:
        self.conn.execute(update(t.prepayments).where(t.prepayments.c.prepay_id == prepay_id).values(**values))
