"""Queries and inserts the use cases need; each takes an open connection (the unit of work)."""

from __future__ import annotations

import datetime as dt
from contextvars import ContextVar
from decimal import Decimal
from typing import Any, Iterable

from sqlalchemy import Connection, and_, bindparam, func, insert, literal_column, null, or_, select, text, union_all, update

from yibao.domain.case import CatalogEntry, YearToDate
from yibao.domain.money import from_fen, to_fen  # noqa: F401  (the one conversion place; callers use repo.to_fen)

from . import tables as t
from . import write_batch

def region_chain(admdvs: str) -> list[str]:
    """The region, its city and its province: catalogues and policies are often set at a
    higher level than the district that uses them (e.g. 500155 梁平区 → 500100 → 500000)."""
    chain = [admdvs, admdvs[:4] + "00", admdvs[:2] + "0000"]
    return list(dict.fromkeys(chain))


# --- institutions and sign-in ---------------------------------------------------------

def institution(conn: Connection, code: str) -> dict | None:
    row = conn.execute(select(t.institutions).where(t.institutions.c.fixmedins_code == code)).mappings().first()
    return dict(row) if row else None


def institution_and_sign_in(conn: Connection, code: str, sign_no: str) -> tuple[dict | None, bool, dict[str, int | None]]:
    """The institution, whether ``sign_no`` is one of its open sign-ins, and the cache versions
    (catalogue, policies, rules; None where the row is missing), in one round trip: every
    authenticated request asks all of them."""
    row = conn.execute(_AUTHENTICATION, {"code": code, "sign_no": sign_no}).mappings().first()
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


def person_by(conn: Connection, column: str, value: str) -> dict | None:
    row = conn.execute(select(t.persons).where(getattr(t.persons.c, column) == value)).mappings().first()
    return dict(row) if row else None


def lock_person(conn: Connection, psn_no: str) -> None:
    """Serialize account movements and settlements of one person (docs/locking.md, rank 3)."""
    lock_persons(conn, [psn_no])


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
    """A settlement's person lock in one round trip: the person and the family account owner
    named by ``family_psn_no`` (the link read with the visit, before the lock) locked in
    ascending psn_no order (docs/locking.md, rank 3), read after the lock, with the person's
    insurance of ``insutype`` and the death registry's date (``die_date``, None if absent).
    Returns (person, insurance, locked rows by psn_no)."""
    wanted = sorted({p for p in (psn_no, family_psn_no) if p})
    rows = conn.execute(_LOCK_SETTLING_FOR_UPDATE if conn.dialect.name == "postgresql"
                        else _LOCK_SETTLING, {"wanted": wanted, "psn_no": psn_no, "insutype": insutype}).mappings().all()
    locked: dict[str, dict] = {}
    insurance = None
    for row in rows:
        locked[row["psn_no"]] = {c.name: row[c.name] for c in t.persons.c}
        if row["psn_no"] == psn_no:
            locked[psn_no]["die_date"] = row["death_die_date"]  # the death registry, for the in-event audit
            if row["ins_psn_no"] is not None:
                insurance = {c.name: row[f"ins_{c.name}"] for c in t.insurances.c}
    return locked.get(psn_no), insurance, locked


_LOCK_SETTLING = (
    select(t.persons, *[c.label(f"ins_{c.name}") for c in t.insurances.c], t.deaths.c.die_date.label("death_die_date"))
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
    row = conn.execute(_REGISTRATION, {"psn_no": psn_no, "insutype": insutype, "code": fixmedins_code,
                                       "number": ipt_otp_no}).mappings().first()
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


def account_balance(conn: Connection, psn_no: str) -> Decimal:
    return account_balances(conn, [psn_no]).get(psn_no, Decimal(0)).quantize(Decimal("0.01"))


def _last_entries(conn: Connection, psn_nos: list[str]):
    return conn.execute(_LAST_ENTRIES, {"psn_nos": psn_nos}).all()


def _last_entries_query():
    e = t.account_entries
    last = (select(e.c.psn_no, func.max(e.c.seq).label("seq")).where(e.c.psn_no.in_(bindparam("psn_nos", expanding=True)))
            .group_by(e.c.psn_no).subquery())
    return select(e.c.psn_no, e.c.seq, e.c.balance_after_fen).join(last, and_(last.c.psn_no == e.c.psn_no, last.c.seq == e.c.seq))


_LAST_ENTRIES = _last_entries_query()


def account_balances(conn: Connection, psn_nos: list[str]) -> dict[str, Decimal]:
    """Balances from the last entry of each person's chain (its balance_after_fen)."""
    return {psn_no: from_fen(balance) for psn_no, (_, balance) in account_tips(conn, psn_nos).items()}


def account_tips(conn: Connection, psn_nos: list[str]) -> dict[str, tuple[int, int]]:
    """Each person's last account entry as (seq, balance_after_fen); absent = no entries yet."""
    return {psn_no: (int(seq), int(balance)) for psn_no, seq, balance in _last_entries(conn, list(psn_nos))}


def add_account_entry(conn: Connection, psn_no: str, amount: Decimal, kind: str, setl_id: str | None,
                      now: dt.datetime, *, actor: str = "", tip: tuple[int, int] | None = None) -> int:
    """Append a movement to the person's chain and return the balance after it (fen).

    ``tip``: the person's last (seq, balance_after_fen) when the caller read it under the
    person's lock in this transaction (saves a round trip). The caller holds the person's lock
    (docs/locking.md); without it, a concurrent writer makes this insert fail on
    uq_account_entries_seq rather than fork the chain, and a movement below zero fails on
    ck_account_entries_not_negative."""
    if tip is None:
        tip = account_tips(conn, [psn_no]).get(psn_no, (0, 0))
    seq, before = tip
    after = before + to_fen(amount)
    assert after >= 0, "an account movement below zero must be refused before it is written"
    row = dict(psn_no=psn_no, seq=seq + 1, prev_seq=seq or None, amount_fen=to_fen(amount), balance_before_fen=before,
               balance_after_fen=after, kind=kind, setl_id=setl_id, actor=actor[:200], created_at=now)
    if not write_batch.defer(conn, t.account_entries, [row]):
        conn.execute(_INSERT_ACCOUNT_ENTRY, row)
    return after


_INSERT_ACCOUNT_ENTRY = insert(t.account_entries)


def year_to_date(conn: Connection, psn_no: str, insutype: str, year: int) -> YearToDate:
    rows = conn.execute(_YEAR_TO_DATE, {"psn_no": psn_no, "insutype": insutype, "year": year})
    maps: dict[str, dict] = {"visits": {}, "inscp": {}, "deductible_paid": {}, "fund_paid": {}, "layer_base": {}}
    for category, key, total in rows:
        total = int(total)
        maps[category][key] = total if category == "visits" else from_fen(total)
    return YearToDate(**maps)


_YEAR_TO_DATE = (
    select(t.accumulator_entries.c.category, t.accumulator_entries.c.key, func.sum(t.accumulator_entries.c.amount))
    .where(t.accumulator_entries.c.psn_no == bindparam("psn_no"), t.accumulator_entries.c.insutype == bindparam("insutype"),
           t.accumulator_entries.c.year == bindparam("year"))
    .group_by(t.accumulator_entries.c.category, t.accumulator_entries.c.key)
)


def tips_and_year_to_date(conn: Connection, psn_nos: list[str], psn_no: str, insutype: str,
                          year: int) -> tuple[dict[str, tuple[int, int]], YearToDate]:
    """``account_tips(psn_nos)`` and ``year_to_date(psn_no, insutype, year)`` in one round trip
    (a settlement reads both under the persons' locks)."""
    tips: dict[str, tuple[int, int]] = {}
    maps: dict[str, dict] = {"visits": {}, "inscp": {}, "deductible_paid": {}, "fund_paid": {}, "layer_base": {}}
    rows = conn.execute(_TIPS_AND_YEAR_TO_DATE, {"psn_nos": list(psn_nos), "psn_no": psn_no, "insutype": insutype,
                                                 "year": year})
    for kind, first, second, number, balance in rows:
        if kind == "tip":
            tips[first] = (int(number), int(balance))
        else:
            maps[first][second] = int(number) if first == "visits" else from_fen(int(number))
    return tips, YearToDate(**maps)


def _tips_and_year_to_date_query():
    e, a = t.account_entries, t.accumulator_entries
    last = (select(e.c.psn_no, func.max(e.c.seq).label("seq")).where(e.c.psn_no.in_(bindparam("psn_nos", expanding=True)))
            .group_by(e.c.psn_no).subquery())
    tips = (select(literal_column("'tip'").label("kind"), e.c.psn_no.label("first"), literal_column("''").label("second"),
                   e.c.seq.label("number"), e.c.balance_after_fen.label("balance"))
            .join(last, and_(last.c.psn_no == e.c.psn_no, last.c.seq == e.c.seq)))
    ytd = (select(literal_column("'ytd'"), a.c.category, a.c.key, func.sum(a.c.amount), literal_column("0"))
           .where(a.c.psn_no == bindparam("psn_no"), a.c.insutype == bindparam("insutype"), a.c.year == bindparam("year"))
           .group_by(a.c.category, a.c.key))
    return union_all(tips, ytd)


_TIPS_AND_YEAR_TO_DATE = _tips_and_year_to_date_query()


def add_accumulator_delta(
    conn: Connection, psn_no: str, insutype: str, year: int, delta: YearToDate, setl_id: str, sign: int = 1
) -> None:
    rows = []
    for category, values in delta.as_dict().items():
        for key, value in values.items():
            amount = int(value) if category == "visits" else to_fen(value)
            if amount:
                rows.append(dict(psn_no=psn_no, insutype=insutype, year=year, category=category,
                                 key=key, amount=sign * amount, setl_id=setl_id))
    if rows and not write_batch.defer(conn, t.accumulator_entries, rows):
        conn.execute(insert(t.accumulator_entries), rows)


# --- policies and catalogues ---------------------------------------------------------------

def policy_row(conn: Connection, admdvs: str, insutype: str, day: dt.date) -> dict | None:
    """The policy in force on ``day`` for the region (or its city, or its province): the nearest
    region's latest document wins. Remembered per process while the policies' version (bumped
    by the database on any change, migration 0008) stays the one the request read."""
    version = (current_cache_versions.get() or {}).get("policies")
    key = (version, admdvs, insutype, day)
    if version is not None and key in _policy_cache:
        return _policy_cache[key]
    chain = region_chain(admdvs)
    rows = conn.execute(_POLICIES_IN_FORCE, {"chain": chain, "insutype": insutype, "day": day}).mappings().all()
    found = next((dict(row) for region in chain for row in rows if row["admdvs"] == region), None)
    if version is not None:
        if len(_policy_cache) > 10_000:
            _policy_cache.clear()
        _policy_cache[key] = found
    return found


_POLICIES_IN_FORCE = (select(t.policies).where(
    t.policies.c.admdvs.in_(bindparam("chain", expanding=True)), t.policies.c.insutype == bindparam("insutype"),
    t.policies.c.valid_from <= bindparam("day")).order_by(t.policies.c.valid_from.desc()))
_policy_cache: dict[tuple, dict | None] = {}


def _valid_on(table, day: dt.date):
    return and_(
        table.c.begndate <= day,
        or_(table.c.enddate.is_(None), table.c.enddate >= day),
        table.c.vali_flag == "1",
    )


# The cache versions of the request in progress, read with its authentication by the gateway's
# dispatcher; None outside a gateway request (the catalogue's is then read here, and policies
# are not cached). The key includes the version, so a thread still serving an older version
# never hands its entries to a request of the new one.
CACHED = ("catalogue", "policies", "rules", "sanctions")
current_cache_versions: ContextVar[dict | None] = ContextVar("current_cache_versions", default=None)
current_catalogue_version: ContextVar[int | None] = ContextVar("current_catalogue_version", default=None)
_catalog_cache: dict[tuple, CatalogEntry | None] = {}
_catalog_cache_version: list[int | None] = [None]  # the version the cached entries belong to


def _version_query(name: str):
    return select(t.cache_versions.c.version).where(t.cache_versions.c.name == name)


def catalogue_version(conn: Connection) -> int:
    """The catalogue's version; 0 before the first import (a schema made without migration 0007's seed row)."""
    return int(conn.execute(_version_query("catalogue")).scalar_one_or_none() or 0)


def bump_catalogue_version(conn: Connection) -> None:
    """Called by every catalogue import in its own transaction: cached entries of every worker
    stop being used when it commits."""
    bumped = conn.execute(update(t.cache_versions).where(t.cache_versions.c.name == "catalogue")
                          .values(version=t.cache_versions.c.version + 1))
    if bumped.rowcount == 0:
        conn.execute(insert(t.cache_versions).values(name="catalogue", version=1))


def catalog_entries(conn: Connection, admdvs: str, codes: Iterable[str], day: dt.date) -> dict[str, CatalogEntry]:
    """Catalogue entries valid on ``day`` for the treatment region, remembered per process for
    as long as the catalogue's version stays the same (a visit's lines are classified at upload
    and again at settlement; catalogues change only by import, which bumps the version)."""
    version = current_catalogue_version.get()
    if version is None:
        version = catalogue_version(conn)
    if _catalog_cache_version[0] != version or len(_catalog_cache) > 100_000:
        _catalog_cache.clear()
        _catalog_cache_version[0] = version
    found: dict[str, CatalogEntry] = {}
    missing = []
    # The version is in the key too: a thread still serving an older version cannot put its
    # entries where a request of the new version would find them.
    for code in set(codes):
        key = (version, admdvs, day, code)
        if key in _catalog_cache:
            if _catalog_cache[key] is not None:
                found[code] = _catalog_cache[key]
        else:
            missing.append(code)
    if missing:
        fresh = load_catalog_entries(conn, admdvs, missing, day)
        for code in missing:
            _catalog_cache[(version, admdvs, day, code)] = fresh.get(code)
        found.update(fresh)
    return found


def load_catalog_entries(conn: Connection, admdvs: str, codes: Iterable[str], day: dt.date) -> dict[str, CatalogEntry]:
    """Catalogue entries (hilist ⋈ lmtpric ⋈ selfpay) valid on ``day`` for the treatment region,
    in one query over the region chain; the nearest region that lists a code wins."""
    wanted = sorted(set(codes))
    if not wanted:
        return {}
    chain = region_chain(admdvs)
    rows = conn.execute(_CATALOGUE_ENTRIES, {"chain": chain, "codes": wanted, "day": day}).all()
    rank = {region: index for index, region in enumerate(chain)}
    best: dict[str, tuple] = {}
    for row in rows:
        key = (rank[row[0]], row[6] or "")  # nearest region; a person-type-specific ratio row last
        if row[1] not in best or key < best[row[1]][0]:
            best[row[1]] = (key, row)
    found: dict[str, CatalogEntry] = {}
    for code, (_, row) in best.items():
        found[code] = CatalogEntry(
            code=code, name=row[2], chrgitm_lv=row[3],
            selfpay_prop=Decimal(row[5]) if row[5] is not None else Decimal(0),
            pric_uplmt_amt=Decimal(row[4]) if row[4] is not None else None,
        )
    return found


def _catalogue_entries_query():
    h, l, s = t.hilist, t.lmtpric, t.selfpay
    day = bindparam("day")
    return (
        select(h.c.insu_admdvs, h.c.hilist_code, h.c.hilist_name, h.c.chrgitm_lv, l.c.hilist_pric_uplmt_amt,
               s.c.selfpay_prop, s.c.selfpay_prop_psn_type)
        .select_from(
            h.outerjoin(l, and_(l.c.hilist_code == h.c.hilist_code, l.c.insu_admdvs == h.c.insu_admdvs, _valid_on(l, day)))
            .outerjoin(s, and_(s.c.hilist_code == h.c.hilist_code, s.c.insu_admdvs == h.c.insu_admdvs, _valid_on(s, day)))
        )
        .where(h.c.insu_admdvs.in_(bindparam("chain", expanding=True)), h.c.hilist_code.in_(bindparam("codes", expanding=True)),
               _valid_on(h, day))
    )


_CATALOGUE_ENTRIES = _catalogue_entries_query()


def catalog_page(conn: Connection, filters: dict[str, Any], page_num: int, page_size: int) -> tuple[int, list[dict]]:
    conditions = [getattr(t.hilist.c, key) == value for key, value in filters.items() if value not in (None, "")]
    total = conn.execute(select(func.count()).select_from(t.hilist).where(*conditions)).scalar_one()
    rows = conn.execute(
        select(t.hilist).where(*conditions)
        .order_by(t.hilist.c.insu_admdvs, t.hilist.c.hilist_code, t.hilist.c.begndate)
        .offset((page_num - 1) * page_size).limit(page_size)
    ).mappings()
    return int(total), [dict(row) for row in rows]


# --- sanctions (fund supervision at the counter) ---------------------------------------------

def sanctions_in_force(conn: Connection, day: dt.date) -> dict[tuple[str, str], dict]:
    """Every sanction in force on ``day`` (not lifted, begun, not ended), by (subject_type,
    subject_id): a few hundred rows at most, remembered per process while the sanctions'
    version read with the request's authentication is unchanged (migration 0008), so a new
    suspension holds on every worker from the next request."""
    version = (current_cache_versions.get() or {}).get("sanctions")
    key = (version, day)
    if version is not None and key in _sanction_cache:
        return _sanction_cache[key]
    rows = conn.execute(_SANCTIONS_IN_FORCE, {"day": day}).mappings()
    found = {(row["subject_type"], row["subject_id"]): dict(row) for row in rows}
    if version is not None:
        if len(_sanction_cache) > 1_000:
            _sanction_cache.clear()
        _sanction_cache[key] = found
    return found


_SANCTIONS_IN_FORCE = select(t.sanctions).where(
    t.sanctions.c.lifted_at.is_(None), t.sanctions.c.begndate <= bindparam("day"),
    or_(t.sanctions.c.enddate.is_(None), t.sanctions.c.enddate >= bindparam("day"))).order_by(t.sanctions.c.sanction_id)
_sanction_cache: dict[tuple, dict] = {}


# --- visits and fee lines --------------------------------------------------------------------

def visit(conn: Connection, mdtrt_id: str) -> dict | None:
    row = conn.execute(_VISIT, {"mdtrt_id": mdtrt_id}).mappings().first()
    return dict(row) if row else None


def lock_visit(conn: Connection, mdtrt_id: str) -> dict | None:
    """The visit row, locked for the rest of the transaction and read after the lock
    (docs/locking.md, rank 2): every state change of a visit takes it first."""
    query = _LOCK_VISIT if conn.dialect.name == "postgresql" else _VISIT
    row = conn.execute(query, {"mdtrt_id": mdtrt_id}).mappings().first()
    return dict(row) if row else None


_VISIT = select(t.visits).where(t.visits.c.mdtrt_id == bindparam("mdtrt_id"))
_LOCK_VISIT = _VISIT.with_for_update()


def lock_visit_and_family_link(conn: Connection, mdtrt_id: str) -> tuple[dict | None, str | None]:
    """``lock_visit``, and the family account owner linked to the visit's person as read in the
    same round trip (before the person's lock: the settlement checks it again under that lock)."""
    query = _LOCK_VISIT_AND_FAMILY if conn.dialect.name == "postgresql" else _VISIT_AND_FAMILY
    row = conn.execute(query, {"mdtrt_id": mdtrt_id}).mappings().first()
    if row is None:
        return None, None
    visit = dict(row)
    return visit, visit.pop("person_family_psn_no")


_VISIT_AND_FAMILY = (
    select(t.visits, t.persons.c.family_psn_no.label("person_family_psn_no"))
    .select_from(t.visits.outerjoin(t.persons, t.persons.c.psn_no == t.visits.c.psn_no))
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


# --- settlements -----------------------------------------------------------------------------

SETLINFO_AMOUNTS = (
    "medfee_sumamt", "fulamt_ownpay_amt", "overlmt_selfpay", "preselfpay_amt", "inscp_scp_amt",
    "act_pay_dedc", "hifp_pay", "cvlserv_pay", "hifes_pay", "hifmi_pay", "hifob_pay", "maf_pay",
    "oth_pay", "fund_pay_sumamt", "psn_part_amt", "acct_pay", "acct_mulaid_pay", "psn_cash_pay",
    "hosp_part_amt", "balc",
)  # fmt: skip


def settlement(conn: Connection, setl_id: str) -> dict | None:
    row = conn.execute(select(t.settlements).where(t.settlements.c.setl_id == setl_id)).mappings().first()
    return dict(row) if row else None


def settlement_by_msgid(conn: Connection, fixmedins_code: str, msgid: str) -> dict | None:
    row = conn.execute(
        select(t.settlements).where(
            t.settlements.c.fixmedins_code == fixmedins_code,
            t.settlements.c.medins_setl_id == msgid,
            t.settlements.c.kind == "settlement",
        )
    ).mappings().first()
    return dict(row) if row else None


def active_settlement(conn: Connection, mdtrt_id: str) -> dict | None:
    """The visit's settlement that has not been reversed, if any."""
    return settlement_chain(conn, mdtrt_id)[0]


def settlement_chain(conn: Connection, mdtrt_id: str) -> tuple[dict | None, str | None]:
    """From one indexed query over the visit's rows (a reversal carries its visit's mdtrt_id):
    the active (unreversed) settlement's chain columns (setl_id, kind, reverses_setl_id,
    follows_reversal_id), and what a new settlement would follow — the reversal no settlement
    follows yet (None for a first settlement; docs/locking.md)."""
    return _chain(mdtrt_id, conn.execute(_SETTLEMENTS_OF_VISIT, {"mdtrt_id": mdtrt_id}).mappings().all())


def settlement_chain_and_line_numbers(conn: Connection, mdtrt_id: str) -> tuple[dict | None, str | None, set[str]]:
    """``settlement_chain`` and the feedetl_sn of every fee line stored for the visit, in one
    round trip (a fee upload refuses a settled visit and a line number already used). The
    active settlement comes back as its chain columns only."""
    rows = conn.execute(_CHAIN_AND_LINE_NUMBERS, {"mdtrt_id": mdtrt_id}).mappings().all()
    numbers = {row["setl_id"] for row in rows if row["part"] == "line"}
    active, follows = _chain(mdtrt_id, [row for row in rows if row["part"] == "settlement"])
    return active, follows, numbers


def fee_lines_and_chain(conn: Connection, mdtrt_id: str) -> tuple[list[dict], bool, str | None] | None:
    """The visit's uploaded fee lines, whether it has an active settlement and the reversal a
    new settlement would follow, in one round trip (a settlement reads both after locking the
    visit; this statement comes after the lock's, so it sees what committed before). None when
    the visit has no uploaded line (then ``settlement_chain`` answers alone)."""
    rows = conn.execute(_FEE_LINES_AND_CHAIN, {"mdtrt_id": mdtrt_id, "status": "uploaded"}).mappings().all()
    if not rows:
        return None
    first = rows[0]
    assert first["chain_open_reversals"] <= 1, f"visit {mdtrt_id}: settlement chain forks"
    lines = [{c.name: row[c.name] for c in t.fee_lines.c} for row in rows]
    return lines, bool(first["chain_active"]), first["chain_open_reversal"]


def _fee_lines_and_chain_query():
    s, r, f = t.settlements.alias("s"), t.settlements.alias("r"), t.settlements.alias("f")
    mdtrt_id = bindparam("mdtrt_id")
    active = (select(s.c.setl_id).where(s.c.mdtrt_id == mdtrt_id, s.c.kind == "settlement",
                                        ~select(r.c.setl_id).where(r.c.reverses_setl_id == s.c.setl_id).exists())
              .exists().label("chain_active"))
    open_reversals = select(r.c.setl_id).where(r.c.mdtrt_id == mdtrt_id, r.c.kind == "reversal",
                                               ~select(f.c.setl_id).where(f.c.follows_reversal_id == r.c.setl_id).exists())
    subquery = open_reversals.subquery()
    return (select(t.fee_lines, active,
                   select(func.max(subquery.c.setl_id)).scalar_subquery().label("chain_open_reversal"),
                   select(func.count()).select_from(subquery).scalar_subquery().label("chain_open_reversals"))
            .where(t.fee_lines.c.mdtrt_id == mdtrt_id, t.fee_lines.c.status == bindparam("status"))
            .order_by(t.fee_lines.c.feedetl_sn))


_FEE_LINES_AND_CHAIN = _fee_lines_and_chain_query()


def _chain(mdtrt_id: str, rows) -> tuple[dict | None, str | None]:
    reversed_ids = {row["reverses_setl_id"] for row in rows if row["kind"] == "reversal"}
    followed = {row["follows_reversal_id"] for row in rows if row["kind"] == "settlement"}
    active = [dict(row) for row in rows if row["kind"] == "settlement" and row["setl_id"] not in reversed_ids]
    open_reversals = [row["setl_id"] for row in rows if row["kind"] == "reversal" and row["setl_id"] not in followed]
    assert len(open_reversals) <= 1, f"visit {mdtrt_id}: settlement chain forks"
    return (active[0] if active else None), (open_reversals[0] if open_reversals else None)


# the chain's columns only: every caller asks whether a settlement is active and what a new one follows
_SETTLEMENTS_OF_VISIT = select(t.settlements.c.setl_id, t.settlements.c.kind, t.settlements.c.reverses_setl_id,
                               t.settlements.c.follows_reversal_id).where(t.settlements.c.mdtrt_id == bindparam("mdtrt_id"))
_CHAIN_AND_LINE_NUMBERS = union_all(
    select(literal_column("'settlement'").label("part"), t.settlements.c.setl_id, t.settlements.c.kind,
           t.settlements.c.reverses_setl_id, t.settlements.c.follows_reversal_id)
    .where(t.settlements.c.mdtrt_id == bindparam("mdtrt_id")),
    select(literal_column("'line'"), t.fee_lines.c.feedetl_sn, literal_column("''"), null(), null())
    .where(t.fee_lines.c.mdtrt_id == bindparam("mdtrt_id")),
)


def reversal_of(conn: Connection, setl_id: str) -> dict | None:
    row = conn.execute(select(t.settlements).where(t.settlements.c.reverses_setl_id == setl_id)).mappings().first()
    return dict(row) if row else None


def insert_settlement(conn: Connection, row: dict) -> None:
    if not write_batch.defer(conn, t.settlements, [row]):
        conn.execute(_INSERT_SETTLEMENT, row)


_INSERT_SETTLEMENT = insert(t.settlements)


# --- request log -------------------------------------------------------------------------------

def lock_msgid(conn: Connection, fixmedins_code: str, msgid: str) -> None:
    """Serialize requests with the same msgid (PostgreSQL advisory lock, released at commit), so a
    concurrent retry waits for the first attempt and then finds its stored answer. SQLite's
    BEGIN IMMEDIATE already serializes writers."""
    lock_key(conn, f"msgid/{fixmedins_code}/{msgid}")


def logged_request(conn: Connection, fixmedins_code: str, msgid: str) -> dict | None:
    row = conn.execute(
        select(t.request_log).where(t.request_log.c.fixmedins_code == fixmedins_code, t.request_log.c.msgid == msgid)
    ).mappings().first()
    return dict(row) if row else None


def log_request(
    conn: Connection, fixmedins_code: str, msgid: str, infno: str, request_sha256: str, now: dt.datetime, output_json: str
) -> None:
    row = dict(fixmedins_code=fixmedins_code, msgid=msgid, infno=infno, request_sha256=request_sha256, received_at=now,
               infcode=0, output=output_json, err_msg="")
    if not write_batch.defer(conn, t.request_log, [row]):
        conn.execute(_LOG_REQUEST, row)


_LOG_REQUEST = insert(t.request_log)


# Statements of the hot path built once (SQLAlchemy then reuses their compiled form and cache key).
_AUTHENTICATION = _authentication_query()
