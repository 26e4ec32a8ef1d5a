"""Joint supervision (app/joint_supervision.py): check requests between agencies and their steps,
joint inspections, the expert pool, reports and rewards, the regions' credit policies and the
credit standings. ``uow.joint_supervision``; rows are plain dicts, amounts in fen."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Connection, func, insert, select, text

from .. import tables as t


def _one(conn: Connection, query) -> dict | None:
    row = conn.execute(query).mappings().first()
    return dict(row) if row is not None else None


class Repository:
    def __init__(self, conn: Connection, now: dt.datetime):
        self.conn, self.now = conn, now

    def _lock(self, key: str) -> None:
        """A transaction-scoped advisory lock (docs/locking.md rank 18); SQLite writers queue anyway."""
        if self.conn.dialect.name == "postgresql":
            self.conn.execute(text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))"), {"key": key})

    # --- check requests ------------------------------------------------------------------------

    def add_check_request(self, row: dict) -> None:
        self.conn.execute(insert(t.check_requests).values(**row))

    def check_request(self, request_id: str, *, lock: bool = False) -> dict | None:
        if lock:
            self._lock(f"check-request/{request_id}")
        return _one(self.conn, select(t.check_requests).where(t.check_requests.c.request_id == request_id))

    def add_check_step(self, row: dict) -> None:
        self.conn.execute(insert(t.check_request_steps).values(**row))

    def check_steps(self, request_id: str) -> list[dict]:
        c = t.check_request_steps.c
        return [dict(r) for r in self.conn.execute(
            select(t.check_request_steps).where(c.request_id == request_id).order_by(c.seq)).mappings()]

    def check_requests_of(self, prefix: str | None) -> list[dict]:
        """Requests sent or received by the regions under the code prefix (all if None), newest first."""
        c = t.check_requests.c
        query = select(t.check_requests).order_by(c.requested_at.desc(), c.request_id)
        if prefix:
            query = query.where((c.from_admdvs.like(f"{prefix}%")) | (c.to_admdvs.like(f"{prefix}%")))
        return [dict(r) for r in self.conn.execute(query.limit(500)).mappings()]

    # --- inspections ---------------------------------------------------------------------------

    def add_inspection(self, row: dict) -> None:
        self.conn.execute(insert(t.inspections).values(**row))

    def inspection(self, inspection_id: str, *, lock: bool = False) -> dict | None:
        if lock:
            self._lock(f"inspection/{inspection_id}")
        return _one(self.conn, select(t.inspections).where(t.inspections.c.inspection_id == inspection_id))

    def add_inspection_step(self, row: dict) -> None:
        self.conn.execute(insert(t.inspection_steps).values(**row))

    def inspection_steps(self, inspection_id: str) -> list[dict]:
        c = t.inspection_steps.c
        return [dict(r) for r in self.conn.execute(
            select(t.inspection_steps).where(c.inspection_id == inspection_id).order_by(c.at)).mappings()]

    def add_member(self, row: dict) -> None:
        self.conn.execute(insert(t.inspection_members).values(**row))

    def members(self, inspection_id: str) -> list[dict]:
        c = t.inspection_members.c
        return [dict(r) for r in self.conn.execute(select(t.inspection_members).where(c.inspection_id == inspection_id)
                                                   .order_by(c.member_type, c.member_id)).mappings()]

    # --- experts -------------------------------------------------------------------------------

    def add_expert(self, row: dict) -> None:
        self.conn.execute(insert(t.experts).values(**row))

    def expert(self, expert_id: str, *, lock: bool = False) -> dict | None:
        if lock:
            self._lock(f"expert/{expert_id}")
        return _one(self.conn, select(t.experts).where(t.experts.c.expert_id == expert_id))

    def experts(self, specialty: str | None = None) -> list[dict]:
        query = select(t.experts).order_by(t.experts.c.expert_id)
        if specialty:
            query = query.where(t.experts.c.specialties.contains(specialty))
        return [dict(r) for r in self.conn.execute(query).mappings()]

    def add_availability(self, row: dict) -> None:
        self.conn.execute(insert(t.expert_availability).values(**row))

    def availability(self, expert_id: str) -> list[dict]:
        c = t.expert_availability.c
        return [dict(r) for r in self.conn.execute(select(t.expert_availability).where(c.expert_id == expert_id)
                                                   .order_by(c.record_id)).mappings()]

    def add_assignment(self, row: dict) -> None:
        self.conn.execute(insert(t.expert_assignments).values(**row))

    def assignments(self, expert_id: str) -> list[dict]:
        c = t.expert_assignments.c
        return [dict(r) for r in self.conn.execute(select(t.expert_assignments).where(c.expert_id == expert_id)
                                                   .order_by(c.at, c.assignment_id)).mappings()]

    # --- reports and rewards -------------------------------------------------------------------

    def add_report(self, row: dict) -> None:
        self.conn.execute(insert(t.reports).values(**row))

    def report(self, report_id: str, *, lock: bool = False) -> dict | None:
        if lock:
            self._lock(f"report/{report_id}")
        return _one(self.conn, select(t.reports).where(t.reports.c.report_id == report_id))

    def reward(self, report_id: str) -> dict | None:
        return _one(self.conn, select(t.report_rewards).where(t.report_rewards.c.report_id == report_id))

    def add_reward(self, row: dict) -> None:
        self.conn.execute(insert(t.report_rewards).values(**row))

    def recovered_fen(self, case_id: str) -> int:
        """Money recovered (追回) and refunded (自查自纠) on the case."""
        c = t.case_events.c
        return int(self.conn.execute(select(func.coalesce(func.sum(c.amount_fen), 0)).where(
            c.case_id == case_id, c.kind.in_(("recovery", "refund")))).scalar_one())

    # --- credit --------------------------------------------------------------------------------

    def add_policy(self, row: dict) -> None:
        self.conn.execute(insert(t.supervision_policies).values(**row))

    def policies(self) -> list[dict]:
        c = t.supervision_policies.c
        return [dict(r) for r in self.conn.execute(select(t.supervision_policies).order_by(c.admdvs, c.begndate)).mappings()]

    def credit_points_of(self) -> dict[tuple[str, str], int]:
        """Every subject's sum of credit points, by (subject_type, subject_id); subjects without records absent."""
        c = t.credit_records.c
        rows = self.conn.execute(select(c.subject_type, c.subject_id, func.sum(c.points))
                                 .group_by(c.subject_type, c.subject_id)).all()
        return {(row[0], row[1]): int(row[2]) for row in rows}

    def credit_records_of(self, subject_type: str, subject_id: str) -> list[dict]:
        c = t.credit_records.c
        return [dict(r) for r in self.conn.execute(select(t.credit_records).where(
            c.subject_type == subject_type, c.subject_id == subject_id).order_by(c.record_id)).mappings()]

    def case_credit_exists(self, case_id: str) -> bool:
        c = t.credit_records.c
        return self.conn.execute(select(c.record_id).where(c.case_id == case_id).limit(1)).first() is not None

    def terminated_institutions(self) -> list[dict]:
        """Institutions whose agreement a supervision decision terminated and no one lifted."""
        s = t.sanctions.c
        return [dict(r) for r in self.conn.execute(select(t.sanctions).where(
            s.kind == "terminate", s.lifted_at.is_(None)).order_by(s.sanction_id)).mappings()]

    def subject_regions(self, subject_type: str, subject_ids: list[str]) -> dict[str, str]:
        """The regions of institutions (their treatment region) or persons (insured region)."""
        if not subject_ids:
            return {}
        if subject_type == "institution":
            c = t.institutions.c
            rows = self.conn.execute(select(c.fixmedins_code, c.admdvs).where(c.fixmedins_code.in_(subject_ids))).all()
        elif subject_type == "person":
            c = t.persons.c
            rows = self.conn.execute(select(c.psn_no, c.insuplc_admdvs).where(c.psn_no.in_(subject_ids))).all()
        else:  # a practitioner: the region of an institution that registered them
            p, i = t.practitioners.c, t.institutions.c
            rows = self.conn.execute(select(p.prac_psn_code, func.min(i.admdvs)).select_from(
                t.practitioners.join(t.institutions, i.fixmedins_code == p.fixmedins_code))
                .where(p.prac_psn_code.in_(subject_ids)).group_by(p.prac_psn_code)).all()
        return {row[0]: row[1] for row in rows}

    def assignment(self, assignment_id: str) -> dict | None:
        return _one(self.conn, select(t.expert_assignments).where(t.expert_assignments.c.assignment_id == assignment_id))

    def add_answer(self, row: dict) -> None:
        self.conn.execute(insert(t.expert_request_answers).values(**row))

    def answers(self, assignment_ids: list[str]) -> dict[str, dict]:
        if not assignment_ids:
            return {}
        c = t.expert_request_answers.c
        return {r["assignment_id"]: dict(r) for r in self.conn.execute(
            select(t.expert_request_answers).where(c.assignment_id.in_(assignment_ids))).mappings()}

    def finding_institution(self, finding_id: str) -> str | None:
        c = t.audit_findings.c
        return self.conn.execute(select(c.fixmedins_code).where(c.finding_id == finding_id)).scalar_one_or_none()
