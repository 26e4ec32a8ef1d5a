"""An in-memory ``uow.prices`` (app/prices.PricesRepository, app/procurement.ProcurementRepository)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal


@dataclass
class FakePrices:
    listing_rows: list[dict] = field(default_factory=list)
    batch_rows: dict[str, dict] = field(default_factory=dict)
    item_rows: list[dict] = field(default_factory=list)
    volumes: dict[str, Decimal] = field(default_factory=dict)  # what settled_volumes answers
    volume_queries: list[tuple] = field(default_factory=list)
    standards: dict[str, Decimal | None] = field(default_factory=dict)

    def add_listings(self, rows):
        self.listing_rows += [dict(row, listing_id=len(self.listing_rows) + n) for n, row in enumerate(rows, 1)]
        return len(rows)

    def listings(self, regions, codes=None):
        return [dict(r) for r in self.listing_rows
                if r["admdvs"] in regions and (codes is None or r["national_code"] in codes)]

    def add_batch(self, batch, items):
        if batch["batch_no"] in self.batch_rows:  # the primary key
            return False
        self.batch_rows[batch["batch_no"]] = dict(batch)
        self.item_rows += [dict(item) for item in items]
        return True

    def batch(self, batch_no):
        return self.batch_rows.get(batch_no)

    def batch_items(self, batch_no):
        return sorted((dict(r) for r in self.item_rows if r["batch_no"] == batch_no), key=lambda r: r["national_code"])

    def settled_volumes(self, admdvs, codes, begin, end):
        self.volume_queries.append((admdvs, tuple(codes), begin, end))
        return {code: volume for code, volume in self.volumes.items() if code in codes}

    def payment_standards(self, admdvs, codes, day):
        return {code: value for code, value in self.standards.items() if code in codes}
