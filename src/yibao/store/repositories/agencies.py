"""Insurance agencies (经办机构): their rows and stored token hashes."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import insert, select, update

from .. import tables as t


class Repository:
    def __init__(self, conn, now: dt.datetime):
        self.conn, self.now = conn, now

    def get(self, agency_code: str) -> dict | None:
        row = self.conn.execute(select(t.agencies).where(t.agencies.c.agency_code == agency_code)).mappings().first()
        return dict(row) if row else None

    def save(self, agency_code: str, *, agency_name: str, token_salt: str, token_hash: str, role: str) -> None:
        """Create the agency, or give an existing one this name and token (re-keying)."""
        values = dict(agency_name=agency_name, token_salt=token_salt, token_hash=token_hash, role=role)
        if self.conn.execute(select(t.agencies.c.agency_code).where(t.agencies.c.agency_code == agency_code)).first():
            self.conn.execute(update(t.agencies).where(t.agencies.c.agency_code == agency_code).values(**values))
        else:
            self.conn.execute(insert(t.agencies).values(agency_code=agency_code, **values))
