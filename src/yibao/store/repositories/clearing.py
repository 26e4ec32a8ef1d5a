"""Monthly clearing between regions: the month's items and statements per region pair
(app/clearing.py is the use case; docs/locking.md ranks 5 to 7 are the locks taken here)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Connection, and_, case, func, insert, literal, select, update

from .. import repository as repo
from .. import tables as t


class Repository:
    """``uow.clearing``: rows are plain dicts, amounts in fen."""

    def __init__(self, conn: Connection, now: dt.datetime):
        self.conn, self.now = conn, now

    def lock_month(self, month: str) -> None:
        """Rank 5: concurrent runs of one month queue here."""
        repo.lock_key(self.conn, f"clearing-month/{month}")

    def mark_cross_region_items(self, month: str, start: dt.datetime, end: dt.datetime) -> None:
        """Mark every cross-region settlement and reversal of [start, end) not yet marked as an
        item of ``month`` (one INSERT … SELECT; the item's key clears a settlement once)."""
        s, ci = t.settlements, t.clearing_items
        already = select(ci.c.setl_id).where(ci.c.setl_id == s.c.setl_id).exists()
        self.conn.execute(insert(ci).from_select(
            ["setl_id", "month", "insuplc_admdvs", "mdtrtarea_admvs"],
            select(s.c.setl_id, literal(month), s.c.insuplc_admdvs, s.c.mdtrtarea_admvs).where(
                s.c.setl_time >= start, s.c.setl_time < end, s.c.insuplc_admdvs != s.c.mdtrtarea_admvs, ~already),
        ))

    def month_totals(self, month: str) -> list[dict]:
        """The month's items totalled per (insured region, treatment region); a reversal counts -1."""
        s, ci = t.settlements, t.clearing_items
        rows = self.conn.execute(
            select(ci.c.insuplc_admdvs, ci.c.mdtrtarea_admvs,
                   func.sum(case((s.c.kind == "settlement", 1), else_=-1)).label("setl_cnt"),
                   func.sum(s.c.medfee_sumamt_fen), func.sum(s.c.fund_pay_sumamt_fen),
                   func.sum(s.c.acct_pay_fen + s.c.acct_mulaid_pay_fen), func.sum(s.c.psn_cash_pay_fen))
            .select_from(ci.join(s, s.c.setl_id == ci.c.setl_id))
            .where(ci.c.month == month)
            .group_by(ci.c.insuplc_admdvs, ci.c.mdtrtarea_admvs)
        ).all()
        return [dict(insuplc_admdvs=insured, mdtrtarea_admvs=treated, setl_cnt=int(count), medfee_sumamt_fen=int(medfee),
                     fund_pay_sumamt_fen=int(fund), acct_pay_fen=int(acct), psn_cash_pay_fen=int(cash))
                for insured, treated, count, medfee, fund, acct, cash in rows]

    def statements_of_month(self, month: str, *, superseded: bool = False) -> list[dict]:
        """The month's live statements; with ``superseded`` the earlier versions too."""
        cs = t.clearing_statements
        query = select(cs).where(cs.c.month == month)
        if not superseded:
            query = query.where(cs.c.status != "superseded")
        rows = self.conn.execute(query.order_by(cs.c.insuplc_admdvs, cs.c.mdtrtarea_admvs, cs.c.sequence,
                                                cs.c.version)).mappings()
        return [dict(row) for row in rows]

    def add_statement(self, row: dict) -> None:
        self.conn.execute(insert(t.clearing_statements).values(**row))

    def update_statement(self, statement_id: str, values: dict) -> None:
        self.conn.execute(update(t.clearing_statements)
                          .where(t.clearing_statements.c.statement_id == statement_id).values(**values))

    def statement(self, statement_id: str) -> dict | None:
        return self._statement(statement_id, lock=False)

    def lock_statement(self, statement_id: str) -> dict | None:
        """Rank 6: the statement row locked (PostgreSQL) and read after the lock; None if unknown."""
        return self._statement(statement_id, lock=True)

    def _statement(self, statement_id: str, *, lock: bool) -> dict | None:
        query = select(t.clearing_statements).where(t.clearing_statements.c.statement_id == statement_id)
        if lock and self.conn.dialect.name == "postgresql":
            query = query.with_for_update()
        row = self.conn.execute(query).mappings().first()
        return None if row is None else dict(row)

    def lock_prepayment_pair(self, insured: str, treatment_prov: str) -> None:
        """Rank 7: two statements of one pair paid at once must not both draw the same prepayment."""
        repo.lock_key(self.conn, f"prepayment-pair/{insured}>{treatment_prov}")

    def drawn_from_prepayment(self, insured: str, treatment_prov: str, year: int) -> int:
        """Fen the pair's paid statements of ``year``'s months drew from its prepayment (their
        ``clearing_paid`` postings on the advance account)."""
        cs, e, p = t.clearing_statements, t.ledger_entries, t.ledger_postings
        drawn = self.conn.execute(
            select(func.coalesce(func.sum(-p.c.amount_fen), 0))
            .select_from(p.join(e, e.c.entry_id == p.c.entry_id).join(cs, cs.c.statement_id == e.c.ref))
            .where(e.c.kind == "clearing_paid", p.c.account == f"prepay_advance:{insured}>{treatment_prov}",
                   cs.c.insuplc_admdvs == insured, cs.c.month >= f"{year:04d}-01", cs.c.month <= f"{year:04d}-12")
        ).scalar_one()
        return int(drawn)

    def cross_region_payments(self, start: dt.datetime, end: dt.datetime) -> dict[tuple[str, str], dict]:
        """Cross-region settlements of [start, end) straight from the settlements table, per pair."""
        s = t.settlements
        rows = self.conn.execute(
            select(s.c.insuplc_admdvs, s.c.mdtrtarea_admvs, func.count(), func.sum(s.c.fund_pay_sumamt_fen),
                   func.sum(s.c.acct_pay_fen + s.c.acct_mulaid_pay_fen))
            .where(and_(s.c.setl_time >= start, s.c.setl_time < end, s.c.insuplc_admdvs != s.c.mdtrtarea_admvs))
            .group_by(s.c.insuplc_admdvs, s.c.mdtrtarea_admvs)
        ).all()
        return {(a, b): {"rows": int(n), "fund_pay_sumamt_fen": int(f), "acct_pay_fen": int(ac)}
                for a, b, n, f, ac in rows}
