"""Visits: 2201–2203 outpatient registration, 2401–2405 admission and discharge."""

from __future__ import annotations

import json

from sqlalchemy import Connection

from yibao.store import repository as repo

from yibao.app.error_codes import refusal
from yibao.app.enrollment import check_covered
from yibao.app.errors import new_id
from yibao.app.platform import Platform
from ..access import check_agreement, check_envelope_region, check_evoucher, check_sanctions, own_visit
from ..internet_checks import online_med_type
from ..readers import moment, node, text
from ..registry import Request, transaction


# --- visits: 2201–2203 outpatient, 2401–2405 inpatient ----------------------------------------------------

EMERGENCY_MED_TYPES = ("13", "24")  # 急诊, 急诊转住院


def is_emergency(data: dict, med_type: str) -> bool:
    """An emergency visit: med_type 13/24, or exp_content.er_flag = 1 (nhsa-interface §1.4)."""
    extension = data.get("exp_content")
    if isinstance(extension, str):
        try:
            extension = json.loads(extension) if extension.strip() else {}
        except json.JSONDecodeError:
            extension = {}
    flag_value = str((extension or {}).get("er_flag", "")) if isinstance(extension, dict) else ""
    return med_type in EMERGENCY_MED_TYPES or flag_value == "1"


def register_visit(platform: Platform, conn: Connection, request: Request, data: dict, where: str, *, kind: str,
                   med_type: str, ipt_otp_no: str) -> str:
    psn_no = text(data, "psn_no", where)
    check_evoucher(platform, request, data, where, psn_no)
    insutype = text(data, "insutype", where)
    begntime = moment(data, "begntime", where)
    code = request.institution["fixmedins_code"]
    person, insurance, number_taken = repo.registration_facts(conn, psn_no, insutype, code, ipt_otp_no)
    if person is None:
        raise refusal("PERSON_NOT_FOUND", psn_no=psn_no)
    if insurance is None or insurance["psn_insu_stas"] != "1":
        raise refusal("PERSON_NO_ACTIVE_INSURANCE", psn_no=psn_no, insutype=insutype)
    check_covered(insurance, psn_no, begntime.date())  # docs/enrollment.md: waiting period, ended insurance
    check_envelope_region(request, insurance)
    check_agreement(conn, request, dict(begntime=begntime, kind=kind, med_type=med_type,
                                        insuplc_admdvs=insurance["insuplc_admdvs"]),
                    "挂号" if kind == "outpatient" else "办理入院")
    check_sanctions(conn, request, psn_no, begntime.date())
    diagnosis = text(data, "dise_codg", where, required=False)
    if kind == "outpatient" and diagnosis:  # an online first visit is refused here already (docs/internet-plus.md)
        online_med_type(platform, conn, request, dict(fixmedins_code=code, psn_no=psn_no, insutype=insutype,
                                                      begntime=begntime, insuplc_admdvs=insurance["insuplc_admdvs"]),
                        med_type, diagnosis=diagnosis)
    if number_taken:
        raise refusal("VISIT_NUMBER_TAKEN", ipt_otp_no=ipt_otp_no)
    mdtrt_id = new_id("31")
    repo.insert_visit(conn, dict(
        mdtrt_id=mdtrt_id, fixmedins_code=code, psn_no=psn_no, insutype=insutype, med_type=med_type, kind=kind,
        ipt_otp_no=ipt_otp_no, begntime=begntime, endtime=None, insuplc_admdvs=insurance["insuplc_admdvs"],
        mdtrtarea_admvs=request.institution["admdvs"], dise_codg=text(data, "dise_codg", where, required=False),
        dise_name=text(data, "dise_name", where, required=False), status="registered", created_at=request.now,
        emergency=is_emergency(data, med_type),
        **maternity_fields(data, where),
    ))
    return mdtrt_id


def maternity_fields(data: dict, where: str) -> dict:
    """2203/2401/2403 matn_type 生育类别 and birctrl_type 计划生育手术类别 (nhsa-interface §3.5,
    §3.6): they select a maternity policy's delivery benefit (docs/maternity.md)."""
    return {name: text(data, name, where, required=False, limit=6) or None for name in ("matn_type", "birctrl_type")}


def store_diagnoses(conn: Connection, mdtrt_id: str, rows: list[dict], stage: str) -> None:
    diagnoses = []
    for index, row in enumerate(rows):
        where = f"input.diseinfo[{index}]"
        diagnoses.append(dict(
            mdtrt_id=mdtrt_id, stage=stage, diag_type=text(row, "diag_type", where, required=False),
            diag_srt_no=text(row, "diag_srt_no", where, required=False), diag_code=text(row, "diag_code", where),
            diag_name=text(row, "diag_name", where, required=False),
            maindiag_flag=text(row, "maindiag_flag", where, required=False),
        ))
    repo.insert_diagnoses(conn, diagnoses)


def ensure_unsettled(conn: Connection, visit: dict, action: str) -> str | None:
    """Refuse if the visit has an active settlement (``action``: what the cashier tried, in
    Chinese, for VISIT_SETTLED); else return what a new settlement of the visit would follow in
    its settlement chain (docs/locking.md)."""
    active, follows_reversal_id = repo.settlement_chain(conn, visit["mdtrt_id"])
    if active is not None:
        raise refusal("VISIT_SETTLED", mdtrt_id=visit["mdtrt_id"], action=action)
    return follows_reversal_id


@transaction("2201", "门诊挂号", writes=True)
def outpatient_register(platform: Platform, conn: Connection, request: Request) -> dict:
    data = node(request, "data")
    ipt_otp_no = text(data, "ipt_otp_no", "input.data")
    mdtrt_id = register_visit(platform, conn, request, data, "input.data", kind="outpatient",
                              med_type=text(data, "med_type", "input.data", required=False, default="11"),
                              ipt_otp_no=ipt_otp_no)
    return {"data": {"mdtrt_id": mdtrt_id, "psn_no": data["psn_no"], "ipt_otp_no": ipt_otp_no, "exp_content": ""}}


@transaction("2202", "门诊挂号撤销", writes=True)
def outpatient_register_cancel(platform: Platform, conn: Connection, request: Request) -> dict:
    data = node(request, "data")
    visit = own_visit(conn, request, text(data, "mdtrt_id", "input.data"), text(data, "psn_no", "input.data"), lock=True)
    if visit["status"] == "cancelled":
        raise refusal("VISIT_CANCELLED", mdtrt_id=visit["mdtrt_id"])
    ensure_unsettled(conn, visit, "撤销挂号")
    repo.update_visit(conn, visit["mdtrt_id"], status="cancelled")
    return {}


@transaction("2203", "门诊就诊信息上传", writes=True)
def outpatient_visit_info(platform: Platform, conn: Connection, request: Request) -> dict:
    info = node(request, "mdtrtinfo")
    visit = own_visit(conn, request, text(info, "mdtrt_id", "input.mdtrtinfo"), text(info, "psn_no", "input.mdtrtinfo"), lock=True)
    if visit["status"] != "registered":
        raise refusal("VISIT_STATUS", mdtrt_id=visit["mdtrt_id"], status=visit["status"])
    ensure_unsettled(conn, visit, "修改就诊信息")
    med_type = text(info, "med_type", "input.mdtrtinfo")
    repo.update_visit(
        conn, visit["mdtrt_id"], med_type=med_type,
        dise_codg=text(info, "dise_codg", "input.mdtrtinfo", required=False),
        dise_name=text(info, "dise_name", "input.mdtrtinfo", required=False),
        emergency=bool(visit["emergency"]) or is_emergency(info, med_type),
        **maternity_fields(info, "input.mdtrtinfo"),
    )
    store_diagnoses(conn, visit["mdtrt_id"], node(request, "diseinfo", required=False, many=True), "otp")
    return {}


@transaction("2401", "入院办理", writes=True)
def admission(platform: Platform, conn: Connection, request: Request) -> dict:
    info = node(request, "mdtrtinfo")
    mdtrt_id = register_visit(platform, conn, request, info, "input.mdtrtinfo", kind="inpatient",
                              med_type=text(info, "med_type", "input.mdtrtinfo"),
                              ipt_otp_no=text(info, "ipt_no", "input.mdtrtinfo"))
    store_diagnoses(conn, mdtrt_id, node(request, "diseinfo", required=False, many=True), "adm")
    return {"result": {"mdtrt_id": mdtrt_id}}


@transaction("2402", "出院办理", writes=True)
def discharge(platform: Platform, conn: Connection, request: Request) -> dict:
    info = node(request, "dscginfo")
    visit = own_visit(conn, request, text(info, "mdtrt_id", "input.dscginfo"), text(info, "psn_no", "input.dscginfo"), lock=True)
    if visit["kind"] != "inpatient" or visit["status"] != "registered":
        raise refusal("VISIT_NOT_OPEN_ADMISSION", mdtrt_id=visit["mdtrt_id"], kind=visit["kind"], status=visit["status"])
    endtime = moment(info, "endtime", "input.dscginfo")
    if endtime < visit["begntime"]:
        raise refusal("VISIT_DISCHARGE_BEFORE_ADMISSION")
    repo.update_visit(conn, visit["mdtrt_id"], endtime=endtime, status="discharged",
                      dise_codg=text(info, "dise_codg", "input.dscginfo", required=False, default=visit["dise_codg"]))
    store_diagnoses(conn, visit["mdtrt_id"], node(request, "diseinfo", required=False, many=True), "dscg")
    return {}


@transaction("2403", "住院信息变更", writes=True)
def admission_change(platform: Platform, conn: Connection, request: Request) -> dict:
    info = node(request, "adminfo")
    visit = own_visit(conn, request, text(info, "mdtrt_id", "input.adminfo"), lock=True)
    ensure_unsettled(conn, visit, "修改住院信息")
    changes = {}
    for name in ("med_type", "dise_codg", "dise_name", "matn_type", "birctrl_type"):
        if info.get(name) not in (None, ""):
            changes[name] = text(info, name, "input.adminfo")
    if info.get("begntime"):
        changes["begntime"] = moment(info, "begntime", "input.adminfo")
    if changes:
        repo.update_visit(conn, visit["mdtrt_id"], **changes)
    return {}


@transaction("2404", "入院办理撤销", writes=True)
def admission_cancel(platform: Platform, conn: Connection, request: Request) -> dict:
    data = node(request, "data")
    visit = own_visit(conn, request, text(data, "mdtrt_id", "input.data"), text(data, "psn_no", "input.data"), lock=True)
    if visit["kind"] != "inpatient" or visit["status"] == "cancelled":
        raise refusal("VISIT_ADMISSION_NOT_CANCELLABLE", mdtrt_id=visit["mdtrt_id"])
    ensure_unsettled(conn, visit, "撤销入院登记")
    repo.update_visit(conn, visit["mdtrt_id"], status="cancelled")
    return {}


@transaction("2405", "出院办理撤销", writes=True)
def discharge_cancel(platform: Platform, conn: Connection, request: Request) -> dict:
    data = node(request, "data")
    visit = own_visit(conn, request, text(data, "mdtrt_id", "input.data"), text(data, "psn_no", "input.data"), lock=True)
    if visit["status"] != "discharged":
        raise refusal("VISIT_NOT_DISCHARGED", mdtrt_id=visit["mdtrt_id"])
    ensure_unsettled(conn, visit, "撤销出院")
    repo.update_visit(conn, visit["mdtrt_id"], status="registered", endtime=None)
    return {}


