"""Total budgets (总额预算, issue #14 item 5): per institution and year the budget, the monthly
advances (预拨) with the quality deposit (质量保证金) withheld, the year-end settlement with savings
kept (结余留用), overspend shared (超支分担) and the deposit released by the agreement's evaluation
score; each posted in the ledger (domain/budget.py gives the arithmetic and the entries).

Locking (docs/locking.md, rank 15): every write locks ``payment-year/{fixmedins_code}/{year}``
and reads the year's budget, advances and results again after it. A year is settled once per
institution (uq_payment_results_first); a correction is a new opposite record
(app/year_end.py).
"""

from __future__ import annotations

import json

from yibao.domain import budget as rules
from yibao.domain.money import from_fen

from . import payment_methods as methods
from .error_codes import refusal
from .errors import new_id
from .unit_of_work import UnitOfWork


def _budget_year(uow: UnitOfWork, fixmedins_code: str, year: int) -> dict:
    """Lock the institution's year, check its method is the total budget; the institution."""
    found = methods.institution(uow, fixmedins_code)
    uow.payment_methods.lock_institution_year(fixmedins_code, methods.checked_year(year))
    method = methods.method_of(uow, fixmedins_code, year)
    if method != "total_budget":
        raise refusal("BUDGET_NOT_TOTAL_BUDGET", fixmedins_code=fixmedins_code, year=year, method=method or "未设定")
    return found


def _current_budget(uow: UnitOfWork, fixmedins_code: str, year: int) -> dict:
    budgets = uow.payment_methods.budgets(fixmedins_code, year)
    if not budgets:
        raise refusal("BUDGET_NOT_SET", fixmedins_code=fixmedins_code, year=year)
    return budgets[-1]


def set_budget(uow: UnitOfWork, fixmedins_code: str, year: int, amount_fen: int, *, reason: str = "") -> dict:
    """A new budget amount for the year (the earlier ones are kept); refused once advances began."""
    _budget_year(uow, fixmedins_code, year)
    if amount_fen < 0:
        raise refusal("BUDGET_BAD_AMOUNT")
    if uow.payment_methods.advances(fixmedins_code, year):
        raise refusal("BUDGET_ADVANCED", fixmedins_code=fixmedins_code, year=year)
    row = dict(fixmedins_code=fixmedins_code, year=year, amount_fen=amount_fen, reason=reason[:2000],
               actor=uow.actor.label()[:200], recorded_at=uow.now)
    row["budget_id"] = uow.payment_methods.add_budget(row)
    uow.actions.record("budget.set", fixmedins_code, {"year": year, "amount_fen": amount_fen})
    return row


def advance(uow: UnitOfWork, fixmedins_code: str, year: int, month: int) -> dict:
    """The month's advance: posted fund → institution, the deposit share withheld. Once a month
    (uq_budget_advances_month); not after the year-end settlement."""
    found = _budget_year(uow, fixmedins_code, year)
    if not 1 <= month <= rules.MONTHS:
        raise refusal("BUDGET_BAD_MONTH", month=month)
    budget = _current_budget(uow, fixmedins_code, year)
    if any(a["month"] == month for a in uow.payment_methods.advances(fixmedins_code, year)):
        raise refusal("BUDGET_MONTH_ADVANCED", fixmedins_code=fixmedins_code, year=year, month=month)
    if uow.payment_methods.results(fixmedins_code, year):
        raise refusal("PAYMENT_YEAR_SETTLED", fixmedins_code=fixmedins_code, year=year)
    budget_rules = methods.rules_of(uow, found["admdvs"], year).total_budget
    step = rules.monthly_advance(budget["amount_fen"], month, budget_rules)
    row = dict(fixmedins_code=fixmedins_code, year=year, month=month, budget_id=budget["budget_id"],
               amount_fen=step.amount_fen, withheld_fen=step.withheld_fen, actor=uow.actor.label()[:200],
               recorded_at=uow.now)
    row["advance_id"] = uow.payment_methods.add_advance(row)
    uow.ledger.post(rules.advance_entry(ref=f"{fixmedins_code}/{year}-{month:02d}", region=found["admdvs"],
                                        fixmedins_code=fixmedins_code, year=year, advance=step))
    uow.actions.record("budget.advance", fixmedins_code, {"year": year, "month": month, "amount_fen": step.amount_fen})
    return dict(row, paid_fen=step.paid_fen)


def _score(uow: UnitOfWork, fixmedins_code: str, score: int | None) -> int:
    """The agency's score for the year if given, else the agreement's last evaluation score."""
    found = score if score is not None else uow.payment_methods.evaluation_score(fixmedins_code)
    if found is None:
        raise refusal("BUDGET_NO_SCORE", fixmedins_code=fixmedins_code)
    if not 0 <= found <= 100:
        raise refusal("BUDGET_BAD_SCORE")
    return found


def settle_year(uow: UnitOfWork, fixmedins_code: str, year: int, *, score: int | None = None) -> dict:
    """The year-end settlement: the year's local fund cost against the budget, savings kept or
    overspend shared, the deposit released by the score; posted in the ledger."""
    from . import year_end

    found = _budget_year(uow, fixmedins_code, year)
    budget = _current_budget(uow, fixmedins_code, year)
    year_end.refuse_settled(uow, fixmedins_code, year)
    advances = uow.payment_methods.advances(fixmedins_code, year)
    result = rules.year_end(budget_fen=budget["amount_fen"], cost_fen=uow.payment_methods.local_fund_cost(fixmedins_code, year),
                            advanced_fen=sum(a["amount_fen"] for a in advances),
                            withheld_fen=sum(a["withheld_fen"] for a in advances), score=_score(uow, fixmedins_code, score),
                            rules=methods.rules_of(uow, found["admdvs"], year).total_budget)
    result_id = new_id("BS")
    entry = rules.year_end_entry(ref=result_id, region=found["admdvs"], fixmedins_code=fixmedins_code, year=year,
                                 result=result)
    detail = {name: getattr(result, name) for name in result.__dataclass_fields__} | {
        "adjustment_fen": result.adjustment_fen, "region": found["admdvs"], "budget_id": budget["budget_id"], "advances": len(advances)}
    return year_end.record(uow, result_id=result_id, fixmedins_code=fixmedins_code, year=year, method="total_budget",
                           amount_fen=result.final_payment_fen, detail=detail, entry=entry)


def show(uow: UnitOfWork, fixmedins_code: str, year: int) -> dict:
    """The year at a glance: method, budgets, advances, results and the ledger's balances (yuan)."""
    methods.institution(uow, fixmedins_code)
    advances = uow.payment_methods.advances(fixmedins_code, methods.checked_year(year))
    results = uow.payment_methods.results(fixmedins_code, year)
    return {
        "fixmedins_code": fixmedins_code, "year": year, "method": methods.method_of(uow, fixmedins_code, year),
        "budgets": [dict(b, amount=from_fen(b["amount_fen"])) for b in uow.payment_methods.budgets(fixmedins_code, year)],
        "advances": advances, "advanced": from_fen(sum(a["amount_fen"] for a in advances)),
        "withheld": from_fen(sum(a["withheld_fen"] for a in advances)),
        "results": [dict(r, detail=json.loads(r["detail"])) for r in results],
        "advance_balance": from_fen(uow.ledger.balance(rules.advance_account(fixmedins_code, year))),
        "deposit_balance": from_fen(uow.ledger.balance(rules.deposit_account(fixmedins_code, year))),
    }
