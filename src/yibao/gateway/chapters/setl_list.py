"""Settlement lists: 4101/4101A 医疗保障基金结算清单信息上传, 4102 状态修改, 4103 信息查询,
4104 质控问题查询, and 4401 住院病案首页信息上传.

nhsa-interface.md lists these transactions (§2.4) without field lists; the input nodes and names
follow the national 接口规范 as public HIS clients send them: 4101/4101A ``setlinfo`` (object) +
``payinfo``, ``opspdiseinfo``, ``diseinfo``, ``iteminfo``, ``oprninfo``, ``icuinfo`` (arrays),
answered ``data{setl_list_id}``; 4102 ``stastinfo[]{setl_id, stas_type}`` (also accepted inside
``data``); 4103/4104 ``data{setl_id}``; 4401 ``baseinfo`` + ``diseinfo``, ``oprninfo``, ``icuinfo``.
4101A (the newer edition) is read like 4101; its operation rows may carry
``oprn_oprt_begntime`` instead of ``oprn_oprt_date``. The output of 4103 repeats the stored nodes
with ``setl_list_id`` and ``stas_type``; 4104's rows (``data[]``: ``setl_list_id``, ``setl_id``,
``chk_rule_code``, ``chk_fld``, ``chk_rslt_dscr``) are the platform's own, as no public source
shows the national ones. Scalar fields of ``setlinfo`` / ``baseinfo`` are kept under their
national names as sent (lower-case names, 200 characters at most each).
"""

from __future__ import annotations

import dataclasses
import json
import re

from sqlalchemy import Connection

from yibao.app import setl_lists
from yibao.app.error_codes import refusal
from yibao.app.platform import Platform
from yibao.domain import setl_list as rules
from ..readers import amount, moment, node, number, text
from ..registry import Request, transaction

NATIONAL_NAME = re.compile(r"[a-z][a-z0-9_]{0,39}")
MAX_SCALARS = 300
PERSONAL = ("psn_selfpay", "psn_ownpay", "acct_pay", "psn_cashpay")
ITEM_PARTS = ("claa_sumfee", "clab_amt", "fulamt_ownpay_amt", "oth_amt")
ICU_FIELDS = ("scs_cutd_ward_type", "scs_cutd_inpool_time", "scs_cutd_exit_time", "scs_cutd_sum_dura")


def scalars(data: dict, where: str) -> dict:
    """The object's scalar fields with national-looking names, each read as text."""
    kept = {}
    for name, value in data.items():
        if isinstance(value, (dict, list)) or not NATIONAL_NAME.fullmatch(str(name)):
            continue
        if len(kept) == MAX_SCALARS:
            raise refusal("SETLLIST_TOO_MANY_FIELDS", field=where, limit=MAX_SCALARS)
        value = text(data, name, where, required=False)
        if value:
            kept[name] = value
    return kept


def list_input(request: Request) -> Request:
    """The nodes at the top of ``input``, or inside ``data`` as some clients send them."""
    if "setlinfo" in request.input or "baseinfo" in request.input or "data" not in request.input:
        return request
    return dataclasses.replace(request, input=node(request, "data"))


def diagnoses(request: Request) -> tuple[rules.Diagnosis, ...]:
    rows = []
    for index, row in enumerate(node(request, "diseinfo", required=False, many=True)):
        where = f"input.diseinfo[{index}]"
        rows.append(rules.Diagnosis(
            "diseinfo", text(row, "diag_type", where, required=False) or text(row, "disediag_type", where, required=False),
            text(row, "diag_code", where), text(row, "diag_name", where, required=False),
            text(row, "maindiag_flag", where, required=False),
            text(row, "adm_cond_type", where, required=False) or text(row, "adm_cond_code", where, required=False)))
    for index, row in enumerate(node(request, "opspdiseinfo", required=False, many=True)):
        where = f"input.opspdiseinfo[{index}]"
        rows.append(rules.Diagnosis("opspdise", "", text(row, "diag_code", where), text(row, "diag_name", where, required=False)))
    return tuple(rows)


def operations(request: Request) -> tuple[rules.Operation, ...]:
    rows = []
    for index, row in enumerate(node(request, "oprninfo", required=False, many=True)):
        where = f"input.oprninfo[{index}]"
        when = moment(row, "oprn_oprt_date", where, required=False) or moment(row, "oprn_oprt_begntime", where, required=False)
        rows.append(rules.Operation(
            text(row, "oprn_oprt_code", where), text(row, "oprn_oprt_name", where, required=False),
            text(row, "oprn_oprt_type", where, required=False), when, text(row, "anst_way", where, required=False),
            text(row, "oper_dr_code", where, required=False), text(row, "oper_dr_name", where, required=False),
            text(row, "anst_dr_code", where, required=False), text(row, "anst_dr_name", where, required=False)))
    for index, row in enumerate(node(request, "opspdiseinfo", required=False, many=True)):
        if row.get("oprn_oprt_code"):
            where = f"input.opspdiseinfo[{index}]"
            rows.append(rules.Operation(text(row, "oprn_oprt_code", where), text(row, "oprn_oprt_name", where, required=False)))
    return tuple(rows)


def payments(request: Request) -> list[dict]:
    return [{"fund_pay_type": text(row, "fund_pay_type", f"input.payinfo[{i}]"),
             "fund_payamt": amount(row, "fund_payamt", f"input.payinfo[{i}]")}
            for i, row in enumerate(node(request, "payinfo", required=False, many=True))]


def items(request: Request) -> list[dict]:
    rows = []
    for index, row in enumerate(node(request, "iteminfo", required=False, many=True)):
        where = f"input.iteminfo[{index}]"
        item = {"med_chrgitm": text(row, "med_chrgitm", where), "amt": amount(row, "amt", where)}
        item.update({part: amount(row, part, where, required=False) or rules.ZERO for part in ITEM_PARTS})
        rows.append(item)
    return rows


def icu_rows(request: Request) -> list[dict]:
    return [{name: text(row, name, f"input.icuinfo[{i}]", required=False) for name in ICU_FIELDS}
            for i, row in enumerate(node(request, "icuinfo", required=False, many=True))]


def count(data: dict, field: str, where: str) -> int | None:
    value = number(data, field, where, required=False)
    if value is not None and value != value.to_integral_value():
        raise refusal("SETLLIST_NOT_INTEGER", field=f"{where}.{field}")
    return None if value is None else int(value)


def settlement_list(request: Request, setlinfo: dict, pays: list[dict], charge_items: list[dict]) -> rules.SettlementList:
    where = "input.setlinfo"
    begin = moment(setlinfo, "setl_begn_date", where, required=False)
    end = moment(setlinfo, "setl_end_date", where, required=False)
    return rules.SettlementList(
        setl_id=text(setlinfo, "setl_id", where), mdtrt_id=text(setlinfo, "mdtrt_id", where),
        psn_no=text(setlinfo, "psn_no", where, required=False), diagnoses=diagnoses(request), operations=operations(request),
        payments=tuple((row["fund_pay_type"], row["fund_payamt"]) for row in pays),
        items=tuple(rules.ChargeItem(**row) for row in charge_items),
        personal=rules.Personal(**{name: amount(setlinfo, name, where, required=False) for name in PERSONAL}),
        diag_code_cnt=count(setlinfo, "diag_code_cnt", where), oprn_oprt_code_cnt=count(setlinfo, "oprn_oprt_code_cnt", where),
        setl_begn_date=begin.date() if begin else None, setl_end_date=end.date() if end else None,
        medcasno=text(setlinfo, "medcasno", where, required=False))


def upload(request: Request) -> dict:
    request = list_input(request)
    setlinfo = node(request, "setlinfo")
    code = request.institution["fixmedins_code"]
    if text(setlinfo, "fixmedins_code", "input.setlinfo", required=False) not in ("", code):
        raise refusal("SETLLIST_INSTITUTION", fixmedins_code=code)
    pays, charge_items = payments(request), items(request)
    doc = settlement_list(request, setlinfo, pays, charge_items)
    with request.uow as uow:
        row = setl_lists.upload_list(uow, fixmedins_code=code, infno=request.infno, doc=doc,
                                     setlinfo=scalars(setlinfo, "input.setlinfo"), payinfo=pays, iteminfo=charge_items,
                                     icuinfo=icu_rows(request))
    return {"data": {"setl_list_id": row["setl_list_id"]}}


@transaction("4101", "医疗保障基金结算清单信息上传", writes=True)
def upload_list(platform: Platform, conn: Connection, request: Request) -> dict:
    return upload(request)


@transaction("4101A", "医疗保障基金结算清单信息上传（新）", writes=True)
def upload_list_new(platform: Platform, conn: Connection, request: Request) -> dict:
    return upload(request)


def status_rows(request: Request) -> list[dict]:
    if "stastinfo" in request.input:
        return node(request, "stastinfo", many=True)
    data = request.input.get("data")
    if isinstance(data, dict) and "stastinfo" in data:
        return node(dataclasses.replace(request, input=data), "stastinfo", many=True)
    return node(request, "data", many=True)


@transaction("4102", "医疗保障基金结算清单信息状态修改", writes=True)
def change_status(platform: Platform, conn: Connection, request: Request) -> dict:
    rows = status_rows(request)
    if not rows:
        raise refusal("SETLLIST_NO_STATUS")
    changes = [(text(row, "setl_id", f"input.stastinfo[{i}]"), text(row, "stas_type", f"input.stastinfo[{i}]"))
               for i, row in enumerate(rows)]
    with request.uow as uow:
        setl_lists.change_statuses(uow, request.institution["fixmedins_code"], changes)
    return {}


def diagnosis_output(row: dict) -> dict:
    return {"diag_type": row["diag_type"], "diag_code": row["diag_code"], "diag_name": row["diag_name"],
            "maindiag_flag": row["maindiag_flag"], "adm_cond_type": row["adm_cond_type"]}


def operation_output(row: dict) -> dict:
    when = row["oprn_oprt_date"]
    return {"oprn_oprt_type": row["oprn_oprt_type"], "oprn_oprt_name": row["oprn_oprt_name"],
            "oprn_oprt_code": row["oprn_oprt_code"], "oprn_oprt_date": when.strftime("%Y-%m-%d %H:%M:%S") if when else "",
            "anst_way": row["anst_way"], "oper_dr_name": row["oper_dr_name"], "oper_dr_code": row["oper_dr_code"],
            "anst_dr_name": row["anst_dr_name"], "anst_dr_code": row["anst_dr_code"]}


def wanted_list(request: Request) -> dict:
    data = node(request, "data")
    with request.uow as uow:
        return setl_lists.current_list(uow, request.institution["fixmedins_code"], text(data, "setl_id", "input.data"))


@transaction("4103", "医疗保障基金结算清单信息查询", writes=False)
def list_query(platform: Platform, conn: Connection, request: Request) -> dict:
    row = wanted_list(request)
    setlinfo = dict(json.loads(row["setlinfo"]), setl_list_id=row["setl_list_id"], stas_type=row["stas_type"],
                    setl_id=row["setl_id"], mdtrt_id=row["mdtrt_id"], psn_no=row["psn_no"])
    return {
        "setlinfo": setlinfo, "payinfo": json.loads(row["payinfo"]), "iteminfo": json.loads(row["iteminfo"]),
        "icuinfo": json.loads(row["icuinfo"]),
        "diseinfo": [diagnosis_output(d) for d in row["diagnoses"] if d["source"] == "diseinfo"],
        "opspdiseinfo": [{"diag_code": d["diag_code"], "diag_name": d["diag_name"]}
                         for d in row["diagnoses"] if d["source"] == "opspdise"],
        "oprninfo": [operation_output(o) for o in row["operations"]],
    }


@transaction("4104", "医疗保障基金结算清单质控问题查询", writes=False)
def quality_query(platform: Platform, conn: Connection, request: Request) -> dict:
    row = wanted_list(request)
    return {"data": [{"setl_list_id": row["setl_list_id"], "setl_id": row["setl_id"], "chk_rule_code": problem["code"],
                      "chk_fld": problem["field"], "chk_rslt_dscr": problem["message"]}
                     for problem in json.loads(row["qc_problems"])]}


@transaction("4401", "住院病案首页信息上传", writes=True)
def medical_record_upload(platform: Platform, conn: Connection, request: Request) -> dict:
    request = list_input(request)
    baseinfo = node(request, "baseinfo")
    where = "input.baseinfo"
    mdtrt_id, psn_no = text(baseinfo, "mdtrt_id", where), text(baseinfo, "psn_no", where)
    with request.uow as uow:
        setl_lists.upload_record(uow, fixmedins_code=request.institution["fixmedins_code"], mdtrt_id=mdtrt_id,
                                 psn_no=psn_no, baseinfo=scalars(baseinfo, where), diagnoses=diagnoses(request),
                                 operations=operations(request), icuinfo=icu_rows(request))
    return {}
