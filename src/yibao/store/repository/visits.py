"""Visits, their fee lines and diagnoses."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Connection, bindparam, insert, select, update


from .. import tables as t
from .. import driver_sql, write_batch
from .family_links import binders_column, binders_link


# --- visits and fee lines --------------------------------------------------------------------

def visit(conn: Connection, mdtrt_id: str) -> dict | None:
    row = conn.execute(_VISIT, {"mdtrt_id": mdtrt_id}).mappings().first()
    return dict(row) if row else None


def lock_visit(conn: Connection, mdtrt_id: str) -> dict | None:
    """The visit row, locked for the rest of the transaction and read after the lock
    (docs/locking.md, rank 2): every state change of a visit takes it first."""
    query = _LOCK_VISIT if conn.dialect.name == "postgresql" else _VISIT
    return driver_sql.first_mapping(conn, query, {"mdtrt_id": mdtrt_id})


_VISIT = select(t.visits).where(t.visits.c.mdtrt_id == bindparam("mdtrt_id"))
_LOCK_VISIT = _VISIT.with_for_update()


def lock_visit_and_family_link(conn: Connection, mdtrt_id: str) -> tuple[dict | None, str | None]:
    """``lock_visit``, and the family account owner linked to the visit's person as read in the
    same round trip (before the person's lock: the settlement checks it again under that lock)."""
    query = _LOCK_VISIT_AND_FAMILY if conn.dialect.name == "postgresql" else _VISIT_AND_FAMILY
    visit = driver_sql.first_mapping(conn, query, {"mdtrt_id": mdtrt_id})
    if visit is None:
        return None, None
    return visit, binders_link(visit.pop("person_family_binders"))


_VISIT_AND_FAMILY = (
    select(t.visits, binders_column(t.visits.c.psn_no).label("person_family_binders"))
    .where(t.visits.c.mdtrt_id == bindparam("mdtrt_id"))
)
_LOCK_VISIT_AND_FAMILY = _VISIT_AND_FAMILY.with_for_update(of=t.visits)


def insert_visit(conn: Connection, row: dict) -> None:
    if not write_batch.defer(conn, t.visits, [row]):
        conn.execute(insert(t.visits), row)


def insert_fee_lines(conn: Connection, rows: list[dict]) -> None:
    if rows and not write_batch.defer(conn, t.fee_lines, rows):
        conn.execute(insert(t.fee_lines), rows)


def insert_diagnoses(conn: Connection, rows: list[dict]) -> None:
    if rows and not write_batch.defer(conn, t.diagnoses, rows):
        conn.execute(insert(t.diagnoses), rows)


def cancel_fee_lines(conn: Connection, mdtrt_id: str, *, key: str | None = None, value: str | None = None) -> int:
    """Mark the visit's uploaded lines cancelled (those whose ``key`` column equals ``value``,
    or all of them); how many were."""
    query = update(t.fee_lines).where(t.fee_lines.c.mdtrt_id == mdtrt_id, t.fee_lines.c.status == "uploaded")
    if key is not None:
        query = query.where(getattr(t.fee_lines.c, key) == value)
    return conn.execute(query.values(status="cancelled")).rowcount


def visits_of_person(conn: Connection, psn_no: str, fixmedins_code: str, *, mdtrt_id: str = "", med_type: str = "",
                     begin: dt.datetime | None = None, end: dt.datetime | None = None, limit: int = 1000) -> list[dict]:
    """An institution's visits of a person (5201), oldest first, optionally narrowed."""
    v = t.visits
    query = select(v).where(v.c.psn_no == psn_no, v.c.fixmedins_code == fixmedins_code)
    if mdtrt_id:
        query = query.where(v.c.mdtrt_id == mdtrt_id)
    if med_type:
        query = query.where(v.c.med_type == med_type)
    if begin:
        query = query.where(v.c.begntime >= begin)
    if end:
        query = query.where(v.c.begntime <= end)
    return [dict(row) for row in conn.execute(query.order_by(v.c.begntime).limit(limit)).mappings()]


def sign_in(conn: Connection, sign_no: str, fixmedins_code: str, opter_no: str, now: dt.datetime) -> None:
    conn.execute(insert(t.sign_ins).values(sign_no=sign_no, fixmedins_code=fixmedins_code, opter_no=opter_no, sign_time=now))


def sign_out(conn: Connection, sign_no: str, now: dt.datetime) -> None:
    conn.execute(update(t.sign_ins).where(t.sign_ins.c.sign_no == sign_no).values(sign_out_time=now))


def update_visit(conn: Connection, mdtrt_id: str, **values: Any) -> None:
    conn.execute(update(t.visits).where(t.visits.c.mdtrt_id == mdtrt_id).values(**values))


def fee_lines(conn: Connection, mdtrt_id: str, status: str | None = "uploaded") -> list[dict]:
    if status:
        rows = conn.execute(_FEE_LINES_WITH_STATUS, {"mdtrt_id": mdtrt_id, "status": status})
    else:
        rows = conn.execute(_FEE_LINES, {"mdtrt_id": mdtrt_id})
    return [dict(row) for row in rows.mappings()]


_FEE_LINES = select(t.fee_lines).where(t.fee_lines.c.mdtrt_id == bindparam("mdtrt_id")).order_by(t.fee_lines.c.feedetl_sn)
_FEE_LINES_WITH_STATUS = _FEE_LINES.where(t.fee_lines.c.status == bindparam("status"))
