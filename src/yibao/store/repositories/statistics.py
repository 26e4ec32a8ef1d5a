"""``uow.statistics``: the reads behind app/statistics.py, each scoped to the regions an agency
administers. A scope is a code prefix (app/statistics.region_prefix: a province ``44``, a city
``4415``, a district its full code) or ``None`` for every region (the platform's operator at
the command line). Amounts are fen; nothing here writes."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Connection, and_, case, distinct, func, or_, select

from .. import tables as t


def _under(column, prefix: str | None):
    """The column names a region under the prefix (true for the unscoped operator)."""
    return column.like(f"{prefix}%") if prefix is not None else column.isnot(None)


def _sign(condition):
    """1 for a settlement or payment, -1 for its reversal (人次: a reversal takes its visit back)."""
    return case((condition, 1), else_=-1)


class Repository:
    def __init__(self, conn: Connection, now: dt.datetime):
        self.conn, self.now = conn, now

    # --- settlements ----------------------------------------------------------------------------
    def direct_settlements(self, start: dt.datetime, stop: dt.datetime, side: str, prefix: str | None) -> list[dict]:
        """Per (insured place, treatment place, institution, med_type) over settlement times in
        [start, stop), where ``side`` (insuplc_admdvs | mdtrtarea_admvs) is under the prefix:
        the net count and the sums of fees, funds and both account payments."""
        s = t.settlements
        keys = (s.c.insuplc_admdvs, s.c.mdtrtarea_admvs, s.c.fixmedins_code, s.c.med_type)
        found = self.conn.execute(
            select(*keys, func.sum(_sign(s.c.kind == "settlement")), func.sum(s.c.medfee_sumamt_fen),
                   func.sum(s.c.fund_pay_sumamt_fen), func.sum(s.c.acct_pay_fen + s.c.acct_mulaid_pay_fen))
            .where(s.c.setl_time >= start, s.c.setl_time < stop, _under(s.c[side], prefix)).group_by(*keys)).all()
        return [{"insuplc_admdvs": a, "mdtrtarea_admvs": b, "fixmedins_code": c, "med_type": d, "setl_cnt": int(n),
                 "medfee_fen": int(fee), "fund_fen": int(fund), "acct_fen": int(acct)}
                for a, b, c, d, n, fee, fund, acct in found]

    def manual_payments(self, start: dt.datetime, stop: dt.datetime, side: str, prefix: str | None) -> list[dict]:
        """Paid manual claims (零星报销) by payment time, net of corrections, on the same keys."""
        p, c = t.claim_payments, t.claims
        keys = (p.c.insuplc_admdvs, p.c.mdtrtarea_admvs, func.coalesce(c.c.fixmedins_code, ""), c.c.med_type)
        found = self.conn.execute(
            select(*keys, func.sum(_sign(p.c.kind == "payment")), func.sum(p.c.fund_pay_sumamt_fen))
            .select_from(p.join(c, c.c.claim_id == p.c.claim_id))
            .where(p.c.paid_at >= start, p.c.paid_at < stop, _under(p.c[side], prefix)).group_by(*keys)).all()
        return [{"insuplc_admdvs": a, "mdtrtarea_admvs": b, "fixmedins_code": code, "med_type": d, "manual_cnt": int(n),
                 "manual_fund_fen": int(fund)} for a, b, code, d, n, fund in found]

    # --- prepayments and clearing ------------------------------------------------------------------
    def prepayments(self, year: int, prefix: str | None) -> list[dict]:
        """The year's prepayments whose paying insured place or receiving treatment province is in scope."""
        p = t.prepayments
        rows = self.conn.execute(
            select(p.c.prepay_id, p.c.insured_admdvs, p.c.treatment_prov, p.c.status, p.c.amount_fen)
            .where(p.c.year == year, or_(_under(p.c.insured_admdvs, prefix), _under(p.c.treatment_prov, prefix)))
            .order_by(p.c.prepay_id)).mappings().all()
        return [dict(row) for row in rows]

    def clearing_statements(self, first_month: str, last_month: str, prefix: str | None) -> list[dict]:
        """Statements of the months whose insured or treatment place is in scope."""
        s = t.clearing_statements
        rows = self.conn.execute(
            select(s.c.month, s.c.insuplc_admdvs, s.c.mdtrtarea_admvs, s.c.clearing_amount_fen, s.c.status)
            .where(s.c.month >= first_month, s.c.month <= last_month,
                   or_(_under(s.c.insuplc_admdvs, prefix), _under(s.c.mdtrtarea_admvs, prefix)))
            .order_by(s.c.month, s.c.insuplc_admdvs, s.c.mdtrtarea_admvs)).mappings().all()
        return [dict(row) for row in rows]

    # --- supervision --------------------------------------------------------------------------------
    def case_money(self, start: dt.datetime, stop: dt.datetime, prefix: str | None) -> dict[str, tuple[int, int]]:
        """Per money kind recorded in the period on cases of the scope: (fen, distinct cases)."""
        c, e = t.cases, t.case_events
        found = self.conn.execute(
            select(e.c.kind, func.coalesce(func.sum(e.c.amount_fen), 0), func.count(distinct(e.c.case_id)))
            .select_from(e.join(c, c.c.case_id == e.c.case_id))
            .where(e.c.kind.in_(("recovery", "refund", "penalty")), e.c.at >= start, e.c.at < stop,
                   _under(c.c.admdvs, prefix)).group_by(e.c.kind)).all()
        return {kind: (int(fen), int(cases)) for kind, fen, cases in found}

    def police_referrals(self, start: dt.datetime, stop: dt.datetime, prefix: str | None) -> int:
        """Cases of the scope referred to the police (a ``police`` event) in the period."""
        c, e = t.cases, t.case_events
        return int(self.conn.execute(
            select(func.count(distinct(e.c.case_id))).select_from(e.join(c, c.c.case_id == e.c.case_id))
            .where(e.c.kind == "police", e.c.at >= start, e.c.at < stop, _under(c.c.admdvs, prefix))).scalar_one())

    def sanctions(self, start: dt.datetime, stop: dt.datetime, prefix: str | None) -> dict[tuple[str, str], int]:
        """Sanctions created in the period on subjects of the scope (an institution by its region,
        a person by an insured place), counted by (subject_type, kind)."""
        s = t.sanctions
        found = self.conn.execute(
            select(s.c.subject_type, s.c.kind, func.count())
            .where(s.c.created_at >= start, s.c.created_at < stop, self._subject_in_scope(s, prefix))
            .group_by(s.c.subject_type, s.c.kind)).all()
        return {(subject, kind): int(n) for subject, kind, n in found}

    def findings_by_rule_type(self, start: dt.datetime, stop: dt.datetime, prefix: str | None) -> dict[str, int]:
        """Audit findings of the period whose institution or person is in scope, by rule type."""
        f, i = t.audit_findings, t.institutions
        in_scope = or_(
            select(i.c.fixmedins_code).where(i.c.fixmedins_code == f.c.fixmedins_code, _under(i.c.admdvs, prefix)).exists(),
            self._insured_in_scope(f.c.psn_no, prefix))
        found = self.conn.execute(select(f.c.rule_type, func.count())
                                  .where(f.c.found_at >= start, f.c.found_at < stop, in_scope)
                                  .group_by(f.c.rule_type).order_by(f.c.rule_type)).all()
        return {rule_type: int(n) for rule_type, n in found}

    def _subject_in_scope(self, s, prefix: str | None):
        if prefix is None:
            return s.c.subject_id.isnot(None)
        i = t.institutions
        institution = select(i.c.fixmedins_code).where(i.c.fixmedins_code == s.c.subject_id, _under(i.c.admdvs, prefix))
        return or_(and_(s.c.subject_type == "institution", institution.exists()),
                   and_(s.c.subject_type == "person", self._insured_in_scope(s.c.subject_id, prefix)))

    @staticmethod
    def _insured_in_scope(psn_no, prefix: str | None):
        if prefix is None:
            return psn_no.isnot(None)
        n = t.insurances
        return select(n.c.psn_no).where(n.c.psn_no == psn_no, _under(n.c.insuplc_admdvs, prefix)).exists()

    # --- reports and credit (migration 0025, app/credit.py) ---------------------------------------

    def reports(self, start: dt.datetime, stop: dt.datetime, prefix: str | None) -> tuple[int, int, int]:
        """Reports of the scope received in the period; rewards of the scope's reports paid in it (count, fen)."""
        r, w = t.reports, t.report_rewards
        received = self.conn.execute(select(func.count()).where(
            r.c.received_at >= start, r.c.received_at < stop, _under(r.c.admdvs, prefix))).scalar_one()
        paid, fen = self.conn.execute(
            select(func.count(), func.coalesce(func.sum(w.c.amount_fen), 0))
            .select_from(w.join(r, r.c.report_id == w.c.report_id))
            .where(w.c.at >= start, w.c.at < stop, _under(r.c.admdvs, prefix))).one()
        return int(received), int(paid), int(fen)

    def case_credit_records(self, start: dt.datetime, stop: dt.datetime, prefix: str | None) -> int:
        """Credit records of the scope's cases (by the case's region) written in the period."""
        c, k = t.cases, t.credit_records
        return int(self.conn.execute(
            select(func.count()).select_from(k.join(c, c.c.case_id == k.c.case_id))
            .where(k.c.at >= start, k.c.at < stop, _under(c.c.admdvs, prefix))).scalar_one())
