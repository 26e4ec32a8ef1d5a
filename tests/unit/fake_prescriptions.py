"""An in-memory ``uow.prescriptions`` (app/prescriptions.PrescriptionsRepository) for the use case tests."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field


@dataclass
class FakePrescriptions:
    list_type_rows: dict[str, str] = field(default_factory=dict)  # med_list_codg -> list_type
    rows: dict[str, dict] = field(default_factory=dict)
    settings: list[dict] = field(default_factory=list)
    locked: list[str] = field(default_factory=list)
    visits: list[tuple] = field(default_factory=list)  # (psn_no, begntime, fixmedins_code, code)
    diagnoses: dict[str, str] = field(default_factory=dict)  # mdtrt_id -> main diagnosis

    def lock(self, hi_rxnos):
        self.locked += sorted(hi_rxnos)

    def prescription(self, hi_rxno):
        return copy.deepcopy(self.rows.get(hi_rxno))

    def of_visit(self, mdtrt_id):
        return [number for number, row in self.rows.items() if row["mdtrt_id"] == mdtrt_id]

    def by_hosp_rxno(self, fixmedins_code, hosp_rxno):
        return next((n for n, r in self.rows.items() if (r["fixmedins_code"], r["hosp_rxno"]) == (fixmedins_code, hosp_rxno)),
                    None)

    def list_types(self, admdvs, codes):
        return {code: self.list_type_rows[code] for code in codes if code in self.list_type_rows}

    def add(self, row, lines):
        assert self.by_hosp_rxno(row["fixmedins_code"], row["hosp_rxno"]) is None, "uq_prescriptions_hosp_rxno"
        self.rows[row["hi_rxno"]] = dict(row, lines={line["line_no"]: line for line in lines}, steps={}, dispensings=[])

    def add_step(self, row):
        steps = self.rows[row["hi_rxno"]]["steps"]
        assert row["step"] not in steps, "uq_prescription_steps_once"
        steps[row["step"]] = row

    def add_dispensing(self, row, lines):
        dispensings = self.rows[row["hi_rxno"]]["dispensings"]
        # the database's constraints (migration 0018), checked here too
        if row["kind"] == "dispense":
            assert not any(d["kind"] == "dispense" and d["follows_return_id"] == row["follows_return_id"]
                           for d in dispensings), "uq_prescription_dispensings_first / _follows"
        else:
            assert not any(d.get("returns_dispensing_id") == row["returns_dispensing_id"] for d in dispensings)
        dispensings.append(dict(row, lines={line["line_no"]: line["cnt"] for line in lines}))

    def dispensings_of_settlement(self, setl_id):
        return [copy.deepcopy(d) for row in self.rows.values() for d in row["dispensings"] if d["setl_id"] == setl_id]

    def region_setting(self, prescribing, dispensing):
        found = [s for s in self.settings if (s["prescribing_admdvs"], s["dispensing_admdvs"]) == (prescribing, dispensing)]
        return found[-1] if found else None

    def add_region_setting(self, row):
        self.settings.append(row)

    def prior_visits(self, psn_no, since, before, excluded):
        return sorted({(at.date(), code) for who, at, institution, code in self.visits
                       if who == psn_no and since <= at < before and institution not in excluded})

    def main_diagnosis(self, mdtrt_id):
        return self.diagnoses.get(mdtrt_id, "")
