"""Files exchanged with institutions (app/exchange_files.py)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import insert, select, update

from .. import tables as t

_WITHOUT_CONTENT = [column for column in t.exchange_files.c if column.name != "content"]


class Repository:
    def __init__(self, conn, now: dt.datetime):
        self.conn, self.now = conn, now

    def add(self, row: dict) -> None:
        self.conn.execute(insert(t.exchange_files).values(**row))

    def lock(self, file_qury_no: str) -> dict | None:
        query = select(*_WITHOUT_CONTENT).where(t.exchange_files.c.file_qury_no == file_qury_no)
        if self.conn.dialect.name == "postgresql":
            query = query.with_for_update()  # SQLite: writers already queue (BEGIN IMMEDIATE)
        row = self.conn.execute(query).mappings().first()
        return dict(row) if row else None

    def mark_downloaded(self, file_qury_no: str, msgid: str) -> bool:
        f = t.exchange_files.c
        done = self.conn.execute(update(t.exchange_files).where(f.file_qury_no == file_qury_no, f.downloaded_at.is_(None))
                                 .values(downloaded_at=self.now, downloaded_msgid=msgid))
        return done.rowcount == 1

    def with_content(self, file_qury_no: str) -> dict | None:
        row = self.conn.execute(select(t.exchange_files).where(t.exchange_files.c.file_qury_no == file_qury_no)).mappings().first()
        return dict(row) if row else None

    def purge_expired(self) -> int:
        f = t.exchange_files.c
        done = self.conn.execute(update(t.exchange_files).where(f.expires_at <= self.now, f.purged_at.is_(None))
                                 .values(content=b"", purged_at=self.now))
        return done.rowcount
