"""An in-memory ``uow.joint_supervision`` (store/repositories/joint_supervision.py) for the use case
tests; it reads cases, case events, sanctions and credit records from the FakeSupervision it is given."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class FakeJointSupervision:
    supervision: object  # tests/unit/fake_supervision.FakeSupervision
    requests: dict = field(default_factory=dict)
    steps: list = field(default_factory=list)
    inspections_: dict = field(default_factory=dict)
    inspection_steps_: list = field(default_factory=list)
    members_: list = field(default_factory=list)
    experts_: dict = field(default_factory=dict)
    availability_: list = field(default_factory=list)
    assignments_: list = field(default_factory=list)
    answers_: dict = field(default_factory=dict)
    policies_: list = field(default_factory=list)
    reports: dict = field(default_factory=dict)
    rewards: dict = field(default_factory=dict)
    regions: dict = field(default_factory=dict)  # (subject_type, subject_id) -> region
    locked: list = field(default_factory=list)

    def add_check_request(self, row):
        assert row["request_id"] not in self.requests and row["from_admdvs"] != row["to_admdvs"]
        self.requests[row["request_id"]] = dict(row)

    def check_request(self, request_id, *, lock=False):
        if lock:
            self.locked.append(f"check-request/{request_id}")
        row = self.requests.get(request_id)
        return dict(row) if row else None

    def add_check_step(self, row):
        assert not any(s["request_id"] == row["request_id"] and s["step"] == row["step"] for s in self.steps), "pk"
        self.steps.append(dict({"inspector": "", "text": "", "evidence": "[]"}, **row))

    def check_steps(self, request_id):
        return sorted((dict(s) for s in self.steps if s["request_id"] == request_id), key=lambda s: s["seq"])

    def check_requests_of(self, prefix):
        return [dict(r) for r in self.requests.values()
                if not prefix or r["from_admdvs"].startswith(prefix) or r["to_admdvs"].startswith(prefix)]

    def add_inspection(self, row):
        self.inspections_[row["inspection_id"]] = dict(row)

    def inspection(self, inspection_id, *, lock=False):
        if lock:
            self.locked.append(f"inspection/{inspection_id}")
        row = self.inspections_.get(inspection_id)
        return dict(row) if row else None

    def add_inspection_step(self, row):
        assert not any(s["inspection_id"] == row["inspection_id"] and s["step"] == row["step"]
                       for s in self.inspection_steps_), "pk"
        self.inspection_steps_.append(dict(row))

    def inspection_steps(self, inspection_id):
        return [dict(s) for s in self.inspection_steps_ if s["inspection_id"] == inspection_id]

    def add_member(self, row):
        key = (row["inspection_id"], row["member_type"], row["member_id"])
        assert key not in {(m["inspection_id"], m["member_type"], m["member_id"]) for m in self.members_}, "pk"
        self.members_.append(dict(row))

    def members(self, inspection_id):
        return sorted((dict(m) for m in self.members_ if m["inspection_id"] == inspection_id),
                      key=lambda m: (m["member_type"], m["member_id"]))

    def add_expert(self, row):
        self.experts_[row["expert_id"]] = dict(row)

    def expert(self, expert_id, *, lock=False):
        if lock:
            self.locked.append(f"expert/{expert_id}")
        row = self.experts_.get(expert_id)
        return dict(row) if row else None

    def experts(self, specialty=None):
        return [dict(r) for _, r in sorted(self.experts_.items()) if not specialty or specialty in r["specialties"]]

    def add_availability(self, row):
        self.availability_.append(dict(row, record_id=len(self.availability_) + 1))

    def availability(self, expert_id):
        return [dict(r) for r in self.availability_ if r["expert_id"] == expert_id]

    def add_assignment(self, row):
        assert not any((a["expert_id"], a["target_type"], a["target_id"]) ==
                       (row["expert_id"], row["target_type"], row["target_id"]) for a in self.assignments_)
        self.assignments_.append(dict(row))

    def assignments(self, expert_id):
        return [dict(a) for a in self.assignments_ if a["expert_id"] == expert_id]

    def assignment(self, assignment_id):
        return next((dict(a) for a in self.assignments_ if a["assignment_id"] == assignment_id), None)

    def add_answer(self, row):
        assert row["assignment_id"] not in self.answers_, "pk"
        self.answers_[row["assignment_id"]] = dict(row)

    def answers(self, assignment_ids):
        return {k: dict(v) for k, v in self.answers_.items() if k in assignment_ids}

    def finding_institution(self, finding_id):
        row = self.supervision.stored_findings.get(finding_id)
        return row["fixmedins_code"] if row else None

    def add_report(self, row):
        self.reports[row["report_id"]] = dict(row)

    def report(self, report_id, *, lock=False):
        if lock:
            self.locked.append(f"report/{report_id}")
        row = self.reports.get(report_id)
        return dict(row) if row else None

    def reward(self, report_id):
        return self.rewards.get(report_id)

    def add_reward(self, row):
        assert row["report_id"] not in self.rewards and row["amount_fen"] > 0
        self.rewards[row["report_id"]] = dict(row)

    def recovered_fen(self, case_id):
        return sum(e["amount_fen"] for e in self.supervision.events
                   if e["case_id"] == case_id and e["kind"] in ("recovery", "refund"))

    def add_policy(self, row):
        assert (row["admdvs"], row["begndate"]) not in {(p["admdvs"], p["begndate"]) for p in self.policies_}
        self.policies_.append(dict(row))

    def policies(self):
        return [dict(p) for p in self.policies_]

    def credit_points_of(self):
        found = {}
        for row in self.supervision.credits:
            key = (row["subject_type"], row["subject_id"])
            found[key] = found.get(key, 0) + row["points"]
        return found

    def credit_records_of(self, subject_type, subject_id):
        return [dict(r) for r in self.supervision.credits
                if r["subject_type"] == subject_type and r["subject_id"] == subject_id]

    def terminated_institutions(self):
        return [dict(s) for s in self.supervision.sanctions.values() if s["kind"] == "terminate" and s["lifted_at"] is None]

    def subject_regions(self, subject_type, subject_ids):
        found = {}
        for subject_id in subject_ids:
            if subject_type == "institution" and subject_id in self.supervision.institutions:
                found[subject_id] = self.supervision.institutions[subject_id]["admdvs"]
            elif (subject_type, subject_id) in self.regions:
                found[subject_id] = self.regions[(subject_type, subject_id)]
        return found
