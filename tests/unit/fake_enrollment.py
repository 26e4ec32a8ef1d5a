"""An in-memory ``uow.enrollment`` (store/repositories/enrollment.py) for app/enrollment.py,
enforcing the constraints of migration 0020 that the use cases rely on."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field


@dataclass
class FakeEnrollment:
    persons: dict[str, dict] = field(default_factory=dict)
    insurance_rows: dict[tuple[str, str], dict] = field(default_factory=dict)
    policies: dict[tuple[str, str], dict] = field(default_factory=dict)  # (admdvs, insutype) -> document
    record_rows: list[dict] = field(default_factory=list)
    contribution_rows: list[dict] = field(default_factory=list)
    transfer_rows: dict[str, dict] = field(default_factory=dict)
    acceptances: dict[str, dict] = field(default_factory=dict)
    credits: dict[tuple[str, str], dict] = field(default_factory=dict)
    locked: list[list[str]] = field(default_factory=list)

    def lock_persons(self, psn_nos):
        wanted = sorted(set(psn_nos))
        self.locked.append(wanted)
        return {p: self.persons[p] for p in wanted if p in self.persons}

    def add_person(self, row):
        assert row["psn_no"] not in self.persons
        self.persons[row["psn_no"]] = dict(row)

    def insurance(self, psn_no, insutype):
        found = self.insurance_rows.get((psn_no, insutype))
        return None if found is None else dict(found)

    def insurances(self, psn_no):
        return [dict(row) for (p, _), row in sorted(self.insurance_rows.items()) if p == psn_no]

    def save_insurance(self, row):
        base = {"enroll_date": None, "benefit_begndate": None, "insu_enddate": None}
        self.insurance_rows[(row["psn_no"], row["insutype"])] = dict(base, **row)

    def policy_document(self, admdvs, insutype, day):
        found = self.policies.get((admdvs, insutype))
        return None if found is None else json.dumps(found)

    def records(self, psn_no, insutype=None):
        return [dict(r) for r in self.record_rows if r["psn_no"] == psn_no and insutype in (None, r["insutype"])]

    def add_record(self, row):
        row = dict({"enddate": None, "refers_to": None, "follows_end_id": None, "prev_enddate": None}, **row)
        if row["step"] in ("enroll", "transfer_in") and row["follows_end_id"] is None:
            assert not any(r["psn_no"] == row["psn_no"] and r["insutype"] == row["insutype"] and r["step"] in (
                "enroll", "transfer_in") and r["follows_end_id"] is None for r in self.record_rows), "uq_first"
        if row["follows_end_id"] is not None:
            end = next(r for r in self.record_rows if r["record_id"] == row["follows_end_id"])
            assert (end["step"], end["enddate"], end["psn_no"]) == ("end", row["prev_enddate"], row["psn_no"]), "fk"
            if row["step"] == "transfer_in":
                assert row["begndate"] == row["prev_enddate"] + dt.timedelta(days=1), "ck_next_day"
        row["record_id"] = len(self.record_rows) + 1
        self.record_rows.append(row)
        return row["record_id"]

    def contribution(self, psn_no, insutype, month):
        return next((dict(r) for r in self.contribution_rows if (r["psn_no"], r["insutype"], r["month"]) ==
                     (psn_no, insutype, month)), None)

    def add_contribution(self, row):
        assert self.contribution(row["psn_no"], row["insutype"], row["month"]) is None, "uq_contributions_month"
        self.contribution_rows.append(dict(row))
        return len(self.contribution_rows)

    def contribution_summary(self, psn_no, insutype):
        months = sorted({r["month"] for r in self.contribution_rows if (r["psn_no"], r["insutype"]) == (psn_no, insutype)})
        return {"months": len(months), "last_month": months[-1] if months else None}

    def contributions_by_region(self, psn_no, insutype):
        return []

    def transfer(self, transfer_id):
        found = self.transfer_rows.get(transfer_id)
        if found is None:
            return None
        accepted = self.acceptances.get(transfer_id, {})
        return dict(found, accepted_at=accepted.get("accepted_at"), **{k: v for k, v in accepted.items() if k != "accepted_at"})

    def open_transfer(self, psn_no, insutype):
        return next((i for i, r in self.transfer_rows.items() if (r["psn_no"], r["insutype"]) == (psn_no, insutype)
                     and i not in self.acceptances), None)

    def transfers_of(self, psn_no):
        return [self.transfer(i) for i, r in self.transfer_rows.items() if r["psn_no"] == psn_no]

    def add_transfer(self, row):
        self.transfer_rows[row["transfer_id"]] = dict(row)

    def add_acceptance(self, row):
        assert row["transfer_id"] not in self.acceptances, "pk_transfer_acceptances"
        self.acceptances[row["transfer_id"]] = dict(row)

    def employees_to_credit(self, month_start, month_end):
        month = month_start.strftime("%Y-%m")
        rows = []
        for (psn_no, insutype), row in sorted(self.insurance_rows.items()):
            if insutype == "310" and row["psn_insu_stas"] == "1":
                paid = self.contribution(psn_no, insutype, month)
                rows.append(dict(psn_no=psn_no, psn_type=row["psn_type"], insuplc_admdvs=row["insuplc_admdvs"],
                                 psn_amt_fen=paid["psn_amt_fen"] if paid else None))
        return rows

    def credited(self, psn_nos, month):
        return {p for p in psn_nos if (p, month) in self.credits}

    def add_credit(self, row):
        assert (row["psn_no"], row["month"]) not in self.credits, "pk_account_credits"
        self.credits[(row["psn_no"], row["month"])] = dict(row)
