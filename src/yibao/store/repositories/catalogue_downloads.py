"""Catalogue rows for the 13xx downloads and paged queries (app/catalogue_downloads.py), and
the institution directory of 1201."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, select

from .. import repository as repo
from .. import tables as t

TABLES = {"hilist": t.hilist, "lmtpric": t.lmtpric, "selfpay": t.selfpay}


class Repository:
    def __init__(self, conn, now: dt.datetime):
        self.conn, self.now = conn, now

    def hilist_after(self, admdvs: str, list_type: str, ver: int) -> list[dict]:
        h = t.hilist.c
        query = (select(t.hilist).where(h.insu_admdvs.in_(repo.region_chain(admdvs)), h.list_type == list_type, h.ver > ver)
                 .order_by(h.ver, h.insu_admdvs, h.hilist_code, h.begndate))
        return [dict(row) for row in self.conn.execute(query).mappings()]

    def page(self, table: str, filters: dict[str, Any], page_num: int, page_size: int) -> tuple[int, list[dict]]:
        source = TABLES[table]
        conditions = [getattr(source.c, key) == value for key, value in filters.items() if value not in (None, "")]
        total = self.conn.execute(select(func.count()).select_from(source).where(*conditions)).scalar_one()
        order = [source.c.insu_admdvs, source.c.hilist_code, source.c.begndate]
        rows = self.conn.execute(select(source).where(*conditions).order_by(*order)
                                 .offset((page_num - 1) * page_size).limit(page_size)).mappings()
        return int(total), [dict(row) for row in rows]

    def institutions(self, *, fixmedins_code: str = "", fixmedins_name: str = "", fixmedins_type: str = "",
                     limit: int = 100) -> list[dict]:
        """1201: institutions by code, part of the name and type (no credentials)."""
        i = t.institutions.c
        query = select(i.fixmedins_code, i.fixmedins_name, i.fixmedins_type, i.medins_lv, i.admdvs)
        if fixmedins_code:
            query = query.where(i.fixmedins_code == fixmedins_code)
        if fixmedins_name:
            escaped = fixmedins_name.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            query = query.where(i.fixmedins_name.like(f"%{escaped}%", escape="\\"))
        if fixmedins_type:
            query = query.where(i.fixmedins_type == fixmedins_type)
        return [dict(row) for row in self.conn.execute(query.order_by(i.fixmedins_code).limit(limit)).mappings()]
