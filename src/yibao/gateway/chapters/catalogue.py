"""1312 catalogue query, 1901 dictionaries."""

from __future__ import annotations

import math

from sqlalchemy import Connection

from yibao.domain import codes
from yibao.store import repository as repo

from yibao.app.error_codes import refusal
from yibao.app.platform import Platform
from ..readers import node, number, text
from ..registry import Request, transaction


# --- 1312 catalogue, 1901 dictionary --------------------------------------------------------------------

@transaction("1312", "医保目录信息查询", writes=False)
def catalogue_query(platform: Platform, conn: Connection, request: Request) -> dict:
    data = node(request, "data", required=False)
    page_num = int(number(data, "page_num", "input.data", required=False) or 1)
    page_size = int(number(data, "page_size", "input.data", required=False) or 100)
    if page_num < 1 or not 1 <= page_size <= 1000:
        raise refusal("INPUT_PAGE_RANGE")
    filters = {
        "hilist_code": text(data, "hilist_code", "input.data", required=False),
        "insu_admdvs": text(data, "insu_admdvs", "input.data", required=False),
        "list_type": text(data, "list_type", "input.data", required=False),
    }
    total, rows = repo.catalog_page(conn, filters, page_num, page_size)
    return {
        "data": [
            {**row, "begndate": row["begndate"].isoformat(), "enddate": row["enddate"].isoformat() if row["enddate"] else ""}
            for row in rows
        ],
        "recordCounts": total, "pages": max(1, math.ceil(total / page_size)), "pageNum": page_num, "pageSize": page_size,
    }


DICTIONARIES = {
    "insutype": codes.INSUTYPE, "psn_type": codes.PSN_TYPE, "med_type": codes.MED_TYPE,
    "chrgitm_lv": codes.CHRGITM_LV, "fund_pay_type": codes.FUND_PAY_TYPE, "medins_lv": codes.MEDINS_LV,
    "mdtrt_cert_type": {"01": "医保电子凭证", "02": "居民身份证", "03": "社会保障卡"},
    "gend": {"1": "男", "2": "女", "9": "未说明性别"},
    "clr_type": {"11": "门诊", "21": "住院", "41": "定点药店"},
    "psn_insu_stas": {"1": "正常参保", "2": "暂停参保", "4": "终止参保"},
}


@transaction("1901", "字典表查询", writes=False)
def dictionary_query(platform: Platform, conn: Connection, request: Request) -> dict:
    data = node(request, "data", required=False)
    wanted = text(data, "type", "input.data", required=False)
    types = [wanted] if wanted else sorted(DICTIONARIES)
    if wanted and wanted not in DICTIONARIES:
        raise refusal("INPUT_UNKNOWN_DICTIONARY", wanted=wanted, known="、".join(sorted(DICTIONARIES)))
    return {"list": [
        {"type": kind, "label": label, "value": value, "parent_value": "", "sort": index + 1, "vali_flag": "1",
         "create_user": "", "create_date": "", "version": "1"}
        for kind in types for index, (value, label) in enumerate(DICTIONARIES[kind].items())
    ]}


