"""An in-memory ``uow.agreements`` (app/agreements.AgreementsRepository) for the use case tests."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class FakeAgreements:
    institution_rows: dict[str, dict] = field(default_factory=dict)
    rows: list[dict] = field(default_factory=list)
    locked: list[str] = field(default_factory=list)

    def lock_family(self, fixmedins_code):
        self.locked.append(fixmedins_code)

    def institution(self, fixmedins_code):
        return self.institution_rows.get(fixmedins_code)

    def institutions(self, codes):
        return {code: self.institution_rows[code] for code in codes if code in self.institution_rows}

    def records(self, fixmedins_codes=None):
        return [dict(r) for r in self.rows if fixmedins_codes is None or r["fixmedins_code"] in fixmedins_codes]

    def records_of_agreements(self, agreement_ids):
        return [dict(r) for r in self.rows if r["agreement_id"] in agreement_ids]

    def with_agreements(self, fixmedins_codes):
        return {r["fixmedins_code"] for r in self.rows if r["fixmedins_code"] in fixmedins_codes}

    def add(self, row):
        # the database's constraints (migration 0014), checked here too
        assert (row["kind"] == "internet") == (row["parent_agreement_id"] is not None), "ck_agreement_records_parent"
        assert row["step"] != "suspend" or row["enddate"] is not None, "ck_agreement_records_suspension_end"
        assert not (row["step"] == "sign" and any(r["step"] == "sign" and r["agreement_id"] == row["agreement_id"]
                                                  for r in self.rows)), "uq_agreement_records_signed_once"
        record_id = len(self.rows) + 1
        self.rows.append(dict(row, record_id=record_id))
        return record_id
