"""What ``yibao check`` reads (app/consistency.py): the settlements and, beside them, every
stored effect they should agree with, summed in the database. Amounts are fen (int);
accumulator amounts are in each category's own unit, as stored."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from .. import tables as t


class Repository:
    def __init__(self, conn, now: dt.datetime):
        self.conn, self.now = conn, now

    def settlements(self) -> list[dict]:
        """Every settlement and reversal row."""
        return [dict(row) for row in self.conn.execute(select(t.settlements)).mappings()]

    def cancelled_visits(self) -> set[str]:
        return {row[0] for row in self.conn.execute(select(t.visits.c.mdtrt_id).where(t.visits.c.status == "cancelled"))}

    def uploaded_fees(self) -> list[tuple[str, str, int]]:
        """(mdtrt_id, chrg_bchno, fen) of the fee lines still uploaded, summed per visit and batch."""
        f = t.fee_lines
        return [(mdtrt_id, bchno, int(fen)) for mdtrt_id, bchno, fen in self.conn.execute(
            select(f.c.mdtrt_id, f.c.chrg_bchno, func.sum(f.c.det_item_fee_sumamt_fen))
            .where(f.c.status == "uploaded").group_by(f.c.mdtrt_id, f.c.chrg_bchno))]

    def account_chains(self) -> list[tuple[str, int, int, int, int]]:
        """(psn_no, seq, amount, balance_before, balance_after) of every account entry, by person then seq."""
        e = t.account_entries
        return [tuple(row) for row in self.conn.execute(
            select(e.c.psn_no, e.c.seq, e.c.amount_fen, e.c.balance_before_fen, e.c.balance_after_fen)
            .order_by(e.c.psn_no, e.c.seq))]

    def account_movements_by_settlement(self) -> dict[tuple[str, str], int]:
        """(setl_id, psn_no) → the account movement of a settlement's entries, where not zero."""
        e = t.account_entries
        return {(setl_id, psn_no): int(fen) for setl_id, psn_no, fen in self.conn.execute(
            select(e.c.setl_id, e.c.psn_no, func.sum(e.c.amount_fen)).where(e.c.setl_id.is_not(None))
            .group_by(e.c.setl_id, e.c.psn_no)) if int(fen)}

    def accumulators_by_settlement(self) -> dict[tuple, int]:
        """(setl_id, psn_no, insutype, year, category, key) → the settlement's accumulator
        entries (the imported OPENING values left out), where not zero."""
        a = t.accumulator_entries
        actual = {}
        for setl_id, psn_no, insutype, year, category, key, amount in self.conn.execute(
            select(a.c.setl_id, a.c.psn_no, a.c.insutype, a.c.year, a.c.category, a.c.key, func.sum(a.c.amount))
            .where(a.c.setl_id != "OPENING").group_by(a.c.setl_id, a.c.psn_no, a.c.insutype, a.c.year, a.c.category, a.c.key)
        ):
            if int(amount):
                actual[(setl_id, psn_no, insutype, year, category, key)] = int(amount)
        return actual

    def answered_requests(self) -> dict[tuple[str, str], str]:
        """(fixmedins_code, msgid) → infno of every logged request."""
        return {(code, msgid): infno for code, msgid, infno in self.conn.execute(
            select(t.request_log.c.fixmedins_code, t.request_log.c.msgid, t.request_log.c.infno))}

    def open_clearing_applications(self) -> list[tuple]:
        """(clr_appy_evt_id, fixmedins_code, clr_type, begndate, enddate) of the applied ones,
        by institution, clearing type and begin date."""
        a = t.clearing_applications
        return [tuple(row) for row in self.conn.execute(
            select(a.c.clr_appy_evt_id, a.c.fixmedins_code, a.c.clr_type, a.c.begndate, a.c.enddate)
            .where(a.c.status == "applied").order_by(a.c.fixmedins_code, a.c.clr_type, a.c.begndate))]

    def fund_paid_by_region(self) -> dict[str, int]:
        """Insured region → the fund payments its settlements, reversals, manual claim payments
        and maternity allowances add up to (fen)."""
        totals: dict[str, int] = {}
        for table in (t.settlements, t.claim_payments):
            for region, total in self.conn.execute(
                    select(table.c.insuplc_admdvs, func.sum(table.c.fund_pay_sumamt_fen)).group_by(table.c.insuplc_admdvs)):
                totals[region] = totals.get(region, 0) + int(total)
        m = t.maternity_allowances  # 生育津贴: the maternity fund pays the person (docs/maternity.md)
        for region, total in self.conn.execute(select(m.c.insuplc_admdvs, func.sum(m.c.amount_fen)).group_by(m.c.insuplc_admdvs)):
            totals[region] = totals.get(region, 0) + int(total)
        return totals

    def claim_payments(self) -> list[dict]:
        """Every manual claim payment and correction row."""
        return [dict(row) for row in self.conn.execute(select(t.claim_payments)).mappings()]

    def account_totals(self) -> dict[str, int]:
        """psn_no → the sum of the person's account movements (fen)."""
        e = t.account_entries
        return {psn: int(total) for psn, total in self.conn.execute(
            select(e.c.psn_no, func.sum(e.c.amount_fen)).group_by(e.c.psn_no))}
