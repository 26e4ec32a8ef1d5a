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

    def cases_by_status(self, start: dt.datetime, stop: dt.datetime, admdvs: str | None) -> dict[str, int]:
        """Cases opened in the period (in the region, if given), counted by status."""
        c = t.cases
        where = [c.c.opened_at >= start, c.c.opened_at < stop] + ([c.c.admdvs == admdvs] if admdvs else [])
        return dict(self.conn.execute(select(c.c.status, func.count()).where(*where).group_by(c.c.status)).all())

    def money_by_kind(self, kinds: tuple[str, ...], start: dt.datetime, stop: dt.datetime,
                      admdvs: str | None) -> dict[str, int]:
        """Fen recorded in the period by kind, on cases of the region if given."""
        c, e = t.cases, t.case_events
        query = select(e.c.kind, func.coalesce(func.sum(e.c.amount_fen), 0)).where(
            e.c.kind.in_(kinds), e.c.at >= start, e.c.at < stop)
        if admdvs:
            query = query.join(c, c.c.case_id == e.c.case_id).where(c.c.admdvs == admdvs)
        return {kind: int(total) for kind, total in self.conn.execute(query.group_by(e.c.kind)).all()}

    def sanctions_by_kind(self, start: dt.datetime, stop: dt.datetime) -> dict[tuple[str, str], int]:
        """Sanctions created in the period, counted by (subject_type, kind)."""
        s = t.sanctions
        return {(subject, kind): n for subject, kind, n in self.conn.execute(
            select(s.c.subject_type, s.c.kind, func.count()).where(s.c.created_at >= start, s.c.created_at < stop)
            .group_by(s.c.subject_type, s.c.kind)).all()}

    def findings_by_rule_type(self, start: dt.datetime, stop: dt.datetime) -> dict[str, int]:
        f = t.audit_findings
        return dict(self.conn.execute(select(f.c.rule_type, func.count()).where(f.c.found_at >= start, f.c.found_at < stop)
                                      .group_by(f.c.rule_type)).all())
