"""An institution's list codes mapped to national codes (医保目录对照): 3301 uploads a
mapping, 3302 revokes it, 1317 lists them, and a 2204/2301 fee line that names only its
``medins_list_codg`` is priced under the national code its active mapping gives.

A code has at most one active mapping per institution (a partial unique index backs it); a
different national code for a mapped code is refused until the mapping is revoked, so a fee
line is never priced under a code the institution did not state. A revoked mapping stays,
with its msgid and time. Locks: the named lock ``list-mapping/{fixmedins_code}/{code}``
(docs/locking.md, rank 10), then the active mapping is read again.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Protocol

from .error_codes import refusal
from .unit_of_work import UnitOfWork


class ListMappingRepository(Protocol):
    """``uow.list_mappings`` (store/repositories/list_mappings.py)."""

    def lock(self, fixmedins_code: str, medins_list_codg: str) -> None: ...

    def active(self, fixmedins_code: str, medins_list_codg: str) -> dict | None: ...

    def national_code_listed(self, admdvs: str, med_list_codg: str) -> bool:
        """Whether the code is in the catalogue of the region (or its city or province), any date."""

    def add(self, row: dict) -> None: ...

    def revoke(self, map_id: int, *, msgid: str) -> None: ...

    def national_codes(self, fixmedins_code: str, codes: set[str]) -> dict[str, dict]:
        """The active mappings of these codes (med_list_codg, begndate, enddate), by code."""

    def page(self, fixmedins_code: str, filters: dict, page_num: int, page_size: int) -> tuple[int, list[dict]]: ...


DETAIL_FIELDS = ("aprvno", "dosform", "exct_cont", "item_cont", "prcunt", "spec", "pacspec", "memo")


def upload(uow: UnitOfWork, *, fixmedins_code: str, admdvs: str, medins_list_codg: str, medins_list_name: str,
           list_type: str, med_list_codg: str, begndate: dt.date, enddate: dt.date | None, detail: dict) -> dict:
    """3301: the mapping now active for the code (the one stored, when the same mapping is
    uploaded again)."""
    if enddate is not None and enddate < begndate:
        raise refusal("MAPPING_BAD_DATES", enddate=enddate, begndate=begndate)
    if not uow.list_mappings.national_code_listed(admdvs, med_list_codg):
        raise refusal("MAPPING_UNKNOWN_CODE", med_list_codg=med_list_codg)
    uow.list_mappings.lock(fixmedins_code, medins_list_codg)
    active = uow.list_mappings.active(fixmedins_code, medins_list_codg)
    if active is not None:
        if active["med_list_codg"] == med_list_codg:
            return active
        raise refusal("MAPPING_ACTIVE", medins_list_codg=medins_list_codg, med_list_codg=active["med_list_codg"])
    row = dict(fixmedins_code=fixmedins_code, medins_list_codg=medins_list_codg, medins_list_name=medins_list_name,
               list_type=list_type, med_list_codg=med_list_codg, begndate=begndate, enddate=enddate,
               detail=json.dumps({k: v for k, v in detail.items() if v}, ensure_ascii=False, sort_keys=True),
               created_at=uow.now, created_msgid=_msgid(uow), revoked_at=None, revoked_msgid=None)
    uow.list_mappings.add(row)
    return row


def revoke(uow: UnitOfWork, *, fixmedins_code: str, medins_list_codg: str, med_list_codg: str) -> dict:
    """3302: end the active mapping of the code to ``med_list_codg``; fee lines already
    uploaded keep the national code they were priced under."""
    uow.list_mappings.lock(fixmedins_code, medins_list_codg)
    active = uow.list_mappings.active(fixmedins_code, medins_list_codg)
    if active is None or active["med_list_codg"] != med_list_codg:
        raise refusal("MAPPING_NOT_FOUND", medins_list_codg=medins_list_codg, med_list_codg=med_list_codg)
    uow.list_mappings.revoke(active["map_id"], msgid=_msgid(uow))
    return active


def national_codes_for(uow: UnitOfWork, fixmedins_code: str, lines: list[dict]) -> dict[str, str]:
    """For fee lines without a national code: medins_list_codg → med_list_codg of the mapping
    in force on each line's fee date. A line without one is refused, naming its code."""
    wanted = {line["medins_list_codg"] for line in lines}
    found = uow.list_mappings.national_codes(fixmedins_code, wanted)
    codes = {}
    for line in lines:
        code, day = line["medins_list_codg"], line["fee_ocur_time"].date()
        mapping = found.get(code)
        if mapping is None or day < mapping["begndate"] or (mapping["enddate"] is not None and day > mapping["enddate"]):
            raise refusal("MAPPING_NOT_IN_FORCE", feedetl_sn=line["feedetl_sn"], medins_list_codg=code, day=day)
        codes[code] = mapping["med_list_codg"]
    return codes


def page(uow: UnitOfWork, fixmedins_code: str, filters: dict, page_num: int, page_size: int) -> tuple[int, list[dict]]:
    """1317: the institution's mappings, active and revoked."""
    return uow.list_mappings.page(fixmedins_code, filters, page_num, page_size)


def _msgid(uow: UnitOfWork) -> str:
    return uow.actor.ref.removeprefix("msgid:")
