"""An in-memory ``uow.audit`` (app/audit.AuditRepository) for the use case tests."""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass, field

from yibao.store.repository import region_chain

_package_ids = itertools.count(10_000)  # the parsed-package cache is keyed by package_id: never reuse one


@dataclass
class FakeAudit:
    now: dt.datetime
    packages: list[dict] = field(default_factory=list)
    visits: list[dict] = field(default_factory=list)
    lines: list[dict] = field(default_factory=list)
    diagnosis_rows: list[dict] = field(default_factory=list)
    death_rows: dict[str, dict] = field(default_factory=dict)

    def current_package(self, admdvs):
        for region in region_chain(admdvs):
            mine = [row for row in self.packages if row["admdvs"] == region]
            if mine:
                return dict(max(mine, key=lambda row: row["package_id"]))
        return None

    def package_versions(self, admdvs):
        return {row["version"] for row in self.packages if row["admdvs"] == admdvs}

    def add_package(self, *, admdvs, version, document, source, refuse_definite):
        assert version not in self.package_versions(admdvs), "uq_rule_packages_admdvs_version"
        self.packages.append(dict(package_id=next(_package_ids), admdvs=admdvs, version=version, document=document,
                                  source=source, imported_at=self.now, refuse_definite=refuse_definite))

    def other_visits(self, psn_no, exclude, since):
        return [dict(v) for v in self.visits if v["psn_no"] == psn_no and v["mdtrt_id"] != exclude
                and v["status"] != "cancelled" and v["begntime"] >= dt.datetime.combine(since, dt.time())]

    def visits_and_diagnoses(self, psn_no, exclude, since):
        visits = self.other_visits(psn_no, exclude, since)
        return visits, self.diagnoses([v["mdtrt_id"] for v in visits] + [exclude])

    def uploaded_lines(self, mdtrt_ids):
        return {m: [dict(r) for r in self.lines if r["mdtrt_id"] == m and r["status"] == "uploaded"] for m in mdtrt_ids}

    def diagnoses(self, mdtrt_ids):
        return {m: [dict(r) for r in self.diagnosis_rows if r["mdtrt_id"] == m] for m in mdtrt_ids}

    def die_date(self, certno):
        row = self.death_rows.get(certno)
        return row["die_date"] if row else None

    def settled_fee_lines(self, begin, end, region):
        raise NotImplementedError("the post-event batch is tested on the database (tests/platform/test_audit_gateway.py)")

    def diagnosis_codes(self, mdtrt_id):
        return [r["diag_code"] for r in self.diagnosis_rows if r["mdtrt_id"] == mdtrt_id]

    def deaths(self):
        return {certno: row["die_date"] for certno, row in self.death_rows.items()}

    def replace_death(self, certno, day):
        self.death_rows[certno] = {"die_date": day, "imported_at": self.now}
