"""Institutions' list mappings (app/list_mapping.py), with the per-worker cache a fee upload
reads them from: keyed by the ``mappings`` version (migration 0010, bumped by trigger) that
the gateway reads with each request's authentication, so a fee upload that names only
``medins_list_codg`` costs no statement once its codes were seen, and a 3301/3302 holds on
every worker from the next request."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import bindparam, func, insert, select, update

from .. import repository as repo
from .. import tables as t

m = t.list_mappings.c
_ACTIVE = select(t.list_mappings).where(m.fixmedins_code == bindparam("code"), m.medins_list_codg == bindparam("item"),
                                        m.revoked_at.is_(None))
_ACTIVE_OF_CODES = select(m.medins_list_codg, m.med_list_codg, m.begndate, m.enddate).where(
    m.fixmedins_code == bindparam("code"), m.medins_list_codg.in_(bindparam("items", expanding=True)), m.revoked_at.is_(None))
_cache: dict[tuple, dict | None] = {}


def national_codes(conn, fixmedins_code: str, codes: set[str]) -> dict[str, dict]:
    """The active mappings of the codes, remembered per process under the request's
    ``mappings`` version (read directly, and not remembered, outside a gateway request)."""
    version = (repo.current_cache_versions.get() or {}).get("mappings")
    found, missing = {}, []
    for code in codes:
        key = (version, fixmedins_code, code)
        if version is not None and key in _cache:
            if _cache[key] is not None:
                found[code] = _cache[key]
        else:
            missing.append(code)
    if missing:
        rows = {row["medins_list_codg"]: dict(row) for row in
                conn.execute(_ACTIVE_OF_CODES, {"code": fixmedins_code, "items": sorted(missing)}).mappings()}
        if version is not None:
            if len(_cache) > 100_000:
                _cache.clear()
            for code in missing:
                _cache[(version, fixmedins_code, code)] = rows.get(code)
        found.update(rows)
    return found


class Repository:
    def __init__(self, conn, now: dt.datetime):
        self.conn, self.now = conn, now

    def lock(self, fixmedins_code: str, medins_list_codg: str) -> None:
        repo.lock_key(self.conn, f"list-mapping/{fixmedins_code}/{medins_list_codg}")

    def active(self, fixmedins_code: str, medins_list_codg: str) -> dict | None:
        row = self.conn.execute(_ACTIVE, {"code": fixmedins_code, "item": medins_list_codg}).mappings().first()
        return dict(row) if row else None

    def national_code_listed(self, admdvs: str, med_list_codg: str) -> bool:
        h = t.hilist.c
        query = select(h.hilist_code).where(h.insu_admdvs.in_(repo.region_chain(admdvs)), h.hilist_code == med_list_codg)
        return self.conn.execute(query.limit(1)).first() is not None

    def add(self, row: dict) -> None:
        self.conn.execute(insert(t.list_mappings).values(**row))

    def revoke(self, map_id: int, *, msgid: str) -> None:
        self.conn.execute(update(t.list_mappings).where(m.map_id == map_id, m.revoked_at.is_(None))
                          .values(revoked_at=self.now, revoked_msgid=msgid))

    def national_codes(self, fixmedins_code: str, codes: set[str]) -> dict[str, dict]:
        return national_codes(self.conn, fixmedins_code, codes)

    def page(self, fixmedins_code: str, filters: dict[str, Any], page_num: int, page_size: int) -> tuple[int, list[dict]]:
        conditions = [m.fixmedins_code == fixmedins_code]
        for key in ("medins_list_codg", "medins_list_name", "list_type", "med_list_codg"):
            if filters.get(key):
                conditions.append(getattr(m, key) == filters[key])
        if filters.get("vali_flag") in ("0", "1"):
            conditions.append(m.revoked_at.is_(None) if filters["vali_flag"] == "1" else m.revoked_at.is_not(None))
        total = self.conn.execute(select(func.count()).select_from(t.list_mappings).where(*conditions)).scalar_one()
        rows = self.conn.execute(select(t.list_mappings).where(*conditions).order_by(m.medins_list_codg, m.map_id)
                                 .offset((page_num - 1) * page_size).limit(page_size)).mappings()
        return int(total), [dict(row) for row in rows]
