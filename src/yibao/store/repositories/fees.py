"""``uow.fees``: what uploading and cancelling fee lines read and write (app/fees.py).

Each method is one statement of store/repository/ (the chain and line numbers run prepared on
the driver connection, store/driver_sql.py; the catalogue comes from the per-worker cache in the
steady state), so bench/visit_cost.py counts them per national transaction.
"""

from __future__ import annotations

import datetime as dt
from typing import Iterable

from yibao.domain.case import CatalogEntry

from .. import repository as repo


class Repository:
    def __init__(self, conn, now: dt.datetime):
        self.conn, self.now = conn, now

    def chain_and_line_numbers(self, mdtrt_id: str) -> tuple[dict | None, str | None, set[str]]:
        return repo.settlement_chain_and_line_numbers(self.conn, mdtrt_id)

    def catalogue(self, admdvs: str, codes: Iterable[str], day: dt.date) -> dict[str, CatalogEntry]:
        return repo.catalog_entries(self.conn, admdvs, codes, day)

    def add(self, rows: list[dict]) -> None:
        repo.insert_fee_lines(self.conn, rows)

    def cancel(self, mdtrt_id: str, *, key: str | None = None, value: str | None = None) -> int:
        return repo.cancel_fee_lines(self.conn, mdtrt_id, key=key, value=value)
