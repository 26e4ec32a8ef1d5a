"""In-memory ``uow.visits`` and ``uow.fees`` (store/repositories/visits.py, fees.py), set on
``tests.unit.fakes.FakeUnitOfWork``: persons and insurances, visits with their settlements,
fee lines and diagnoses, with the constraints the database backs (store/tables.py: the visit
number unique per institution, the fee line's key mdtrt_id + feedetl_sn)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class FakeVisits:
    persons: dict[str, dict] = field(default_factory=dict)
    insurances: dict[tuple[str, str], dict] = field(default_factory=dict)
    rows: dict[str, dict] = field(default_factory=dict)
    active_settlements: dict[str, dict] = field(default_factory=dict)  # mdtrt_id -> its unreversed settlement
    diagnoses: list[dict] = field(default_factory=list)
    locked: list[str] = field(default_factory=list)

    def registration_facts(self, psn_no, insutype, fixmedins_code, ipt_otp_no):
        person = self.persons.get(psn_no)
        if person is None:
            return None, None, False
        taken = any(v["fixmedins_code"] == fixmedins_code and v["ipt_otp_no"] == ipt_otp_no for v in self.rows.values())
        insurance = self.insurances.get((psn_no, insutype))
        return dict(person), dict(insurance) if insurance else None, taken

    def lock(self, mdtrt_id):
        self.locked.append(mdtrt_id)
        row = self.rows.get(mdtrt_id)
        return dict(row) if row else None

    def settlement_chain(self, mdtrt_id):
        return self.active_settlements.get(mdtrt_id), None

    def add(self, row):
        assert row["mdtrt_id"] not in self.rows, "mdtrt_id is the primary key"
        assert not any(v["fixmedins_code"] == row["fixmedins_code"] and v["ipt_otp_no"] == row["ipt_otp_no"]
                       for v in self.rows.values()), "uq_visits_ipt_otp_no"
        self.rows[row["mdtrt_id"]] = dict(row)

    def add_diagnoses(self, rows):
        self.diagnoses += [dict(row) for row in rows]

    def change(self, mdtrt_id, **values):
        self.rows[mdtrt_id].update(values)


@dataclass
class FakeFees:
    visits: FakeVisits
    lines: list[dict] = field(default_factory=list)
    catalogue_reads: list[tuple] = field(default_factory=list)

    def chain_and_line_numbers(self, mdtrt_id):
        active, follows = self.visits.settlement_chain(mdtrt_id)
        return active, follows, {line["feedetl_sn"] for line in self.lines if line["mdtrt_id"] == mdtrt_id}

    def catalogue(self, admdvs, codes, day):
        self.catalogue_reads.append((admdvs, frozenset(codes), day))
        return {}

    def add(self, rows):
        for row in rows:
            assert not any(line["mdtrt_id"] == row["mdtrt_id"] and line["feedetl_sn"] == row["feedetl_sn"]
                           for line in self.lines), "fee_lines primary key"
        self.lines += [dict(row) for row in rows]

    def cancel(self, mdtrt_id, *, key=None, value=None):
        count = 0
        for line in self.lines:
            if line["mdtrt_id"] == mdtrt_id and line["status"] == "uploaded" and (key is None or line[key] == value):
                line["status"] = "cancelled"
                count += 1
        return count
