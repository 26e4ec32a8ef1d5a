"""An in-memory ``uow.supervision`` (app/supervision.SupervisionRepository) for the use case tests."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field


@dataclass
class FakeSupervision:
    now: dt.datetime
    cases: dict[str, dict] = field(default_factory=dict)
    events: list[dict] = field(default_factory=list)
    stored_findings: dict[str, dict] = field(default_factory=dict)
    institutions: dict[str, dict] = field(default_factory=dict)
    sanctions: dict[str, dict] = field(default_factory=dict)
    credits: list[dict] = field(default_factory=list)
    locked: list[str] = field(default_factory=list)  # rows locked, in order

    def add_case(self, row):
        assert row["case_id"] not in self.cases, "cases.case_id is the primary key"
        self.cases[row["case_id"]] = dict(row, closed_at=None)

    def case(self, case_id, *, lock=False):
        if lock:
            self.locked.append(case_id)
        row = self.cases.get(case_id)
        return dict(row) if row is not None else None

    def update_case(self, case_id, values):
        self.cases[case_id].update(values)

    def add_event(self, case_id, kind, detail, by, amount_fen=0):
        assert len(by) <= 30, "case_events.by is 30 characters"
        self.events.append(dict(event_id=len(self.events) + 1, case_id=case_id, kind=kind, amount_fen=amount_fen,
                                detail=detail, by=by, at=self.now))

    def events_of(self, case_id):
        return [dict(e) for e in self.events if e["case_id"] == case_id]

    def findings(self, finding_ids):
        return [dict(row) for finding_id, row in self.stored_findings.items() if finding_id in finding_ids]

    def add_findings(self, rows):
        for row in rows:
            self.stored_findings[row["finding_id"]] = dict(row)

    def institution(self, fixmedins_code):
        return self.institutions.get(fixmedins_code)

    def add_sanction(self, row):
        self.sanctions[row["sanction_id"]] = dict(row, lifted_at=None)

    def sanction(self, sanction_id, *, lock=False):
        if lock:
            self.locked.append(sanction_id)
        row = self.sanctions.get(sanction_id)
        return dict(row) if row is not None else None

    def mark_lifted(self, sanction_id):
        self.sanctions[sanction_id]["lifted_at"] = self.now

    def add_credit(self, row):
        self.credits.append(dict(row))

    def credit_points(self, subject_type, subject_id):
        return sum(r["points"] for r in self.credits if (r["subject_type"], r["subject_id"]) == (subject_type, subject_id))

    def cases_by_status(self, start, stop, prefix):
        counts: dict[str, int] = {}
        for row in self.cases.values():
            if start <= row["opened_at"] < stop and (prefix is None or row["admdvs"].startswith(prefix)):
                counts[row["status"]] = counts.get(row["status"], 0) + 1
        return counts
