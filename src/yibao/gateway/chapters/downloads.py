"""Catalogue downloads and queries: 1301–1303, 1305–1311, 1313–1315 (files fetched with 9102),
1304, 1316, 1318, 1319 (paged queries) and 1201 (institutions).

nhsa-interface §3.16 gives the download input ``data{ver}`` and the output ``file_qury_no``,
``filename``, ``dld_end_time`` and the row count (``data_cn``); the paged queries take
``page_num``/``page_size`` and answer ``data``, ``recordCounts``, ``pages`` (with ``pageNum``,
``pageSize``, ``firstPage``, ``lastPage`` as the national answers carry). Where it is silent
the national 接口规范 conventions are followed and app/catalogue_downloads.py says how. The
13xx output also names the highest ``ver`` in the file, so a HIS need not unzip it to know
its next ``ver``.

1201 ``medinsinfo{fixmedins_type, fixmedins_code, fixmedins_name}`` answers ``medinsinfo[]``
with ``fixmedins_code``, ``fixmedins_name``, ``uscc`` (not kept: empty), ``fixmedins_type`` and
``hosp_lv``; a name matches in part; at most 100 institutions.
"""

from __future__ import annotations

import math

from sqlalchemy import Connection

from yibao.app import catalogue_downloads as downloads
from yibao.app.error_codes import refusal
from yibao.app.platform import Platform
from ..readers import node, number, text
from ..registry import Request, transaction


def _download(infno: str):
    spec = downloads.DOWNLOADS[infno]

    def handler(platform: Platform, conn: Connection, request: Request) -> dict:
        data = node(request, "data", required=False)
        ver = downloads.parse_ver(text(data, "ver", "input.data", required=False))
        with request.uow as uow:
            return downloads.build_download(uow, infno, ver, fixmedins_code=request.institution["fixmedins_code"],
                                            admdvs=request.institution["admdvs"], ttl=platform.file_ttl)

    handler.__name__ = f"catalogue_download_{infno}"
    # writes: the file is stored with the request log, and a retry answers the same file_qury_no
    return transaction(infno, spec.name, writes=True)(handler)


for _infno in downloads.DOWNLOADS:
    _download(_infno)


def paging(data: dict) -> tuple[int, int]:
    page_num = int(number(data, "page_num", "input.data", required=False) or 1)
    page_size = int(number(data, "page_size", "input.data", required=False) or 100)
    if page_num < 1 or not 1 <= page_size <= 1000:
        raise refusal("INPUT_PAGE_RANGE")
    return page_num, page_size


def paged_output(rows: list[dict], total: int, page_num: int, page_size: int) -> dict:
    pages = max(1, math.ceil(total / page_size))
    return {"data": rows, "recordCounts": total, "pages": pages, "pageNum": page_num, "pageSize": page_size,
            "size": len(rows), "firstPage": page_num == 1, "lastPage": page_num >= pages}


def _day(value) -> str:
    return value.isoformat() if value else ""


def _query(request: Request, table: str, names: tuple[str, ...], **fixed: str) -> tuple[list[dict], int, int, int]:
    data = node(request, "data", required=False)
    page_num, page_size = paging(data)
    filters = {name: text(data, name, "input.data", required=False) for name in names}
    with request.uow as uow:
        total, rows = downloads.page(uow, table, {**filters, **fixed}, page_num, page_size)
    return rows, total, page_num, page_size


def _common(row: dict) -> dict:
    return {"insu_admdvs": row["insu_admdvs"], "begndate": _day(row["begndate"]), "enddate": _day(row["enddate"]),
            "vali_flag": row["vali_flag"], "rid": f"{row['insu_admdvs']}-{row['hilist_code']}-{row['begndate']:%Y%m%d}",
            "ver": str(row["ver"])}


@transaction("1304", "民族药品目录查询", writes=False)
def ethnic_drug_query(platform: Platform, conn: Connection, request: Request) -> dict:
    wanted = text(node(request, "data", required=False), "med_list_codg", "input.data", required=False)
    rows, total, page_num, page_size = _query(request, "hilist", ("vali_flag",), list_type="104",
                                              **({"hilist_code": wanted} if wanted else {}))
    return paged_output([{"med_list_codg": row["hilist_code"], "drug_genname": row["hilist_name"], **_common(row)}
                         for row in rows], total, page_num, page_size)


@transaction("1316", "医疗目录与医保目录匹配信息查询", writes=False)
def list_match_query(platform: Platform, conn: Connection, request: Request) -> dict:
    """The platform's 医疗目录 is the 医保目录 itself (a fee line's med_list_codg is looked up as
    hilist_code), so each catalogue row matches itself."""
    rows, total, page_num, page_size = _query(request, "hilist", ("hilist_code", "list_type", "insu_admdvs", "vali_flag"))
    return paged_output([{"med_list_codg": row["hilist_code"], "hilist_code": row["hilist_code"], "list_type": row["list_type"],
                          "memo": "", **_common(row)} for row in rows], total, page_num, page_size)


@transaction("1318", "医保目录限价信息查询", writes=False)
def price_ceiling_query(platform: Platform, conn: Connection, request: Request) -> dict:
    rows, total, page_num, page_size = _query(
        request, "lmtpric", ("hilist_code", "hilist_lmtpric_type", "overlmt_dspo_way", "insu_admdvs", "vali_flag"))
    return paged_output([{"hilist_code": row["hilist_code"], "hilist_lmtpric_type": row["hilist_lmtpric_type"],
                          "overlmt_dspo_way": row["overlmt_dspo_way"], "hilist_pric_uplmt_amt": row["hilist_pric_uplmt_amt"],
                          **_common(row)} for row in rows], total, page_num, page_size)


@transaction("1319", "医保目录先自付比例信息查询", writes=False)
def selfpay_query(platform: Platform, conn: Connection, request: Request) -> dict:
    rows, total, page_num, page_size = _query(
        request, "selfpay", ("hilist_code", "selfpay_prop_psn_type", "selfpay_prop_type", "insu_admdvs", "vali_flag"))
    return paged_output([{"hilist_code": row["hilist_code"], "selfpay_prop_psn_type": row["selfpay_prop_psn_type"],
                          "selfpay_prop_type": row["selfpay_prop_type"], "selfpay_prop": row["selfpay_prop"],
                          **_common(row)} for row in rows], total, page_num, page_size)


@transaction("1201", "医药机构信息获取", writes=False)
def institution_query(platform: Platform, conn: Connection, request: Request) -> dict:
    data = node(request, "medinsinfo", required=False)
    where = "input.medinsinfo"
    with request.uow as uow:
        rows = uow.catalogue_downloads.institutions(
            fixmedins_code=text(data, "fixmedins_code", where, required=False),
            fixmedins_name=text(data, "fixmedins_name", where, required=False),
            fixmedins_type=text(data, "fixmedins_type", where, required=False))
    return {"medinsinfo": [{"fixmedins_code": row["fixmedins_code"], "fixmedins_name": row["fixmedins_name"], "uscc": "",
                            "fixmedins_type": row["fixmedins_type"], "hosp_lv": row["medins_lv"]} for row in rows]}
