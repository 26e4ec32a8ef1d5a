"""Listing prices per region (挂网价格, issue #18 item 3): recording a region's listed products,
sharing a region's list with another, comparing prices for the same product (docs/prices.md).

Locking (docs/locking.md): none. Listings are appended and never decided on: two clerks
listing the same product at once both add a row and the later date (then the later row) is in
force; a share copies what the source listed when it ran.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Protocol

from yibao.domain import prices as rules

from .error_codes import refusal
from .unit_of_work import UnitOfWork


class PricesRepository(Protocol):
    def add_listings(self, rows: list[dict]) -> int: ...

    def listings(self, regions: list[str], codes: list[str] | None = None) -> list[dict]: ...


def positive_amount(value) -> Decimal | None:
    """A positive decimal with at most four places (a listed or agreed price, a volume), else None."""
    try:
        amount = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return None
    if not amount.is_finite() or amount <= 0 or amount.as_tuple().exponent < -4 or amount >= Decimal(10) ** 12:
        return None
    return amount


def _price(value, row: int) -> Decimal:
    price = positive_amount(value)
    if price is None:
        raise refusal("PRICES_BAD_LISTING", row=row, reason=f"price {str(value)[:20]!r} must be a positive number, "
                                                            "at most 4 decimals")
    return price


def _listing_row(uow: UnitOfWork, admdvs: str, row: dict, number: int, source: str) -> dict:
    code = str(row.get("national_code") or "").strip()
    if not code or len(code) > 50:
        raise refusal("PRICES_BAD_LISTING", row=number, reason="national_code is required (at most 50 characters)")
    try:
        listed_on = dt.date.fromisoformat(str(row.get("listed_on", "")).strip()[:10])
    except ValueError:
        raise refusal("PRICES_BAD_LISTING", row=number, reason="listed_on is a date YYYY-MM-DD") from None
    return dict(admdvs=admdvs, national_code=code, spec=str(row.get("spec") or "")[:200],
                maker=str(row.get("maker") or "")[:200], price=str(_price(row.get("price"), number)),
                listed_on=listed_on, source=source, actor=uow.actor.label()[:200], recorded_at=uow.now)


def list_products(uow: UnitOfWork, admdvs: str, rows: list[dict]) -> dict:
    """Record the region's listings (all or nothing: a bad row refuses the file, named by row)."""
    new = [_listing_row(uow, admdvs, row, number, "listed") for number, row in enumerate(rows, start=1)]
    uow.prices.add_listings(new)
    uow.actions.record("prices.list", admdvs, {"listings": len(new)})
    return {"admdvs": admdvs, "listed": len(new)}


def as_listing(row: dict) -> rules.Listing:
    return rules.Listing(row["admdvs"], row["national_code"], row["spec"], row["maker"], Decimal(row["price"]),
                         row["listed_on"])


def share(uow: UnitOfWork, from_admdvs: str, to_admdvs: str) -> dict:
    """结果共用: the source region's listings in force, recorded as the receiving region's own
    (source ``shared from …``); the receiver's own later listings still win by date."""
    latest = rules.latest_listings([as_listing(row) for row in uow.prices.listings([from_admdvs])])
    if not latest:
        raise refusal("PRICES_NOTHING_TO_SHARE", admdvs=from_admdvs)
    source = f"shared from {from_admdvs}"
    rows = [dict(admdvs=to_admdvs, national_code=item.national_code, spec=item.spec, maker=item.maker,
                 price=str(item.price), listed_on=item.listed_on, source=source, actor=uow.actor.label()[:200],
                 recorded_at=uow.now) for _, item in sorted(latest.items())]
    uow.prices.add_listings(rows)
    uow.actions.record("prices.share", to_admdvs, {"from": from_admdvs, "listings": len(rows)})
    return {"from_admdvs": from_admdvs, "to_admdvs": to_admdvs, "shared": len(rows)}


def compare(uow: UnitOfWork, regions: list[str]) -> list[dict]:
    """Products listed by at least two of the regions, their prices side by side."""
    listings = [as_listing(row) for row in uow.prices.listings(regions)]
    return [{"national_code": row.national_code, "prices": {k: str(v) for k, v in row.prices.items()},
             "lowest": str(row.lowest), "highest": str(row.highest), "lowest_region": row.lowest_region,
             "spread": str(row.spread), "spread_ratio": str(row.spread_ratio)}
            for row in rules.compare(listings, regions)]
