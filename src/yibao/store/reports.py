"""The reports database: statistics and the dashboard read from a streaming replica when
``YIBAO_READ_DATABASE_URL`` names one, so long reports never compete with settlements for the
primary's locks and buffers. A replica lags by its replication delay (usually well under a
second): it serves figures, never a read that guards money (those stay on the primary, in the
writing unit of work). Without the variable everything reads the primary."""

from __future__ import annotations

from .database import Database


def reports_database(read_url: str, primary: Database, *, pool_size: int = 5) -> Database:
    if not read_url or read_url == primary.url:
        return primary
    # never migrated (a replica is read-only; it follows the primary's schema by replication)
    return Database(read_url, pool_size=pool_size)
