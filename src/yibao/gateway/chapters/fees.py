"""Fee lines: 2204/2205 outpatient, 2301/2302 inpatient.

Each handler reads the request, runs its use case of app/fees.py over the request's unit of work
and answers (2204/2301: the lines split by the catalogue, gateway/outputs.py).
"""

from __future__ import annotations

from sqlalchemy import Connection

from yibao.app import fees
from yibao.app.error_codes import refusal
from yibao.app.platform import Platform
from ..outputs import split_output
from ..readers import amount, moment, node, number, text
from ..registry import Request, transaction

MAX_LINES = 2000  # fee lines in one upload (nhsa-interface §3: larger uploads go in batches)


# --- fee lines: 2204/2205 outpatient, 2301/2302 inpatient ----------------------------------------------------

def read_lines(request: Request, *, kind: str) -> list[dict]:
    """``feedetail[]``: refunds (negative count or total) only on inpatient lines; a charge
    batch (chrg_bchno) on every outpatient line."""
    rows = node(request, "feedetail", many=True)
    if not rows:
        raise refusal("INPUT_LIST_EMPTY", field="input.feedetail")
    if len(rows) > MAX_LINES:
        raise refusal("INPUT_TOO_MANY_LINES", field="input.feedetail", limit=MAX_LINES)
    refunds = kind == "inpatient"
    return [read_line(row, f"input.feedetail[{index}]", kind=kind, refunds=refunds) for index, row in enumerate(rows)]


def read_line(row: dict, where: str, *, kind: str, refunds: bool) -> dict:
    return dict(
        field=where, mdtrt_id=text(row, "mdtrt_id", where), psn_no=text(row, "psn_no", where),
        cnt=number(row, "cnt", where, allow_negative=refunds), pric=number(row, "pric", where),
        det_item_fee_sumamt=amount(row, "det_item_fee_sumamt", where, allow_negative=refunds),
        init_feedetl_sn=text(row, "init_feedetl_sn", where, required=False),
        feedetl_sn=text(row, "feedetl_sn", where),
        chrg_bchno=text(row, "chrg_bchno", where, required=kind == "outpatient"),
        med_list_codg=text(row, "med_list_codg", where, required=False),  # or the mapping's (3301)
        medins_list_codg=text(row, "medins_list_codg", where, required=False),
        fee_ocur_time=moment(row, "fee_ocur_time", where),
    )


def upload_answer(request: Request, *, kind: str) -> dict:
    lines = read_lines(request, kind=kind)
    stored, catalog = fees.upload(request.uow, request.institution["fixmedins_code"], request.institution["admdvs"],
                                  kind, lines, msgid=request.msgid)
    return {"result": split_output(stored, catalog)}


def read_cancellation(data: dict, where: str, *, key: str) -> fees.Cancellation:
    return fees.Cancellation(mdtrt_id=text(data, "mdtrt_id", where),
                             psn_no=text(data, "psn_no", where, required=False) or None,
                             key=key, value=text(data, key, where))


@transaction("2204", "门诊费用明细信息上传", writes=True)
def outpatient_fee_upload(platform: Platform, conn: Connection, request: Request) -> dict:
    return upload_answer(request, kind="outpatient")


@transaction("2205", "门诊费用明细信息撤销", writes=True)
def outpatient_fee_cancel(platform: Platform, conn: Connection, request: Request) -> dict:
    cancellation = read_cancellation(node(request, "data"), "input.data", key="chrg_bchno")
    fees.cancel(request.uow, request.institution["fixmedins_code"], [cancellation])
    return {}


@transaction("2301", "住院费用明细上传", writes=True)
def inpatient_fee_upload(platform: Platform, conn: Connection, request: Request) -> dict:
    return upload_answer(request, kind="inpatient")


@transaction("2302", "住院费用明细撤销", writes=True)
def inpatient_fee_cancel(platform: Platform, conn: Connection, request: Request) -> dict:
    cancellations = [read_cancellation(data, f"input.data[{index}]", key="feedetl_sn")
                     for index, data in enumerate(node(request, "data", many=True))]
    fees.cancel(request.uow, request.institution["fixmedins_code"], cancellations)
    return {}
