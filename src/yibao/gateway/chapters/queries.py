"""Queries: 5201–5206 and 5303.

5202 诊断信息查询 takes ``data{psn_no, mdtrt_id}`` (nhsa-interface §2.5) and answers
``diseinfo[]`` with the diagnosis fields of 2203/2401 (§3.3, §3.6) and ``inout_diag_type``
(1 入院, 2 出院; empty for an outpatient visit). 5205 人员慢特病用药记录查询 takes
``data{psn_no, begntime, endtime}`` and answers ``feedetail[]``: each fee line of the person's
settled 门慢特 (med_type 14) visits with its institution, disease (``opsp_dise_code``,
``opsp_dise_name``) and settlement. 5303 在院信息查询 takes ``data{psn_no}`` (or a 1101-style
certificate) and answers ``data[]``, the person's inpatient stays not yet discharged. The §2.5
table gives no output fields for these three; the names follow the national ones of the
transactions that store the same facts.
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import Connection

from yibao.documents.render import fen
from yibao.store import repository as repo

from yibao.app import visit_records
from yibao.app.error_codes import refusal
from yibao.app.platform import Platform
from ..access import own_settlement, own_visit
from ..outputs import settlement_output, split_output
from ..readers import moment, node, text
from .person import find_person
from ..registry import Request, transaction


# --- queries 5201/5203/5204/5206 ---------------------------------------------------------------------------------

@transaction("5201", "就诊信息查询", writes=False)
def visit_query(platform: Platform, conn: Connection, request: Request) -> dict:
    data = node(request, "data")
    psn_no = text(data, "psn_no", "input.data")
    rows = repo.visits_of_person(
        conn, psn_no, request.institution["fixmedins_code"],
        mdtrt_id=text(data, "mdtrt_id", "input.data") if data.get("mdtrt_id") else "",
        med_type=text(data, "med_type", "input.data") if data.get("med_type") else "",
        begin=moment(data, "begntime", "input.data", required=False), end=moment(data, "endtime", "input.data", required=False))
    return {"mdtrtinfo": [
        {"mdtrt_id": r["mdtrt_id"], "psn_no": r["psn_no"], "insutype": r["insutype"], "med_type": r["med_type"],
         "ipt_otp_no": r["ipt_otp_no"], "begntime": r["begntime"].strftime("%Y-%m-%d %H:%M:%S"),
         "endtime": r["endtime"].strftime("%Y-%m-%d %H:%M:%S") if r["endtime"] else "",
         "insuplc_admdvs": r["insuplc_admdvs"], "mdtrtarea_admvs": r["mdtrtarea_admvs"],
         "dise_codg": r["dise_codg"], "dise_name": r["dise_name"], "vali_flag": "0" if r["status"] == "cancelled" else "1"}
        for r in rows
    ]}


@transaction("5203", "结算信息查询", writes=False)
def settlement_query(platform: Platform, conn: Connection, request: Request) -> dict:
    data = node(request, "data")
    row = own_settlement(conn, request, text(data, "setl_id", "input.data"))
    psn_no = text(data, "psn_no", "input.data")
    if row["psn_no"] != psn_no:
        raise refusal("SETTLE_NOT_OF_PERSON", setl_id=row["setl_id"], psn_no=psn_no)
    visit = repo.visit(conn, row["mdtrt_id"])
    person = repo.person(conn, psn_no)
    insurance = repo.insurance(conn, psn_no, row["insutype"])
    output = settlement_output(row, visit, person, insurance)
    output["setlinfo"]["refd_setl_flag"] = "1" if (row["kind"] == "reversal" or repo.reversal_of(conn, row["setl_id"])) else "0"
    return output


@transaction("5204", "费用明细查询", writes=False)
def fee_query(platform: Platform, conn: Connection, request: Request) -> dict:
    data = node(request, "data")
    psn_no = text(data, "psn_no", "input.data")
    if data.get("setl_id"):
        row = own_settlement(conn, request, text(data, "setl_id", "input.data"))
        visit = own_visit(conn, request, row["mdtrt_id"], psn_no)
    else:
        visit = own_visit(conn, request, text(data, "mdtrt_id", "input.data"), psn_no)
    lines = repo.fee_lines(conn, visit["mdtrt_id"], status=None)
    day = (visit["endtime"] or visit["begntime"]).date()
    catalog = repo.catalog_entries(conn, visit["mdtrtarea_admvs"], {line["med_list_codg"] for line in lines}, day)
    output = []
    for line, split in zip(lines, split_output(lines, catalog)):
        output.append({**split, "mdtrt_id": visit["mdtrt_id"], "psn_no": psn_no, "med_list_codg": line["med_list_codg"],
                       "medins_list_codg": line["medins_list_codg"], "chrg_bchno": line["chrg_bchno"],
                       "fee_ocur_time": line["fee_ocur_time"].strftime("%Y-%m-%d %H:%M:%S"),
                       "vali_flag": "1" if line["status"] == "uploaded" else "0"})
    return {"output": output}


@transaction("5206", "人员累计信息查询", writes=False)
def accumulation_query(platform: Platform, conn: Connection, request: Request) -> dict:
    data = node(request, "data")
    psn_no = text(data, "psn_no", "input.data")
    cum_ym = text(data, "cum_ym", "input.data", required=False, default=request.now.strftime("%Y%m"))
    if len(cum_ym) != 6 or not cum_ym.isdigit():
        raise refusal("INPUT_BAD_YEAR_MONTH", field="input.data.cum_ym", value=repr(cum_ym[:30]))
    if repo.person(conn, psn_no) is None:
        raise refusal("PERSON_NOT_FOUND", psn_no=psn_no)
    rows = []
    for insurance in repo.insurances_of(conn, psn_no):
        ytd = repo.year_to_date(conn, psn_no, insurance["insutype"], int(cum_ym[:4]))
        for category, values in ytd.as_dict().items():
            for key, value in sorted(values.items()):
                rows.append({"insutype": insurance["insutype"], "year": cum_ym[:4], "cum_ym": cum_ym,
                             "cum_type_code": f"{category}.{key}",
                             "cum": Decimal(value) if category == "visits" else fen(value)})
    return {"cuminfo": rows}


def time_text(value) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S") if value else ""


INOUT_DIAG_TYPE = {"adm": "1", "dscg": "2"}


@transaction("5202", "诊断信息查询", writes=False)
def diagnosis_query(platform: Platform, conn: Connection, request: Request) -> dict:
    data = node(request, "data")
    psn_no = text(data, "psn_no", "input.data")
    with request.uow as uow:
        visit, rows = visit_records.visit_diagnoses(uow, request.institution["fixmedins_code"], psn_no,
                                                    text(data, "mdtrt_id", "input.data"))
    valid = "0" if visit["status"] == "cancelled" else "1"
    return {"diseinfo": [
        {"mdtrt_id": visit["mdtrt_id"], "psn_no": psn_no, "inout_diag_type": INOUT_DIAG_TYPE.get(row["stage"], ""),
         "diag_type": row["diag_type"], "diag_srt_no": row["diag_srt_no"], "diag_code": row["diag_code"],
         "diag_name": row["diag_name"], "maindiag_flag": row["maindiag_flag"], "vali_flag": valid}
        for row in rows
    ]}


@transaction("5205", "人员慢特病用药记录查询", writes=False)
def chronic_medication_query(platform: Platform, conn: Connection, request: Request) -> dict:
    data = node(request, "data")
    psn_no = text(data, "psn_no", "input.data")
    with request.uow as uow:
        lines = visit_records.chronic_medication(uow, psn_no, moment(data, "begntime", "input.data", required=False),
                                                 moment(data, "endtime", "input.data", required=False))
    return {"feedetail": [
        {"mdtrt_id": line["mdtrt_id"], "setl_id": line["setl_id"], "psn_no": psn_no, "med_type": line["med_type"],
         "fixmedins_code": line["fixmedins_code"], "fixmedins_name": line["fixmedins_name"],
         "opsp_dise_code": line["dise_codg"], "opsp_dise_name": line["opsp_dise_name"], "feedetl_sn": line["feedetl_sn"],
         "med_list_codg": line["med_list_codg"], "medins_list_codg": line["medins_list_codg"],
         "cnt": Decimal(line["cnt"]), "pric": Decimal(line["pric"]), "det_item_fee_sumamt": fen(repo.from_fen(line["det_item_fee_sumamt_fen"])),
         "fee_ocur_time": time_text(line["fee_ocur_time"]), "setl_time": time_text(line["setl_time"])}
        for line in lines
    ]}


@transaction("5303", "在院信息查询", writes=False)
def in_hospital_query(platform: Platform, conn: Connection, request: Request) -> dict:
    data = node(request, "data")
    psn_no = text(data, "psn_no", "input.data", required=False) or find_person(platform, conn, request, data)["psn_no"]
    with request.uow as uow:
        stays = visit_records.in_hospital(uow, psn_no)
    own = request.institution["fixmedins_code"]
    return {"data": [
        {"mdtrt_id": stay["mdtrt_id"], "psn_no": psn_no, "insutype": stay["insutype"], "med_type": stay["med_type"],
         "begntime": time_text(stay["begntime"]), "fixmedins_code": stay["fixmedins_code"],
         "fixmedins_name": stay["fixmedins_name"], "ipt_no": stay["ipt_otp_no"] if stay["fixmedins_code"] == own else "",
         "insuplc_admdvs": stay["insuplc_admdvs"], "mdtrtarea_admvs": stay["mdtrtarea_admvs"],
         "dise_codg": stay["dise_codg"], "dise_name": stay["dise_name"], "inhosp_stas": "1"}
        for stay in stays
    ]}
