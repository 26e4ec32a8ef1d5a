"""Fee lines: 2204/2205 outpatient, 2301/2302 inpatient."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import Connection

from yibao.store import repository as repo

from yibao.app.error_codes import refusal
from yibao.app.platform import Platform
from ..access import own_visit
from ..chapters.mapping import fill_mapped_codes
from ..chapters.visits import ensure_unsettled
from ..outputs import split_output
from ..readers import amount, moment, node, number, text
from ..registry import Request, transaction

MAX_LINES = 2000  # fee lines in one upload (nhsa-interface §3: larger uploads go in batches)


# --- fee lines: 2204/2205 outpatient, 2301/2302 inpatient ----------------------------------------------------

def upload_lines(conn: Connection, request: Request, *, kind: str) -> dict:
    rows = node(request, "feedetail", many=True)
    if not rows:
        raise refusal("INPUT_LIST_EMPTY", field="input.feedetail")
    if len(rows) > MAX_LINES:
        raise refusal("INPUT_TOO_MANY_LINES", field="input.feedetail", limit=MAX_LINES)
    stored = []
    visits: dict[str, dict] = {}
    locked = lock_visits(conn, request, [text(row, "mdtrt_id", f"input.feedetail[{index}]")
                                         for index, row in enumerate(rows)])
    for index, row in enumerate(rows):
        where = f"input.feedetail[{index}]"
        mdtrt_id = text(row, "mdtrt_id", where)
        if mdtrt_id not in visits:
            visit = locked[mdtrt_id]
            if visit["psn_no"] != text(row, "psn_no", where):
                raise refusal("VISIT_OTHER_PERSON", mdtrt_id=mdtrt_id, psn_no=text(row, "psn_no", where))
            if visit["kind"] != kind:
                raise refusal("VISIT_WRONG_KIND", mdtrt_id=mdtrt_id, actual=visit["kind"], expected=kind)
            if visit["status"] == "cancelled":
                raise refusal("VISIT_CANCELLED", mdtrt_id=mdtrt_id)
            active, _, numbers = repo.settlement_chain_and_line_numbers(conn, mdtrt_id)
            if active is not None:
                raise refusal("VISIT_SETTLED", mdtrt_id=mdtrt_id, action="上传费用明细")
            visits[mdtrt_id] = dict(visit, stored_line_numbers=numbers)
        elif text(row, "psn_no", where) != visits[mdtrt_id]["psn_no"]:
            # Every line of a visit belongs to the visit's person, not only the first one.
            raise refusal("VISIT_LINE_OTHER_PERSON", field=f"{where}.psn_no", mdtrt_id=mdtrt_id)
        cnt = number(row, "cnt", where, allow_negative=kind == "inpatient")
        pric = number(row, "pric", where)
        total = amount(row, "det_item_fee_sumamt", where, allow_negative=kind == "inpatient")
        init_sn = text(row, "init_feedetl_sn", where, required=False)
        if (cnt < 0 or total < 0) and not init_sn:
            raise refusal("FEE_REFUND_NEEDS_ORIGINAL", field=where)
        expected = (cnt * pric).quantize(Decimal("0.01"))
        if abs(expected - total) > Decimal("0.01"):
            raise refusal("FEE_LINE_TOTAL_MISMATCH", field=f"{where}.det_item_fee_sumamt", total=total, expected=expected)
        stored.append(dict(
            mdtrt_id=mdtrt_id, feedetl_sn=text(row, "feedetl_sn", where), init_feedetl_sn=init_sn, psn_no=visits[mdtrt_id]["psn_no"],
            chrg_bchno=text(row, "chrg_bchno", where, required=kind == "outpatient"),
            med_list_codg=text(row, "med_list_codg", where, required=False),  # or the mapping's (3301)
            medins_list_codg=text(row, "medins_list_codg", where, required=False),
            cnt=f"{cnt:f}", pric=f"{pric:f}", det_item_fee_sumamt_fen=repo.to_fen(total),
            fee_ocur_time=moment(row, "fee_ocur_time", where), status="uploaded", upload_msgid=request.msgid,
            created_at=request.now,
        ))
    keys = [(line["mdtrt_id"], line["feedetl_sn"]) for line in stored]
    if len(set(keys)) != len(keys):
        raise refusal("FEE_SN_REPEATED", field="input.feedetail")
    for mdtrt_id, visit in visits.items():
        taken = sorted(sn for visit_id, sn in keys if visit_id == mdtrt_id and sn in visit["stored_line_numbers"])
        if taken:
            raise refusal("FEE_SN_TAKEN", feedetl_sn=taken[0], mdtrt_id=mdtrt_id)
    fill_mapped_codes(request, stored)
    any_visit = next(iter(visits.values()))
    # read before the insert, which is then sent with the request log (store/write_batch.py)
    catalog = repo.catalog_entries(conn, request.institution["admdvs"], {line["med_list_codg"] for line in stored},
                                   any_visit["begntime"].date())
    repo.insert_fee_lines(conn, stored)
    return {"result": split_output(stored, catalog)}


def lock_visits(conn: Connection, request: Request, mdtrt_ids: list[str]) -> dict[str, dict]:
    """Lock several visits of one request in ascending mdtrt_id order (no circular waits) and
    return them as read after their locks."""
    return {mdtrt_id: own_visit(conn, request, mdtrt_id, lock=True) for mdtrt_id in sorted(set(mdtrt_ids))}


def cancel_lines(conn: Connection, request: Request, data: dict, where: str, *, key: str) -> None:
    visit = own_visit(conn, request, text(data, "mdtrt_id", where), text(data, "psn_no", where, required=False) or None, lock=True)
    ensure_unsettled(conn, visit, "撤销费用明细")
    value = text(data, key, where)
    # "0000" cancels every unsettled line of the visit
    cancelled = repo.cancel_fee_lines(conn, visit["mdtrt_id"], **({} if value == "0000" else {"key": key, "value": value}))
    if cancelled == 0:
        raise refusal("FEE_NO_MATCH", mdtrt_id=visit["mdtrt_id"], key=key, value=value)


@transaction("2204", "门诊费用明细信息上传", writes=True)
def outpatient_fee_upload(platform: Platform, conn: Connection, request: Request) -> dict:
    return upload_lines(conn, request, kind="outpatient")


@transaction("2205", "门诊费用明细信息撤销", writes=True)
def outpatient_fee_cancel(platform: Platform, conn: Connection, request: Request) -> dict:
    cancel_lines(conn, request, node(request, "data"), "input.data", key="chrg_bchno")
    return {}


@transaction("2301", "住院费用明细上传", writes=True)
def inpatient_fee_upload(platform: Platform, conn: Connection, request: Request) -> dict:
    return upload_lines(conn, request, kind="inpatient")


@transaction("2302", "住院费用明细撤销", writes=True)
def inpatient_fee_cancel(platform: Platform, conn: Connection, request: Request) -> dict:
    entries = node(request, "data", many=True)
    lock_visits(conn, request, [text(data, "mdtrt_id", f"input.data[{index}]") for index, data in enumerate(entries)])
    for index, data in enumerate(entries):
        cancel_lines(conn, request, data, f"input.data[{index}]", key="feedetl_sn")
    return {}


