"""Institutions, sign-ins, persons and their insurances; the named locks of docs/locking.md."""

from __future__ import annotations

from typing import Iterable

from sqlalchemy import Connection, and_, bindparam, delete, insert, select, text

from .. import driver_sql, write_batch

from .. import tables as t
from .caches import CACHED, _version_query
from .family_links import binders_column, binders_link, link_owners


# --- institutions and sign-in ---------------------------------------------------------

def institution(conn: Connection, code: str) -> dict | None:
    row = conn.execute(select(t.institutions).where(t.institutions.c.fixmedins_code == code)).mappings().first()
    return dict(row) if row else None


def institution_and_sign_in(conn: Connection, code: str, sign_no: str) -> tuple[dict | None, bool, dict[str, int | None]]:
    """The institution, whether ``sign_no`` is one of its open sign-ins, and the cache versions
    (catalogue, policies, rules; None where the row is missing), in one round trip: every
    authenticated request asks all of them."""
    row = driver_sql.first_mapping(conn, _AUTHENTICATION, {"code": code, "sign_no": sign_no})
    if row is None:
        return None, False, {}
    institution = dict(row)
    found = {name: institution.pop(f"version_{name}") for name in CACHED}
    return institution, bool(institution.pop("signed_in")), {name: None if v is None else int(v) for name, v in found.items()}


def _authentication_query():
    open_sign_in = (select(t.sign_ins.c.sign_no).where(
        t.sign_ins.c.sign_no == bindparam("sign_no"), t.sign_ins.c.fixmedins_code == bindparam("code"),
        t.sign_ins.c.sign_out_time.is_(None)).exists().label("signed_in"))
    versions = [_version_query(name).scalar_subquery().label(f"version_{name}") for name in CACHED]
    return select(t.institutions, open_sign_in, *versions).where(t.institutions.c.fixmedins_code == bindparam("code"))


def record_signed_request(conn: Connection, code: str, stamp: int, nonce: str, signature: str, expires_at: int) -> None:
    """An accepted signed request's replay key, with the request's other inserts (write batch);
    the key of ``auth_nonces`` refuses the same one twice."""
    row = {"fixmedins_code": code, "stamp": stamp, "nonce": nonce, "signature": signature, "expires_at": expires_at}
    if not write_batch.defer(conn, t.auth_nonces, [row]):
        conn.execute(_RECORD_SIGNED, row)


def signed_request_seen(conn: Connection, code: str, stamp: int, nonce: str, signature: str) -> bool:
    n = t.auth_nonces.c
    return conn.execute(select(n.stamp).where(n.fixmedins_code == code, n.stamp == stamp, n.nonce == nonce,
                                              n.signature == signature)).first() is not None


def forget_expired_signed_requests(conn: Connection, code: str, now_seconds: int) -> None:
    """Replay keys whose timestamp is outside the window now: such a request is refused as stale."""
    n = t.auth_nonces.c
    conn.execute(delete(t.auth_nonces).where(n.fixmedins_code == code, n.expires_at < now_seconds))


def sign_in_valid(conn: Connection, sign_no: str, fixmedins_code: str) -> bool:
    row = conn.execute(
        select(t.sign_ins.c.sign_no).where(
            t.sign_ins.c.sign_no == sign_no,
            t.sign_ins.c.fixmedins_code == fixmedins_code,
            t.sign_ins.c.sign_out_time.is_(None),
        )
    ).first()
    return row is not None


# --- persons ------------------------------------------------------------------------------

def person(conn: Connection, psn_no: str) -> dict | None:
    row = conn.execute(select(t.persons).where(t.persons.c.psn_no == psn_no)).mappings().first()
    return dict(row) if row else None


def person_with_binders(conn: Connection, psn_no: str) -> dict | None:
    """The person with ``family_binders``: the owners of the accounts bound to them (亲情账户),
    in binding order, or None (store/repository/family_links.py)."""
    row = conn.execute(_PERSON_WITH_BINDERS, {"psn_no": psn_no}).mappings().first()
    if row is None:
        return None
    found = dict(row)
    found["family_binders"] = binders_link(found["family_binders"])
    return found


_PERSON_WITH_BINDERS = select(t.persons, binders_column(t.persons.c.psn_no).label("family_binders")).where(
    t.persons.c.psn_no == bindparam("psn_no"))


def person_by(conn: Connection, column: str, value: str) -> dict | None:
    row = conn.execute(select(t.persons).where(getattr(t.persons.c, column) == value)).mappings().first()
    return dict(row) if row else None


def lock_persons(conn: Connection, psn_nos: Iterable[str | None]) -> dict[str, dict]:
    """Lock person rows in ascending psn_no order, so two transactions that need the same two
    persons (a family member and the account owner, 家庭共济) never wait on each other in a
    circle, and return the rows as read after the lock. PostgreSQL row locks; SQLite's BEGIN
    IMMEDIATE already serializes every writer."""
    wanted = sorted({psn_no for psn_no in psn_nos if psn_no})
    if not wanted:
        return {}
    query = select(t.persons).where(t.persons.c.psn_no.in_(wanted)).order_by(t.persons.c.psn_no)
    if conn.dialect.name == "postgresql":
        query = query.with_for_update()
    return {row["psn_no"]: dict(row) for row in conn.execute(query).mappings()}


def lock_settling_persons(conn: Connection, psn_no: str, family_psn_no: str | None,
                          insutype: str) -> tuple[dict | None, dict | None, dict[str, dict]]:
    """A settlement's person lock in one round trip: the person and the family account owners
    named by ``family_psn_no`` (the link read with the visit, before the lock) locked in
    ascending psn_no order (docs/locking.md, rank 3), read after the lock, with the person's
    insurance of ``insutype`` and the death registry's date (``die_date``, None if absent).
    Returns (person, insurance, locked rows by psn_no)."""
    wanted = sorted({psn_no, *link_owners(family_psn_no)})
    rows = conn.execute(_LOCK_SETTLING_FOR_UPDATE if conn.dialect.name == "postgresql"
                        else _LOCK_SETTLING, {"wanted": wanted, "psn_no": psn_no, "insutype": insutype}).mappings().all()
    locked: dict[str, dict] = {}
    insurance = None
    for row in rows:
        locked[row["psn_no"]] = {c.name: row[c.name] for c in t.persons.c}
        if row["psn_no"] == psn_no:
            locked[psn_no]["die_date"] = row["death_die_date"]  # the death registry, for the in-event audit
            locked[psn_no]["family_binders"] = binders_link(row["family_binders"])
            if row["ins_psn_no"] is not None:
                insurance = {c.name: row[f"ins_{c.name}"] for c in t.insurances.c}
    return locked.get(psn_no), insurance, locked


_LOCK_SETTLING = (
    select(t.persons, *[c.label(f"ins_{c.name}") for c in t.insurances.c], t.deaths.c.die_date.label("death_die_date"),
           binders_column(t.persons.c.psn_no).label("family_binders"))
    .select_from(t.persons.outerjoin(t.insurances, and_(t.insurances.c.psn_no == t.persons.c.psn_no,
                                                        t.insurances.c.psn_no == bindparam("psn_no"),
                                                        t.insurances.c.insutype == bindparam("insutype")))
                 .outerjoin(t.deaths, t.deaths.c.certno == t.persons.c.certno))
    .where(t.persons.c.psn_no.in_(bindparam("wanted", expanding=True))).order_by(t.persons.c.psn_no)
)
_LOCK_SETTLING_FOR_UPDATE = _LOCK_SETTLING.with_for_update(of=t.persons)


def registration_facts(conn: Connection, psn_no: str, insutype: str, fixmedins_code: str,
                       ipt_otp_no: str) -> tuple[dict | None, dict | None, bool]:
    """What a registration (2201/2401) decides on, in one round trip: the person, the insurance
    of ``insutype``, and whether the institution already used the visit number."""
    row = driver_sql.first_mapping(conn, _REGISTRATION, {"psn_no": psn_no, "insutype": insutype, "code": fixmedins_code,
                                                         "number": ipt_otp_no})
    if row is None:
        return None, None, False
    person = {c.name: row[c.name] for c in t.persons.c}
    insurance = {c.name: row[f"ins_{c.name}"] for c in t.insurances.c} if row["ins_psn_no"] is not None else None
    return person, insurance, bool(row["number_taken"])


_REGISTRATION = (
    select(t.persons, *[c.label(f"ins_{c.name}") for c in t.insurances.c],
           select(t.visits.c.mdtrt_id).where(t.visits.c.fixmedins_code == bindparam("code"),
                                             t.visits.c.ipt_otp_no == bindparam("number")).exists().label("number_taken"))
    .select_from(t.persons.outerjoin(t.insurances, and_(t.insurances.c.psn_no == t.persons.c.psn_no,
                                                        t.insurances.c.insutype == bindparam("insutype"))))
    .where(t.persons.c.psn_no == bindparam("psn_no"))
)


def lock_key(conn: Connection, key: str) -> None:
    """A named lock held to the end of the transaction (docs/locking.md: clearing applications
    by institution, clearing runs by month). PostgreSQL advisory lock; SQLite writers queue."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))"), {"key": key})


def insurances_of(conn: Connection, psn_no: str) -> list[dict]:
    rows = conn.execute(select(t.insurances).where(t.insurances.c.psn_no == psn_no).order_by(t.insurances.c.insutype))
    return [dict(row) for row in rows.mappings()]


def insurance(conn: Connection, psn_no: str, insutype: str) -> dict | None:
    row = conn.execute(
        select(t.insurances).where(t.insurances.c.psn_no == psn_no, t.insurances.c.insutype == insutype)
    ).mappings().first()
    return dict(row) if row else None


# Statements of the hot path built once (SQLAlchemy then reuses their compiled form and cache key).
_AUTHENTICATION = _authentication_query()
_RECORD_SIGNED = insert(t.auth_nonces)
