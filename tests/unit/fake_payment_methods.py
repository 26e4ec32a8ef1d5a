"""An in-memory ``uow.payment_methods`` (app/payment_methods.PaymentMethodsRepository)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class FakePaymentMethods:
    institution_rows: dict[str, dict] = field(default_factory=dict)
    method_rows: list[dict] = field(default_factory=list)
    budget_rows: list[dict] = field(default_factory=list)
    advance_rows: list[dict] = field(default_factory=list)
    result_rows: list[dict] = field(default_factory=list)
    table_rows: list[dict] = field(default_factory=list)
    case_rows: list[dict] = field(default_factory=list)  # the shape of Repository.inpatient_cases
    coded_rows: tuple[list, list] = ([], [])
    discharge_rows: list[dict] = field(default_factory=list)
    scores: dict[str, int] = field(default_factory=dict)
    cost: dict[tuple[str, int], int] = field(default_factory=dict)
    policy: dict | None = None
    locked: list[str] = field(default_factory=list)

    def lock_institution_year(self, fixmedins_code, year):
        self.locked.append(f"{fixmedins_code}/{year}")

    def institution(self, fixmedins_code):
        return self.institution_rows.get(fixmedins_code)

    def institutions_of_region(self, admdvs):
        return [dict(r) for code, r in sorted(self.institution_rows.items()) if r["admdvs"] == admdvs]

    def _of(self, rows, code, year):
        return [dict(r) for r in rows if r["fixmedins_code"] == code and r["year"] == year]

    def method_records(self, fixmedins_code, year):
        return self._of(self.method_rows, fixmedins_code, year)

    def methods_of_year(self, year):
        return {r["fixmedins_code"]: r["method"] for r in self.method_rows if r["year"] == year}

    def add_method_record(self, row):
        self.method_rows.append(dict(row))
        return len(self.method_rows)

    def budgets(self, fixmedins_code, year):
        return self._of(self.budget_rows, fixmedins_code, year)

    def add_budget(self, row):
        self.budget_rows.append(dict(row, budget_id=len(self.budget_rows) + 1))
        return len(self.budget_rows)

    def advances(self, fixmedins_code, year):
        return self._of(self.advance_rows, fixmedins_code, year)

    def add_advance(self, row):
        # uq_budget_advances_month, checked here too
        assert not self._of([r for r in self.advance_rows if r["month"] == row["month"]], row["fixmedins_code"],
                            row["year"]), "uq_budget_advances_month"
        self.advance_rows.append(dict(row))
        return len(self.advance_rows)

    def results(self, fixmedins_code, year):
        return self._of(self.result_rows, fixmedins_code, year)

    def add_result(self, row):
        # uq_payment_results_first, checked here too
        assert not (row["kind"] == "settlement" and row["follows_correction_id"] is None and any(
            r["kind"] == "settlement" and r["follows_correction_id"] is None
            for r in self.results(row["fixmedins_code"], row["year"]))), "uq_payment_results_first"
        self.result_rows.append(dict(row))

    def tables(self, admdvs, year, method):
        return [dict(r) for r in self.table_rows if (r["admdvs"], r["year"], r["method"]) == (admdvs, year, method)]

    def add_table(self, row):
        self.table_rows.append(dict(row, table_id=len(self.table_rows) + 1))
        return len(self.table_rows)

    def evaluation_score(self, fixmedins_code):
        return self.scores.get(fixmedins_code)

    def policy_block(self, admdvs, year):
        return self.policy

    def local_fund_cost(self, fixmedins_code, year):
        return self.cost.get((fixmedins_code, year), 0)

    def inpatient_cases(self, admdvs, year):
        return [dict(r) for r in self.case_rows
                if self.institution_rows[r["fixmedins_code"]]["admdvs"] == admdvs and r["year"] == year]

    def coded(self, doc_ids):
        diagnoses, operations = self.coded_rows
        return [d for d in diagnoses if d["doc_id"] in doc_ids], [o for o in operations if o["doc_id"] in doc_ids]

    def discharge_diagnoses(self, mdtrt_ids):
        return [d for d in self.discharge_rows if d["mdtrt_id"] in mdtrt_ids]
