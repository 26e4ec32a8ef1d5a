"""Reconciliation and clearing applications: 3201–3204."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import Connection

from yibao.store import repository as repo

from yibao.app.error_codes import refusal
from yibao.app.errors import new_id
from yibao.app.platform import Platform
from ..readers import EARLIEST, LATEST, YEAR_MONTH, amount, moment, node, number, text
from ..registry import Request, transaction


# --- reconciliation and clearing applications 3201/3202/3203/3204 -------------------------------------------------

def institution_totals(conn: Connection, request: Request, *, begin: dt.date, end: dt.date, clr_type: str | None,
                       insutype: str | None) -> dict:
    rows, net, medfee, fund, acct, cash = request.uow.reconciliation.totals(
        request.institution["fixmedins_code"], begin, end, clr_type, insutype)
    return {"rows": int(rows), "setl_cnt": int(net), "medfee_sumamt": repo.from_fen(int(medfee)),
            "fund_pay_sumamt": repo.from_fen(int(fund)), "acct_pay": repo.from_fen(int(acct)),
            "cash_payamt": repo.from_fen(int(cash))}


def period(data: dict, where: str) -> tuple[dt.date, dt.date]:
    begin = moment(data, "stmt_begndate", where, required=False) or moment(data, "begndate", where)
    end = moment(data, "stmt_enddate", where, required=False) or moment(data, "enddate", where)
    if end < begin:
        raise refusal("INPUT_END_BEFORE_BEGIN", field=f"{where}：")
    if (end - begin).days > 366:
        raise refusal("INPUT_PERIOD_TOO_LONG", field=where)
    return begin.date(), end.date()


def differences(ours: dict, theirs: dict[str, Decimal | int | None]) -> list[str]:
    found = []
    for name, value in theirs.items():
        if value is not None and Decimal(str(ours[name])) != Decimal(str(value)):
            found.append(f"{name}：平台 {ours[name]}，机构 {value}")
    return found


@transaction("3201", "医药机构费用结算对总账", writes=False)
def reconcile_totals(platform: Platform, conn: Connection, request: Request) -> dict:
    data = node(request, "data")
    where = "input.data"
    begin, end = period(data, where)
    ours = institution_totals(conn, request, begin=begin, end=end, clr_type=text(data, "clr_type", where, required=False),
                              insutype=text(data, "insutype", where, required=False))
    diff = differences(ours, {
        "medfee_sumamt": amount(data, "medfee_sumamt", where, allow_negative=True),
        "fund_pay_sumamt": amount(data, "fund_pay_sumamt", where, allow_negative=True),
        "acct_pay": amount(data, "acct_pay", where, required=False, allow_negative=True),
        "setl_cnt": number(data, "fixmedins_setl_cnt", where, required=False, allow_negative=True),
    })
    return {"stmtinfo": {"setl_optins": request.institution["admdvs"], "stmt_rslt": "1" if diff else "0",
                         "stmt_rslt_dscr": "；".join(diff) if diff else "平帐（totals agree）"}}


@transaction("3202", "医药机构费用结算对明细账", writes=False)
def reconcile_detail(platform: Platform, conn: Connection, request: Request) -> dict:
    """Line by line. The national exchange uploads the detail file with 9101; here the lines
    come inline in ``data.detail`` (setl_id, medfee_sumamt, fund_pay_sumamt, acct_pay)."""
    data = node(request, "data")
    where = "input.data"
    begin, end = period(data, where)
    lines = data.get("detail")
    if not isinstance(lines, list):
        raise refusal("INPUT_DETAIL_REQUIRED")
    ours = request.uow.reconciliation.settlements_in_period(request.institution["fixmedins_code"], begin, end)
    result, seen = [], set()
    for index, line in enumerate(lines):
        w = f"input.data.detail[{index}]"
        if not isinstance(line, dict):
            raise refusal("INPUT_NOT_OBJECT", field=w)
        setl_id = text(line, "setl_id", w)
        seen.add(setl_id)
        theirs = {"medfee_sumamt": amount(line, "medfee_sumamt", w, allow_negative=True),
                  "fund_pay_sumamt": amount(line, "fund_pay_sumamt", w, allow_negative=True),
                  "acct_pay": amount(line, "acct_pay", w, required=False, allow_negative=True)}
        row = ours.get(setl_id)
        if row is None:
            memo = "平台上本期没有本机构的这笔结算"
            values = {key: value or Decimal(0) for key, value in theirs.items()}
            result.append({"psn_no": text(line, "psn_no", w, required=False), "mdtrt_id": text(line, "mdtrt_id", w, required=False),
                           "setl_id": setl_id, "msgid": "", "stmt_rslt": "1", "refd_setl_flag": "0", "memo": memo, **values})
            continue
        platform_values = {"medfee_sumamt": repo.from_fen(row["medfee_sumamt_fen"]),
                           "fund_pay_sumamt": repo.from_fen(row["fund_pay_sumamt_fen"]), "acct_pay": repo.from_fen(row["acct_pay_fen"])}
        diff = differences(platform_values, theirs)
        result.append({"psn_no": row["psn_no"], "mdtrt_id": row["mdtrt_id"], "setl_id": setl_id, "msgid": row["medins_setl_id"],
                       "stmt_rslt": "1" if diff else "0", "refd_setl_flag": "1" if row["kind"] == "reversal" else "0",
                       "memo": "；".join(diff) if diff else "", **platform_values})
    for setl_id, row in sorted(ours.items()):
        if setl_id not in seen:
            result.append({"psn_no": row["psn_no"], "mdtrt_id": row["mdtrt_id"], "setl_id": setl_id, "msgid": row["medins_setl_id"],
                           "stmt_rslt": "1", "refd_setl_flag": "1" if row["kind"] == "reversal" else "0",
                           "memo": "平台已结算，机构明细中缺少这笔结算",
                           "medfee_sumamt": repo.from_fen(row["medfee_sumamt_fen"]),
                           "fund_pay_sumamt": repo.from_fen(row["fund_pay_sumamt_fen"]), "acct_pay": repo.from_fen(row["acct_pay_fen"])})
    mismatches = sum(1 for row in result if row["stmt_rslt"] == "1")
    return {"stmtinfo": {"setl_optins": request.institution["admdvs"], "stmt_rslt": "1" if mismatches else "0",
                         "stmt_rslt_dscr": f"{len(result)} 笔中 {mismatches} 笔不一致（{mismatches} of {len(result)} lines differ）" if mismatches
                         else "平帐（every line agrees）"},
            "result": result}


@transaction("3203", "清算申请", writes=True)
def clearing_application(platform: Platform, conn: Connection, request: Request) -> dict:
    data = node(request, "data")
    where = "input.data"
    clr_type = text(data, "clr_type", where)
    setlym = text(data, "setlym", where, required=False)
    if setlym and not data.get("begndate"):
        if not YEAR_MONTH.fullmatch(setlym):  # text() refuses these already
            raise refusal("INPUT_BAD_YEAR_MONTH", field="input.data.setlym", value=repr(setlym))
        year, month = int(setlym[:4]), int(setlym[4:])
        if not EARLIEST.year <= year <= LATEST.year:
            raise refusal("INPUT_YEAR_OUT_OF_RANGE", field="input.data.setlym", first=EARLIEST.year, last=LATEST.year,
                          value=repr(setlym))
        first = dt.date(year, month, 1)
        last = dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)
        begin, end = first, last
    else:
        begin, end = period(data, where)
    ours = institution_totals(conn, request, begin=begin, end=end, clr_type=clr_type, insutype=None)
    diff = differences(ours, {
        "setl_cnt": number(data, "psntime", where, required=False, allow_negative=True),
        "medfee_sumamt": amount(data, "medfee_sumamt", where, allow_negative=True),
        "fund_pay_sumamt": amount(data, "fund_appy_sum", where, allow_negative=True),
        "acct_pay": amount(data, "acct_pay", where, required=False, allow_negative=True),
        "cash_payamt": amount(data, "cash_payamt", where, required=False, allow_negative=True),
    })
    if diff:
        raise refusal("RECON_MISMATCH", differences="；".join(diff))
    applications = request.uow.reconciliation
    # One institution's applications of a clearing type queue here, then the overlap check
    # reads what the earlier ones committed (docs/locking.md, rank 4).
    applications.lock_applications_of(request.institution["fixmedins_code"], clr_type)
    overlap = applications.overlapping_application(request.institution["fixmedins_code"], clr_type, begin, end)
    if overlap:
        raise refusal("RECON_APPLICATION_OVERLAP", overlap=overlap, begin=begin, end=end)
    evt = new_id("CA")
    applications.add_application(dict(
        clr_appy_evt_id=evt, fixmedins_code=request.institution["fixmedins_code"], clr_type=clr_type, begndate=begin,
        enddate=end, setl_cnt=ours["setl_cnt"], medfee_sumamt_fen=repo.to_fen(ours["medfee_sumamt"]),
        fund_pay_sumamt_fen=repo.to_fen(ours["fund_pay_sumamt"]), acct_pay_fen=repo.to_fen(ours["acct_pay"]),
        status="applied", created_at=request.now))
    return {"result": {"clr_appy_evt_id": evt}}


@transaction("3204", "清算申请撤销", writes=True)
def clearing_application_cancel(platform: Platform, conn: Connection, request: Request) -> dict:
    data = node(request, "data")
    evt = text(data, "clr_appy_evt_id", "input.data")
    row = request.uow.reconciliation.lock_application(evt)
    if row is None or row["fixmedins_code"] != request.institution["fixmedins_code"]:
        raise refusal("RECON_APPLICATION_NOT_FOUND", evt=evt)
    if row["status"] != "applied":
        raise refusal("RECON_APPLICATION_STATUS", evt=evt, status=row["status"])
    request.uow.reconciliation.cancel_application(evt, request.now)
    return {}


