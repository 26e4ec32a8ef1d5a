"""Policies, catalogue entries and sanctions in force, with the per-worker caches that keep them
under the versions the database bumps (migrations 0007, 0008) and the gateway reads with
each request's authentication."""

from __future__ import annotations

import datetime as dt
from contextvars import ContextVar
from decimal import Decimal
from typing import Any, Iterable

from sqlalchemy import Connection, and_, bindparam, func, insert, or_, select, update

from yibao.domain.agreements import coverage, fold
from yibao.domain.case import CatalogEntry

from .. import tables as t


def region_chain(admdvs: str) -> list[str]:
    """The region, its city and its province: catalogues and policies are often set at a
    higher level than the district that uses them (e.g. 500155 梁平区 → 500100 → 500000)."""
    chain = [admdvs, admdvs[:4] + "00", admdvs[:2] + "0000"]
    return list(dict.fromkeys(chain))


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
CACHED = ("catalogue", "policies", "rules", "sanctions", "mappings", "agreements")
current_cache_versions: ContextVar[dict | None] = ContextVar("current_cache_versions", default=None)
_catalog_cache_version: list[int | None] = [None]  # the version the cached entries belong to


def _version_query(name: str):
    return select(t.cache_versions.c.version).where(t.cache_versions.c.name == name)


def catalogue_version(conn: Connection) -> int:
    """The catalogue's version; 0 before the first import (a schema made without migration 0007's seed row)."""
    return int(conn.execute(_version_query("catalogue")).scalar_one_or_none() or 0)


def bump_catalogue_version(conn: Connection) -> int:
    """Called by every catalogue import in its own transaction: cached entries of every worker
    stop being used when it commits. The new version, which the import writes on its rows
    (13xx downloads answer rows by it); on PostgreSQL the bumped row stays locked until the
    import commits, so versions become visible in the order they were given."""
    bumped = conn.execute(update(t.cache_versions).where(t.cache_versions.c.name == "catalogue")
                          .values(version=t.cache_versions.c.version + 1))
    if bumped.rowcount == 0:
        conn.execute(insert(t.cache_versions).values(name="catalogue", version=1))
    return catalogue_version(conn)


def catalog_entries(conn: Connection, admdvs: str, codes: Iterable[str], day: dt.date) -> dict[str, CatalogEntry]:
    """Catalogue entries valid on ``day`` for the treatment region, from the worker's copy of the
    region's whole catalogue (its region chain's hilist, lmtpric and selfpay rows, every
    validity period), read once per catalogue version: catalogues change only by import, which
    bumps the version (migration 0007), so a fee upload or a settlement reads none of it in the
    steady state. A region whose catalogue is too large to keep falls back to reading the codes
    it needs (``load_catalog_entries``, the same answer)."""
    version = (current_cache_versions.get() or {}).get("catalogue")
    if version is None:
        version = catalogue_version(conn)
    if _catalog_cache_version[0] != version:
        _region_catalogues.clear()
        _catalog_cache_version[0] = version
    # The version is in the key too: a thread still serving an older version cannot put its
    # copy where a request of the new version would find it.
    region = _region_catalogues.get((version, admdvs))
    if region is None:
        region = _region_catalogues[(version, admdvs)] = RegionCatalogue.load(conn, admdvs)
    if region is RegionCatalogue.TOO_LARGE:
        return load_catalog_entries(conn, admdvs, codes, day)
    return region.entries(codes, day)


class RegionCatalogue:
    """One treatment region's catalogue as the database holds it (its region chain's rows with
    their validity periods), answering what ``load_catalog_entries`` answers for any day."""

    TOO_LARGE: "RegionCatalogue"
    MAX_ROWS = 300_000  # per table: a province's catalogues are tens of thousands of rows

    def __init__(self, chain: list[str], hilist: dict, lmtpric: dict, selfpay: dict):
        self.rank = {region: index for index, region in enumerate(chain)}
        self.hilist, self.lmtpric, self.selfpay = hilist, lmtpric, selfpay
        self.memo: dict[tuple[str, dt.date], CatalogEntry | None] = {}

    @classmethod
    def load(cls, conn: Connection, admdvs: str) -> "RegionCatalogue":
        chain = region_chain(admdvs)
        tables = []
        for query in (_REGION_HILIST, _REGION_LMTPRIC, _REGION_SELFPAY):
            rows = conn.execute(query, {"chain": chain, "limit": cls.MAX_ROWS + 1}).all()
            if len(rows) > cls.MAX_ROWS:
                return cls.TOO_LARGE
            by_code: dict[str, list[tuple]] = {}
            for row in rows:
                by_code.setdefault(row[1], []).append(tuple(row))
            tables.append(by_code)
        return cls(chain, *tables)

    def entries(self, codes: Iterable[str], day: dt.date) -> dict[str, CatalogEntry]:
        found = {}
        for code in codes:
            key = (code, day)
            if key not in self.memo:
                if len(self.memo) > 200_000:
                    self.memo.clear()
                self.memo[key] = self._entry(code, day)
            if self.memo[key] is not None:
                found[code] = self.memo[key]
        return found

    def _entry(self, code: str, day: dt.date) -> CatalogEntry | None:
        """``load_catalog_entries``'s join, in memory: each hilist row valid on ``day`` with the
        same region's lmtpric and selfpay rows valid on it; the nearest region wins, and within
        it a ratio row for every person type before a person-type-specific one."""
        best = None
        for region, _, name, chrgitm_lv, begndate, enddate in self.hilist.get(code, ()):
            if not _covers(begndate, enddate, day):
                continue
            limits = [row[2] for row in self.lmtpric.get(code, ()) if row[0] == region and _covers(row[3], row[4], day)]
            ratios = [(row[2], row[3]) for row in self.selfpay.get(code, ()) if row[0] == region and _covers(row[4], row[5], day)]
            for limit in limits or [None]:
                for prop, psn_type in ratios or [(None, None)]:
                    key = (self.rank[region], psn_type or "")
                    if best is None or key < best[0]:
                        best = (key, name, chrgitm_lv, limit, prop)
        if best is None:
            return None
        _, name, chrgitm_lv, limit, prop = best
        return CatalogEntry(code=code, name=name, chrgitm_lv=chrgitm_lv,
                            selfpay_prop=Decimal(prop) if prop is not None else Decimal(0),
                            pric_uplmt_amt=Decimal(limit) if limit is not None else None)


RegionCatalogue.TOO_LARGE = RegionCatalogue([], {}, {}, {})
_region_catalogues: dict[tuple, RegionCatalogue] = {}


def _covers(begndate: dt.date, enddate: dt.date | None, day: dt.date) -> bool:
    return begndate <= day and (enddate is None or enddate >= day)


def _region_rows(table, *columns):
    return (select(table.c.insu_admdvs, table.c.hilist_code, *columns)
            .where(table.c.insu_admdvs.in_(bindparam("chain", expanding=True)), table.c.vali_flag == "1")
            .limit(bindparam("limit")))


_REGION_HILIST = _region_rows(t.hilist, t.hilist.c.hilist_name, t.hilist.c.chrgitm_lv, t.hilist.c.begndate, t.hilist.c.enddate)
_REGION_LMTPRIC = _region_rows(t.lmtpric, t.lmtpric.c.hilist_pric_uplmt_amt, t.lmtpric.c.begndate, t.lmtpric.c.enddate)
_REGION_SELFPAY = _region_rows(t.selfpay, t.selfpay.c.selfpay_prop, t.selfpay.c.selfpay_prop_psn_type,
                               t.selfpay.c.begndate, t.selfpay.c.enddate)


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
    h, lp, s = t.hilist, t.lmtpric, t.selfpay
    day = bindparam("day")
    return (
        select(h.c.insu_admdvs, h.c.hilist_code, h.c.hilist_name, h.c.chrgitm_lv, lp.c.hilist_pric_uplmt_amt,
               s.c.selfpay_prop, s.c.selfpay_prop_psn_type)
        .select_from(
            h.outerjoin(lp, and_(lp.c.hilist_code == h.c.hilist_code, lp.c.insu_admdvs == h.c.insu_admdvs, _valid_on(lp, day)))
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


# --- agreements (协议管理 at the counter, migration 0014) ----------------------------------------

def agreements_now(conn: Connection) -> dict:
    """Every agreement folded from its records (domain/agreements.py), remembered per process
    while the ``agreements`` version read with the request's authentication is unchanged: the
    triggers of migration 0014 bump it on every new record, so a suspension holds on every
    worker from the next request, and the steady state reads nothing."""
    version = (current_cache_versions.get() or {}).get("agreements")
    if version is not None and _agreement_cache.get("version") == version:
        return _agreement_cache["agreements"]
    agreements = fold(dict(row) for row in conn.execute(_AGREEMENT_RECORDS).mappings())
    if version is not None:
        _agreement_cache.clear()
        _agreement_cache.update(version=version, agreements=agreements)
        _coverage_cache.clear()
    return agreements


def agreement_coverage(conn: Connection, fixmedins_code: str, day: dt.date) -> frozenset[str]:
    """The services the institution's agreements in force on ``day`` cover (memoised with the copy)."""
    agreements = agreements_now(conn)
    version = (current_cache_versions.get() or {}).get("agreements")
    key = (version, fixmedins_code, day)
    if version is not None and key in _coverage_cache:
        return _coverage_cache[key]
    found = coverage(agreements, fixmedins_code, day)
    if version is not None:
        if len(_coverage_cache) > 100_000:
            _coverage_cache.clear()
        _coverage_cache[key] = found
    return found


_AGREEMENT_RECORDS = select(t.agreement_records).order_by(t.agreement_records.c.record_id)
_agreement_cache: dict = {}
_coverage_cache: dict[tuple, frozenset[str]] = {}
