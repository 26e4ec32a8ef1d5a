"""Listing prices (挂网价格) and procurement (集中带量采购): comparing a product's price between
regions, the savings (节省) and price reduction (降幅) of a procurement batch from the volumes
actually settled, and the price linkage to the catalogue's payment standard (价格联动).

Pure arithmetic over plain values; docs/prices.md states every formula. Prices are Decimal
yuan as listed (drug unit prices may carry up to four decimals); totals are rounded half up to
the fen only once, at the end (domain/money.round_fen).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from .money import ZERO, round_fen

RATIO_PLACES = Decimal("0.0001")
PROCUREMENT_LEVELS = ("national", "provincial", "alliance")  # 国家集采, 省级集采, 省际联盟采购


@dataclass(frozen=True, slots=True)
class Listing:
    """One product listed by a region (挂网): the national code names the product."""

    admdvs: str
    national_code: str
    spec: str
    maker: str
    price: Decimal
    listed_on: dt.date


@dataclass(frozen=True, slots=True)
class PriceComparison:
    national_code: str
    prices: dict[str, Decimal]  # region → its latest listed price
    lowest: Decimal
    highest: Decimal
    lowest_region: str
    spread: Decimal  # highest − lowest
    spread_ratio: Decimal  # spread / lowest, 4 places


def latest_listings(listings: list[Listing]) -> dict[tuple[str, str], Listing]:
    """(region, national code) → the listing in force: the one with the latest date (a later
    listing supersedes an earlier one; nothing is rewritten)."""
    latest: dict[tuple[str, str], Listing] = {}
    for listing in sorted(listings, key=lambda item: item.listed_on):
        latest[(listing.admdvs, listing.national_code)] = listing
    return latest


def compare(listings: list[Listing], regions: list[str]) -> list[PriceComparison]:
    """The products listed by at least two of ``regions`` with their prices side by side,
    the largest relative spread first (where sharing a list helps the most)."""
    latest = latest_listings([item for item in listings if item.admdvs in regions])
    by_code: dict[str, dict[str, Decimal]] = {}
    for (admdvs, code), listing in latest.items():
        by_code.setdefault(code, {})[admdvs] = listing.price
    rows = [_comparison(code, prices) for code, prices in by_code.items() if len(prices) >= 2]
    return sorted(rows, key=lambda row: (-row.spread_ratio, row.national_code))


def _comparison(code: str, prices: dict[str, Decimal]) -> PriceComparison:
    lowest_region = min(sorted(prices), key=lambda region: prices[region])
    lowest, highest = prices[lowest_region], max(prices.values())
    ratio = ((highest - lowest) / lowest).quantize(RATIO_PLACES, ROUND_HALF_UP) if lowest > ZERO else ZERO
    return PriceComparison(code, dict(sorted(prices.items())), lowest, highest, lowest_region, highest - lowest, ratio)


@dataclass(frozen=True, slots=True)
class ProcurementItem:
    """A selected product of a batch (中选产品): the agreed price and volume, and the price the
    region paid before the batch (its listing price in force on the batch's start date)."""

    national_code: str
    agreed_price: Decimal
    agreed_volume: Decimal
    earlier_price: Decimal


@dataclass(frozen=True, slots=True)
class ItemSavings:
    national_code: str
    settled_volume: Decimal
    spend_before: Decimal  # Σ volume × earlier price, yuan (not rounded)
    spend_after: Decimal  # Σ volume × agreed price
    savings: Decimal  # spend_before − spend_after, rounded to the fen
    reduction: Decimal  # 1 − agreed / earlier, 4 places
    volume_share: Decimal  # settled / agreed volume, 4 places (协议量完成率)


@dataclass(frozen=True, slots=True)
class BatchSavings:
    items: tuple[ItemSavings, ...]
    spend_before: Decimal  # fen-rounded
    spend_after: Decimal
    savings: Decimal  # 节省 = spend_before − spend_after
    reduction: Decimal  # 降幅 = savings / spend_before (volume-weighted), 4 places


def savings(items: list[ProcurementItem], settled: dict[str, Decimal]) -> BatchSavings:
    """节省 and 降幅 of a batch from the volumes settled at the agreed price (``settled``:
    national code → quantity of the settled fee lines). The savings are what the same
    volumes would have cost at the earlier prices less what they cost at the agreed ones;
    the reduction is that saving over the earlier cost, so a product bought in larger
    volume weighs more (docs/prices.md)."""
    rows = tuple(_item_savings(item, settled.get(item.national_code, ZERO)) for item in items)
    before = round_fen(sum((row.spend_before for row in rows), ZERO))
    after = round_fen(sum((row.spend_after for row in rows), ZERO))
    saved = before - after
    reduction = (saved / before).quantize(RATIO_PLACES, ROUND_HALF_UP) if before > ZERO else ZERO
    return BatchSavings(rows, before, after, saved, reduction)


def _item_savings(item: ProcurementItem, volume: Decimal) -> ItemSavings:
    before, after = volume * item.earlier_price, volume * item.agreed_price
    reduction = (ZERO if item.earlier_price <= ZERO else
                 (1 - item.agreed_price / item.earlier_price).quantize(RATIO_PLACES, ROUND_HALF_UP))
    share = (ZERO if item.agreed_volume <= ZERO else
             (volume / item.agreed_volume).quantize(RATIO_PLACES, ROUND_HALF_UP))
    return ItemSavings(item.national_code, volume, before, after, round_fen(before) - round_fen(after),
                       reduction, share)


@dataclass(frozen=True, slots=True)
class LinkedStandard:
    """One row of the new payment-standard version (医保支付标准, the lmtpric catalogue)."""

    hilist_code: str
    begndate: dt.date
    old_standard: Decimal | None
    new_standard: Decimal


def linked_standards(items: list[ProcurementItem], standards: dict[str, Decimal | None],
                     effective: dt.date) -> list[LinkedStandard]:
    """价格联动: from the batch's start, a selected product's payment standard is its agreed price
    where the standard was higher or unset (the fund pays no more than the agreed price; a
    standard already below it stays; a product absent from ``standards`` is not in the
    catalogue and gets none). Only the products whose standard changes are returned:
    they form a new catalogue version from ``effective`` (the old rows stay as they were)."""
    rows = []
    for item in sorted(items, key=lambda entry: entry.national_code):
        if item.national_code not in standards:
            continue
        old = standards[item.national_code]
        if old is None or old > item.agreed_price:
            rows.append(LinkedStandard(item.national_code, effective, old, item.agreed_price))
    return rows
