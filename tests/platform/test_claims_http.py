"""Manual claims end to end over HTTP against the real server, on both backends: a cross-province
visit refused at the counter (unfiled, E_NOT_FILED) is claimed at the insured place, reviewed line
by line, paid, and then shows in the person's accumulators, the ledger and the direct-settlement
rate; a second claim of the same invoice is refused."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import httpx
import pytest

from yibao.app.actors import SYSTEM
from yibao.app.agencies import add_agency
from yibao.store import repository as repo
from yibao.store.database import Database
from yibao.store.migrate import upgrade
from yibao.store.repositories.ledger import balances as ledger_balances
from yibao.store.unit_of_work import SqlUnitOfWork

from ..refusals import answered_refusal
from ..server import Server
from .conftest import new_database_url
from .test_cross_region import INSURED, LINES, NOW, TODAY, TREATED, admin, file_for, visit

pytestmark = pytest.mark.server


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def world(request, tmp_path_factory):
    from .test_claims_store import load_world  # the same Linyi/Beijing world as the store tests

    url = new_database_url(request.param, request, tmp_path_factory)
    database = Database(url)
    upgrade(database)
    work = tmp_path_factory.mktemp("claims")
    load_world(database, work, valid_from=f"{TODAY.year - 1}-01-01")
    with SqlUnitOfWork(database, SYSTEM, NOW) as uow:
        token = add_agency(uow, INSURED, "临沂市医疗保障事务中心")
        beijing = add_agency(uow, "110000", "北京市医疗保障事务中心")
    server = Server(url, log_path=work / "server.log").start()
    institutions = json.loads((work / "institutions.json").read_text(encoding="utf-8"))
    persons = json.loads((work / "persons.json").read_text(encoding="utf-8"))
    yield {"url": server.url, "database": database, "institutions": {i["admdvs"]: i for i in institutions},
           "persons": {p["psn_no"]: p for p in persons}, "token": f"{INSURED}:{token}", "beijing": f"110000:{beijing}"}
    server.stop()
    database.dispose()


@pytest.fixture
def http(world):
    with httpx.Client(base_url=world["url"], timeout=30) as client:
        yield client


def claim_body(mdtrt_id: str, invoice_no: str) -> dict:
    return {"psn_no": "LY0001", "insutype": "310", "fixmedins_code": f"H{TREATED}00001", "med_type": "21",
            "begndate": NOW.date().isoformat(), "enddate": NOW.date().isoformat(), "dise_codg": "I21.900",
            "invoice_no": invoice_no, "mdtrt_id": mdtrt_id, "reason": "not_filed",
            "lines": [{"med_list_codg": code, "cnt": "1", "pric": amount} for code, amount in LINES]}


def test_a_refused_cross_province_visit_is_claimed_reviewed_paid_and_counted(world, http):
    refused = visit(http, world, "LY0001", settle=False)
    with answered_refusal("E_NOT_FILED"):
        refused["client"].call("2303", {"data": refused["data"]}, insuplc_admdvs=INSURED)
    file_for(http, world, "LY0002", "long_term", subtype="resettled_retiree")
    direct = visit(http, world, "LY0002")  # settled at the counter: the rate's numerator

    status, claim = admin(http, world, "POST", "/claims", claim_body(refused["mdtrt_id"], "FP-2026-0001"))
    assert status == 201, claim
    assert claim["status"] == "submitted" and claim["medfee_sumamt"] == "50000.00"
    assert [line["precheck"]["in_catalogue"] for line in claim["lines"]] == [True, True, True, True]
    status, queue = admin(http, world, "GET", "/claims?status=submitted")
    assert status == 200 and [row["claim_id"] for row in queue] == [claim["claim_id"]]

    decisions = [{"line_no": 1, "decision": "approve"}, {"line_no": 2, "decision": "approve"},
                 {"line_no": 3, "decision": "reduce", "approved_amt": "5000.00", "reason": "超过限价部分不予核准"},
                 {"line_no": 4, "decision": "reject", "reason": "丙类项目"}]
    status, reviewed = admin(http, world, "POST", f"/claims/{claim['claim_id']}/review", {"decisions": decisions})
    assert status == 200, reviewed
    setlinfo = reviewed["review"]["setlinfo"]
    # the cut 1,000 was over the ceiling anyway: (42,500 − 800) × 60 % as a filed temporary visit
    assert (setlinfo["hifp_pay"], setlinfo["inscp_scp_amt"], setlinfo["psn_cash_pay"]) == ("25020.00", "42500.00", "24980.00")
    assert reviewed["review"]["filing"] == "temporary_other"
    assert reviewed["lines"][2]["decision"]["decided_by"].startswith(f"agency:{INSURED}/token:")

    status, paid = admin(http, world, "POST", f"/claims/{claim['claim_id']}/pay")
    assert status == 200 and paid["status"] == "paid" and paid["payments"][0]["fund_pay_sumamt"] == "25020.00"
    with world["database"].read() as conn:
        ytd = repo.year_to_date(conn, "LY0001", "310", NOW.year)
        ledger = ledger_balances(conn, "claimant:")
    assert (ytd.visits, ytd.fund_paid) == ({"inpatient": 1}, {"basic": Decimal("25020.00")})
    assert ledger == {"claimant:LY0001": -2_502_000}

    today = TODAY.isoformat()
    status, stats = admin(http, world, "GET", f"/stats/settlements?from={today}&to={today}&role=insured")
    assert status == 200
    assert [(r["mdtrtarea_admvs"], r["scope"], r["setl_cnt"], r["direct_cnt"], r["manual_cnt"], r["direct_rate"])
            for r in stats["rows"]] == [(TREATED, "cross_province", 1, 1, 1, "0.5000")]
    # 垫资 avoided: what funds (33,360) and the personal account (its 100) paid at the counter
    assert Decimal(stats["rows"][0]["dianzi_avoided_amt"]) == sum(
        Decimal(str(direct["setlinfo"][name])) for name in ("fund_pay_sumamt", "acct_pay", "acct_mulaid_pay")) == Decimal("33460")
    assert stats["rows"][0]["fund_pay_sumamt"] == f"{Decimal(str(direct['setlinfo']['fund_pay_sumamt'])):.2f}"
    assert (stats["rows"][0]["manual_reimbursed"], stats["rows"][0]["prev_year_setl_cnt"]) == ("25020.00", 0)
    status, seen_by_treatment = admin(http, world, "GET", f"/stats/settlements?from={today}&to={today}&role=treatment",
                                      token=world["beijing"])
    assert [(r["insuplc_admdvs"], r["direct_rate"]) for r in seen_by_treatment["rows"]] == [(INSURED, "0.5000")]

    status, again = admin(http, world, "POST", "/claims", claim_body(refused["mdtrt_id"], "FP-2026-0001"))
    assert (status, again["code"]) == (409, "CLAIM_DUPLICATE_INVOICE") and claim["claim_id"] in again["detail"]
    # the claimed visit is not settled at the counter too, even once a filing would allow it
    file_for(http, world, "LY0001", "long_term", subtype="resettled_retiree")
    with answered_refusal("SETTLE_VISIT_CLAIMED", refused["mdtrt_id"]):
        refused["client"].call("2304", {"data": refused["data"]}, insuplc_admdvs=INSURED)
    status, other = admin(http, world, "GET", f"/claims/{claim['claim_id']}", token=world["beijing"])
    assert (status, other["code"]) == (403, "ADMIN_NOT_OUR_CLAIM")


def test_a_settled_visit_cannot_be_claimed_and_a_reviewer_cannot_approve_above_the_bill(world, http):
    file_for(http, world, "LY0003", "long_term", subtype="resettled_retiree")
    settled = visit(http, world, "LY0003")
    body = dict(claim_body(settled["mdtrt_id"], "FP-2026-0003"), psn_no="LY0003")
    status, refused = admin(http, world, "POST", "/claims", body)
    assert (status, refused["code"]) == (409, "CLAIM_ALREADY_SETTLED")
    status, claim = admin(http, world, "POST", "/claims", dict(body, mdtrt_id=None, begndate=(TODAY - dt.timedelta(days=40)).isoformat(),
                                                               enddate=(TODAY - dt.timedelta(days=40)).isoformat(),
                                                               reason="outage"))
    assert status == 201, claim
    decisions = [{"line_no": n, "decision": "approve"} for n in (2, 3, 4)] + [
        {"line_no": 1, "decision": "reduce", "approved_amt": "25000.01", "reason": "x"}]
    status, refused = admin(http, world, "POST", f"/claims/{claim['claim_id']}/review", {"decisions": decisions})
    assert (status, refused["code"]) == (422, "CLAIM_OVER_BILLED")
    status, rejected = admin(http, world, "POST", f"/claims/{claim['claim_id']}/reject", {"reason": "发票不清"})
    assert (status, rejected["status"], rejected["close_reason"]) == (200, "rejected", "发票不清")


def test_the_four_statistics_endpoints_answer_the_contract_scoped_to_the_agency(world, http):
    """A prepayment and a clearing statement of 临沂 371300 with 北京 (written through the
    repositories), then the four endpoints as 临沂 and as 北京; 北京 sees the pair in its role."""
    from yibao.store import tables as t

    from .test_statistics import filled

    with SqlUnitOfWork(world["database"], SYSTEM, NOW) as uow:
        uow.prepayments.add(filled(t.prepayments, prepay_id="PP-HTTP", year=2026, insured_admdvs=INSURED,
                                   treatment_prov="110000", kind="annual", amount_fen=4_183_300, status="paid"))
        uow.clearing.add_statement(filled(t.clearing_statements, statement_id="ST-HTTP", month="2026-03",
                                          insuplc_admdvs=INSURED, mdtrtarea_admvs=TREATED, clearing_amount_fen=4_073_000,
                                          status="paid"))
    status, prepaid = admin(http, world, "GET", "/stats/prepayments?year=2026")
    assert status == 200 and {k: prepaid[k] for k in ("approved_cnt", "approved_amt", "paid_cnt", "paid_amt",
                                                       "received_cnt", "received_amt")} == {
        "approved_cnt": 1, "approved_amt": "41833.00", "paid_cnt": 1, "paid_amt": "41833.00", "received_cnt": 0,
        "received_amt": "0.00"}
    status, cleared = admin(http, world, "GET", "/stats/clearing?from_month=2026-01&to_month=2026-12", token=world["beijing"])
    assert status == 200 and cleared["months"] == [
        {"month": "2026-03", "statements": 1, "provinces": 2, "amount": "40730.00", "by_status": {"paid": 1}}]
    status, watched = admin(http, world, "GET", "/stats/supervision?from=2026-01-01&to=2026-12-31")
    assert status == 200 and {k: watched[k] for k in ("recovered_amt", "penalty_amt", "penalty_cases", "police_referrals",
                                                      "findings_by_rule_type")} == {
        "recovered_amt": "0.00", "penalty_amt": "0.00", "penalty_cases": 0, "police_referrals": 0,
        "findings_by_rule_type": {}}
    status, nothing = admin(http, world, "GET", "/stats/settlements?from=2020-01-01&to=2020-12-31&role=insured")
    assert status == 200 and nothing["rows"] == [] and nothing["total"]["direct_rate"] is None
    assert admin(http, world, "GET", "/stats/settlements?from=2026-02-01&to=2026-01-01")[0] == 422
    assert admin(http, world, "GET", "/stats/settlements?from=2026-01-01&to=2026-02-01&role=both")[0] == 422
    assert admin(http, world, "GET", "/stats/clearing?from_month=2026-13&to_month=2026-12")[0] == 422


def test_a_verification_request_between_the_two_agencies_holds_the_payment(world, http):
    """Linyi asks Beijing to verify a claim (协查); Linyi cannot answer it, Beijing cannot close it
    nor read Linyi's claim; the payment waits until Beijing answers."""
    body = dict(claim_body(None, "FP-2026-0009"), psn_no="LY0002", reason="outage",
                begndate=(TODAY - dt.timedelta(days=20)).isoformat(), enddate=(TODAY - dt.timedelta(days=20)).isoformat())
    status, claim = admin(http, world, "POST", "/claims", body)
    assert status == 201, claim
    cid = claim["claim_id"]
    due = (TODAY + dt.timedelta(days=10)).isoformat()
    ask = {"items": [{"question": "核实住院真实性"}, {"line_no": 3, "question": "核实耗材"}], "due_date": due}
    assert admin(http, world, "POST", f"/claims/{cid}/verifications", ask, token=world["beijing"])[1]["code"] == "ADMIN_NOT_OUR_CLAIM"
    status, request = admin(http, world, "POST", f"/claims/{cid}/verifications", ask)
    assert status == 201 and request["status"] == "open" and request["due_date"] == due, request
    vid = request["verification_id"]
    assert admin(http, world, "POST", f"/claims/{cid}/verifications", dict(ask, items=[]))[0] == 422

    status, incoming = admin(http, world, "GET", "/verifications?role=incoming&status=open", token=world["beijing"])
    assert status == 200 and [v["verification_id"] for v in incoming] == [vid]
    assert incoming[0]["claim"]["invoice_no"] == "FP-2026-0009"
    assert admin(http, world, "GET", "/verifications?role=incoming")[1] == []  # nothing addressed to Linyi
    status, detail = admin(http, world, "GET", f"/verifications/{vid}", token=world["beijing"])
    assert status == 200 and [line["det_item_fee_sumamt"] for line in detail["claim"]["lines"]][2] == "6000.00"

    decisions = [{"line_no": n, "decision": "approve"} for n in (1, 2, 3, 4)]
    assert admin(http, world, "POST", f"/claims/{cid}/review", {"decisions": decisions})[0] == 200
    status, held = admin(http, world, "POST", f"/claims/{cid}/pay")
    assert (status, held["code"]) == (409, "VERIFY_OPEN") and vid in held["detail"]

    answer = {"outcome": "confirmed", "text": "住院属实，耗材与病历一致", "lines": [{"line_no": 3, "finding": "一致"}]}
    status, refused = admin(http, world, "POST", f"/verifications/{vid}/answer", answer)
    assert (status, refused["code"]) == (403, "VERIFY_NOT_TREATMENT_AGENCY")
    status, refused = admin(http, world, "POST", f"/verifications/{vid}/close", {"reason": "x"}, token=world["beijing"])
    assert (status, refused["code"]) == (403, "VERIFY_NOT_REQUESTER")
    status, answered = admin(http, world, "POST", f"/verifications/{vid}/answer", answer, token=world["beijing"])
    assert status == 200 and answered["answer"]["answered_by"].startswith("agency:110000/token:"), answered
    assert admin(http, world, "POST", f"/verifications/{vid}/answer", answer, token=world["beijing"])[0] == 409

    status, shown = admin(http, world, "GET", f"/claims/{cid}")
    assert [(v["verification_id"], v["status"], v["answer"]["outcome"]) for v in shown["verifications"]] == [
        (vid, "answered", "confirmed")]
    status, paid = admin(http, world, "POST", f"/claims/{cid}/pay")
    assert (status, paid["status"]) == (200, "paid"), paid
    status, closed = admin(http, world, "POST", f"/verifications/{vid}/close", {"reason": "已采纳核查结果"})
    assert (status, closed["status"], closed["close"]["reason"]) == (200, "closed", "已采纳核查结果")
