"""``uow.claims``: manual claims (app/claims.py), their lines, decisions and payments; the
duplicate checks against direct settlements; the claim row's lock (docs/locking.md, rank 2)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Connection, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from yibao.domain.claims import ClaimRefused

from .. import repository as repo
from .. import tables as t

LIVE = ("submitted", "reviewed", "paid")  # a claim of these holds its invoice and visit


class Repository:
    def __init__(self, conn: Connection, now: dt.datetime):
        self.conn, self.now = conn, now

    # --- claims --------------------------------------------------------------------------------
    def add_claim(self, row: dict, lines: list[dict]) -> None:
        """The claim and its lines; a live claim of the same invoice or visit refuses it (the
        partial unique indexes of migration 0012, which also decide between two at once)."""
        try:
            with self.conn.begin_nested():
                self.conn.execute(insert(t.claims).values(**row))
        except IntegrityError:
            raise ClaimRefused("CLAIM_DUPLICATE") from None
        self.conn.execute(insert(t.claim_lines), [dict(line, claim_id=row["claim_id"]) for line in lines])

    def claim(self, claim_id: str) -> dict | None:
        return self._claim(claim_id, lock=False)

    def lock_claim(self, claim_id: str) -> dict | None:
        """Rank 2 (after a visit's lock, before the persons'): the row read after the lock."""
        return self._claim(claim_id, lock=True)

    def _claim(self, claim_id: str, *, lock: bool) -> dict | None:
        query = select(t.claims).where(t.claims.c.claim_id == claim_id)
        if lock and self.conn.dialect.name == "postgresql":
            query = query.with_for_update()
        row = self.conn.execute(query).mappings().first()
        return None if row is None else dict(row)

    def lines(self, claim_id: str) -> list[dict]:
        c = t.claim_lines
        return [dict(row) for row in self.conn.execute(select(c).where(c.c.claim_id == claim_id).order_by(c.c.line_no)).mappings()]

    def update_claim(self, claim_id: str, values: dict) -> None:
        """The claim's workflow state (status, review, close); its money is in the append-only tables."""
        self.conn.execute(update(t.claims).where(t.claims.c.claim_id == claim_id).values(**values))

    def claims(self, *, regions: list[str], status: str | None, begin: dt.date | None, end: dt.date | None,
               limit: int, offset: int) -> list[dict]:
        """Claims of the insured regions given (a prefix each: 370000 covers 37xxxx), newest first."""
        c = t.claims
        query = select(c).where(or_(*[c.c.insuplc_admdvs.like(prefix + "%") for prefix in regions]))
        if status:
            query = query.where(c.c.status == status)
        if begin:
            query = query.where(c.c.submitted_at >= dt.datetime.combine(begin, dt.time()))
        if end:
            query = query.where(c.c.submitted_at < dt.datetime.combine(end + dt.timedelta(days=1), dt.time()))
        query = query.order_by(c.c.submitted_at.desc(), c.c.claim_id).limit(limit).offset(offset)
        return [dict(row) for row in self.conn.execute(query).mappings()]

    # --- decisions and payments ----------------------------------------------------------------
    def add_decisions(self, rows: list[dict]) -> None:
        self.conn.execute(insert(t.claim_decisions), rows)

    def decisions(self, claim_id: str, review_round: int) -> list[dict]:
        d = t.claim_decisions
        return [dict(row) for row in self.conn.execute(
            select(d).where(d.c.claim_id == claim_id, d.c.review_round == review_round).order_by(d.c.line_no)).mappings()]

    def add_payment(self, row: dict) -> None:
        self.conn.execute(insert(t.claim_payments).values(**row))

    def payments(self, claim_id: str) -> list[dict]:
        p = t.claim_payments
        return [dict(row) for row in self.conn.execute(
            select(p).where(p.c.claim_id == claim_id).order_by(p.c.kind, p.c.paid_at)).mappings()]  # payment, then its reversal

    # --- duplicates and the treatment place ------------------------------------------------------
    def live_claim_of_invoice(self, issuer: str, invoice_no: str) -> dict | None:
        c = t.claims
        row = self.conn.execute(select(c).where(c.c.invoice_issuer == issuer, c.c.invoice_no == invoice_no,
                                                c.c.status.in_(LIVE))).mappings().first()
        return None if row is None else dict(row)

    def live_claim_of_visit(self, mdtrt_id: str) -> dict | None:
        c = t.claims
        row = self.conn.execute(select(c).where(c.c.mdtrt_id == mdtrt_id, c.c.status.in_(LIVE))).mappings().first()
        return None if row is None else dict(row)

    def overlapping_claims(self, psn_no: str, begndate: dt.date, enddate: dt.date) -> list[dict]:
        """The person's live claims whose dates overlap [begndate, enddate]."""
        c = t.claims
        return [dict(row) for row in self.conn.execute(select(c).where(
            c.c.psn_no == psn_no, c.c.status.in_(LIVE), c.c.begndate <= enddate, c.c.enddate >= begndate)).mappings()]

    def settled_visits(self, psn_no: str, begndate: dt.date, enddate: dt.date) -> list[dict]:
        """The person's visits begun in [begndate, enddate] that hold a direct settlement not reversed."""
        v, s = t.visits, t.settlements
        reversal = s.alias("reversal")
        active = (select(s.c.setl_id).where(s.c.mdtrt_id == v.c.mdtrt_id, s.c.kind == "settlement",
                                            ~select(reversal.c.setl_id).where(reversal.c.reverses_setl_id == s.c.setl_id).exists())
                  .exists())
        query = select(v).where(v.c.psn_no == psn_no, active,
                                v.c.begntime >= dt.datetime.combine(begndate, dt.time()),
                                v.c.begntime < dt.datetime.combine(enddate + dt.timedelta(days=1), dt.time()))
        return [dict(row) for row in self.conn.execute(query).mappings()]

    def visit(self, mdtrt_id: str) -> dict | None:
        return repo.visit(self.conn, mdtrt_id)

    def lock_visit(self, mdtrt_id: str) -> dict | None:
        """Rank 2: the visit the claim names, so a payment and a direct settlement of it queue."""
        return repo.lock_visit(self.conn, mdtrt_id)

    def visit_settled(self, mdtrt_id: str) -> bool:
        active, _ = repo.settlement_chain(self.conn, mdtrt_id)
        return active is not None

    def holds_catalogue(self, admdvs: str) -> bool:
        """Whether the platform holds any catalogue entry of the region, its city or its province."""
        h = t.hilist
        return self.conn.execute(select(h.c.hilist_code).where(h.c.insu_admdvs.in_(repo.region_chain(admdvs))).limit(1)).first() is not None
