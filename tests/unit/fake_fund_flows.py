"""In-memory fakes of the fund-flow repositories (app/clearing.py ClearingRepository,
app/prepayment.py PrepaymentRepository) and a unit of work that rolls them back too."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

from yibao.app.clearing import FIGURES

from .fakes import FakeLedger, FakeUnitOfWork


@dataclass
class FakeLedgerWithBalances(FakeLedger):
    """The fake ledger plus balances: ``opening`` (fen per account) and every entry posted since."""

    opening: dict[str, int] = field(default_factory=dict)

    def balance(self, account):
        return self.opening.get(account, 0) + sum(p.amount_fen for e in self.entries for p in e.postings
                                                  if p.account == account)


@dataclass
class FakeClearing:
    statements: dict[str, dict] = field(default_factory=dict)
    totals: dict[str, list[dict]] = field(default_factory=dict)  # month → what month_totals answers
    payments: dict[tuple[str, str], dict] = field(default_factory=dict)
    marked: list[str] = field(default_factory=list)
    locks: list[str] = field(default_factory=list)
    ledger: FakeLedgerWithBalances | None = None  # drawn_from_prepayment reads its entries

    def lock_month(self, month):
        self.locks.append(f"clearing-month/{month}")

    def mark_cross_region_items(self, month, start, end):
        self.marked.append(month)

    def month_totals(self, month):
        return [dict(row) for row in self.totals.get(month, [])]

    def statements_of_month(self, month, *, superseded=False):
        rows = [dict(row) for row in self.statements.values() if row["month"] == month
                and (superseded or row["status"] != "superseded")]
        return sorted(rows, key=lambda row: (row["insuplc_admdvs"], row["mdtrtarea_admvs"], row["sequence"], row["version"]))

    def add_statement(self, row):
        assert row["statement_id"] not in self.statements
        self.statements[row["statement_id"]] = dict(row, insured_confirmed_at=None, treatment_confirmed_at=None,
                                                    paid_at=None, superseded_at=None, insured_confirmed_by=None,
                                                    treatment_confirmed_by=None, paid_by=None)

    def update_statement(self, statement_id, values):
        # the figures are fixed (the triggers of migration 0016)
        assert not set(values) & set(FIGURES), values
        self.statements[statement_id].update(values)

    def statement(self, statement_id):
        row = self.statements.get(statement_id)
        return None if row is None else dict(row)

    def lock_statement(self, statement_id):
        self.locks.append(f"statement/{statement_id}")
        return self.statement(statement_id)

    def lock_prepayment_pair(self, insured, treatment_prov):
        self.locks.append(f"prepayment-pair/{insured}>{treatment_prov}")

    def drawn_from_prepayment(self, insured, treatment_prov, year):
        account = f"prepay_advance:{insured}>{treatment_prov}"
        months = {sid for sid, row in self.statements.items() if row["month"].startswith(f"{year}-")}
        return -sum(p.amount_fen for e in self.ledger.entries if e.kind == "clearing_paid" and e.ref in months
                    for p in e.postings if p.account == account)

    def cross_region_payments(self, start, end):
        return dict(self.payments)


@dataclass
class FakePrepayments:
    rows: dict[str, dict] = field(default_factory=dict)
    payments: dict[int, dict[tuple[str, str], int]] = field(default_factory=dict)  # year → per pair (fen)
    uncleared: dict[int, dict[tuple[str, str], int]] = field(default_factory=dict)
    locks: list[str] = field(default_factory=list)

    def lock_plan(self, year):
        self.locks.append(f"prepayment-plan/{year}")

    def annual_pairs(self, year):
        return {(r["insured_admdvs"], r["treatment_prov"]) for r in self.rows.values()
                if r["year"] == year and r["kind"] == "annual"}

    def cross_province_payments(self, year):
        return dict(self.payments.get(year, {}))

    def uncleared_cross_province_payments(self, year):
        return dict(self.uncleared.get(year, {}))

    def of_year(self, year):
        return [dict(r) for r in self.rows.values() if r["year"] == year]

    def add(self, row):
        assert row["prepay_id"] not in self.rows
        self.rows[row["prepay_id"]] = dict(row, paid_at=None, received_at=None)

    def get(self, prepay_id):
        row = self.rows.get(prepay_id)
        return None if row is None else dict(row)

    def lock(self, prepay_id):
        self.locks.append(f"prepayment/{prepay_id}")
        return self.get(prepay_id)

    def update(self, prepay_id, values):
        self.rows[prepay_id].update(values)


class FundFlowsUnitOfWork(FakeUnitOfWork):
    """FakeUnitOfWork with ``clearing``, ``prepayments`` and a ledger with balances; an
    exception restores the fund-flow repositories as well."""

    def __init__(self, actor, **kwargs):
        super().__init__(actor, **kwargs)
        self.ledger = FakeLedgerWithBalances()
        self.clearing, self.prepayments = FakeClearing(ledger=self.ledger), FakePrepayments()

    def __enter__(self):
        self._fund_flows = copy.deepcopy((self.clearing.statements, self.prepayments.rows))
        return super().__enter__()

    def __exit__(self, kind, value, traceback):
        if kind is not None:
            self.clearing.statements, self.prepayments.rows = self._fund_flows
        return super().__exit__(kind, value, traceback)
