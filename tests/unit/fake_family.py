"""An in-memory ``uow.family`` (store/repositories/family.py) over the fake persons."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class FakeFamily:
    persons: object  # tests.unit.fakes.FakePersons
    rows: list[dict] = field(default_factory=list)
    policies: dict[str, dict] = field(default_factory=dict)  # admdvs -> 310 policy document
    locked: list[list[str]] = field(default_factory=list)

    def lock_persons(self, psn_nos):
        wanted = sorted(set(psn_nos))
        self.locked.append(wanted)
        return {p: self.persons.rows[p] for p in wanted if p in self.persons.rows}

    def insurances(self, psn_no):
        return self.persons.insurances(psn_no)

    def policy_document(self, admdvs, insutype, day):
        return self.policies.get(admdvs)

    def _ended_by(self, binding_id):
        return next((r["binding_id"] for r in self.rows if r["unbinds"] == binding_id), None)

    def binding(self, binding_id):
        row = next((r for r in self.rows if r["binding_id"] == binding_id and r["kind"] == "bind"), None)
        return None if row is None else dict(row, ended_by=self._ended_by(binding_id))

    def live(self, *, owners=None, relatives=None):
        return [dict(r, ended_by=None) for r in self.rows if r["kind"] == "bind" and self._ended_by(r["binding_id"]) is None
                and (owners is None or r["owner_psn_no"] in owners)
                and (relatives is None or r["relative_psn_no"] in relatives)]

    def listing(self, psn_no=None, *, include_ended=False):
        return [dict(r, ended_by=self._ended_by(r["binding_id"])) for r in self.rows if r["kind"] == "bind"
                and (psn_no is None or psn_no in (r["owner_psn_no"], r["relative_psn_no"]))
                and (include_ended or self._ended_by(r["binding_id"]) is None)]

    def add(self, row):
        binding_id = len(self.rows) + 1
        self.rows.append(dict(row, binding_id=binding_id))
        return binding_id
