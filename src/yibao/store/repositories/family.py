"""``uow.family``: 亲情账户 bindings (app/family.py, migration 0021): dated bind and unbind
records, the persons' lock (docs/locking.md, rank 3) and what a binding's rules read."""

from __future__ import annotations

import datetime as dt
import json

from sqlalchemy import and_, exists, insert, select

from .. import repository as repo
from .. import tables as t

_b = t.family_bindings
_ended = _b.alias("ended")
_ENDED_BY = select(_ended.c.binding_id).where(_ended.c.unbinds == _b.c.binding_id).correlate(_b).scalar_subquery()
_BINDINGS = select(_b, _ENDED_BY.label("ended_by")).where(_b.c.kind == "bind")
_LIVE = ~exists().where(_ended.c.unbinds == _b.c.binding_id)


class Repository:
    def __init__(self, conn, now: dt.datetime):
        self.conn, self.now = conn, now

    def lock_persons(self, psn_nos: list[str]) -> dict[str, dict]:
        """Rank 3: the persons' rows in ascending psn_no order, read after the lock."""
        return repo.lock_persons(self.conn, psn_nos)

    def insurances(self, psn_no: str) -> list[dict]:
        return repo.insurances_of(self.conn, psn_no)

    def policy_document(self, admdvs: str, insutype: str, day: dt.date) -> dict | None:
        """The policy document in force for the region (falling back to city and province)."""
        row = repo.policy_row(self.conn, admdvs, insutype, day)
        return None if row is None else json.loads(row["document"])

    def binding(self, binding_id: int) -> dict | None:
        row = self.conn.execute(_BINDINGS.where(_b.c.binding_id == binding_id)).mappings().first()
        return None if row is None else dict(row)

    def live(self, *, owners: list[str] | None = None, relatives: list[str] | None = None) -> list[dict]:
        """Live bindings (not ended) of these owners or relatives, in binding order."""
        condition = []
        if owners is not None:
            condition.append(_b.c.owner_psn_no.in_(owners))
        if relatives is not None:
            condition.append(_b.c.relative_psn_no.in_(relatives))
        query = _BINDINGS.where(_LIVE, and_(*condition)).order_by(_b.c.binding_id)
        return [dict(row) for row in self.conn.execute(query).mappings()]

    def listing(self, psn_no: str | None = None, *, include_ended: bool = False) -> list[dict]:
        """Bindings naming the person as owner or relative (all when None), in binding order."""
        query = _BINDINGS
        if psn_no is not None:
            query = query.where((_b.c.owner_psn_no == psn_no) | (_b.c.relative_psn_no == psn_no))
        if not include_ended:
            query = query.where(_LIVE)
        return [dict(row) for row in self.conn.execute(query.order_by(_b.c.binding_id)).mappings()]

    def add(self, row: dict) -> int:
        """Insert a bind or unbind record; its binding_id."""
        return self.conn.execute(insert(_b).values(**row).returning(_b.c.binding_id)).scalar_one()
