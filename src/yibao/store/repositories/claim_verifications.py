"""``uow.claim_verifications``: the verification requests (协查) of manual claims and their steps
(app/claim_verifications.py); the request row's lock (docs/locking.md, after the claim's)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Connection, and_, insert, or_, select

from .. import tables as t


class Repository:
    def __init__(self, conn: Connection, now: dt.datetime):
        self.conn, self.now = conn, now

    def add_request(self, row: dict) -> None:
        self.conn.execute(insert(t.claim_verifications).values(**row))

    def add_step(self, row: dict) -> None:
        """An answer or a close; the primary key refuses a second of either."""
        self.conn.execute(insert(t.claim_verification_steps).values(**row))

    def request(self, verification_id: str) -> dict | None:
        return self._request(verification_id, lock=False)

    def lock_request(self, verification_id: str) -> dict | None:
        """After the claim row's lock: the request as read after the lock."""
        return self._request(verification_id, lock=True)

    def _request(self, verification_id: str, *, lock: bool) -> dict | None:
        v = t.claim_verifications
        query = select(v).where(v.c.verification_id == verification_id)
        if lock and self.conn.dialect.name == "postgresql":
            query = query.with_for_update()
        row = self.conn.execute(query).mappings().first()
        return None if row is None else dict(row)

    def steps(self, verification_ids: list[str]) -> dict[str, list[dict]]:
        """The steps of each request, in the order they were recorded."""
        found: dict[str, list[dict]] = {vid: [] for vid in verification_ids}
        if not verification_ids:
            return found
        s = t.claim_verification_steps
        query = select(s).where(s.c.verification_id.in_(verification_ids)).order_by(s.c.recorded_at, s.c.step)
        for row in self.conn.execute(query).mappings():
            found[row["verification_id"]].append(dict(row))
        return found

    def of_claim(self, claim_id: str) -> list[dict]:
        v = t.claim_verifications
        query = select(v).where(v.c.claim_id == claim_id).order_by(v.c.requested_at, v.c.verification_id)
        return [dict(row) for row in self.conn.execute(query).mappings()]

    def requests(self, *, side: str, regions: list[str], status: str | None, limit: int, offset: int) -> list[dict]:
        """Requests whose ``side`` column (insuplc_admdvs: made by; mdtrtarea_admvs: addressed to)
        falls in the regions given (a code prefix each), newest first, with the claim's summary."""
        v, c = t.claim_verifications, t.claims
        column = v.c[side]
        query = (select(v, c.c.psn_no, c.c.fixmedins_code, c.c.fixmedins_name, c.c.invoice_no, c.c.begndate,
                        c.c.enddate, c.c.medfee_sumamt_fen, c.c.status.label("claim_status"))
                 .join(c, c.c.claim_id == v.c.claim_id)
                 .where(or_(*[column.like(prefix + "%") for prefix in regions])))
        if status:
            query = query.where(self._status_is(status))
        query = query.order_by(v.c.requested_at.desc(), v.c.verification_id).limit(limit).offset(offset)
        return [dict(row) for row in self.conn.execute(query).mappings()]

    @staticmethod
    def _status_is(status: str):
        v, s = t.claim_verifications, t.claim_verification_steps

        def has(step: str):
            return select(s.c.step).where(s.c.verification_id == v.c.verification_id, s.c.step == step).exists()
        if status == "closed":
            return has("close")
        if status == "answered":
            return and_(has("answer"), ~has("close"))
        return and_(~has("answer"), ~has("close"))
