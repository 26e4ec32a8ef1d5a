"""Rendering a settlement as the result JSON of settlement-spec §3."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Any

from yibao.domain.case import YearToDate
from yibao.domain.money import FEN
from yibao.domain.settle import Settlement

_NUMBER_MARK = "\u0000num:"
_NUMBER_TOKEN = re.compile(r'"\\u0000num:([-0-9.]+)"')


def fen(amount: Decimal) -> Decimal:
    """Amounts are shown with exactly two decimals (31700.00)."""
    return amount.quantize(FEN)


def ratio(value: Decimal) -> Decimal:
    """Ratios without trailing zeros (0.85, 0.955, 0)."""
    normal = value.normalize()
    return normal if normal != 0 else Decimal(0)


def ytd_dict(ytd: YearToDate) -> dict[str, dict[str, Any]]:
    return {
        "visits": dict(ytd.visits),
        "inscp": {k: fen(v) for k, v in ytd.inscp.items()},
        "deductible_paid": {k: fen(v) for k, v in ytd.deductible_paid.items()},
        "fund_paid": {k: fen(v) for k, v in ytd.fund_paid.items()},
        "layer_base": {k: fen(v) for k, v in ytd.layer_base.items()},
    }


def settlement_result(settlement: Settlement, *, with_trace: bool = True) -> dict[str, Any]:
    setlinfo = {
        name: (ratio(value) if name == "pool_prop_selfpay" else fen(value))
        for name, value in settlement.setlinfo().items()
    }
    result: dict[str, Any] = {
        "setlinfo": setlinfo,
        "setldetail": [
            {"fund_pay_type": row.fund_pay_type, "fund_payamt": fen(row.fund_payamt)}
            for row in settlement.setldetail
        ],
        "lines": [
            {
                "code": line.code,
                "det_item_fee_sumamt": fen(line.det_item_fee_sumamt),
                "fulamt_ownpay_amt": fen(line.fulamt_ownpay_amt),
                "overlmt_amt": fen(line.overlmt_amt),
                "preselfpay_amt": fen(line.preselfpay_amt),
                "inscp_scp_amt": fen(line.inscp_scp_amt),
                "chrgitm_lv": line.chrgitm_lv,
                "selfpay_prop": ratio(line.selfpay_prop),
                "memo": line.memo,
            }
            for line in settlement.lines
        ],
        "ytd_after": ytd_dict(settlement.ytd_after),
    }
    if with_trace:
        result["trace"] = list(settlement.trace)
    return result


def _number_literal(value: Any) -> str:
    """The encoder's hook for what JSON has no type for: a Decimal becomes a marked string
    that ``dumps`` turns back into the exact number literal. Only Decimals reach here from
    inside the C encoder, so the document is not walked twice in Python."""
    if isinstance(value, Decimal):
        return f"{_NUMBER_MARK}{value:f}"
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def dumps(value: Any, indent: int | None = 2) -> str:
    """JSON with Decimals written as exact number literals (never through float)."""
    text = json.dumps(value, ensure_ascii=False, indent=indent, default=_number_literal)
    if "\\u0000num:" not in text:
        return text
    return _NUMBER_TOKEN.sub(r"\1", text)
