"""An in-memory ``uow.settlements`` (store/repositories/settlements.py) over the fake unit of
work's accounts: enough to store and reverse settlements in milliseconds."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from yibao.store.repository import from_fen, to_fen


@dataclass
class FakeSettlements:
    accounts: object  # tests.unit.fakes.FakeAccounts
    rows: list[dict] = field(default_factory=list)
    accumulators: list[dict] = field(default_factory=list)
    locked: list[str] = field(default_factory=list)

    def add(self, row):
        assert not any(r["setl_id"] == row["setl_id"] for r in self.rows), "setl_id is the primary key"
        if row["reverses_setl_id"]:
            assert self.reversal_of(row["reverses_setl_id"]) is None, "uq reverses_setl_id"
        self.rows.append(dict(row))

    def reversal_of(self, setl_id):
        return next((r for r in self.rows if r["reverses_setl_id"] == setl_id), None)

    def lock_persons(self, psn_nos):
        wanted = sorted({p for p in psn_nos if p})
        self.locked += wanted
        return {p: {"psn_no": p} for p in wanted}

    def account_balance(self, psn_no):
        return from_fen(self.accounts.tips([psn_no]).get(psn_no, (0, 0))[1])

    def move_account(self, psn_no, amount: Decimal, kind, setl_id, *, actor, tip=None):
        tip = tip or self.accounts.tips([psn_no]).get(psn_no, (0, 0))
        return self.accounts.append(psn_no, to_fen(amount), kind, setl_id=setl_id, actor=actor, tip=tip)

    def add_accumulators(self, psn_no, insutype, year, delta, setl_id, sign=1):
        for category, values in delta.as_dict().items():
            for key, value in values.items():
                amount = int(value) if category == "visits" else to_fen(value)
                if amount:
                    self.accumulators.append(dict(psn_no=psn_no, insutype=insutype, year=year, category=category,
                                                  key=key, amount=sign * amount, setl_id=setl_id))
