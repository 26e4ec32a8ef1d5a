"""Procurement batches (集中带量采购, issue #18 item 3): a national, provincial or alliance batch
with its selected products, agreed prices and volumes; its savings (节省) and reduction (降幅)
from the volumes actually settled since it began, against the region's listing prices before
it; and the price linkage to the catalogue's payment standard (docs/prices.md).

Locking (docs/locking.md): recording a batch takes no lock; the primary key on the batch number
refuses a second one (PROCUREMENT_BATCH_EXISTS). Savings and linkage only read. The linkage
answers the new payment-standard rows in the national lmtpric shape; ``yibao import lmtpric``
records them as a new catalogue version from the batch's start (the earlier rows are kept),
bumping the catalogue version every worker's cache follows.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Protocol

from yibao.domain import prices as rules

from .error_codes import refusal
from .prices import as_listing, positive_amount
from .unit_of_work import UnitOfWork


class ProcurementRepository(Protocol):
    def add_batch(self, batch: dict, items: list[dict]) -> bool: ...

    def batch(self, batch_no: str) -> dict | None: ...

    def batch_items(self, batch_no: str) -> list[dict]: ...

    def settled_volumes(self, admdvs: str, codes: list[str], begin: dt.date, end: dt.date) -> dict[str, Decimal]: ...

    def payment_standards(self, admdvs: str, codes: list[str], day: dt.date) -> dict[str, Decimal | None]: ...


def _items(rows: list[dict]) -> list[dict]:
    if not rows:
        raise refusal("PROCUREMENT_BAD_BATCH", reason="a batch selects at least one product")
    items, seen = [], set()
    for number, row in enumerate(rows, start=1):
        code = str(row.get("national_code") or "").strip()
        if not code or code in seen or len(code) > 50:
            raise refusal("PROCUREMENT_BAD_BATCH", reason=f"item {number}: national_code missing or repeated")
        seen.add(code)
        price, volume = positive_amount(row.get("agreed_price")), positive_amount(row.get("agreed_volume"))
        if price is None or volume is None:
            raise refusal("PROCUREMENT_BAD_BATCH", reason=f"item {number}: agreed_price and agreed_volume are "
                                                          "positive numbers, at most 4 decimals")
        items.append(dict(national_code=code, agreed_price=str(price), agreed_volume=str(volume)))
    return items


def record_batch(uow: UnitOfWork, batch_no: str, level: str, name: str, admdvs: str, begndate: dt.date,
                 rows: list[dict]) -> dict:
    if level not in rules.PROCUREMENT_LEVELS or not batch_no or len(batch_no) > 40:
        raise refusal("PROCUREMENT_BAD_BATCH", reason=f"level is one of {', '.join(rules.PROCUREMENT_LEVELS)}; "
                                                      "a batch number of 1–40 characters")
    items = [dict(item, batch_no=batch_no) for item in _items(rows)]
    batch = dict(batch_no=batch_no, level=level, name=name[:200], admdvs=admdvs, begndate=begndate,
                 actor=uow.actor.label()[:200], recorded_at=uow.now)
    if not uow.prices.add_batch(batch, items):
        raise refusal("PROCUREMENT_BATCH_EXISTS", batch_no=batch_no)
    uow.actions.record("procurement.batch", batch_no, {"level": level, "admdvs": admdvs, "items": len(items)})
    return {"batch_no": batch_no, "level": level, "admdvs": admdvs, "begndate": begndate, "items": len(items)}


def _batch(uow: UnitOfWork, batch_no: str) -> tuple[dict, list[dict]]:
    batch = uow.prices.batch(batch_no)
    if batch is None:
        raise refusal("PROCUREMENT_BATCH_NOT_FOUND", batch_no=batch_no[:40])
    return batch, uow.prices.batch_items(batch_no)


def _earlier_prices(uow: UnitOfWork, batch: dict, codes: list[str]) -> dict[str, Decimal]:
    """Each product's listing price in force the day before the batch began (its region's)."""
    before = [as_listing(row) for row in uow.prices.listings([batch["admdvs"]], codes)
              if row["listed_on"] < batch["begndate"]]
    latest = rules.latest_listings(before)
    prices = {code: latest[(batch["admdvs"], code)].price for code in codes if (batch["admdvs"], code) in latest}
    for code in codes:
        if code not in prices:
            raise refusal("PROCUREMENT_NO_EARLIER_PRICE", national_code=code, day=batch["begndate"],
                          admdvs=batch["admdvs"])
    return prices


def procurement_items(uow: UnitOfWork, batch: dict, items: list[dict]) -> list[rules.ProcurementItem]:
    codes = [item["national_code"] for item in items]
    earlier = _earlier_prices(uow, batch, codes)
    return [rules.ProcurementItem(item["national_code"], Decimal(item["agreed_price"]), Decimal(item["agreed_volume"]),
                                  earlier[item["national_code"]]) for item in items]


def savings(uow: UnitOfWork, batch_no: str, until: dt.date) -> dict:
    """节省 / 降幅 of the batch from its start to ``until`` (exclusive), from settled volumes."""
    batch, items = _batch(uow, batch_no)
    products = procurement_items(uow, batch, items)
    volumes = uow.prices.settled_volumes(batch["admdvs"], [p.national_code for p in products], batch["begndate"], until)
    result = rules.savings(products, volumes)
    return {"batch_no": batch_no, "admdvs": batch["admdvs"], "begin": batch["begndate"], "until": until,
            "spend_before": str(result.spend_before), "spend_after": str(result.spend_after),
            "savings": str(result.savings), "reduction": str(result.reduction),
            "items": [{"national_code": i.national_code, "settled_volume": str(i.settled_volume),
                       "savings": str(i.savings), "reduction": str(i.reduction), "volume_share": str(i.volume_share)}
                      for i in result.items]}


def linkage(uow: UnitOfWork, batch_no: str) -> list[dict]:
    """The new payment standards in the lmtpric shape (data-formats.md), from the batch's start."""
    batch, items = _batch(uow, batch_no)
    products = [rules.ProcurementItem(i["national_code"], Decimal(i["agreed_price"]), Decimal(i["agreed_volume"]),
                                      Decimal(0)) for i in items]
    standards = uow.prices.payment_standards(batch["admdvs"], [p.national_code for p in products], batch["begndate"])
    rows = rules.linked_standards(products, standards, batch["begndate"])
    return [{"hilist_code": row.hilist_code, "insu_admdvs": batch["admdvs"], "begndate": row.begndate.isoformat(),
             "enddate": "", "hilist_pric_uplmt_amt": str(row.new_standard), "hilist_lmtpric_type": "",
             "overlmt_dspo_way": "", "vali_flag": "1"} for row in rows]
