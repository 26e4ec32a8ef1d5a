"""An institution's gateway credentials: its authentication mode, the salted hash of its secret
and, in the signature modes, the secret sealed under the platform key (migration 0009)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select, update

from .. import tables as t

CREDENTIALS = ("fixmedins_code", "fixmedins_name", "auth_mode", "secret_salt", "secret_hash", "secret_sealed")


class Repository:
    def __init__(self, conn, now: dt.datetime):
        self.conn, self.now = conn, now

    def lock(self, fixmedins_code: str) -> dict | None:
        """The institution's credentials, read after locking its row (PostgreSQL; SQLite writers queue)."""
        i = t.institutions
        query = select(*[i.c[name] for name in CREDENTIALS]).where(i.c.fixmedins_code == fixmedins_code)
        if self.conn.dialect.name == "postgresql":
            query = query.with_for_update()
        row = self.conn.execute(query).mappings().first()
        return dict(row) if row else None

    def set_credentials(self, fixmedins_code: str, *, auth_mode: str, secret_salt: str, secret_hash: str,
                        secret_sealed: str | None) -> None:
        i = t.institutions
        self.conn.execute(update(i).where(i.c.fixmedins_code == fixmedins_code).values(
            auth_mode=auth_mode, secret_salt=secret_salt, secret_hash=secret_hash, secret_sealed=secret_sealed))

    def count_in_modes(self, modes: tuple[str, ...]) -> int:
        i = t.institutions
        return int(self.conn.execute(select(func.count()).select_from(i).where(i.c.auth_mode.in_(modes))).scalar_one())
