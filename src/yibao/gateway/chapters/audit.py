"""Smart audit: 3101 (事前) and 3102 (事中)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import Connection

from yibao.app import audit
from yibao.app.error_codes import refusal
from yibao.app.platform import Platform
from ..readers import amount, moment, node, number, text
from ..registry import Request, transaction


# --- smart audit 3101 (事前) / 3102 (事中) ---------------------------------------------------------------------

def claims_from_patient_dtos(uow, request: Request, data: dict) -> list[tuple[Any, dict]]:
    from yibao.domain.audit import Claim, Line

    patients = data.get("patient_dtos")
    if not isinstance(patients, list) or not patients:
        raise refusal("INPUT_LIST_EMPTY", field="input.data.patient_dtos")
    claims = []
    for p_index, patient in enumerate(patients[:50]):
        where = f"input.data.patient_dtos[{p_index}]"
        if not isinstance(patient, dict):
            raise refusal("INPUT_NOT_OBJECT", field=where)
        psn_no = text(patient, "patn_id", where)
        person = uow.persons.get(psn_no)
        if person is None:
            raise refusal("AUDIT_PATIENT_NOT_FOUND", field=f"{where}.patn_id", psn_no=psn_no)
        insurances = uow.persons.insurances(psn_no)
        encounters = patient.get("fsi_encounter_dtos")
        if not isinstance(encounters, list) or not encounters:
            raise refusal("INPUT_LIST_EMPTY", field=f"{where}.fsi_encounter_dtos")
        for e_index, encounter in enumerate(encounters[:20]):
            w = f"{where}.fsi_encounter_dtos[{e_index}]"
            if not isinstance(encounter, dict):
                raise refusal("INPUT_NOT_OBJECT", field=w)
            admitted = moment(encounter, "adm_date", w)
            discharged = moment(encounter, "dscg_date", w, required=False)
            diagnoses = encounter.get("fsi_diagnose_dtos") or []
            if not isinstance(diagnoses, list):
                raise refusal("INPUT_NOT_ARRAY", field=f"{w}.fsi_diagnose_dtos")
            codes = [text(d, "dise_codg", f"{w}.fsi_diagnose_dtos[{i}]") for i, d in enumerate(diagnoses) if isinstance(d, dict)]
            main = text(encounter, "dscg_main_dise_codg", w, required=False) or next(
                (text(d, "dise_codg", w) for d in diagnoses if isinstance(d, dict) and str(d.get("maindise_flag")) == "1"),
                codes[0] if codes else "")
            orders = encounter.get("fsi_order_dtos") or []
            if not isinstance(orders, list):
                raise refusal("INPUT_NOT_ARRAY", field=f"{w}.fsi_order_dtos")
            lines = []
            for o_index, order in enumerate(orders[:2000]):
                ow = f"{w}.fsi_order_dtos[{o_index}]"
                if not isinstance(order, dict):
                    raise refusal("INPUT_NOT_OBJECT", field=ow)
                cnt, pric = number(order, "cnt", ow), number(order, "pric", ow)
                total = amount(order, "sumamt", ow, required=False)
                begin = moment(order, "drord_begn_date", ow, required=False) or admitted
                lines.append(Line(text(order, "rx_id", ow), text(order, "hilist_code", ow), begin.date(), cnt, pric,
                                  total if total is not None else (cnt * pric).quantize(Decimal("0.01"))))
            med_type = text(encounter, "med_type", w, required=False, default="11")
            claim = Claim(
                mdtrt_id=text(encounter, "mdtrt_id", w), psn_no=psn_no, certno=person["certno"], gend=person["gend"],
                fixmedins_code=request.institution["fixmedins_code"], medins_lv=request.institution["medins_lv"] or "",
                med_type=med_type, begndate=admitted.date(), enddate=discharged.date() if discharged else None,
                main_diag=main, diag_codes=tuple(c for c in codes if c != main), lines=tuple(lines), brdy=person["brdy"],
                insuplc_admdvs=insurances[0]["insuplc_admdvs"] if insurances else "",
                mdtrtarea_admvs=request.institution["admdvs"])
            claims.append((claim, person))
    return claims


def smart_audit(platform: Platform, conn: Connection, request: Request, stage: str) -> dict:
    # the request's unit of work, inside the transaction the dispatcher commits with the log
    return _smart_audit(request.uow, request, stage)


def _smart_audit(uow, request: Request, stage: str) -> dict:
    from yibao.domain.audit import render_3101

    data = node(request, "data")
    found = audit.current_package(uow, request.institution["admdvs"])
    if found is None:
        return {"result": []}
    _, package = found
    wanted = data.get("rule_ids")
    if isinstance(wanted, str):
        wanted = [part for part in wanted.replace(";", ",").split(",") if part]
    elif wanted is not None and not (isinstance(wanted, list) and all(isinstance(part, str) for part in wanted)):
        raise refusal("INPUT_BAD_RULE_IDS")
    findings = []
    for claim, person in claims_from_patient_dtos(uow, request, data):
        findings += [f for f in audit.claim_findings(uow, claim, person, package, stage) if not wanted or f.rule_id in wanted]
    return {"result": render_3101(findings, package.rules, text(data, "task_id", "input.data", required=False))}


@transaction("3101", "明细审核事前分析服务", writes=False)
def audit_before(platform: Platform, conn: Connection, request: Request) -> dict:
    return smart_audit(platform, conn, request, "事前")


@transaction("3102", "明细审核事中分析服务", writes=False)
def audit_during(platform: Platform, conn: Connection, request: Request) -> dict:
    return smart_audit(platform, conn, request, "事中")


