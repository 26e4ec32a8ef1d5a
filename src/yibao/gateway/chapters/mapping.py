"""The institution's list mapping (医保目录对照): 3301 upload, 3302 revoke, 1317 query (the
national code of a fee line sent with ``medins_list_codg`` only is filled in app/fees.py).

3301 ``data{fixmedins_hilist_id, fixmedins_hilist_name, list_type, med_list_codg, begndate,
enddate, aprvno, dosform, exct_cont, item_cont, prcunt, spec, pacspec, memo}``; 3302
``data{fixmedins_code, fixmedins_hilist_id, list_type, med_list_codg}``; neither answers an
output node (national convention for uploads: ``output`` empty). 1317 pages the mappings with
the national names (``medins_list_codg``, ``medins_list_name``, ``med_list_codg``, …,
``vali_flag`` 0 for a revoked one). nhsa-interface.md lists these transactions (§2.4) but not
their fields; these are the national 接口规范 field names.
"""

from __future__ import annotations

import json

from sqlalchemy import Connection

from yibao.app import list_mapping
from yibao.app.error_codes import refusal
from yibao.app.platform import Platform
from ..readers import moment, node, text
from ..registry import Request, transaction
from .downloads import paged_output, paging


@transaction("3301", "目录对照上传", writes=True)
def mapping_upload(platform: Platform, conn: Connection, request: Request) -> dict:
    where = "input.data"
    data = node(request, "data")
    _own_institution(data, where, request)
    end = moment(data, "enddate", where, required=False)
    with request.uow as uow:
        list_mapping.upload(
            uow, fixmedins_code=request.institution["fixmedins_code"], admdvs=request.institution["admdvs"],
            medins_list_codg=text(data, "fixmedins_hilist_id", where),
            medins_list_name=text(data, "fixmedins_hilist_name", where),
            list_type=text(data, "list_type", where), med_list_codg=text(data, "med_list_codg", where),
            begndate=moment(data, "begndate", where).date(), enddate=end.date() if end else None,
            detail={name: text(data, name, where, required=False) for name in list_mapping.DETAIL_FIELDS})
    return {}


@transaction("3302", "目录对照撤销", writes=True)
def mapping_revoke(platform: Platform, conn: Connection, request: Request) -> dict:
    where = "input.data"
    data = node(request, "data")
    _own_institution(data, where, request)
    text(data, "list_type", where, required=False)
    with request.uow as uow:
        list_mapping.revoke(uow, fixmedins_code=request.institution["fixmedins_code"],
                            medins_list_codg=text(data, "fixmedins_hilist_id", where),
                            med_list_codg=text(data, "med_list_codg", where))
    return {}


@transaction("1317", "医药机构目录匹配信息查询", writes=False)
def mapping_query(platform: Platform, conn: Connection, request: Request) -> dict:
    data = node(request, "data", required=False)
    where = "input.data"
    page_num, page_size = paging(data)
    filters = {name: text(data, name, where, required=False)
               for name in ("medins_list_codg", "medins_list_name", "list_type", "med_list_codg", "vali_flag")}
    with request.uow as uow:
        total, rows = list_mapping.page(uow, request.institution["fixmedins_code"], filters, page_num, page_size)
    return paged_output([_mapping_row(row, request.institution["admdvs"]) for row in rows], total, page_num, page_size)


def _mapping_row(row: dict, admdvs: str) -> dict:
    detail = json.loads(row["detail"] or "{}")
    return {
        "fixmedins_code": row["fixmedins_code"], "medins_list_codg": row["medins_list_codg"],
        "medins_list_name": row["medins_list_name"], "insu_admdvs": admdvs, "list_type": row["list_type"],
        "med_list_codg": row["med_list_codg"], "begndate": row["begndate"].isoformat(),
        "enddate": row["enddate"].isoformat() if row["enddate"] else "",
        **{name: detail.get(name, "") for name in list_mapping.DETAIL_FIELDS},
        "vali_flag": "1" if row["revoked_at"] is None else "0", "rid": f"MAP{row['map_id']}",
        "crte_time": f"{row['created_at']:%Y-%m-%d %H:%M:%S}",
        "updt_time": f"{(row['revoked_at'] or row['created_at']):%Y-%m-%d %H:%M:%S}",
    }


def _own_institution(data: dict, where: str, request: Request) -> None:
    sent = text(data, "fixmedins_code", where, required=False)
    if sent and sent != request.institution["fixmedins_code"]:
        raise refusal("MAPPING_OTHER_INSTITUTION", field=f"{where}.fixmedins_code", sent=sent)

