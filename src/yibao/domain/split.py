"""Line split with the treatment place's catalogue (就医地目录), settlement-spec §5.3."""

from __future__ import annotations

from decimal import Decimal
from typing import NamedTuple

from .case import CatalogEntry, FeeLine
from .codes import CHRGITM_LV, NOT_COVERED_CHRGITM_LV
from .internet_plus import DELIVERY_MEMO
from .money import ONE, ZERO, round_fen, show_ratio


class LineSplit(NamedTuple):
    """One fee line's split; the four parts sum to the line amount (spec §1 identity)."""

    code: str
    name: str
    det_item_fee_sumamt: Decimal
    fulamt_ownpay_amt: Decimal
    overlmt_amt: Decimal
    preselfpay_amt: Decimal
    inscp_scp_amt: Decimal
    chrgitm_lv: str | None
    selfpay_prop: Decimal
    memo: str


def line_amount(line: FeeLine) -> Decimal:
    """The line amount: det_item_fee_sumamt when given, else round(cnt × pric)."""
    if line.det_item_fee_sumamt is not None:
        return line.det_item_fee_sumamt
    return round_fen(line.cnt * line.pric)


def split_line(line: FeeLine, entry: CatalogEntry | None, extra_prop: Decimal = ZERO) -> LineSplit:
    amount = line.det_item_fee_sumamt
    if amount is None:
        amount = round_fen(line.cnt * line.pric)
    if entry is not None and entry.category == "delivery":
        return LineSplit(line.code, entry.name, amount, amount, ZERO, ZERO, ZERO, entry.chrgitm_lv, ONE, DELIVERY_MEMO)
    if entry is None or entry.chrgitm_lv == NOT_COVERED_CHRGITM_LV:
        memo = (
            "not in the treatment place's catalogue: paid in full by the patient"
            if entry is None
            else "丙类 (chrgitm_lv 03): outside the fund's scope, paid in full by the patient"
        )
        return LineSplit(
            line.code, entry.name if entry else "", amount, amount, ZERO, ZERO, ZERO,
            entry.chrgitm_lv if entry else None, ONE, memo,
        )
    allowed = amount
    memo_parts = []
    if entry.pric_uplmt_amt is not None:
        # Ceiling per unit times quantity; a line given only as a total counts as one unit.
        count = line.cnt if line.cnt is not None else ONE
        ceiling = round_fen(entry.pric_uplmt_amt * count)
        if ceiling < amount:
            allowed = ceiling
            memo_parts.append(f"over the price ceiling {ceiling} by {amount - ceiling}")
    prop = entry.selfpay_prop + extra_prop
    if prop > ONE:
        prop = ONE
    preselfpay = round_fen(allowed * prop)
    if preselfpay:
        memo_parts.append(f"{CHRGITM_LV.get(entry.chrgitm_lv, entry.chrgitm_lv)} self-pay first {show_ratio(prop)}")
    # code, name, amount, fulamt, overlmt, preselfpay, inscp, chrgitm_lv, selfpay_prop, memo
    return LineSplit(
        line.code, entry.name, amount, ZERO, amount - allowed, preselfpay, allowed - preselfpay,
        entry.chrgitm_lv, prop, "; ".join(memo_parts),
    )
