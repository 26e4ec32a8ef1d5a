"""Fund supervision (app/supervision.py): cases and their events, sanctions, credit records,
audit findings, and the figures the supervision report counts."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Connection, func, insert, select, update

from .. import repository as repo
from .. import tables as t
from .. import write_batch


class Repository:
    """``uow.supervision``. Rows are plain dicts; amounts in fen."""

    def __init__(self, conn: Connection, now: dt.datetime):
        self.conn, self.now = conn, now

    # --- cases -------------------------------------------------------------------------------

    def add_case(self, row: dict) -> None:
        self.conn.execute(insert(t.cases).values(**row))

    def case(self, case_id: str, *, lock: bool = False) -> dict | None:
        """The case row; ``lock``: locked for the transaction and read after the lock (docs/locking.md, rank 8)."""
        query = select(t.cases).where(t.cases.c.case_id == case_id)
        if lock and self.conn.dialect.name == "postgresql":
            query = query.with_for_update()
        row = self.conn.execute(query).mappings().first()
        return dict(row) if row is not None else None

    def update_case(self, case_id: str, values: dict) -> None:
        self.conn.execute(update(t.cases).where(t.cases.c.case_id == case_id).values(**values))

    def add_event(self, case_id: str, kind: str, detail: str, by: str, amount_fen: int = 0) -> None:
        self.conn.execute(insert(t.case_events).values(case_id=case_id, kind=kind, amount_fen=amount_fen, detail=detail,
                                                       by=by, at=self.now))

    def events_of(self, case_id: str) -> list[dict]:
        """The case's events in the order they were written."""
        return [dict(r) for r in self.conn.execute(select(t.case_events).where(t.case_events.c.case_id == case_id)
                                                   .order_by(t.case_events.c.event_id)).mappings()]

    # --- findings ------------------------------------------------------------------------------

    def findings(self, finding_ids: list[str]) -> list[dict]:
        """The stored findings among ``finding_ids`` (unknown ids are absent)."""
        return [dict(r) for r in self.conn.execute(
            select(t.audit_findings).where(t.audit_findings.c.finding_id.in_(finding_ids))).mappings()]

    def add_findings(self, rows: list[dict]) -> None:
        # in a gateway request, sent with the settlement's other rows (store/write_batch.py)
        if rows and not write_batch.defer(self.conn, t.audit_findings, rows):
            self.conn.execute(insert(t.audit_findings), rows)

    # --- sanctions and credit ------------------------------------------------------------------

    def institution(self, fixmedins_code: str) -> dict | None:
        return repo.institution(self.conn, fixmedins_code)

    def add_sanction(self, row: dict) -> None:
        self.conn.execute(insert(t.sanctions).values(**row))

    def sanction(self, sanction_id: str, *, lock: bool = False) -> dict | None:
        """The sanction row; ``lock``: locked and read after the lock (docs/locking.md, rank 8)."""
        query = select(t.sanctions).where(t.sanctions.c.sanction_id == sanction_id)
        if lock and self.conn.dialect.name == "postgresql":
            query = query.with_for_update()
        row = self.conn.execute(query).mappings().first()
        return dict(row) if row is not None else None

    def mark_lifted(self, sanction_id: str) -> None:
        self.conn.execute(update(t.sanctions).where(t.sanctions.c.sanction_id == sanction_id).values(lifted_at=self.now))

    def add_credit(self, row: dict) -> None:
        self.conn.execute(insert(t.credit_records).values(**row))

    def credit_points(self, subject_type: str, subject_id: str) -> int:
        """The sum of the subject's credit records (0 without any)."""
        c = t.credit_records.c
        return int(self.conn.execute(select(func.coalesce(func.sum(c.points), 0)).where(
            c.subject_type == subject_type, c.subject_id == subject_id)).scalar_one())

    # --- figures for a period [start, stop) ------------------------------------------------------

    def cases_by_status(self, start: dt.datetime, stop: dt.datetime, prefix: str | None) -> dict[str, int]:
        """Cases opened in the period in the regions under the code prefix (all if None), by status."""
        c = t.cases
        where = [c.c.opened_at >= start, c.c.opened_at < stop] + ([c.c.admdvs.like(f"{prefix}%")] if prefix else [])
        return dict(self.conn.execute(select(c.c.status, func.count()).where(*where).group_by(c.c.status)).all())
