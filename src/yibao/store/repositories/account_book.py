"""A personal account's movements as stored (the account entries' chain, migration 0005), for
reading; entries are appended through ``uow.accounts``."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from .. import tables as t


class Repository:
    def __init__(self, conn, now: dt.datetime):
        self.conn, self.now = conn, now

    def movements_of(self, psn_no: str) -> list[dict]:
        """Every entry of the person's account in chain order (seq), amounts in fen."""
        e = t.account_entries
        rows = self.conn.execute(select(e).where(e.c.psn_no == psn_no).order_by(e.c.seq)).mappings().all()
        return [dict(row) for row in rows]
