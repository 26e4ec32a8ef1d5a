"""``uow.visit_records``: what the 52xx/53xx queries read about visits — a visit's diagnoses
(5202), a person's 门慢特 medication lines (5205), a person's stays in hospital (5303)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import and_, or_, select

from .. import repository as repo
from .. import tables as t

CHRONIC_MED_TYPES = ("14",)  # 门诊慢特病 (nhsa-interface §4.3)


def _active_settlement():
    """Settlements not reversed (a reversal's own row is not one)."""
    s, r = t.settlements, t.settlements.alias("r")
    return select(s).where(s.c.kind == "settlement",
                           ~select(r.c.setl_id).where(r.c.reverses_setl_id == s.c.setl_id).exists()).subquery("active")


class Repository:
    def __init__(self, conn, now: dt.datetime):
        self.conn, self.now = conn, now

    def visit(self, mdtrt_id: str) -> dict | None:
        return repo.visit(self.conn, mdtrt_id)

    def person(self, psn_no: str) -> dict | None:
        return repo.person(self.conn, psn_no)

    def diagnoses(self, mdtrt_id: str) -> list[dict]:
        d = t.diagnoses
        rows = self.conn.execute(select(d).where(d.c.mdtrt_id == mdtrt_id).order_by(d.c.diag_id))
        return [dict(row) for row in rows.mappings()]

    def chronic_lines(self, psn_no: str, begin: dt.datetime, end: dt.datetime) -> list[dict]:
        """The fee lines of the person's settled 门慢特 visits at any institution, by time."""
        v, f, i, s = t.visits, t.fee_lines, t.institutions, _active_settlement()
        query = (
            select(f, v.c.med_type, v.c.dise_codg, v.c.dise_name, v.c.fixmedins_code, i.c.fixmedins_name,
                   s.c.setl_id, s.c.setl_time)
            .join_from(f, v, v.c.mdtrt_id == f.c.mdtrt_id)
            .join(s, and_(s.c.mdtrt_id == v.c.mdtrt_id, or_(s.c.chrg_bchno == "", s.c.chrg_bchno == f.c.chrg_bchno)))
            .join(i, i.c.fixmedins_code == v.c.fixmedins_code)
            .where(v.c.psn_no == psn_no, v.c.med_type.in_(CHRONIC_MED_TYPES), f.c.status == "uploaded",
                   f.c.fee_ocur_time >= begin, f.c.fee_ocur_time <= end)
            .order_by(f.c.fee_ocur_time, f.c.mdtrt_id, f.c.feedetl_sn)
        )
        return [dict(row) for row in self.conn.execute(query).mappings()]

    def in_hospital(self, psn_no: str) -> list[dict]:
        """The person's inpatient visits admitted and not yet discharged or cancelled, anywhere."""
        v, i = t.visits, t.institutions
        query = (select(v, i.c.fixmedins_name).join_from(v, i, i.c.fixmedins_code == v.c.fixmedins_code)
                 .where(v.c.psn_no == psn_no, v.c.kind == "inpatient", v.c.status == "registered")
                 .order_by(v.c.begntime))
        return [dict(row) for row in self.conn.execute(query).mappings()]

    def qualification_names(self, psn_no: str) -> dict[str, str]:
        q = t.qualifications
        rows = self.conn.execute(select(q.c.opsp_dise_code, q.c.opsp_dise_name).where(q.c.psn_no == psn_no))
        return {code: name for code, name in rows}
