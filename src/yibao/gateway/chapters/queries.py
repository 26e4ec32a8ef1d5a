"""Queries: 5201/5203/5204/5206."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import Connection

from yibao.documents.render import fen
from yibao.store import repository as repo

from yibao.app.error_codes import refusal
from yibao.app.platform import Platform
from ..access import own_settlement, own_visit
from ..outputs import settlement_output, split_output
from ..readers import moment, node, text
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
