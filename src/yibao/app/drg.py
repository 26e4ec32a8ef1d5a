"""DRG (疾病诊断相关分组, issue #18 item 2): the region's inpatient cases grouped by the open rule
table grouper (domain/drg.py; a national grouper may replace it behind the ``Grouper``
interface), and relative weights from history, stored as the region's DRG table and shared with
other regions as data (app/payment_tables.py). Read-only but for storing the table."""

from __future__ import annotations

from yibao.domain import drg as rules

from . import dip
from . import payment_methods as methods
from .error_codes import refusal
from .unit_of_work import UnitOfWork


def _grouper(uow: UnitOfWork, admdvs: str, year: int) -> rules.RuleTableGrouper:
    """The rule table of the region's DRG table if it has one (e.g. imported), else the default."""
    tables = uow.payment_methods.tables(admdvs, year, "drg")
    if tables:
        import json

        return rules.RuleTableGrouper(json.loads(tables[-1]["content"]).get("rules"))
    return rules.RuleTableGrouper()


def group(uow: UnitOfWork, admdvs: str, year: int) -> list[dict]:
    """Cases per DRG: MDC, ADRG, DRG, count, average total fee (fen)."""
    grouper = _grouper(uow, admdvs, year)
    counts: dict[tuple, list[int]] = {}
    for case in methods.inpatient_cases(uow, admdvs, year):
        found = grouper.group(case)
        counts.setdefault((found.mdc, found.adrg, found.drg), []).append(case.total_fen)
    return [{"mdc": mdc, "adrg": adrg, "drg": drg, "cases": len(fees), "average_fen": sum(fees) // len(fees)}
            for (mdc, adrg, drg), fees in sorted(counts.items())]


def build_weights(uow: UnitOfWork, admdvs: str, year: int) -> dict:
    """Weights = DRG average / overall average, stored with the rule table that grouped them."""
    cases = list(methods.inpatient_cases(uow, admdvs, year))
    if not cases:
        raise refusal("DIP_NO_CASES", admdvs=admdvs, year=year)
    grouper = _grouper(uow, admdvs, year)
    found = rules.weights(cases, grouper)
    content = {"admdvs": admdvs, "year": year, "rules": grouper.rules, "weights": rules.weights_as_data(found)}
    dip.save_table(uow, admdvs, year, "drg", content, source="built")
    return {"admdvs": admdvs, "year": year, "cases": len(cases), "weights": content["weights"]}
