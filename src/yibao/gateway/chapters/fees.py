"""Fee lines: 2204/2205 outpatient, 2301/2302 inpatient."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import Connection

from yibao.store import repository as repo

from yibao.app.errors import GatewayError
from yibao.app.platform import Platform
from ..access import own_visit
from ..chapters.mapping import fill_mapped_codes
from ..chapters.visits import ensure_unsettled
from ..outputs import split_output
from ..readers import amount, moment, node, number, text
from ..registry import Request, transaction


# --- fee lines: 2204/2205 outpatient, 2301/2302 inpatient ----------------------------------------------------

def upload_lines(conn: Connection, request: Request, *, kind: str) -> dict:
    rows = node(request, "feedetail", many=True)
    if not rows:
        raise GatewayError("input.feedetail is empty")
    if len(rows) > 2000:
        raise GatewayError("input.feedetail has more than 2000 lines; upload in batches")
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
                raise GatewayError(f"visit {mdtrt_id} does not belong to person {text(row, 'psn_no', where)}")
            if visit["kind"] != kind:
                raise GatewayError(f"visit {mdtrt_id} is {visit['kind']}, not {kind}")
            if visit["status"] == "cancelled":
                raise GatewayError(f"visit {mdtrt_id} is cancelled")
            active, _, numbers = repo.settlement_chain_and_line_numbers(conn, mdtrt_id)
            if active is not None:
                raise GatewayError(f"visit {mdtrt_id} is settled; reverse the settlement before uploading more fee lines")
            visits[mdtrt_id] = dict(visit, stored_line_numbers=numbers)
        elif text(row, "psn_no", where) != visits[mdtrt_id]["psn_no"]:
            # Every line of a visit belongs to the visit's person, not only the first one.
            raise GatewayError(f"{where}.psn_no 与就诊 {mdtrt_id} 的参保人不一致")
        cnt = number(row, "cnt", where, allow_negative=kind == "inpatient")
        pric = number(row, "pric", where)
        total = amount(row, "det_item_fee_sumamt", where, allow_negative=kind == "inpatient")
        init_sn = text(row, "init_feedetl_sn", where, required=False)
        if (cnt < 0 or total < 0) and not init_sn:
            raise GatewayError(f"{where}: a negative line is a refund and needs init_feedetl_sn")
        expected = (cnt * pric).quantize(Decimal("0.01"))
        if abs(expected - total) > Decimal("0.01"):
            raise GatewayError(f"{where}.det_item_fee_sumamt {total} is not cnt × pric = {expected}")
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
        raise GatewayError("input.feedetail repeats a feedetl_sn")
    for mdtrt_id, visit in visits.items():
        taken = sorted(sn for visit_id, sn in keys if visit_id == mdtrt_id and sn in visit["stored_line_numbers"])
        if taken:
            raise GatewayError(f"feedetl_sn {taken[0]} is already uploaded for visit {mdtrt_id}")
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
    ensure_unsettled(conn, visit, "cancelling fee lines")
    value = text(data, key, where)
    # "0000" cancels every unsettled line of the visit
    cancelled = repo.cancel_fee_lines(conn, visit["mdtrt_id"], **({} if value == "0000" else {"key": key, "value": value}))
    if cancelled == 0:
        raise GatewayError(f"no uploaded fee lines of visit {visit['mdtrt_id']} match {key} {value}")


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


