"""An in-memory ``uow.statistics`` (app/statistics.StatisticsRepository): settlements, claim
payments, prepayments and statements as plain rows, supervision read from a FakeSupervision.
Scopes are code prefixes, as in the SQL repository (``None``: every region)."""

from __future__ import annotations

from dataclasses import dataclass, field

from .fake_supervision import FakeSupervision

KEYS = ("insuplc_admdvs", "mdtrtarea_admvs", "fixmedins_code", "med_type")


def _under(region: str, prefix: str | None) -> bool:
    return prefix is None or region.startswith(prefix)


@dataclass
class FakeStatistics:
    supervision: FakeSupervision | None = None
    settlements: list[dict] = field(default_factory=list)  # KEYS, kind, setl_time, medfee/fund/acct fen
    payments: list[dict] = field(default_factory=list)  # KEYS, kind, paid_at, fund_fen
    prepayment_rows: list[dict] = field(default_factory=list)
    statements: list[dict] = field(default_factory=list)
    insured_region: dict[str, str] = field(default_factory=dict)  # psn_no → insured place
    joint: object = None  # tests/unit/fake_joint_supervision.FakeJointSupervision, for reports

    def direct_settlements(self, start, stop, side, prefix):
        groups: dict[tuple, dict] = {}
        for s in self.settlements:
            if start <= s["setl_time"] < stop and _under(s[side], prefix):
                row = groups.setdefault(tuple(s[k] for k in KEYS), dict(
                    {k: s[k] for k in KEYS}, setl_cnt=0, medfee_fen=0, fund_fen=0, acct_fen=0))
                row["setl_cnt"] += 1 if s["kind"] == "settlement" else -1
                for name in ("medfee_fen", "fund_fen", "acct_fen"):
                    row[name] += s[name]
        return list(groups.values())

    def manual_payments(self, start, stop, side, prefix):
        groups: dict[tuple, dict] = {}
        for p in self.payments:
            if start <= p["paid_at"] < stop and _under(p[side], prefix):
                row = groups.setdefault(tuple(p[k] for k in KEYS), dict({k: p[k] for k in KEYS}, manual_cnt=0,
                                                                          manual_fund_fen=0))
                row["manual_cnt"] += 1 if p["kind"] == "payment" else -1
                row["manual_fund_fen"] += p["fund_fen"]
        return list(groups.values())

    def prepayments(self, year, prefix):
        return [dict(p) for p in self.prepayment_rows if p["year"] == year
                and (_under(p["insured_admdvs"], prefix) or _under(p["treatment_prov"], prefix))]

    def clearing_statements(self, first_month, last_month, prefix):
        return [dict(s) for s in self.statements if first_month <= s["month"] <= last_month
                and (_under(s["insuplc_admdvs"], prefix) or _under(s["mdtrtarea_admvs"], prefix))]

    def _events(self, kinds, start, stop, prefix):
        cases = self.supervision.cases
        return [e for e in self.supervision.events if e["kind"] in kinds and start <= e["at"] < stop
                and _under(cases[e["case_id"]]["admdvs"], prefix)]

    def case_money(self, start, stop, prefix):
        money: dict[str, tuple[int, int]] = {}
        for kind in ("recovery", "refund", "penalty"):
            events = self._events((kind,), start, stop, prefix)
            if events:
                money[kind] = (sum(e["amount_fen"] for e in events), len({e["case_id"] for e in events}))
        return money

    def police_referrals(self, start, stop, prefix):
        return len({e["case_id"] for e in self._events(("police",), start, stop, prefix)})

    def _subject_region(self, subject_type, subject_id):
        if subject_type == "institution":
            return self.supervision.institutions[subject_id]["admdvs"]
        return self.insured_region.get(subject_id, "")

    def sanctions(self, start, stop, prefix):
        counts: dict[tuple[str, str], int] = {}
        for row in self.supervision.sanctions.values():
            if start <= row["created_at"] < stop and _under(self._subject_region(row["subject_type"], row["subject_id"]), prefix):
                key = (row["subject_type"], row["kind"])
                counts[key] = counts.get(key, 0) + 1
        return counts

    def findings_by_rule_type(self, start, stop, prefix):
        counts: dict[str, int] = {}
        for row in self.supervision.stored_findings.values():
            institution = self.supervision.institutions.get(row["fixmedins_code"], {}).get("admdvs", "")
            person = self.insured_region.get(row["psn_no"], "")
            if start <= row["found_at"] < stop and (_under(institution, prefix) or _under(person, prefix)):
                counts[row["rule_type"]] = counts.get(row["rule_type"], 0) + 1
        return dict(sorted(counts.items()))

    def reports(self, start, stop, prefix):
        reports = self.joint.reports if self.joint is not None else {}
        rewards = [w for w in (self.joint.rewards.values() if self.joint is not None else ())
                   if start <= w["at"] < stop and _under(reports[w["report_id"]]["admdvs"], prefix)]
        received = sum(1 for r in reports.values() if start <= r["received_at"] < stop and _under(r["admdvs"], prefix))
        return received, len(rewards), sum(w["amount_fen"] for w in rewards)

    def case_credit_records(self, start, stop, prefix):
        cases = self.supervision.cases
        return sum(1 for r in self.supervision.credits if r.get("case_id") in cases and start <= r["at"] < stop
                   and _under(cases[r["case_id"]]["admdvs"], prefix))
