"""Fund flows on the golden world: clearing workflow with prepayment offset, ledger balances,
and the institution side (3201 totals, 3202 detail, 3203/3204 clearing application)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal


from yibao.app import clearing, prepayment
from yibao.app.actors import operator
from yibao.store.repositories.ledger import balance, check_ledger
from yibao.domain import ledger as accounts
from yibao.store import repository as repo
from yibao.store.unit_of_work import SqlUnitOfWork

from ..refusals import answered_refusal, refused
from .conftest import named
from .walk import walk_golden

NOW = dt.datetime.now().replace(microsecond=0)
MONTH = NOW.strftime("%Y-%m")
# the month is cleared once it has ended (the injectable clock of a unit of work, app/clock.py)
MONTH_ENDED = (NOW.replace(day=1) + dt.timedelta(days=32)).replace(day=1, hour=8, minute=0, second=0)
ACTOR = operator("test")


def test_clearing_workflow_with_prepayment_offset(platform_world, http):
    database = platform_world["database"]
    setup = named(platform_world, "ex3a")
    settled = walk_golden(http, setup, suffix="-ff")["settle"]["setlinfo"]
    insured, treated = setup.case["visit"]["insuplc_admdvs"], setup.case["visit"]["mdtrtarea_admvs"]
    owed = repo.to_fen(Decimal(str(settled["fund_pay_sumamt"])) + Decimal(str(settled["acct_pay"])))
    with SqlUnitOfWork(database, ACTOR, NOW) as uow:
        with refused("CLEARING_MONTH_NOT_ENDED", MONTH):
            clearing.run_clearing(uow, MONTH)
    with SqlUnitOfWork(database, ACTOR, MONTH_ENDED) as uow:
        rows = clearing.run_clearing(uow, MONTH)
    statement = next(r for r in rows if (r["insuplc_admdvs"], r["mdtrtarea_admvs"]) == (insured, treated))
    assert statement["clearing_amount_fen"] == owed == statement["fund_pay_sumamt_fen"] + statement["acct_pay_fen"]
    with SqlUnitOfWork(database, ACTOR, MONTH_ENDED) as uow:
        assert clearing.run_clearing(uow, MONTH) == rows
    prov = accounts.province(treated)
    with SqlUnitOfWork(database, ACTOR, MONTH_ENDED) as uow:
        with refused("CLEARING_NOT_CONFIRMED", "须双方确认后才能支付"):
            clearing.pay(uow, statement["statement_id"])
    with SqlUnitOfWork(database, ACTOR, MONTH_ENDED) as uow:
        top_up = prepayment.approve(uow, year=NOW.year, insured=insured, prov=prov, amount_fen=2_000_000, kind="top_up",
                                    basis_fen=0, months=Decimal(0))
        prepayment.mark_paid(uow, top_up["prepay_id"])
        prepayment.mark_received(uow, top_up["prepay_id"])
        clearing.confirm(uow, statement["statement_id"], "insured")
        assert clearing.confirm(uow, statement["statement_id"], "treatment")["status"] == "confirmed"
        paid = clearing.pay(uow, statement["statement_id"])
    assert paid["drawn_from_prepayment_fen"] == min(owed, 2_000_000)
    assert paid["paid_in_cash_fen"] == owed - paid["drawn_from_prepayment_fen"]
    with database.read() as conn:
        assert check_ledger(conn) == []
        assert balance(conn, accounts.due_to(insured, treated)) + balance(conn, accounts.due_from(treated, insured)) == 0
        assert balance(conn, f"prepay_advance:{insured}>{prov}") == 2_000_000 - paid["drawn_from_prepayment_fen"]
        assert balance(conn, f"prepay_commitment:{insured}>{prov}") == 0
    with SqlUnitOfWork(database, ACTOR, NOW, write=False) as uow:
        positions = {(p["insuplc_admdvs"], p["treatment_prov"]): p for p in clearing.province_positions(uow, MONTH)}
        assert positions[(insured, prov)]["unpaid"] >= 0
        usage = {(u["insured_admdvs"], u["treatment_prov"]): u for u in prepayment.usage(uow, NOW.year)}
    assert usage[(insured, prov)]["prepaid"] == Decimal("20000.00")
    with SqlUnitOfWork(database, ACTOR, NOW) as uow:
        with refused("CLEARING_ALREADY_PAID", statement["statement_id"]):
            clearing.confirm(uow, statement["statement_id"], "insured")


def test_institution_reconciliation_and_clearing_application(platform_world, http):
    setup = named(platform_world, "ex6")
    outputs = walk_golden(http, setup, suffix="-rc")
    client, settled = outputs["client"], outputs["settle"]["setlinfo"]
    insuplc = setup.case["visit"]["insuplc_admdvs"]
    today = NOW.date().isoformat()
    period = {"stmt_begndate": today, "stmt_enddate": today, "clr_type": "11"}
    totals = {"medfee_sumamt": settled["medfee_sumamt"], "fund_pay_sumamt": settled["fund_pay_sumamt"],
              "acct_pay": settled["acct_pay"], "fixmedins_setl_cnt": 1}
    agree = client.call("3201", {"data": {**period, **totals}}, insuplc_admdvs=insuplc)["stmtinfo"]
    assert agree["stmt_rslt"] == "0"
    differ = client.call("3201", {"data": {**period, **totals, "fund_pay_sumamt": "1.00"}}, insuplc_admdvs=insuplc)["stmtinfo"]
    assert differ["stmt_rslt"] == "1" and "fund_pay_sumamt：平台" in differ["stmt_rslt_dscr"]
    detail = client.call("3202", {"data": {**period, "detail": [
        {"setl_id": settled["setl_id"], "medfee_sumamt": settled["medfee_sumamt"], "fund_pay_sumamt": "0.01", "acct_pay": settled["acct_pay"]},
        {"setl_id": "309999999999", "medfee_sumamt": "10", "fund_pay_sumamt": "5"}]}}, insuplc_admdvs=insuplc)
    memos = {row["setl_id"]: row["memo"] for row in detail["result"]}
    assert "fund_pay_sumamt：平台" in memos[settled["setl_id"]]
    assert memos["309999999999"] == "平台上本期没有本机构的这笔结算"
    assert detail["stmtinfo"]["stmt_rslt"] == "1"
    application = {"clr_type": "11", "begndate": today, "enddate": today, "psntime": 1, **{
        "medfee_sumamt": settled["medfee_sumamt"], "fund_appy_sum": settled["fund_pay_sumamt"], "acct_pay": settled["acct_pay"],
        "cash_payamt": settled["psn_cash_pay"]}}
    with answered_refusal("RECON_MISMATCH", "fund_pay_sumamt：平台"):
        client.call("3203", {"data": dict(application, fund_appy_sum="0.01")}, insuplc_admdvs=insuplc)
    evt = client.call("3203", {"data": application}, insuplc_admdvs=insuplc)["result"]["clr_appy_evt_id"]
    with answered_refusal("RECON_APPLICATION_OVERLAP", evt):
        client.call("3203", {"data": application}, insuplc_admdvs=insuplc)
    client.call("3204", {"data": {"clr_appy_evt_id": evt}}, insuplc_admdvs=insuplc)
    assert client.call("3203", {"data": application}, insuplc_admdvs=insuplc)["result"]["clr_appy_evt_id"] != evt
