"""DIP (按病种分值付费, issue #18 item 2): groups and scores built from the region's own history of
inpatient cases (app/payment_methods.inpatient_cases), the year-end settlement of the region's
DIP institutions against the year's DIP budget, and the groups, scores and point value shared
with other regions as data (export/import, app/payment_tables.py).

Locking (docs/locking.md, rank 15): the year-end settlement locks every DIP institution's
``payment-year/{fixmedins_code}/{year}`` in ascending code, then reads their results again.
"""

from __future__ import annotations

import json

from yibao.domain import budget as budget_rules
from yibao.domain import dip as rules
from yibao.domain.money import from_fen

from . import payment_methods as methods
from . import year_end
from .error_codes import refusal
from .errors import new_id
from .unit_of_work import UnitOfWork


def build(uow: UnitOfWork, admdvs: str, year: int) -> dict:
    """Groups and scores from the region's cases of the year, stored as the region's DIP table."""
    cases = list(methods.inpatient_cases(uow, admdvs, year))
    if not cases:
        raise refusal("DIP_NO_CASES", admdvs=admdvs, year=year)
    catalogue = rules.build(cases, methods.rules_of(uow, admdvs, year).dip)
    content = {"admdvs": admdvs, "year": year, "catalogue": rules.catalogue_as_data(catalogue)}
    save_table(uow, admdvs, year, "dip", content, source="built")
    return summary(content, cases=len(cases))


def save_table(uow: UnitOfWork, admdvs: str, year: int, method: str, content: dict, *, source: str) -> int:
    table_id = uow.payment_methods.add_table(dict(
        admdvs=admdvs, year=year, method=method, source=source[:60],
        content=json.dumps(content, ensure_ascii=False, sort_keys=True), actor=uow.actor.label()[:200],
        recorded_at=uow.now))
    uow.actions.record(f"{method}.table", admdvs, {"year": year, "source": source, "table_id": table_id})
    return table_id


def table(uow: UnitOfWork, admdvs: str, year: int, method: str = "dip") -> dict:
    tables = uow.payment_methods.tables(admdvs, methods.checked_year(year), method)
    if not tables:
        raise refusal("PAYMENT_NO_TABLE", admdvs=admdvs, year=year, method=method.upper())
    return json.loads(tables[-1]["content"])


def summary(content: dict, **extra) -> dict:
    groups = content["catalogue"]["groups"]
    return {"admdvs": content["admdvs"], "year": content["year"], "groups": len(groups),
            "core_groups": sum(1 for g in groups if g["core"]), **{k: v for k, v in content.items()
                                                                    if k in ("budget_fen", "point_value", "total_points")},
            **extra}


def _dip_institutions(uow: UnitOfWork, admdvs: str, year: int) -> list[str]:
    chosen = uow.payment_methods.methods_of_year(year)
    return [row["fixmedins_code"] for row in uow.payment_methods.institutions_of_region(admdvs)
            if chosen.get(row["fixmedins_code"]) == "dip"]


def settle(uow: UnitOfWork, admdvs: str, year: int, budget_fen: int) -> dict:
    """Points × point value − what was paid per visit, per DIP institution; the allocations sum
    to the budget to the fen (domain/dip.allocate); each posted in the ledger."""
    if budget_fen <= 0:
        raise refusal("BUDGET_BAD_AMOUNT")
    codes = _dip_institutions(uow, admdvs, methods.checked_year(year))
    if not codes:
        raise refusal("DIP_NO_INSTITUTIONS", admdvs=admdvs, year=year)
    for code in codes:  # ascending, as institutions_of_region orders them
        uow.payment_methods.lock_institution_year(code, year)
    for code in codes:
        year_end.refuse_settled(uow, code, year)
    content = table(uow, admdvs, year)
    catalogue = rules.catalogue_from_data(content["catalogue"])
    dip_rules = methods.rules_of(uow, admdvs, year).dip
    cases = [case for case in methods.inpatient_cases(uow, admdvs, year) if case.fixmedins_code in codes]
    settlements = rules.settle(cases, catalogue, budget_fen, dip_rules)
    total_points = sum((s.points for s in settlements), rules.Decimal(0))
    value = rules.point_value(budget_fen, total_points)
    content = dict(content, budget_fen=budget_fen, total_points=str(total_points), point_value=str(value))
    save_table(uow, admdvs, year, "dip", content, source="settled")
    rows = [_post(uow, admdvs, year, s, value) for s in settlements]
    return dict(summary(content), institutions=rows, allocated=from_fen(sum(s.allocated_fen for s in settlements)))


def _post(uow: UnitOfWork, admdvs: str, year: int, settlement: rules.Settlement, value) -> dict:
    result_id = new_id("DS")
    detail = {"region": admdvs, "points": str(settlement.points), "point_value": str(value), "cases": settlement.cases,
              "allocated_fen": settlement.allocated_fen, "paid_fen": settlement.paid_fen}
    entry = budget_rules.settlement_entry(ref=result_id, region=admdvs, fixmedins_code=settlement.fixmedins_code,
                                          method="dip", amount_fen=settlement.amount_fen)
    return year_end.record(uow, result_id=result_id, fixmedins_code=settlement.fixmedins_code, year=year,
                           method="dip", amount_fen=settlement.amount_fen, detail=detail, entry=entry)


def show(uow: UnitOfWork, admdvs: str, year: int) -> dict:
    """The region's DIP table in force for the year: groups with their scores, the point value."""
    content = table(uow, admdvs, year)
    return dict(summary(content), group_list=content["catalogue"]["groups"],
                overall_average_fen=content["catalogue"]["overall_average_fen"])
