"""An in-memory ``uow.claims`` (app/claims.ClaimsRepository) and the settlement reads a claim is
priced with, for the use case tests; the database's rules of migration 0012 are asserted here too."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from yibao.domain.case import YearToDate
from yibao.domain.claims import ClaimRefused
from yibao.store.repository import from_fen

from .fake_settlements import FakeSettlements

LIVE = ("submitted", "reviewed", "paid")


@dataclass
class FakeClaims:
    rows: dict[str, dict] = field(default_factory=dict)
    line_rows: list[dict] = field(default_factory=list)
    decision_rows: list[dict] = field(default_factory=list)
    payment_rows: list[dict] = field(default_factory=list)
    visits: list[dict] = field(default_factory=list)  # with a ``settled`` flag
    catalogue_regions: set[str] = field(default_factory=set)
    locked: list[str] = field(default_factory=list)

    def add_claim(self, row, lines):
        for other in self.rows.values():
            if other["status"] in LIVE and ((other["invoice_issuer"], other["invoice_no"]) == (row["invoice_issuer"], row["invoice_no"])
                                            or (row["mdtrt_id"] and other["mdtrt_id"] == row["mdtrt_id"])):
                raise ClaimRefused("CLAIM_DUPLICATE")
        self.rows[row["claim_id"]] = dict(row)
        self.line_rows += [dict(line, claim_id=row["claim_id"]) for line in lines]

    def claim(self, claim_id):
        row = self.rows.get(claim_id)
        return dict(row) if row else None

    def lock_claim(self, claim_id):
        self.locked.append(f"claim:{claim_id}")
        return self.claim(claim_id)

    def lines(self, claim_id):
        return sorted((dict(r) for r in self.line_rows if r["claim_id"] == claim_id), key=lambda r: r["line_no"])

    def update_claim(self, claim_id, values):
        self.rows[claim_id].update(values)

    def claims(self, *, regions, status, begin, end, limit, offset):
        found = [dict(r) for r in self.rows.values() if any(r["insuplc_admdvs"].startswith(p) for p in regions)
                 and (status is None or r["status"] == status)
                 and (begin is None or r["submitted_at"].date() >= begin) and (end is None or r["submitted_at"].date() <= end)]
        found.sort(key=lambda r: (r["submitted_at"], r["claim_id"]), reverse=True)
        return found[offset:offset + limit]

    def add_decisions(self, rows):
        for row in rows:
            assert 0 <= row["approved_amt_fen"] <= row["billed_amt_fen"], "ck_claim_decisions_billed"
            assert not any((d["claim_id"], d["review_round"], d["line_no"]) == (row["claim_id"], row["review_round"], row["line_no"])
                           for d in self.decision_rows), "pk_claim_decisions"
        self.decision_rows += [dict(row) for row in rows]

    def decisions(self, claim_id, review_round):
        return sorted((dict(d) for d in self.decision_rows if d["claim_id"] == claim_id and d["review_round"] == review_round),
                      key=lambda d: d["line_no"])

    def add_payment(self, row):
        if row["kind"] == "payment":
            assert not any(p["claim_id"] == row["claim_id"] and p["kind"] == "payment" for p in self.payment_rows), \
                "uq_claim_payments_paid_once"
        self.payment_rows.append(dict(row))

    def payments(self, claim_id):
        return [dict(p) for p in self.payment_rows if p["claim_id"] == claim_id]

    def live_claim_of_invoice(self, issuer, invoice_no):
        return next((dict(r) for r in self.rows.values() if r["status"] in LIVE
                     and (r["invoice_issuer"], r["invoice_no"]) == (issuer, invoice_no)), None)

    def live_claim_of_visit(self, mdtrt_id):
        return next((dict(r) for r in self.rows.values() if r["status"] in LIVE and r["mdtrt_id"] == mdtrt_id), None)

    def overlapping_claims(self, psn_no, begndate, enddate):
        return [dict(r) for r in self.rows.values() if r["psn_no"] == psn_no and r["status"] in LIVE
                and r["begndate"] <= enddate and r["enddate"] >= begndate]

    def settled_visits(self, psn_no, begndate, enddate):
        return [dict(v) for v in self.visits if v["psn_no"] == psn_no and v.get("settled")
                and begndate <= v["begntime"].date() <= enddate]

    def visit(self, mdtrt_id):
        return next((dict(v) for v in self.visits if v["mdtrt_id"] == mdtrt_id), None)

    def lock_visit(self, mdtrt_id):
        self.locked.append(f"visit:{mdtrt_id}")
        return self.visit(mdtrt_id)

    def visit_settled(self, mdtrt_id):
        return any(v["mdtrt_id"] == mdtrt_id and v.get("settled") for v in self.visits)

    def holds_catalogue(self, admdvs):
        return any(region in self.catalogue_regions for region in (admdvs, admdvs[:4] + "00", admdvs[:2] + "0000"))


@dataclass
class FakeSettlementReads(FakeSettlements):
    """``uow.settlements`` with the reads a claim is priced with: persons, insurances, one
    policy row, one catalogue (entries by region) and the accumulators it stores."""

    persons: dict[str, dict] = field(default_factory=dict)
    insurances: dict[tuple[str, str], dict] = field(default_factory=dict)
    policy_rows: list[dict] = field(default_factory=list)
    catalogues: dict[str, dict] = field(default_factory=dict)  # region → code → CatalogEntry

    def person(self, psn_no):
        return dict(self.persons[psn_no]) if psn_no in self.persons else None

    def insurance(self, psn_no, insutype):
        row = self.insurances.get((psn_no, insutype))
        return dict(row) if row else None

    def lock_settling_persons(self, psn_no, family_psn_no, insutype):
        self.locked += sorted({p for p in (psn_no, family_psn_no) if p})
        return self.person(psn_no), self.insurance(psn_no, insutype), {}

    def policy_in_force(self, admdvs, insutype, day):
        return next((dict(r) for r in self.policy_rows if r["admdvs"] == admdvs and r["insutype"] == insutype
                     and r["valid_from"] <= day), None)

    def catalogue(self, admdvs, codes, day):
        entries = self.catalogues.get(admdvs, {})
        return {code: entries[code] for code in codes if code in entries}

    def year_to_date(self, psn_no, insutype, year):
        maps: dict[str, dict] = {"visits": {}, "inscp": {}, "deductible_paid": {}, "fund_paid": {}, "layer_base": {}}
        for row in self.accumulators:
            if (row["psn_no"], row["insutype"], row["year"]) == (psn_no, insutype, year):
                category = maps[row["category"]]
                category[row["key"]] = category.get(row["key"], 0) + row["amount"]
        for name, values in maps.items():
            if name != "visits":
                maps[name] = {key: from_fen(amount) for key, amount in values.items()}
        return YearToDate(**maps)


@dataclass
class FakeRegistry:
    institutions: dict[str, dict] = field(default_factory=dict)

    def institution(self, fixmedins_code):
        row = self.institutions.get(fixmedins_code)
        return dict(row) if row else None


def on(day: str) -> dt.datetime:
    return dt.datetime.fromisoformat(day)
