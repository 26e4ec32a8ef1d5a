"""An in-memory ``uow.findings`` (app/findings.FindingsRepository) over a FakeSupervision's findings."""

from __future__ import annotations

from dataclasses import dataclass, field

from .fake_supervision import FakeSupervision


@dataclass
class FakeFindings:
    supervision: FakeSupervision
    runs: dict[str, dict] = field(default_factory=dict)
    transitions: list[dict] = field(default_factory=list)
    locked: list[str] = field(default_factory=list)

    def _superseded(self, run_id):
        return any(run["supersedes_run_id"] == run_id for run in self.runs.values())

    def _region(self, row):
        return (self.supervision.institutions.get(row["fixmedins_code"]) or {}).get("admdvs", "")

    def _status(self, finding_id):
        steps = [s for s in self.transitions if s["finding_id"] == finding_id]
        return steps[-1]["to_status"] if steps else "new"

    def lock(self, finding_id):
        self.locked.append(finding_id)
        row = self.supervision.stored_findings.get(finding_id)
        if row is None:
            return None
        return dict(row, admdvs=self._region(row), superseded=self._superseded(row["run_id"]))

    def history(self, finding_ids):
        found = {}
        for step in self.transitions:
            if step["finding_id"] in finding_ids:
                found.setdefault(step["finding_id"], []).append(dict(step))
        return found

    def add_transition(self, row):
        assert not any((s["finding_id"], s["seq"]) == (row["finding_id"], row["seq"]) for s in self.transitions), \
            "finding_transitions' primary key"
        assert row["to_status"] in ("checking", "confirmed", "dismissed", "appealed"), "ck_finding_transitions_status"
        self.transitions.append(dict(row))

    def page(self, *, status, rule_id, fixmedins_code, region_prefix, limit, offset):
        rows = [dict(row, status=self._status(row["finding_id"]), admdvs=self._region(row))
                for row in self.supervision.stored_findings.values() if not self._superseded(row["run_id"])]
        rows = [row for row in rows if (status is None or row["status"] == status)
                and (not rule_id or row["rule_id"] == rule_id) and (not fixmedins_code or row["fixmedins_code"] == fixmedins_code)
                and (region_prefix is None or row["admdvs"].startswith(region_prefix))]
        rows.sort(key=lambda row: row["finding_id"])
        rows.sort(key=lambda row: row["found_at"], reverse=True)
        return rows[offset:offset + limit], len(rows)

    def lock_run_key(self, run_key):
        self.locked.append(f"audit-run/{run_key}")

    def latest_run(self, run_key):
        live = [run for run in self.runs.values() if run["run_key"] == run_key and not self._superseded(run["run_id"])]
        return dict(live[0]) if live else None

    def add_run(self, row):
        assert row["supersedes_run_id"] is None or not self._superseded(row["supersedes_run_id"]), "uq_audit_runs_supersedes"
        self.runs[row["run_id"]] = dict(row)

    def run_findings(self, run_id):
        return sorted((dict(row) for row in self.supervision.stored_findings.values() if row["run_id"] == run_id),
                      key=lambda row: row["finding_id"])
