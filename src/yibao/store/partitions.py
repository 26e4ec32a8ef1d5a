"""Monthly range partitions of the append-only logs on PostgreSQL (docs/partitions.md).

The request log is partitioned by ``received_at`` and the ledger postings by ``posted_on`` (the
day the posting was written). Each table has a DEFAULT partition, so an insert never fails for
want of a month; ``yibao db partitions --months-ahead N`` creates the coming months ahead (moving
any rows the default partition already holds for a month into it) and ``--detach-before
YYYY-MM`` detaches the months before that one for archive (pg_dump the detached table, then
drop it). The request log's global key (institution, msgid) lives in the non-partitioned
``request_keys`` table, filled by a trigger, so a msgid stays unique across every month, a
detached one included. SQLite keeps its plain tables: both backends accept and refuse the same
requests.
"""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import Connection, text

# table → its partition key column
PARTITIONED = {"request_log": "received_at", "ledger_postings": "posted_on"}
MONTH_NAME = re.compile(r"^(?P<table>[a-z_]+)_y(?P<year>\d{4})m(?P<month>\d{2})$")


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def next_month(first: dt.date) -> dt.date:
    return (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def partition_name(table: str, first: dt.date) -> str:
    return f"{table}_y{first.year:04d}m{first.month:02d}"


def is_partitioned(conn: Connection, table: str) -> bool:
    if conn.dialect.name != "postgresql":
        return False
    return bool(conn.execute(text("SELECT 1 FROM pg_partitioned_table p JOIN pg_class c ON c.oid = p.partrelid "
                                  "WHERE c.relname = :name AND pg_table_is_visible(c.oid)"), {"name": table}).first())


def attached_months(conn: Connection, table: str) -> list[str]:
    """The month partitions attached to ``table``, oldest first (the default one left out)."""
    rows = conn.execute(text("SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
                             "JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = :name"), {"name": table})
    return sorted(name for (name,) in rows if MONTH_NAME.match(name))


def create_month(conn: Connection, table: str, first: dt.date) -> bool:
    """Create the partition of the month starting ``first`` unless it exists; rows of that month
    already in the default partition move into it first (PostgreSQL refuses to attach a range
    the default partition holds rows of). True when created."""
    name, column = partition_name(table, first), PARTITIONED[table]
    if conn.execute(text("SELECT to_regclass(:name)"), {"name": name}).scalar() is not None:
        return False
    bounds = {"low": first, "high": next_month(first)}
    conn.execute(text(f"CREATE TABLE {name} (LIKE {table} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)"))
    conn.execute(text(f"WITH moved AS (DELETE FROM {table}_default WHERE {column} >= :low AND {column} < :high "
                      f"RETURNING *) INSERT INTO {name} SELECT * FROM moved"), bounds)
    conn.execute(text(f"ALTER TABLE {table} ATTACH PARTITION {name} "
                      f"FOR VALUES FROM ('{first.isoformat()}') TO ('{bounds['high'].isoformat()}')"))
    return True


def create_ahead(conn: Connection, today: dt.date, months_ahead: int) -> list[str]:
    """This month's partition and the next ``months_ahead`` months' of every partitioned table."""
    created = []
    for table in PARTITIONED:
        if not is_partitioned(conn, table):
            continue
        first = month_start(today)
        for _ in range(months_ahead + 1):
            if create_month(conn, table, first):
                created.append(partition_name(table, first))
            first = next_month(first)
    return created


def create_for_existing_rows(conn: Connection, table: str) -> None:
    """The months the default partition holds rows of get their own partitions (the migration)."""
    column = PARTITIONED[table]
    months = conn.execute(text(f"SELECT DISTINCT date_trunc('month', {column})::date FROM {table}_default")).scalars()
    for first in sorted(months):
        create_month(conn, table, first)


def detach_before(conn: Connection, before: dt.date) -> list[str]:
    """Detach every month partition older than the month of ``before``: the tables stay, outside
    the parent, for pg_dump and archive. The request keys stay: a msgid is never reused."""
    detached = []
    for table in PARTITIONED:
        if not is_partitioned(conn, table):
            continue
        for name in attached_months(conn, table):
            match = MONTH_NAME.match(name)
            if dt.date(int(match["year"]), int(match["month"]), 1) < month_start(before):
                conn.execute(text(f"ALTER TABLE {table} DETACH PARTITION {name}"))
                detached.append(name)
    return detached
