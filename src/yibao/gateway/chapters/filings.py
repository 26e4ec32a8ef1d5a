"""Filings: 2501–2506 and their queries 5301/5302/5304.

2505/2506/5302 (人员定点备案, nhsa-interface §3.11): 2505 ``data{psn_no, tel, addr, biz_appy_type,
begndate, enddate, agnter_*, fix_srt_no, fixmedins_code, fixmedins_name, memo}`` answers
``result{trt_dcla_detl_sn}``; 2506 takes ``data{trt_dcla_detl_sn, psn_no, memo}``; 5302
``data{psn_no, biz_appy_type}`` answers ``psnfixmedin[]{psn_no, insutype, fix_srt_no,
fixmedins_code, fixmedins_name, begndate, enddate, memo}`` (the national fields as public HIS
clients read them) with ``trt_dcla_detl_sn``. The filing is the insured pool's business (§6.2
item 9), so the calling institution must be in the person's insured province, as for 2503.
Contact and agent details (tel, addr, agnter_*) are not stored: nothing reads them back.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Connection

from yibao.store import repository as repo

from yibao.app import filings
from yibao.app.error_codes import refusal
from yibao.app.platform import Platform
from ..access import check_envelope_region
from ..readers import moment, node, text
from ..registry import Request, transaction


# --- filings 2501/2502, 2503/2504 and their queries 5301/5304 ---------------------------------------------------

def insured_here(conn: Connection, request: Request, psn_no: str) -> dict:
    """Referral and 门慢特 filings are the insured place's business: the calling institution must
    be in the person's insured province (nhsa-interface §6.2 item 9)."""
    insurances = repo.insurances_of(conn, psn_no)
    if not insurances:
        raise refusal("PERSON_NOT_INSURED", psn_no=psn_no)
    insurance = insurances[0]
    if insurance["insuplc_admdvs"][:2] != request.institution["admdvs"][:2]:
        raise refusal("PERSON_INSURED_ELSEWHERE", psn_no=psn_no, insured=insurance["insuplc_admdvs"])
    check_envelope_region(request, insurance)
    return insurance


def unit(conn: Connection, request: Request):
    """The filing use cases' unit of work: the request's, joined to the transaction the
    dispatcher opened and commits with the request log, the institution acting."""
    return request.uow


@transaction("2501", "转院备案", writes=True)
def referral_filing(platform: Platform, conn: Connection, request: Request) -> dict:
    data = node(request, "refmedin")
    where = "input.refmedin"
    psn_no = text(data, "psn_no", where)
    insured_here(conn, request, psn_no)
    dest = text(data, "mdtrtarea_admdvs", where)
    text(data, "reflin_medins_no", where)
    begin = moment(data, "begndate", where, required=False) or moment(data, "refl_date", where, required=False) or request.now
    end = moment(data, "enddate", where, required=False)
    with unit(conn, request) as uow:
        row = filings.create_filing(
            uow, psn_no=psn_no, filing_type="referral", dest_admdvs=dest, begndate=begin.date(),
            enddate=end.date() if end else None, source="his", created_by=request.institution["fixmedins_code"])
    return {"result": {"trt_dcla_detl_sn": row["filing_no"]}}


@transaction("2502", "转院备案撤销", writes=True)
def referral_filing_cancel(platform: Platform, conn: Connection, request: Request) -> dict:
    data = node(request, "data")
    filing_no = text(data, "trt_dcla_detl_sn", "input.data")
    with unit(conn, request) as uow:
        row = filings.get_filing(uow, filing_no)
        if row["created_by"] != request.institution["fixmedins_code"] or row["psn_no"] != text(data, "psn_no", "input.data"):
            raise refusal("FILING_NOT_OURS", filing_no=filing_no)
        filings.end_filing(uow, filing_no, reason=text(data, "memo", "input.data", required=False) or "cancelled by HIS")
    return {}


@transaction("2503", "人员慢特病备案", writes=True)
def chronic_filing(platform: Platform, conn: Connection, request: Request) -> dict:
    data = node(request, "data")
    where = "input.data"
    psn_no = text(data, "psn_no", where)
    insurance = insured_here(conn, request, psn_no)
    end = moment(data, "enddate", where, required=False)
    with unit(conn, request) as uow:
        row = filings.grant_qualification(
            uow, psn_no=psn_no, insutype=text(data, "insutype", where, required=False, default=insurance["insutype"]),
            dise_code=text(data, "opsp_dise_code", where), dise_name=text(data, "opsp_dise_name", where, required=False),
            begndate=moment(data, "begndate", where).date(), enddate=end.date() if end else None,
            source="his", created_by=request.institution["fixmedins_code"])
    return {"result": {"trt_dcla_detl_sn": row["qual_no"]}}


@transaction("2504", "人员慢特病备案撤销", writes=True)
def chronic_filing_cancel(platform: Platform, conn: Connection, request: Request) -> dict:
    data = node(request, "data")
    qual_no = text(data, "trt_dcla_detl_sn", "input.data")
    with unit(conn, request) as uow:
        row = filings.get_qualification(uow, qual_no)
        if row["created_by"] != request.institution["fixmedins_code"] or row["psn_no"] != text(data, "psn_no", "input.data"):
            raise refusal("QUALIFICATION_NOT_OURS", qual_no=qual_no)
        filings.cancel_qualification(uow, qual_no)
    return {}


def date_text(value: dt.date | None) -> str:
    return value.isoformat() if value else ""


@transaction("5301", "人员慢特病备案查询", writes=False)
def chronic_query(platform: Platform, conn: Connection, request: Request) -> dict:
    data = node(request, "data")
    psn_no = text(data, "psn_no", "input.data")
    with unit(conn, request) as uow:
        rows = filings.person_qualifications(uow, psn_no)
    return {"feedetail": [
        {"psn_no": psn_no, "insutype": row["insutype"], "opsp_dise_code": row["opsp_dise_code"],
         "opsp_dise_name": row["opsp_dise_name"], "begndate": date_text(row["begndate"]), "enddate": date_text(row["enddate"]),
         "trt_dcla_detl_sn": row["qual_no"], "vali_flag": "1" if row["status"] == "active" else "0"}
        for row in rows
    ]}


@transaction("5304", "转院信息查询", writes=False)
def referral_query(platform: Platform, conn: Connection, request: Request) -> dict:
    data = node(request, "data")
    psn_no = text(data, "psn_no", "input.data")
    person = repo.person(conn, psn_no)
    if person is None:
        raise refusal("PERSON_NOT_FOUND", psn_no=psn_no)
    rows = []
    with unit(conn, request) as uow:
        filed = filings.person_filings(uow, psn_no)
    for row in filed:
        rows.append({
            "dcla_souc": row["source"], "psn_no": psn_no, "psn_name": person["psn_name"],
            "psn_cert_type": person["psn_cert_type"], "certno": person["certno"], "gend": person["gend"],
            "brdy": person["brdy"].isoformat(), "trt_dcla_detl_sn": row["filing_no"], "filing_type": row["filing_type"],
            "subtype": row["subtype"], "mdtrtarea_admdvs": row["dest_admdvs"], "begndate": date_text(row["begndate"]),
            "enddate": date_text(row["enddate"]), "vali_flag": "1" if row["status"] == "active" else "0",
        })
    return {"refmedin": rows}




@transaction("2505", "人员定点备案", writes=True)
def designation_filing(platform: Platform, conn: Connection, request: Request) -> dict:
    data = node(request, "data")
    where = "input.data"
    psn_no = text(data, "psn_no", where)
    insurance = insured_here(conn, request, psn_no)
    end = moment(data, "enddate", where, required=False)
    with unit(conn, request) as uow:
        row = filings.file_designation(
            uow, psn_no=psn_no, insutype=text(data, "insutype", where, required=False, default=insurance["insutype"]),
            biz_appy_type=text(data, "biz_appy_type", where), fix_srt_no=text(data, "fix_srt_no", where),
            fixmedins_code=text(data, "fixmedins_code", where), begndate=moment(data, "begndate", where).date(),
            enddate=end.date() if end else None, memo=text(data, "memo", where, required=False),
            created_by=request.institution["fixmedins_code"])
    return {"result": {"trt_dcla_detl_sn": row["trt_dcla_detl_sn"]}}


@transaction("2506", "人员定点备案撤销", writes=True)
def designation_filing_cancel(platform: Platform, conn: Connection, request: Request) -> dict:
    data = node(request, "data")
    where = "input.data"
    with unit(conn, request) as uow:
        filings.revoke_designation(
            uow, trt_dcla_detl_sn=text(data, "trt_dcla_detl_sn", where), psn_no=text(data, "psn_no", where),
            reason=text(data, "memo", where, required=False) or "由定点医药机构撤销",
            created_by=request.institution["fixmedins_code"])
    return {}


@transaction("5302", "人员定点信息查询", writes=False)
def designation_query(platform: Platform, conn: Connection, request: Request) -> dict:
    data = node(request, "data")
    where = "input.data"
    with unit(conn, request) as uow:
        rows = filings.designations(uow, text(data, "psn_no", where), text(data, "biz_appy_type", where, required=False))
    return {"psnfixmedin": [
        {"psn_no": row["psn_no"], "insutype": row["insutype"], "fix_srt_no": row["fix_srt_no"],
         "fixmedins_code": row["fixmedins_code"], "fixmedins_name": row["fixmedins_name"],
         "begndate": date_text(row["begndate"]), "enddate": date_text(row["enddate"]), "memo": row["memo"],
         "trt_dcla_detl_sn": row["trt_dcla_detl_sn"]}
        for row in rows
    ]}
