"""``uow.prescriptions``: e-prescriptions (app/prescriptions.py, migration 0018): a prescription
with its lines, steps and dispensings, the row lock every write takes (docs/locking.md, rank 14),
the catalogue list types a pre-check reads, the region settings; and what the Internet+ revisit
check and the statistics read (app/internet_plus.py, app/internet_statistics.py)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Connection, and_, func, insert, select

from .. import repository as repo
from .. import tables as t

_rx, _lines, _steps = t.prescriptions, t.prescription_lines, t.prescription_steps
_disp, _taken = t.prescription_dispensings, t.prescription_dispensed_lines


class Repository:
    def __init__(self, conn: Connection, now: dt.datetime):
        self.conn, self.now = conn, now

    def lock(self, hi_rxnos: list[str]) -> None:
        """Rank 14: the prescriptions' rows in ascending order (SQLite writers queue instead)."""
        if self.conn.dialect.name != "postgresql" or not hi_rxnos:
            return
        self.conn.execute(select(_rx.c.hi_rxno).where(_rx.c.hi_rxno.in_(sorted(hi_rxnos)))
                          .order_by(_rx.c.hi_rxno).with_for_update())

    def prescription(self, hi_rxno: str) -> dict | None:
        row = self.conn.execute(select(_rx).where(_rx.c.hi_rxno == hi_rxno)).mappings().first()
        if row is None:
            return None
        found = dict(row)
        lines = self.conn.execute(select(_lines).where(_lines.c.hi_rxno == hi_rxno)).mappings()
        found["lines"] = {line["line_no"]: dict(line) for line in lines}
        steps = self.conn.execute(select(_steps).where(_steps.c.hi_rxno == hi_rxno)).mappings()
        found["steps"] = {step["step"]: dict(step) for step in steps}
        found["dispensings"] = self._dispensings(_disp.c.hi_rxno == hi_rxno)
        return found

    def _dispensings(self, condition) -> list[dict]:
        rows = [dict(r) for r in self.conn.execute(select(_disp).where(condition).order_by(_disp.c.recorded_at)).mappings()]
        if not rows:
            return []
        taken = self.conn.execute(select(_taken).where(
            _taken.c.dispensing_id.in_([r["dispensing_id"] for r in rows]))).mappings()
        by_id: dict[str, dict[int, str]] = {}
        for line in taken:
            by_id.setdefault(line["dispensing_id"], {})[line["line_no"]] = line["cnt"]
        for row in rows:
            row["lines"] = by_id.get(row["dispensing_id"], {})
        return rows

    def of_visit(self, mdtrt_id: str) -> list[str]:
        query = select(_rx.c.hi_rxno).where(_rx.c.mdtrt_id == mdtrt_id).order_by(_rx.c.created_at, _rx.c.hi_rxno)
        return list(self.conn.execute(query).scalars())

    def by_hosp_rxno(self, fixmedins_code: str, hosp_rxno: str) -> str | None:
        query = select(_rx.c.hi_rxno).where(_rx.c.fixmedins_code == fixmedins_code, _rx.c.hosp_rxno == hosp_rxno)
        return self.conn.execute(query).scalar()

    def list_types(self, admdvs: str, codes: list[str]) -> dict[str, str]:
        if not codes:
            return {}
        h = t.hilist
        query = select(h.c.hilist_code, h.c.list_type).where(
            h.c.hilist_code.in_(codes), h.c.insu_admdvs.in_(repo.region_chain(admdvs)), h.c.vali_flag == "1")
        return {code: list_type for code, list_type in self.conn.execute(query)}

    def add(self, row: dict, lines: list[dict]) -> None:
        self.conn.execute(insert(_rx).values(**row))
        self.conn.execute(insert(_lines), lines)

    def add_step(self, row: dict) -> None:
        self.conn.execute(insert(_steps).values(**row))

    def add_dispensing(self, row: dict, lines: list[dict]) -> None:
        self.conn.execute(insert(_disp).values(**{k: v for k, v in row.items() if k != "lines"}))
        if lines:
            self.conn.execute(insert(_taken), lines)

    def dispensings_of_settlement(self, setl_id: str) -> list[dict]:
        return self._dispensings(_disp.c.setl_id == setl_id)

    def region_setting(self, prescribing: str, dispensing: str) -> dict | None:
        s = t.rx_region_settings
        query = (select(s).where(s.c.prescribing_admdvs == prescribing, s.c.dispensing_admdvs == dispensing)
                 .order_by(s.c.setting_id.desc()).limit(1))
        row = self.conn.execute(query).mappings().first()
        return dict(row) if row else None

    def add_region_setting(self, row: dict) -> None:
        self.conn.execute(insert(t.rx_region_settings).values(**row))

    # --- Internet+ revisits (app/internet_plus.py) -------------------------------------------------

    def prior_visits(self, psn_no: str, since: dt.datetime, before: dt.datetime,
                     excluded: set[str]) -> list[tuple[dt.date, str]]:
        """The person's visits begun in [since, before), not cancelled, at institutions other than
        ``excluded``: (day, code) for the visit's disease and each main diagnosis uploaded."""
        v, d = t.visits, t.diagnoses
        query = (select(v.c.begntime, v.c.dise_codg, d.c.diag_code)
                 .select_from(v.outerjoin(d, and_(d.c.mdtrt_id == v.c.mdtrt_id, d.c.maindiag_flag == "1")))
                 .where(v.c.psn_no == psn_no, v.c.begntime >= since, v.c.begntime < before, v.c.status != "cancelled",
                        v.c.kind != "pharmacy"))
        if excluded:
            query = query.where(v.c.fixmedins_code.notin_(sorted(excluded)))
        found = set()
        for begntime, dise_codg, diag_code in self.conn.execute(query):
            for code in (dise_codg, diag_code):
                if code:
                    found.add((begntime.date(), code))
        return sorted(found)

    def main_diagnosis(self, mdtrt_id: str) -> str:
        """The main diagnosis uploaded for the visit (2203 diseinfo), '' when none."""
        d = t.diagnoses
        query = (select(d.c.diag_code).where(d.c.mdtrt_id == mdtrt_id, d.c.maindiag_flag == "1")
                 .order_by(d.c.diag_id).limit(1))
        return self.conn.execute(query).scalar() or ""

    def count(self) -> int:
        return self.conn.execute(select(func.count()).select_from(_rx)).scalar_one()
