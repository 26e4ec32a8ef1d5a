"""The findings queue and post-event audit runs (app/findings.py; migration 0022)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Connection, and_, func, insert, literal, select

from .. import repository as repo
from .. import tables as t

_F, _R, _T, _I = t.audit_findings, t.audit_runs, t.finding_transitions, t.institutions
_LATEST = (select(_T.c.finding_id, func.max(_T.c.seq).label("seq")).group_by(_T.c.finding_id).subquery("latest"))
_STATE = (select(_T.c.finding_id, _T.c.to_status)
          .join(_LATEST, and_(_LATEST.c.finding_id == _T.c.finding_id, _LATEST.c.seq == _T.c.seq)).subquery("state"))
_LATER = _R.alias("later")
# a finding is superseded when its run is a post-event run that a later run of the same key supersedes
_SUPERSEDED = select(_LATER.c.run_id).where(_LATER.c.supersedes_run_id == _F.c.run_id).exists()
_STATUS = func.coalesce(_STATE.c.to_status, literal("new"))
_REGION = func.coalesce(_I.c.admdvs, literal(""))


def _queue_columns():
    return (*_F.c, _STATUS.label("status"), _REGION.label("admdvs"))


def _queue_from():
    return (_F.outerjoin(_STATE, _STATE.c.finding_id == _F.c.finding_id)
            .outerjoin(_I, _I.c.fixmedins_code == _F.c.fixmedins_code))


class Repository:
    """``uow.findings``. Rows are plain dicts; amounts in fen."""

    def __init__(self, conn: Connection, now: dt.datetime):
        self.conn, self.now = conn, now

    def lock(self, finding_id: str) -> dict | None:
        """The finding row locked (docs/locking.md, rank 16), then read with its institution's
        region and whether its run was superseded."""
        if self.conn.dialect.name == "postgresql":
            self.conn.execute(select(_F.c.finding_id).where(_F.c.finding_id == finding_id).with_for_update())
        row = self.conn.execute(
            select(*_F.c, _REGION.label("admdvs"), _SUPERSEDED.label("superseded"))
            .select_from(_F.outerjoin(_I, _I.c.fixmedins_code == _F.c.fixmedins_code))
            .where(_F.c.finding_id == finding_id)).mappings().first()
        return dict(row, superseded=bool(row["superseded"])) if row is not None else None

    def history(self, finding_ids: list[str]) -> dict[str, list[dict]]:
        found: dict[str, list[dict]] = {}
        if not finding_ids:
            return found
        rows = self.conn.execute(select(_T).where(_T.c.finding_id.in_(finding_ids))
                                 .order_by(_T.c.finding_id, _T.c.seq)).mappings()
        for row in rows:
            found.setdefault(row["finding_id"], []).append(dict(row))
        return found

    def add_transition(self, row: dict) -> None:
        self.conn.execute(insert(_T).values(**row))

    def page(self, *, status: str | None, rule_id: str | None, fixmedins_code: str | None, region_prefix: str | None,
             limit: int, offset: int) -> tuple[list[dict], int]:
        conditions = [~_SUPERSEDED]
        if status is not None:
            conditions.append(_STATUS == status)
        if rule_id:
            conditions.append(_F.c.rule_id == rule_id)
        if fixmedins_code:
            conditions.append(_F.c.fixmedins_code == fixmedins_code)
        if region_prefix is not None:
            conditions.append(_REGION.like(f"{region_prefix}%"))
        where = and_(*conditions)
        total = self.conn.execute(select(func.count()).select_from(_queue_from()).where(where)).scalar_one()
        rows = self.conn.execute(select(*_queue_columns()).select_from(_queue_from()).where(where)
                                 .order_by(_F.c.found_at.desc(), _F.c.finding_id).limit(limit).offset(offset)).mappings()
        return [dict(row) for row in rows], total

    def lock_run_key(self, run_key: str) -> None:
        repo.lock_key(self.conn, f"audit-run/{run_key}")

    def latest_run(self, run_key: str) -> dict | None:
        later = select(_LATER.c.run_id).where(_LATER.c.supersedes_run_id == _R.c.run_id).exists()
        row = self.conn.execute(select(_R).where(_R.c.run_key == run_key, ~later)).mappings().first()
        return dict(row) if row is not None else None

    def add_run(self, row: dict) -> None:
        self.conn.execute(insert(_R).values(**row))

    def run_findings(self, run_id: str) -> list[dict]:
        return [dict(row) for row in self.conn.execute(select(_F).where(_F.c.run_id == run_id)
                                                       .order_by(_F.c.finding_id)).mappings()]
