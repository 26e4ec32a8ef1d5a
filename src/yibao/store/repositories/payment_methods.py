"""Payment methods (app/budgets.py, app/dip.py, app/drg.py): the method per institution and
year, budgets, advances, year-end results, the regions' DIP/DRG tables, and the inpatient cases
of a year read from the stored settlements, settlement lists and visits (docs/payment-methods.md)."""

from __future__ import annotations

import datetime as dt
import json

from sqlalchemy import Connection, and_, func, insert, select

from .. import repository as repo
from .. import tables as t

_LATEST_FIRST = {"payment_method_records": "record_id", "budgets": "budget_id", "payment_tables": "table_id"}


def _year_bounds(year: int) -> tuple[dt.datetime, dt.datetime]:
    return dt.datetime(year, 1, 1), dt.datetime(year + 1, 1, 1)


class Repository:
    """``uow.payment_methods``. Rows are plain dicts; money in fen."""

    def __init__(self, conn: Connection, now: dt.datetime):
        self.conn, self.now = conn, now

    def lock_institution_year(self, fixmedins_code: str, year: int) -> None:
        """docs/locking.md rank 15: every write on an institution's payment year (method, budget,
        advance, year-end settlement) takes this lock, then reads that year again."""
        repo.lock_key(self.conn, f"payment-year/{fixmedins_code}/{year}")

    def institution(self, fixmedins_code: str) -> dict | None:
        row = self.conn.execute(select(t.institutions.c.fixmedins_code, t.institutions.c.fixmedins_name,
                                       t.institutions.c.medins_lv, t.institutions.c.admdvs)
                                .where(t.institutions.c.fixmedins_code == fixmedins_code)).mappings().first()
        return dict(row) if row else None

    def institutions_of_region(self, admdvs: str) -> list[dict]:
        rows = self.conn.execute(select(t.institutions.c.fixmedins_code, t.institutions.c.medins_lv,
                                        t.institutions.c.admdvs)
                                 .where(t.institutions.c.admdvs == admdvs)
                                 .order_by(t.institutions.c.fixmedins_code)).mappings()
        return [dict(row) for row in rows]

    def _rows(self, table, *conditions) -> list[dict]:
        key = table.c[_LATEST_FIRST.get(table.name, table.primary_key.columns.keys()[0])]
        return [dict(r) for r in self.conn.execute(select(table).where(*conditions).order_by(key)).mappings()]

    def _add(self, table, row: dict):
        return self.conn.execute(insert(table).values(**row)).inserted_primary_key[0]

    def method_records(self, fixmedins_code: str, year: int) -> list[dict]:
        c = t.payment_method_records.c
        return self._rows(t.payment_method_records, c.fixmedins_code == fixmedins_code, c.year == year)

    def methods_of_year(self, year: int) -> dict[str, str]:
        """Institution → its method for the year (the latest record)."""
        c = t.payment_method_records.c
        return {row["fixmedins_code"]: row["method"] for row in self._rows(t.payment_method_records, c.year == year)}

    def add_method_record(self, row: dict) -> int:
        return self._add(t.payment_method_records, row)

    def budgets(self, fixmedins_code: str, year: int) -> list[dict]:
        c = t.budgets.c
        return self._rows(t.budgets, c.fixmedins_code == fixmedins_code, c.year == year)

    def add_budget(self, row: dict) -> int:
        return self._add(t.budgets, row)

    def advances(self, fixmedins_code: str, year: int) -> list[dict]:
        c = t.budget_advances.c
        return self._rows(t.budget_advances, c.fixmedins_code == fixmedins_code, c.year == year)

    def add_advance(self, row: dict) -> int:
        return self._add(t.budget_advances, row)

    def results(self, fixmedins_code: str, year: int) -> list[dict]:
        c = t.payment_results.c
        rows = self._rows(t.payment_results, c.fixmedins_code == fixmedins_code, c.year == year)
        return sorted(rows, key=lambda r: r["recorded_at"])

    def add_result(self, row: dict) -> None:
        self._add(t.payment_results, row)

    def tables(self, admdvs: str, year: int, method: str) -> list[dict]:
        c = t.payment_tables.c
        return self._rows(t.payment_tables, c.admdvs == admdvs, c.year == year, c.method == method)

    def add_table(self, row: dict) -> int:
        return self._add(t.payment_tables, row)

    def evaluation_score(self, fixmedins_code: str) -> int | None:
        """The last evaluation score of the institution's designation agreement (app/agreements.py)."""
        c = t.agreement_records.c
        return self.conn.execute(select(c.score).where(c.fixmedins_code == fixmedins_code, c.kind == "designation",
                                                       c.step == "evaluate", c.score.is_not(None))
                                 .order_by(c.record_id.desc()).limit(1)).scalar()

    def policy_block(self, admdvs: str, year: int) -> dict | None:
        """The ``payment_methods`` block of the region's policy in force on 31 December (the
        employees' scheme, 310, else the residents', 390); None when absent."""
        for insutype in ("310", "390"):
            row = repo.policy_row(self.conn, admdvs, insutype, dt.date(year, 12, 31))
            if row is not None:
                return json.loads(row["document"]).get("payment_methods")
        return None

    def local_fund_cost(self, fixmedins_code: str, year: int) -> int:
        """What the institution's local settlements of the year, net of reversals, cost the funds."""
        c = t.settlements.c
        start, stop = _year_bounds(year)
        return int(self.conn.execute(select(func.coalesce(func.sum(c.fund_pay_sumamt_fen), 0)).where(
            c.fixmedins_code == fixmedins_code, c.scope == "local", c.setl_time >= start, c.setl_time < stop)).scalar_one())

    def inpatient_cases(self, admdvs: str, year: int) -> list[dict]:
        """One row per unreversed local inpatient settlement of the region's institutions settled in
        the year, with its visit, person, institution and current settlement list (if any)."""
        s, v, p, i = t.settlements.c, t.visits.c, t.persons.c, t.institutions.c
        reversal = t.settlements.alias("reversal")
        start, stop = _year_bounds(year)
        current = t.setl_lists.alias("current")
        successor = t.setl_lists.alias("successor")
        lists = (select(current.c.setl_id, current.c.setl_list_id)
                 .where(~select(successor.c.setl_list_id).where(successor.c.supersedes_list_id == current.c.setl_list_id)
                        .exists()).subquery())
        query = (select(s.setl_id, s.mdtrt_id, s.fixmedins_code, s.medfee_sumamt_fen, s.fund_pay_sumamt_fen,
                        v.begntime, v.endtime, v.dise_codg, p.brdy, i.medins_lv, lists.c.setl_list_id)
                 .join(t.visits, v.mdtrt_id == s.mdtrt_id).join(t.persons, p.psn_no == s.psn_no)
                 .join(t.institutions, i.fixmedins_code == s.fixmedins_code)
                 .outerjoin(lists, lists.c.setl_id == s.setl_id)
                 .where(i.admdvs == admdvs, v.kind == "inpatient", s.kind == "settlement", s.scope == "local",
                        s.setl_time >= start, s.setl_time < stop,
                        ~select(reversal.c.setl_id).where(reversal.c.reverses_setl_id == s.setl_id).exists())
                 .order_by(s.setl_id))
        return [dict(row) for row in self.conn.execute(query).mappings()]

    def coded(self, doc_ids: list[str]) -> tuple[list[dict], list[dict]]:
        """The coded diagnoses and operations of these settlement lists, in their order."""
        if not doc_ids:
            return [], []
        d, o = t.coded_diagnoses.c, t.coded_operations.c
        diagnoses = self.conn.execute(select(d.doc_id, d.diag_code, d.maindiag_flag, d.seq).where(
            and_(d.doc_kind == "setl_list", d.doc_id.in_(doc_ids))).order_by(d.doc_id, d.seq)).mappings()
        operations = self.conn.execute(select(o.doc_id, o.oprn_oprt_code, o.oprn_oprt_type, o.seq).where(
            and_(o.doc_kind == "setl_list", o.doc_id.in_(doc_ids))).order_by(o.doc_id, o.seq)).mappings()
        return [dict(r) for r in diagnoses], [dict(r) for r in operations]

    def discharge_diagnoses(self, mdtrt_ids: list[str]) -> list[dict]:
        """The diagnoses uploaded at discharge (2402) for visits without a settlement list."""
        if not mdtrt_ids:
            return []
        c = t.diagnoses.c
        rows = self.conn.execute(select(c.mdtrt_id, c.diag_code, c.maindiag_flag, c.stage).where(
            c.mdtrt_id.in_(mdtrt_ids), c.stage == "dscg").order_by(c.mdtrt_id, c.diag_id)).mappings()
        return [dict(r) for r in rows]
