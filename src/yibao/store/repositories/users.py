"""``uow.users``: agencies' users and their API tokens (app/users.py; docs/locking.md, rank 17)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Connection, insert, select, update

from .. import tables as t

_u, _k = t.agency_users, t.agency_user_tokens


class Repository:
    def __init__(self, conn: Connection, now: dt.datetime):
        self.conn, self.now = conn, now

    def get(self, user_id: str) -> dict | None:
        row = self.conn.execute(select(_u).where(_u.c.user_id == user_id)).mappings().first()
        return None if row is None else dict(row)

    def by_name(self, agency_code: str, username: str, *, lock: bool = False) -> dict | None:
        """The user; with ``lock`` the row is locked (rank 17, PostgreSQL) and read after the lock."""
        query = select(_u).where(_u.c.agency_code == agency_code, _u.c.username == username)
        if lock and self.conn.dialect.name == "postgresql":
            query = query.with_for_update()
        row = self.conn.execute(query).mappings().first()
        return None if row is None else dict(row)

    def of_agency(self, agency_code: str) -> list[dict]:
        query = select(_u).where(_u.c.agency_code == agency_code).order_by(_u.c.username)
        return [dict(row) for row in self.conn.execute(query).mappings()]

    def add(self, row: dict) -> None:
        self.conn.execute(insert(_u).values(**row))

    def change(self, user_id: str, values: dict) -> None:
        self.conn.execute(update(_u).where(_u.c.user_id == user_id).values(**values))

    def add_token(self, row: dict) -> None:
        self.conn.execute(insert(_k).values(**row))

    def token(self, token_id: str) -> dict | None:
        row = self.conn.execute(select(_k).where(_k.c.token_id == token_id)).mappings().first()
        return None if row is None else dict(row)
