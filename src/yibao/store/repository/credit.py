"""The credit standings the gateway enforces (app/credit.py, gateway/access.check_credit): every
subject's summed credit points and every region's credit policy, remembered per process while
the ``sanctions`` cache version read with the request's authentication is unchanged (migration
0025 makes new credit records and policies bump it, as new sanctions do since 0008). The steady
state costs no statement per settlement; outside a gateway request it is read each time."""

from __future__ import annotations

from sqlalchemy import Connection, func, select

from .. import tables as t
from .caches import current_cache_versions

_cache: dict = {}


def credit_standings(conn: Connection) -> tuple[dict[tuple[str, str], int], list[dict]]:
    """(points by (subject_type, subject_id), policy rows) of the current version."""
    version = (current_cache_versions.get() or {}).get("sanctions")
    if version is not None and _cache.get("version") == version:
        return _cache["points"], _cache["policies"]
    c = t.credit_records.c
    points = {(row[0], row[1]): int(row[2]) for row in conn.execute(
        select(c.subject_type, c.subject_id, func.sum(c.points)).group_by(c.subject_type, c.subject_id)).all()}
    policies = [dict(row) for row in conn.execute(select(t.supervision_policies)).mappings()]
    if version is not None:
        _cache.clear()
        _cache.update(version=version, points=points, policies=policies)
    return points, policies
