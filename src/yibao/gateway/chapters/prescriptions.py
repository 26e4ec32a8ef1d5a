"""E-prescriptions: 7101 电子处方上传预核验, 7102 电子处方医保电子签名, 7103 电子处方上传,
7104 电子处方撤销, 7105 电子处方信息查询 (docs/internet-plus.md; the interface document has no
field list for them: the fields are those real HIS clients send, our answers are documented).

7101 ``data{hosp_rxno, rx_type_code, prsc_time, valid_days, …}`` + ``rxdrugdetail[]{med_list_codg,
drug_genname, drug_totlcnt (or drug_cnt), drug_sumamt, …}`` + ``mdtrtinfo{mdtrt_id, psn_no,
maindiag_code, …}`` + ``diseinfo[]`` → ``data{rx_trace_code, hi_rxno, valid_end_time}``;
7102 ``data{hi_rxno, original_value}`` → ``data{rx_file, sign_digest, sign_cert_sn, sign_cert_dn}``;
7103 ``data{hi_rxno, rx_trace_code, …}`` and 7104 ``data{hi_rxno, undo_rea}`` →
``data{hi_rxno, rx_stas_codg, rx_stas_name}``; 7105 ``data{hi_rxno}`` or ``data{mdtrt_id}`` →
``rxinfo[]`` with ``rxdetlinfo[]`` each.
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import Connection

from yibao.domain import prescriptions as rules
from yibao.store import repository as repo

from yibao.app import prescriptions
from yibao.app.error_codes import refusal
from yibao.app.platform import Platform
from ..access import check_envelope_region, own_visit
from ..readers import amount, moment, node, number, text
from ..registry import Request, transaction


def _prescription_input(conn: Connection, request: Request) -> tuple[dict, list[dict]]:
    data, where = node(request, "data"), "input.data"
    info = node(request, "mdtrtinfo")
    psn_no = text(info, "psn_no", "input.mdtrtinfo")
    insurance = (repo.insurances_of(conn, psn_no) or [None])[0]
    if insurance is None:
        raise refusal("PERSON_NOT_INSURED", psn_no=psn_no)
    check_envelope_region(request, insurance)
    mdtrt_id = text(info, "mdtrt_id", "input.mdtrtinfo", required=False)
    if mdtrt_id:
        own_visit(conn, request, mdtrt_id, psn_no)  # the visit it was written in, by this institution
    diagnoses = node(request, "diseinfo", required=False, many=True) or []
    main = next((row for row in diagnoses if isinstance(row, dict) and str(row.get("maindiag_flag")) == "1"), None)
    valid_days = number(data, "valid_days", where, required=False)
    rx = dict(hosp_rxno=text(data, "hosp_rxno", where), psn_no=psn_no, mdtrt_id=mdtrt_id,
              rx_type_code=text(data, "rx_type_code", where, required=False),
              prsc_time=moment(data, "prsc_time", where),
              valid_days=int(valid_days) if valid_days is not None else rules.DEFAULT_VALID_DAYS,
              maindiag_code=text(info, "maindiag_code", "input.mdtrtinfo", required=False)
              or (text(main, "diag_code", "input.diseinfo") if main else ""),
              detail={"data": data, "mdtrtinfo": info, "diseinfo": diagnoses})
    if valid_days is not None and valid_days != int(valid_days):
        raise refusal("RX_BAD_VALID_DAYS", valid_days=valid_days, most=rules.MAX_VALID_DAYS)
    return rx, _drug_lines(request)


def _drug_lines(request: Request) -> list[dict]:
    details = node(request, "rxdrugdetail", many=True)
    if not details:
        raise refusal("INPUT_LIST_EMPTY", field="input.rxdrugdetail")
    lines = []
    for index, row in enumerate(details):
        where = f"input.rxdrugdetail[{index}]"
        cnt = number(row, "drug_totlcnt", where, required=False)
        if cnt is None:
            cnt = number(row, "drug_cnt", where)
        if cnt <= 0:
            raise refusal("RX_BAD_QUANTITY", field=f"{where}.drug_totlcnt")
        total = amount(row, "drug_sumamt", where, required=False) or Decimal(0)
        lines.append(dict(med_list_codg=text(row, "med_list_codg", where), cnt=cnt,
                          drug_genname=text(row, "drug_genname", where, required=False),
                          drug_sumamt_fen=repo.to_fen(total)))
    return lines


@transaction("7101", "电子处方上传预核验", writes=True)
def rx_precheck(platform: Platform, conn: Connection, request: Request) -> dict:
    rx, lines = _prescription_input(conn, request)
    answer = prescriptions.precheck(request.uow, institution=request.institution, rx=rx, lines=lines,
                                    msgid=request.msgid)
    return {"data": {"hi_rxno": answer["hi_rxno"], "rx_trace_code": answer["rx_trace_code"],
                     "valid_end_time": prescriptions.answer_time(answer["valid_end_time"])}}


@transaction("7102", "电子处方医保电子签名", writes=True)
def rx_sign(platform: Platform, conn: Connection, request: Request) -> dict:
    data = node(request, "data")
    original = data.get("original_value") or data.get("original_rx_file") or ""
    if not isinstance(original, str) or not original.strip():
        raise refusal("INPUT_REQUIRED", field="input.data.original_value")
    answer = prescriptions.sign(request.uow, fixmedins_code=request.institution["fixmedins_code"],
                                hi_rxno=text(data, "hi_rxno", "input.data"), original_value=original[:200_000],
                                msgid=request.msgid)
    return {"data": answer}


@transaction("7103", "电子处方上传", writes=True)
def rx_upload(platform: Platform, conn: Connection, request: Request) -> dict:
    data = node(request, "data")
    return {"data": prescriptions.upload(request.uow, fixmedins_code=request.institution["fixmedins_code"],
                                         hi_rxno=text(data, "hi_rxno", "input.data"),
                                         rx_trace_code=text(data, "rx_trace_code", "input.data"), msgid=request.msgid)}


@transaction("7104", "电子处方撤销", writes=True)
def rx_revoke(platform: Platform, conn: Connection, request: Request) -> dict:
    data = node(request, "data")
    return {"data": prescriptions.revoke(request.uow, fixmedins_code=request.institution["fixmedins_code"],
                                         hi_rxno=text(data, "hi_rxno", "input.data"),
                                         undo_rea=text(data, "undo_rea", "input.data"), msgid=request.msgid)}


@transaction("7105", "电子处方信息查询", writes=False)
def rx_query(platform: Platform, conn: Connection, request: Request) -> dict:
    data = node(request, "data")
    hi_rxno = text(data, "hi_rxno", "input.data", required=False)
    mdtrt_id = text(data, "mdtrt_id", "input.data", required=False)
    if not hi_rxno and not mdtrt_id:
        raise refusal("INPUT_REQUIRED", field="input.data.hi_rxno")
    found = prescriptions.query(request.uow, fixmedins_code=request.institution["fixmedins_code"], hi_rxno=hi_rxno,
                                mdtrt_id=mdtrt_id)
    return {"rxinfo": [_rxinfo(row, request) for row in found]}


def _rxinfo(row: dict, request: Request) -> dict:
    state: rules.Prescription = row["state"]
    status, used = state.status(request.now), state.used_status()
    return {
        "hi_rxno": row["hi_rxno"], "rx_trace_code": row["rx_trace_code"], "hosp_rxno": row["hosp_rxno"],
        "fixmedins_code": row["fixmedins_code"], "mdtrt_id": row["mdtrt_id"], "psn_no": row["psn_no"],
        "rx_type_code": row["rx_type_code"], "prsc_time": prescriptions.answer_time(row["prsc_time"]),
        "valid_days": row["valid_days"], "valid_end_time": prescriptions.answer_time(row["valid_end_time"]),
        "rx_stas_codg": status, "rx_stas_name": rules.STATUS_NAMES[status],
        "rx_used_stas_codg": used, "rx_used_stas_name": rules.USED_NAMES[used],
        "rx_chk_stas_codg": "1" if "upload" in state.steps else "0",
        "rxdetlinfo": [{"med_list_codg": code, "drug_genname": row["lines"][no]["drug_genname"],
                        "drug_totlcnt": f"{cnt:f}", "drug_sumamt": f"{repo.from_fen(row['lines'][no]['drug_sumamt_fen']):.2f}",
                        "dispensed_cnt": f"{state.dispensed.get(no, Decimal(0)):f}"}
                       for no, (code, cnt) in sorted(state.lines.items())],
    }
