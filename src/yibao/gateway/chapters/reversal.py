"""2601 reversal by the original msgid."""

from __future__ import annotations

import json

from sqlalchemy import Connection

from yibao.store import repository as repo

from yibao.app import visits
from yibao.app.error_codes import refusal
from yibao.app.platform import Platform
from ..access import own_visit
from ..chapters.settlement import reversal_output
from ..readers import node, text
from ..registry import Request, transaction


# --- 2601 reversal by original msgid ---------------------------------------------------------------------------

REVERSIBLE = {"2207", "2304", "2102", "2201", "2401"}


@transaction("2601", "冲正交易", writes=True)
def reverse_by_msgid(platform: Platform, conn: Connection, request: Request) -> dict:
    data = node(request, "data")
    omsgid = text(data, "omsgid", "input.data")
    oinfno = text(data, "oinfno", "input.data")
    psn_no = text(data, "psn_no", "input.data")
    code = request.institution["fixmedins_code"]
    if oinfno not in REVERSIBLE:
        raise refusal("REVERSAL_NOT_REVERSIBLE", oinfno=oinfno, reversible="、".join(sorted(REVERSIBLE)))
    original = repo.logged_request(conn, code, omsgid)
    if original is None or original["infno"] != oinfno:
        raise refusal("REVERSAL_ORIGINAL_NOT_FOUND", oinfno=oinfno, omsgid=omsgid)
    if oinfno in ("2207", "2304", "2102"):
        settlement = repo.settlement_by_msgid(conn, code, omsgid)
        if settlement is None or settlement["psn_no"] != psn_no:
            raise refusal("REVERSAL_NO_SETTLEMENT", psn_no=psn_no, omsgid=omsgid)
        visit = repo.lock_visit(conn, settlement["mdtrt_id"])
        return reversal_output(platform, conn, request, settlement, visit)
    mdtrt_id = json.loads(original["output"]).get("data", json.loads(original["output"]).get("result", {})).get("mdtrt_id")
    visit = own_visit(conn, request, mdtrt_id, psn_no, lock=True)
    if visit["status"] == "cancelled":
        raise refusal("VISIT_CANCELLED", mdtrt_id=mdtrt_id)
    visits.ensure_unsettled(request.uow, visit, "冲正挂号")
    repo.update_visit(conn, mdtrt_id, status="cancelled")
    return {}


