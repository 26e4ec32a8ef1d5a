"""``uow.evouchers``: 医保电子凭证 (app/evouchers.py): vouchers with their current state (the
last row of their state chain), the person's lock for activation and state changes
(docs/locking.md, rank 3), counts by insured region, the database's token key."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Connection, and_, func, insert, or_, select
from sqlalchemy.exc import IntegrityError

from .. import repository as repo
from .. import tables as t

_v, _s = t.evouchers, t.evoucher_states
_LAST_SEQ = (select(func.max(_s.c.seq)).where(_s.c.voucher_id == _v.c.voucher_id).correlate(_v).scalar_subquery())
# A voucher with its current state: no state row yet means active since activation.
_WITH_STATE = (
    select(_v, func.coalesce(_s.c.state, "active").label("state"), func.coalesce(_s.c.seq, 0).label("seq"))
    .select_from(_v.outerjoin(_s, and_(_s.c.voucher_id == _v.c.voucher_id, _s.c.seq == _LAST_SEQ)))
)


class Repository:
    def __init__(self, conn: Connection, now: dt.datetime):
        self.conn, self.now = conn, now

    def lock_person(self, psn_no: str) -> dict | None:
        """Rank 3: the person's row, read after its lock (SQLite writers queue instead)."""
        query = select(t.persons).where(t.persons.c.psn_no == psn_no)
        if self.conn.dialect.name == "postgresql":
            query = query.with_for_update()
        row = self.conn.execute(query).mappings().first()
        return None if row is None else dict(row)

    def insured_region(self, psn_no: str) -> str | None:
        insurances = repo.insurances_of(self.conn, psn_no)
        return insurances[0]["insuplc_admdvs"] if insurances else None

    def voucher(self, voucher_id: str) -> dict | None:
        """One indexed read (primary keys): what a token's verification decides on."""
        row = self.conn.execute(_WITH_STATE.where(_v.c.voucher_id == voucher_id)).mappings().first()
        return None if row is None else dict(row)

    def voucher_of(self, psn_no: str) -> dict | None:
        row = self.conn.execute(_WITH_STATE.where(_v.c.psn_no == psn_no)).mappings().first()
        return None if row is None else dict(row)

    def history(self, voucher_id: str) -> list[dict]:
        query = select(_s).where(_s.c.voucher_id == voucher_id).order_by(_s.c.seq)
        return [dict(row) for row in self.conn.execute(query).mappings()]

    def add_voucher(self, row: dict) -> None:
        self.conn.execute(insert(_v).values(**row))

    def add_state(self, row: dict) -> None:
        self.conn.execute(insert(_s).values(**row))

    def counts(self, regions: list[str]) -> list[dict]:
        """Vouchers by insured region and current state, for the regions given (a prefix each)."""
        current = _WITH_STATE.where(or_(*[_v.c.insuplc_admdvs.like(prefix + "%") for prefix in regions])).subquery()
        query = (select(current.c.insuplc_admdvs, current.c.state, func.count().label("vouchers"))
                 .group_by(current.c.insuplc_admdvs, current.c.state)
                 .order_by(current.c.insuplc_admdvs, current.c.state))
        return [dict(row) for row in self.conn.execute(query).mappings()]

    def token_key(self) -> str | None:
        row = self.conn.execute(select(t.evoucher_keys.c.key_b64).where(t.evoucher_keys.c.key_id == 1)).first()
        return None if row is None else row[0]

    def keep_token_key(self, key_b64: str) -> str:
        """Store the database's key unless another process stored one first; the stored one wins."""
        try:
            with self.conn.begin_nested():
                self.conn.execute(insert(t.evoucher_keys).values(key_id=1, key_b64=key_b64, created_at=self.now))
        except IntegrityError:
            pass
        return self.token_key() or key_b64
