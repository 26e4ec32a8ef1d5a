"""An in-memory ``uow.evouchers`` (store/repositories/evouchers.py) for app/evouchers.py."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class FakeEvouchers:
    persons: dict[str, str] = field(default_factory=dict)  # psn_no -> insured region
    vouchers: dict[str, dict] = field(default_factory=dict)
    states: list[dict] = field(default_factory=list)
    stored_key: str | None = None
    locked: list[str] = field(default_factory=list)
    voucher_reads: int = 0

    def lock_person(self, psn_no):
        self.locked.append(psn_no)
        return {"psn_no": psn_no} if psn_no in self.persons else None

    def insured_region(self, psn_no):
        return self.persons.get(psn_no)

    def _with_state(self, voucher):
        chain = [row for row in self.states if row["voucher_id"] == voucher["voucher_id"]]
        last = max(chain, key=lambda row: row["seq"]) if chain else None
        return dict(voucher, state=last["state"] if last else "active", seq=last["seq"] if last else 0)

    def voucher(self, voucher_id):
        self.voucher_reads += 1
        found = self.vouchers.get(voucher_id)
        return None if found is None else self._with_state(found)

    def voucher_of(self, psn_no):
        found = next((v for v in self.vouchers.values() if v["psn_no"] == psn_no), None)
        return None if found is None else self._with_state(found)

    def history(self, voucher_id):
        return sorted((row for row in self.states if row["voucher_id"] == voucher_id), key=lambda row: row["seq"])

    def add_voucher(self, row):
        # the unique psn_no and primary key of migration 0013
        assert all(v["psn_no"] != row["psn_no"] for v in self.vouchers.values()), "uq_evouchers_psn_no"
        assert row["voucher_id"] not in self.vouchers
        self.vouchers[row["voucher_id"]] = dict(row)

    def add_state(self, row):
        assert not any(s["voucher_id"] == row["voucher_id"] and s["seq"] == row["seq"] for s in self.states), "pk"
        self.states.append(dict(row))

    def counts(self, regions):
        table = {}
        for voucher in self.vouchers.values():
            if any(voucher["insuplc_admdvs"].startswith(prefix) for prefix in regions):
                key = (voucher["insuplc_admdvs"], self._with_state(voucher)["state"])
                table[key] = table.get(key, 0) + 1
        return [{"insuplc_admdvs": r, "state": s, "vouchers": n} for (r, s), n in sorted(table.items())]

    def token_key(self):
        return self.stored_key

    def keep_token_key(self, key_b64):
        if self.stored_key is None:
            self.stored_key = key_b64
        return self.stored_key
