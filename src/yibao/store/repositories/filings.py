"""Filings (备案) and 门慢特 qualifications as stored, and what filing a person reads about them
(their insured region, their insurances, their visits not yet settled)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import insert, select, update

from .. import repository as repo
from .. import tables as t


class Repository:
    def __init__(self, conn, now: dt.datetime):
        self.conn, self.now = conn, now

    # --- the person ---------------------------------------------------------------------------
    def insured_region(self, psn_no: str) -> str | None:
        """The insured place of the person's first insurance; None for an unknown or uninsured person."""
        insurances = repo.insurances_of(self.conn, psn_no)
        return insurances[0]["insuplc_admdvs"] if insurances else None

    def insurance(self, psn_no: str, insutype: str) -> dict | None:
        return repo.insurance(self.conn, psn_no, insutype)

    def open_visits(self, psn_no: str) -> list[dict]:
        """The person's visits not cancelled (settled or not: ``settled`` tells)."""
        rows = self.conn.execute(select(t.visits).where(t.visits.c.psn_no == psn_no, t.visits.c.status != "cancelled"))
        return [dict(row) for row in rows.mappings()]

    def settled(self, mdtrt_id: str) -> bool:
        """Whether the visit has a settlement not reversed."""
        return repo.active_settlement(self.conn, mdtrt_id) is not None

    # --- filings ------------------------------------------------------------------------------
    def filings_of(self, psn_no: str) -> list[dict]:
        """The person's filings, active and ended, by begin date then creation."""
        rows = self.conn.execute(select(t.filings).where(t.filings.c.psn_no == psn_no)
                                 .order_by(t.filings.c.begndate, t.filings.c.filing_id))
        return [dict(row) for row in rows.mappings()]

    def persons_with_filings(self) -> set[str]:
        return {row[0] for row in self.conn.execute(select(t.filings.c.psn_no))}

    def filing(self, filing_no: str) -> dict | None:
        row = self.conn.execute(select(t.filings).where(t.filings.c.filing_no == filing_no)).mappings().first()
        return dict(row) if row else None

    def add_filing(self, row: dict) -> None:
        self.conn.execute(insert(t.filings).values(**row))

    def end_filing(self, filing_no: str, *, ended_at: dt.datetime, end_reason: str) -> None:
        self.conn.execute(update(t.filings).where(t.filings.c.filing_no == filing_no).values(
            status="cancelled", ended_at=ended_at, end_reason=end_reason))

    # --- qualifications -----------------------------------------------------------------------
    def qualifications_of(self, psn_no: str) -> list[dict]:
        rows = self.conn.execute(select(t.qualifications).where(t.qualifications.c.psn_no == psn_no)
                                 .order_by(t.qualifications.c.begndate))
        return [dict(row) for row in rows.mappings()]

    def persons_with_qualifications(self) -> set[str]:
        return {row[0] for row in self.conn.execute(select(t.qualifications.c.psn_no))}

    def qualification(self, qual_no: str) -> dict | None:
        row = self.conn.execute(select(t.qualifications).where(t.qualifications.c.qual_no == qual_no)).mappings().first()
        return dict(row) if row else None

    def add_qualification(self, row: dict) -> None:
        self.conn.execute(insert(t.qualifications).values(**row))

    def cancel_qualification(self, qual_no: str, *, ended_at: dt.datetime) -> None:
        self.conn.execute(update(t.qualifications).where(t.qualifications.c.qual_no == qual_no).values(
            status="cancelled", ended_at=ended_at))

    # --- 人员定点备案 (2505/2506) ---------------------------------------------------------------
    def institution(self, fixmedins_code: str) -> dict | None:
        row = self.conn.execute(select(t.institutions.c.fixmedins_code, t.institutions.c.fixmedins_name)
                                .where(t.institutions.c.fixmedins_code == fixmedins_code)).mappings().first()
        return dict(row) if row else None

    def designations_of(self, psn_no: str) -> list[dict]:
        d = t.designated_filings
        rows = self.conn.execute(select(d).where(d.c.psn_no == psn_no).order_by(d.c.begndate, d.c.fix_srt_no))
        return [dict(row) for row in rows.mappings()]

    def designation(self, trt_dcla_detl_sn: str) -> dict | None:
        d = t.designated_filings
        row = self.conn.execute(select(d).where(d.c.trt_dcla_detl_sn == trt_dcla_detl_sn)).mappings().first()
        return dict(row) if row else None

    def add_designation(self, row: dict) -> None:
        self.conn.execute(insert(t.designated_filings).values(**row))

    def end_designation(self, trt_dcla_detl_sn: str, *, ended_at: dt.datetime, end_reason: str) -> None:
        d = t.designated_filings
        self.conn.execute(update(d).where(d.c.trt_dcla_detl_sn == trt_dcla_detl_sn).values(
            status="cancelled", ended_at=ended_at, end_reason=end_reason))
