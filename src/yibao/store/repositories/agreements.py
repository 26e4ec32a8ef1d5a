"""Agreements (app/agreements.py): the records of every step, the institutions they name, the
named lock of an agreement family (docs/locking.md, rank 13)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Connection, insert, select

from .. import repository as repo
from .. import tables as t


class Repository:
    """``uow.agreements``. Rows are plain dicts."""

    def __init__(self, conn: Connection, now: dt.datetime):
        self.conn, self.now = conn, now

    def lock_family(self, fixmedins_code: str) -> None:
        """Every step on a physical institution's agreements or on the supplementary agreements
        depending on them takes this lock first, then reads the records again."""
        repo.lock_key(self.conn, f"agreement/{fixmedins_code}")

    def institution(self, fixmedins_code: str) -> dict | None:
        return repo.institution(self.conn, fixmedins_code)

    def institutions(self, codes: list[str]) -> dict[str, dict]:
        if not codes:
            return {}
        rows = self.conn.execute(select(t.institutions.c.fixmedins_code, t.institutions.c.fixmedins_name,
                                        t.institutions.c.fixmedins_type, t.institutions.c.medins_lv,
                                        t.institutions.c.admdvs)
                                 .where(t.institutions.c.fixmedins_code.in_(codes))).mappings()
        return {row["fixmedins_code"]: dict(row) for row in rows}

    def records(self, fixmedins_codes: list[str] | None = None) -> list[dict]:
        """The records of the institutions (all when None), in record order; read from the
        database, never from a worker's copy (a write decides on what it reads after its lock)."""
        query = select(t.agreement_records).order_by(t.agreement_records.c.record_id)
        if fixmedins_codes is not None:
            query = query.where(t.agreement_records.c.fixmedins_code.in_(fixmedins_codes))
        return [dict(row) for row in self.conn.execute(query).mappings()]

    def records_of_agreements(self, agreement_ids: list[str]) -> list[dict]:
        query = (select(t.agreement_records).where(t.agreement_records.c.agreement_id.in_(agreement_ids))
                 .order_by(t.agreement_records.c.record_id))
        return [dict(row) for row in self.conn.execute(query).mappings()]

    def with_agreements(self, fixmedins_codes: list[str]) -> set[str]:
        """Those of the institutions that have at least one agreement record."""
        if not fixmedins_codes:
            return set()
        query = select(t.agreement_records.c.fixmedins_code).where(
            t.agreement_records.c.fixmedins_code.in_(fixmedins_codes)).distinct()
        return set(self.conn.execute(query).scalars())

    def add(self, row: dict) -> int:
        """The new record's record_id."""
        result = self.conn.execute(insert(t.agreement_records).values(**row))
        return int(result.inserted_primary_key[0])
