"""Medical service price integration (医疗服务价格项目整合) and the price-adjustment model.

A batch maps old service items to new items with new prices. Before it takes effect its
effect is replayed: each settled visit is settled again by the same engine
(domain/settle.settle) with its lines mapped to the new items at the new prices, and the change
in total fees, fund payments and the patients' share is summed per item, per institution
level and overall. "有升有降、总体平衡" is the overall change in total fees within the batch's
tolerance. docs/prices.md states the formulas.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from .case import CatalogEntry, FeeLine, SettlementCase
from .money import ZERO, round_fen
from .settle import settle
from .split import line_amount

RATIO_PLACES = Decimal("0.0001")


@dataclass(frozen=True, slots=True)
class ItemMapping:
    """Old item → new item at the new price. The new item keeps the old one's catalogue class
    (甲/乙, self-pay share) unless ``entry`` names the new item's own."""

    old_code: str
    new_code: str
    new_price: Decimal
    entry: CatalogEntry | None = None


@dataclass
class Change:
    """Before and after of one group (an item, a level, or all), yuan."""

    fee_before: Decimal = ZERO
    fee_after: Decimal = ZERO
    fund_before: Decimal = ZERO
    fund_after: Decimal = ZERO
    patient_before: Decimal = ZERO
    patient_after: Decimal = ZERO

    def add(self, fee: tuple, fund: tuple, patient: tuple) -> None:
        self.fee_before += fee[0]
        self.fee_after += fee[1]
        self.fund_before += fund[0]
        self.fund_after += fund[1]
        self.patient_before += patient[0]
        self.patient_after += patient[1]

    @property
    def fee_change(self) -> Decimal:
        return self.fee_after - self.fee_before

    @property
    def fund_change(self) -> Decimal:
        return self.fund_after - self.fund_before

    @property
    def patient_change(self) -> Decimal:
        return self.patient_after - self.patient_before

    def fee_change_ratio(self) -> Decimal:
        if self.fee_before == ZERO:
            return ZERO
        return (self.fee_change / self.fee_before).quantize(RATIO_PLACES, ROUND_HALF_UP)


@dataclass
class Replay:
    by_item: dict[str, Change]
    by_level: dict[str, Change]
    overall: Change
    raised: list[str]
    lowered: list[str]
    tolerance: Decimal

    @property
    def balanced(self) -> bool:
        """总体平衡: |overall change in total fees| ≤ tolerance × total fees before."""
        return abs(self.overall.fee_change) <= self.tolerance * self.overall.fee_before


def remap(case: SettlementCase, mappings: dict[str, ItemMapping]) -> SettlementCase:
    """The visit as it would be billed after the batch: every line of a mapped item becomes the
    new item, its amount the quantity × the new price (a line given only as an amount counts
    one unit). The catalogue gains the new items."""
    catalog = dict(case.catalog)
    lines = []
    for line in case.lines:
        mapping = mappings.get(line.code)
        if mapping is None:
            lines.append(line)
            continue
        count = line.cnt if line.cnt is not None else Decimal(1)
        lines.append(FeeLine(mapping.new_code, count, mapping.new_price, round_fen(count * mapping.new_price)))
        old_entry = case.catalog.get(line.code)
        entry = mapping.entry or (dataclasses.replace(old_entry, code=mapping.new_code) if old_entry else None)
        if entry is not None:
            catalog[mapping.new_code] = entry
    return dataclasses.replace(case, catalog=catalog, lines=tuple(lines))


def replay(cases: list[SettlementCase], mappings: list[ItemMapping], tolerance: Decimal) -> Replay:
    """Settle every case as it was and as it would be after the batch; sum the changes."""
    by_old = {mapping.old_code: mapping for mapping in mappings}
    result = Replay({}, {}, Change(), [], [], tolerance)
    for case in cases:
        before, after = settle(case), settle(remap(case, by_old))
        fee = (before.medfee_sumamt, after.medfee_sumamt)
        fund = (before.fund_pay_sumamt, after.fund_pay_sumamt)
        patient = (before.psn_part_amt, after.psn_part_amt)
        result.overall.add(fee, fund, patient)
        result.by_level.setdefault(case.visit.medins_lv, Change()).add(fee, fund, patient)
        _add_items(result.by_item, case, by_old)
    result.raised = sorted(code for code, change in result.by_item.items() if change.fee_change > ZERO)
    result.lowered = sorted(code for code, change in result.by_item.items() if change.fee_change < ZERO)
    return result


def _add_items(by_item: dict[str, Change], case: SettlementCase, by_old: dict[str, ItemMapping]) -> None:
    """Per old item the change in its billed amount (the fund/patient split is a visit's, not a
    line's: only the fee is attributed to items)."""
    for line in case.lines:
        mapping = by_old.get(line.code)
        if mapping is None:
            continue
        count = line.cnt if line.cnt is not None else Decimal(1)
        amount_before, amount_after = line_amount(line), round_fen(count * mapping.new_price)
        by_item.setdefault(line.code, Change()).add((amount_before, amount_after), (ZERO, ZERO), (ZERO, ZERO))


def budget_neutral_room(volumes: dict[str, Decimal], old_prices: dict[str, Decimal],
                        fixed_new_prices: dict[str, Decimal]) -> Decimal:
    """The adjustment model (医疗服务价格调整模型): with the prices of some items fixed (e.g. the
    technical-labour items raised), the common factor k on the remaining items' prices that
    keeps the total at last year's volumes unchanged (budget-neutral):

        Σ_all V·p  =  Σ_fixed V·p'  +  k · Σ_rest V·p
        k = (Σ_all V·p − Σ_fixed V·p') / Σ_rest V·p

    k < 1 is the room by which the rest (e.g. CT, MR) must come down; 4 places."""
    total = sum((volumes[code] * old_prices[code] for code in volumes), ZERO)
    fixed = sum((volumes[code] * price for code, price in fixed_new_prices.items()), ZERO)
    rest = sum((volumes[code] * old_prices[code] for code in volumes if code not in fixed_new_prices), ZERO)
    if rest == ZERO:
        raise ValueError("no item is left to adjust")
    return ((total - fixed) / rest).quantize(RATIO_PLACES, ROUND_HALF_UP)
