"""Year-end settlements of payment methods (total budget, DIP, DRG), shared by app/budgets.py and
app/dip.py: a year is settled once per institution (the partial unique index
uq_payment_results_first backs it); a correction is a new record with the opposite amount and
the opposite ledger entry, after which the year may be settled again (following the correction).

The caller holds the institution year's lock (docs/locking.md, rank 15).
"""

from __future__ import annotations

import json

from yibao.domain import ledger as ledger_rules

from . import payment_methods as methods
from .error_codes import refusal
from .errors import new_id
from .unit_of_work import UnitOfWork

CORRECTED_KIND = "_correction"


def _live(results: list[dict]) -> dict | None:
    """The settlement not yet corrected, if any."""
    corrected = {r["corrects_id"] for r in results if r["kind"] == "correction"}
    return next((r for r in results if r["kind"] == "settlement" and r["result_id"] not in corrected), None)


def refuse_settled(uow: UnitOfWork, fixmedins_code: str, year: int) -> None:
    live = _live(uow.payment_methods.results(fixmedins_code, year))
    if live is not None:
        raise refusal("PAYMENT_YEAR_SETTLED", fixmedins_code=fixmedins_code, year=year)


def _last_correction(results: list[dict]) -> str | None:
    corrections = [r for r in results if r["kind"] == "correction"]
    return corrections[-1]["result_id"] if corrections else None


def record(uow: UnitOfWork, *, result_id: str, fixmedins_code: str, year: int, method: str, amount_fen: int,
           detail: dict, entry: ledger_rules.Entry, reason: str = "") -> dict:
    """The settlement's record and its ledger entry (refused if the year was settled meanwhile)."""
    results = uow.payment_methods.results(fixmedins_code, year)
    row = dict(result_id=result_id, fixmedins_code=fixmedins_code, year=year, method=method, kind="settlement",
               corrects_id=None, follows_correction_id=_last_correction(results), amount_fen=amount_fen,
               detail=json.dumps(detail, ensure_ascii=False, sort_keys=True, default=str), reason=reason[:2000],
               actor=uow.actor.label()[:200], recorded_at=uow.now)
    uow.payment_methods.add_result(row)
    uow.ledger.post(entry)
    uow.actions.record(f"{method}.settle", fixmedins_code, {"year": year, "result_id": result_id,
                                                            "amount_fen": amount_fen})
    return dict(row, detail=detail)


def correct(uow: UnitOfWork, fixmedins_code: str, year: int, *, reason: str) -> dict:
    """The opposite of the year's live settlement: a new record and the negated ledger entry."""
    if not reason.strip():
        raise refusal("PAYMENT_REASON_REQUIRED")
    methods.institution(uow, fixmedins_code)
    uow.payment_methods.lock_institution_year(fixmedins_code, methods.checked_year(year))
    live = _live(uow.payment_methods.results(fixmedins_code, year))
    if live is None:
        raise refusal("PAYMENT_YEAR_NOT_SETTLED", fixmedins_code=fixmedins_code, year=year)
    detail = json.loads(live["detail"])
    result_id = new_id("BC")
    original = entry_of(live, detail)
    row = dict(live, result_id=result_id, kind="correction", corrects_id=live["result_id"], follows_correction_id=None,
               amount_fen=-live["amount_fen"], reason=reason[:2000], actor=uow.actor.label()[:200], recorded_at=uow.now)
    uow.payment_methods.add_result(row)
    uow.ledger.post(original.negated(original.kind + CORRECTED_KIND, result_id))
    uow.actions.record(f"{live['method']}.correct", fixmedins_code, {"year": year, "corrects": live["result_id"]})
    return dict(row, detail=detail)


def entry_of(result: dict, detail: dict) -> ledger_rules.Entry:
    """The ledger entry a settlement posted, rebuilt from its stored figures."""
    from yibao.domain import budget as rules

    region = detail["region"]
    if result["method"] == "total_budget":
        figures = {name: detail[name] for name in rules.YearEnd.__dataclass_fields__}
        return rules.year_end_entry(ref=result["result_id"], region=region, fixmedins_code=result["fixmedins_code"],
                                    year=result["year"], result=rules.YearEnd(**figures))
    return rules.settlement_entry(ref=result["result_id"], region=region, fixmedins_code=result["fixmedins_code"],
                                  method=result["method"], amount_fen=result["amount_fen"])
