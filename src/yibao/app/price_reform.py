"""Medical service price integration batches (医疗服务价格项目整合, issue #18 item 4): a batch
document maps old items to new items with new prices; its replay over settled visits (case
documents) gives the change per item, per institution level and overall, and whether the
batch balances within its tolerance ("有升有降、总体平衡"); the adjustment model gives the
budget-neutral room for the items not fixed (domain/price_reform.py, docs/prices.md).

A batch document::

    {"batch_no": "SZ-2026-1", "tolerance": "0.01",
     "mappings": [{"old_code": "F-EXAM", "new_code": "F-EXAM-2026", "new_price": "5000",
                   "entry": {"name": "…", "chrgitm_lv": "01", "selfpay_prop": "0"}}]}

Reads only: nothing is stored, so it takes no lock.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Iterable

from yibao.documents.case_document import parse_case
from yibao.domain import price_reform as rules
from yibao.domain.case import CatalogEntry

from .error_codes import refusal


def _decimal(value, what: str) -> Decimal:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise refusal("PRICEREFORM_BAD_BATCH", reason=f"{what} is not a number") from None
    if not number.is_finite() or number < 0:
        raise refusal("PRICEREFORM_BAD_BATCH", reason=f"{what} must not be negative")
    return number


def _mapping(row: dict, number: int) -> rules.ItemMapping:
    old, new = str(row.get("old_code") or ""), str(row.get("new_code") or "")
    if not old or not new:
        raise refusal("PRICEREFORM_BAD_BATCH", reason=f"mapping {number}: old_code and new_code are required")
    price = _decimal(row.get("new_price"), f"mapping {number}: new_price")
    if price == 0:
        raise refusal("PRICEREFORM_BAD_BATCH", reason=f"mapping {number}: new_price must be positive")
    entry = row.get("entry")
    if entry is not None:
        level = str(entry.get("chrgitm_lv", ""))
        if level not in ("01", "02", "03"):
            raise refusal("PRICEREFORM_BAD_BATCH", reason=f"mapping {number}: entry.chrgitm_lv is 01, 02 or 03")
        ceiling = entry.get("pric_uplmt_amt")
        entry = CatalogEntry(new, str(entry.get("name", new)), level,
                             _decimal(entry.get("selfpay_prop", 0), f"mapping {number}: selfpay_prop"),
                             None if ceiling is None else _decimal(ceiling, f"mapping {number}: pric_uplmt_amt"))
    return rules.ItemMapping(old, new, price, entry)


def parse_batch(document: dict) -> tuple[list[rules.ItemMapping], Decimal]:
    """The mappings and the tolerance (share of total fees, 0–1) of a batch document."""
    if not isinstance(document, dict) or not isinstance(document.get("mappings"), list) or not document["mappings"]:
        raise refusal("PRICEREFORM_BAD_BATCH", reason="a batch is an object with a non-empty mappings array")
    mappings = [_mapping(row if isinstance(row, dict) else {}, number)
                for number, row in enumerate(document["mappings"], start=1)]
    if len({m.old_code for m in mappings}) != len(mappings):
        raise refusal("PRICEREFORM_BAD_BATCH", reason="an old item is mapped twice")
    tolerance = _decimal(document.get("tolerance", "0.01"), "tolerance")
    if tolerance > 1:
        raise refusal("PRICEREFORM_BAD_BATCH", reason="tolerance is a share from 0 to 1")
    return mappings, tolerance


def _change_row(change: rules.Change) -> dict:
    return {"fee_before": str(change.fee_before), "fee_after": str(change.fee_after),
            "fee_change": str(change.fee_change), "fee_change_ratio": str(change.fee_change_ratio()),
            "fund_change": str(change.fund_change), "patient_change": str(change.patient_change)}


def replay(document: dict, case_docs: Iterable[dict]) -> dict:
    mappings, tolerance = parse_batch(document)
    result = rules.replay([parse_case(doc) for doc in case_docs], mappings, tolerance)
    return {"batch_no": document.get("batch_no", ""), "tolerance": str(tolerance), "balanced": result.balanced,
            "raised": result.raised, "lowered": result.lowered, "overall": _change_row(result.overall),
            "by_level": {level: _change_row(c) for level, c in sorted(result.by_level.items())},
            "by_item": {code: _change_row(c) for code, c in sorted(result.by_item.items())}}


def room(rows: list[dict], fixed: dict[str, str]) -> dict:
    """The budget-neutral factor for the items not fixed, from rows of code, volume and price."""
    volumes = {row["code"]: _decimal(row["volume"], f"volume of {row['code']}") for row in rows}
    old = {row["code"]: _decimal(row["price"], f"price of {row['code']}") for row in rows}
    new = {code: _decimal(price, f"new price of {code}") for code, price in fixed.items()}
    unknown = sorted(set(new) - set(volumes))
    if unknown or len(new) == len(volumes):
        raise refusal("PRICEREFORM_BAD_BATCH", reason="fix some of the listed items and leave others to adjust")
    factor = rules.budget_neutral_room(volumes, old, new)
    return {"factor": str(factor), "fixed": {k: str(v) for k, v in sorted(new.items())},
            "proposed": {code: str((old[code] * factor).quantize(Decimal("0.01"))) for code in sorted(volumes)
                         if code not in new}}
