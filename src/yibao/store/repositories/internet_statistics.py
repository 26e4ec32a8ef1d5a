"""``uow.internet_statistics``: what app/internet_statistics.py counts: the Internet+
institutions, their settlements, the catalogue categories of the settled lines, the
prescriptions and their dispensings. Rows are dicts, amounts in fen; ``prefix`` None is every
region, else the institution's (or the prescribing institution's) region code starts with it."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Connection, func, select

from yibao.domain.agreements import fold

from .. import tables as t


class Repository:
    def __init__(self, conn: Connection, now: dt.datetime):
        self.conn, self.now = conn, now

    def agreements(self) -> dict:
        """Every agreement folded from its records (read from the database, not a worker's copy)."""
        query = select(t.agreement_records).order_by(t.agreement_records.c.record_id)
        return fold(dict(row) for row in self.conn.execute(query).mappings())

    def institutions(self, codes: list[str], prefix: str | None) -> list[dict]:
        i = t.institutions
        query = select(i.c.fixmedins_code, i.c.fixmedins_name, i.c.fixmedins_type, i.c.medins_lv, i.c.admdvs).where(
            i.c.fixmedins_code.in_(sorted(codes)))
        if prefix:
            query = query.where(i.c.admdvs.startswith(prefix))
        return [dict(row) for row in self.conn.execute(query).mappings()]

    def settlements(self, codes: list[str], start: dt.datetime, stop: dt.datetime) -> list[dict]:
        """Settlements and reversals of the institutions whose time falls in [start, stop)."""
        s = t.settlements
        query = select(s.c.setl_id, s.c.mdtrt_id, s.c.kind, s.c.reverses_setl_id, s.c.fixmedins_code, s.c.med_type,
                       s.c.medfee_sumamt_fen, s.c.fund_pay_sumamt_fen, s.c.psn_part_amt_fen).where(
            s.c.fixmedins_code.in_(sorted(codes)), s.c.setl_time >= start, s.c.setl_time < stop)
        return [dict(row) for row in self.conn.execute(query).mappings()]

    def line_categories(self, mdtrt_ids: list[str]) -> list[dict]:
        """The visits' uploaded lines by catalogue list_type (any region's row of the code)."""
        if not mdtrt_ids:
            return []
        f, h = t.fee_lines, t.hilist
        list_type = (select(func.max(h.c.list_type)).where(h.c.hilist_code == f.c.med_list_codg)
                     .correlate(f).scalar_subquery())
        query = (select(list_type.label("list_type"), func.count().label("lines"),
                        func.sum(f.c.det_item_fee_sumamt_fen).label("amount_fen"))
                 .where(f.c.mdtrt_id.in_(sorted(mdtrt_ids)), f.c.status == "uploaded")
                 .group_by(list_type))
        return [dict(row) for row in self.conn.execute(query).mappings()]

    def prescriptions(self, start: dt.datetime, stop: dt.datetime, prefix: str | None) -> list[dict]:
        """Prescriptions pre-checked in the range, with the steps they have (any time)."""
        rx, steps = t.prescriptions, t.prescription_steps
        query = select(rx.c.hi_rxno, rx.c.admdvs).where(rx.c.created_at >= start, rx.c.created_at < stop)
        if prefix:
            query = query.where(rx.c.admdvs.startswith(prefix))
        rows = {row["hi_rxno"]: dict(row, steps=set()) for row in self.conn.execute(query).mappings()}
        if rows:
            found = self.conn.execute(select(steps.c.hi_rxno, steps.c.step).where(steps.c.hi_rxno.in_(sorted(rows))))
            for hi_rxno, step in found:
                rows[hi_rxno]["steps"].add(step)
        return list(rows.values())

    def dispensings(self, start: dt.datetime, stop: dt.datetime, prefix: str | None) -> list[dict]:
        """Dispensings and returns recorded in the range, with the pharmacy's and the prescribing
        region and the amount of the pharmacy settlement."""
        d, rx, i, s = t.prescription_dispensings, t.prescriptions, t.institutions, t.settlements
        query = (select(d.c.dispensing_id, d.c.kind, d.c.setl_id, rx.c.admdvs.label("prescribing_admdvs"),
                        i.c.admdvs.label("dispensing_admdvs"), s.c.medfee_sumamt_fen, s.c.fund_pay_sumamt_fen)
                 .select_from(d.join(rx, rx.c.hi_rxno == d.c.hi_rxno)
                              .join(i, i.c.fixmedins_code == d.c.fixmedins_code)
                              .outerjoin(s, s.c.setl_id == d.c.setl_id))
                 .where(d.c.recorded_at >= start, d.c.recorded_at < stop))
        if prefix:
            query = query.where(rx.c.admdvs.startswith(prefix))
        return [dict(row) for row in self.conn.execute(query).mappings()]
