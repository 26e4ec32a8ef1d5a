"""Listing prices and procurement batches (migration 0027, app/prices.py, app/procurement.py), the
volumes settled per product, and the payment standards in force (docs/prices.md)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import Connection, and_, insert, select
from sqlalchemy.exc import IntegrityError

from .. import tables as t
from ..repository import caches


class Repository:
    """``uow.prices``. Rows are plain dicts; prices exact decimal text (yuan)."""

    def __init__(self, conn: Connection, now: dt.datetime):
        self.conn, self.now = conn, now

    def add_listings(self, rows: list[dict]) -> int:
        if rows:
            self.conn.execute(insert(t.listed_prices), rows)
        return len(rows)

    def listings(self, regions: list[str], codes: list[str] | None = None) -> list[dict]:
        c = t.listed_prices.c
        query = select(t.listed_prices).where(c.admdvs.in_(regions))
        if codes is not None:
            query = query.where(c.national_code.in_(codes))
        return [dict(row) for row in self.conn.execute(query.order_by(c.listing_id)).mappings()]

    def add_batch(self, batch: dict, items: list[dict]) -> bool:
        """False when the batch number exists (the primary key decides, in a savepoint so the
        transaction goes on)."""
        try:
            with self.conn.begin_nested():
                self.conn.execute(insert(t.procurement_batches).values(**batch))
        except IntegrityError:
            return False
        self.conn.execute(insert(t.procurement_items), items)
        return True

    def batch(self, batch_no: str) -> dict | None:
        row = self.conn.execute(select(t.procurement_batches)
                                .where(t.procurement_batches.c.batch_no == batch_no)).mappings().first()
        return dict(row) if row else None

    def batch_items(self, batch_no: str) -> list[dict]:
        c = t.procurement_items.c
        rows = self.conn.execute(select(t.procurement_items).where(c.batch_no == batch_no).order_by(c.national_code))
        return [dict(row) for row in rows.mappings()]

    def settled_volumes(self, admdvs: str, codes: list[str], begin: dt.date, end: dt.date) -> dict[str, Decimal]:
        """Quantity per catalogue code of the fee lines, occurring in [begin, end), of the visits
        treated in the region whose settlement is in force (settled and not reversed)."""
        fee, visit, setl = t.fee_lines.c, t.visits.c, t.settlements.c
        reversal = t.settlements.alias("reversal")
        in_force = and_(setl.mdtrt_id == fee.mdtrt_id, setl.kind == "settlement",
                        ~select(reversal.c.setl_id).where(reversal.c.reverses_setl_id == setl.setl_id).exists())
        query = (select(fee.med_list_codg, fee.cnt)
                 .join(t.visits, visit.mdtrt_id == fee.mdtrt_id)
                 .where(visit.mdtrtarea_admvs == admdvs, fee.status == "uploaded", fee.med_list_codg.in_(codes),
                        fee.fee_ocur_time >= dt.datetime.combine(begin, dt.time()),
                        fee.fee_ocur_time < dt.datetime.combine(end, dt.time()),
                        select(setl.setl_id).where(in_force).exists()))
        volumes: dict[str, Decimal] = {}
        for code, cnt in self.conn.execute(query):
            volumes[code] = volumes.get(code, Decimal(0)) + Decimal(cnt)
        return volumes

    def payment_standards(self, admdvs: str, codes: list[str], day: dt.date) -> dict[str, Decimal | None]:
        """The price ceiling (医保支付标准) in force on ``day`` per code listed in the region's
        catalogue (None: listed without a ceiling)."""
        entries = caches.load_catalog_entries(self.conn, admdvs, codes, day)
        return {code: entry.pric_uplmt_amt for code, entry in entries.items()}
