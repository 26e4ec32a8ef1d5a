"""The action log read back (writes go through ``uow.actions.record``)."""

from __future__ import annotations

import datetime as dt

from .. import action_log as store


class Repository:
    def __init__(self, conn, now: dt.datetime):
        self.conn, self.now = conn, now

    def entries(self, *, subject: str | None = None, action: str | None = None) -> list[dict]:
        return store.entries(self.conn, subject=subject, action=action)
