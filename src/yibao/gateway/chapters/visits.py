"""Visits: 2201–2203 outpatient registration, 2401–2405 admission and discharge.

Each handler reads the request, runs its use case of app/visits.py over the request's unit of
work and answers; the gateway keeps what belongs to the channel: the e-voucher of the visit's
start, the envelope's insured region, the agreement and sanctions checks at the counter and the
Internet+ first-visit rule (handed to the registration as its insurance check).
"""

from __future__ import annotations

import json

from sqlalchemy import Connection

from yibao.app import visits
from yibao.app.platform import Platform
from ..access import check_agreement, check_envelope_region, check_evoucher, check_sanctions
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


def read_registration(platform: Platform, request: Request, data: dict, where: str, *, kind: str, med_type: str,
                      visit_number: str) -> visits.Registration:
    """2201 ``data`` / 2401 ``mdtrtinfo``; a visit begun with an e-voucher needs a fresh token."""
    psn_no = text(data, "psn_no", where)
    check_evoucher(platform, request, data, where, psn_no)
    return visits.Registration(
        fixmedins_code=request.institution["fixmedins_code"], treatment_admdvs=request.institution["admdvs"],
        psn_no=psn_no, insutype=text(data, "insutype", where), kind=kind, med_type=med_type,
        visit_number=visit_number, begntime=moment(data, "begntime", where),
        dise_codg=text(data, "dise_codg", where, required=False), dise_name=text(data, "dise_name", where, required=False),
        emergency=is_emergency(data, med_type), **maternity_fields(data, where))


def counter_checks(platform: Platform, conn: Connection, request: Request, registration: visits.Registration):
    """The checks at the counter on the insurance a registration found: the envelope's insured
    region, an agreement covering the service, the person's sanctions, and (an outpatient visit
    with a diagnosis) an online first visit refused here already (docs/internet-plus.md)."""
    r = registration
    action = "挂号" if r.kind == "outpatient" else "办理入院"

    def check(insurance: dict) -> None:
        check_envelope_region(request, insurance)
        check_agreement(conn, request, dict(begntime=r.begntime, kind=r.kind, med_type=r.med_type,
                                            insuplc_admdvs=insurance["insuplc_admdvs"]), action)
        check_sanctions(conn, request, r.psn_no, r.begntime.date())
        if r.kind == "outpatient" and r.dise_codg:
            online_med_type(platform, conn, request, dict(
                fixmedins_code=r.fixmedins_code, psn_no=r.psn_no, insutype=r.insutype, begntime=r.begntime,
                insuplc_admdvs=insurance["insuplc_admdvs"]), r.med_type, diagnosis=r.dise_codg)
    return check


def maternity_fields(data: dict, where: str) -> dict:
    """2203/2401/2403 matn_type 生育类别 and birctrl_type 计划生育手术类别 (nhsa-interface §3.5,
    §3.6): they select a maternity policy's delivery benefit (docs/maternity.md)."""
    return {name: text(data, name, where, required=False, limit=6) or None for name in ("matn_type", "birctrl_type")}


def read_diagnoses(request: Request) -> list[dict]:
    """``diseinfo[]`` of 2203/2401/2402."""
    diagnoses = []
    for index, row in enumerate(node(request, "diseinfo", required=False, many=True)):
        where = f"input.diseinfo[{index}]"
        diagnoses.append(dict(
            diag_type=text(row, "diag_type", where, required=False),
            diag_srt_no=text(row, "diag_srt_no", where, required=False), diag_code=text(row, "diag_code", where),
            diag_name=text(row, "diag_name", where, required=False),
            maindiag_flag=text(row, "maindiag_flag", where, required=False),
        ))
    return diagnoses


def _code(request: Request) -> str:
    return request.institution["fixmedins_code"]


@transaction("2201", "门诊挂号", writes=True)
def outpatient_register(platform: Platform, conn: Connection, request: Request) -> dict:
    data = node(request, "data")
    ipt_otp_no = text(data, "ipt_otp_no", "input.data")
    registration = read_registration(platform, request, data, "input.data", kind="outpatient", visit_number=ipt_otp_no,
                                     med_type=text(data, "med_type", "input.data", required=False, default="11"))
    mdtrt_id = visits.register(request.uow, registration, check=counter_checks(platform, conn, request, registration))
    return {"data": {"mdtrt_id": mdtrt_id, "psn_no": data["psn_no"], "ipt_otp_no": ipt_otp_no, "exp_content": ""}}


@transaction("2202", "门诊挂号撤销", writes=True)
def outpatient_register_cancel(platform: Platform, conn: Connection, request: Request) -> dict:
    data = node(request, "data")
    visits.cancel_registration(request.uow, _code(request), text(data, "mdtrt_id", "input.data"),
                               text(data, "psn_no", "input.data"))
    return {}


@transaction("2203", "门诊就诊信息上传", writes=True)
def outpatient_visit_info(platform: Platform, conn: Connection, request: Request) -> dict:
    info = node(request, "mdtrtinfo")
    where = "input.mdtrtinfo"
    mdtrt_id, psn_no = text(info, "mdtrt_id", where), text(info, "psn_no", where)
    med_type = text(info, "med_type", where)
    changes = dict(med_type=med_type, dise_codg=text(info, "dise_codg", where, required=False),
                   dise_name=text(info, "dise_name", where, required=False),
                   emergency=is_emergency(info, med_type), **maternity_fields(info, where))
    visits.record_visit_info(request.uow, _code(request), mdtrt_id, psn_no, changes, read_diagnoses(request))
    return {}


@transaction("2401", "入院办理", writes=True)
def admission(platform: Platform, conn: Connection, request: Request) -> dict:
    info = node(request, "mdtrtinfo")
    where = "input.mdtrtinfo"
    registration = read_registration(platform, request, info, where, kind="inpatient",
                                     med_type=text(info, "med_type", where), visit_number=text(info, "ipt_no", where))
    mdtrt_id = visits.register(request.uow, registration, read_diagnoses(request),
                               check=counter_checks(platform, conn, request, registration))
    return {"result": {"mdtrt_id": mdtrt_id}}


@transaction("2402", "出院办理", writes=True)
def discharge(platform: Platform, conn: Connection, request: Request) -> dict:
    info = node(request, "dscginfo")
    where = "input.dscginfo"
    visits.discharge(request.uow, _code(request), text(info, "mdtrt_id", where), text(info, "psn_no", where),
                     moment(info, "endtime", where), text(info, "dise_codg", where, required=False) or None,
                     read_diagnoses(request))
    return {}


@transaction("2403", "住院信息变更", writes=True)
def admission_change(platform: Platform, conn: Connection, request: Request) -> dict:
    info = node(request, "adminfo")
    changes = {}
    for name in ("med_type", "dise_codg", "dise_name", "matn_type", "birctrl_type"):
        if info.get(name) not in (None, ""):
            changes[name] = text(info, name, "input.adminfo")
    if info.get("begntime"):
        changes["begntime"] = moment(info, "begntime", "input.adminfo")
    visits.change_admission(request.uow, _code(request), text(info, "mdtrt_id", "input.adminfo"), changes)
    return {}


@transaction("2404", "入院办理撤销", writes=True)
def admission_cancel(platform: Platform, conn: Connection, request: Request) -> dict:
    data = node(request, "data")
    visits.cancel_admission(request.uow, _code(request), text(data, "mdtrt_id", "input.data"),
                            text(data, "psn_no", "input.data"))
    return {}


@transaction("2405", "出院办理撤销", writes=True)
def discharge_cancel(platform: Platform, conn: Connection, request: Request) -> dict:
    data = node(request, "data")
    visits.cancel_discharge(request.uow, _code(request), text(data, "mdtrt_id", "input.data"),
                            text(data, "psn_no", "input.data"))
    return {}
