"""End to end over HTTP (issue #17 items 5 and 6): a cross-region check request goes request →
assignment → result → conclusion with only its sides acting; a joint inspection gets another
region's expert on request; a confirmed case produces the supervision counts, a credit record, a
report reward paid through the ledger, and its effect at the gateway (strict in-event audit,
then no direct settlement) by the region's policy."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from yibao.app import actors, audit
from yibao.app.agencies import add_agency
from yibao.app.authorization import administers
from yibao.domain.audit import KnowledgeBase, export_package
from yibao.domain.audit.knowledge import PriceCeiling, Restriction
from yibao.store.unit_of_work import SqlUnitOfWork

from ..refusals import answered_refusal
from .walk import walk_golden

NOW = dt.datetime.now().replace(microsecond=0)
TODAY = NOW.date()
EVIDENCE = [{"name": "现场检查笔录.pdf", "sha256": "5e" * 32}]


@pytest.fixture(scope="module")
def regions(platform_world):
    """ex1a's treatment region (addressed, with a rule package flagging its visit), a region that
    administers neither it nor its patient (requesting), and a third one."""
    setup = next(s for s in platform_world["setups"] if s.name.startswith("ex1a"))
    region, insured = setup.institution["admdvs"], setup.person["insuplc_admdvs"]
    others = sorted({r for s in platform_world["setups"] for r in (s.institution["admdvs"], s.person["insuplc_admdvs"])
                     if not administers(r, region) and not administers(region, r) and not administers(r, insured)})
    knowledge = KnowledgeBase(restrictions=(Restriction("XB-YI", region, dt.date(2000, 1, 1), gend="2"),),
                              price_ceilings=(PriceCeiling("BED", region, dt.date(2000, 1, 1), Decimal("60")),))
    with SqlUnitOfWork(platform_world["database"], actors.SYSTEM, NOW) as uow:
        audit.import_rule_package(uow, export_package(audit.standard_package(region, NOW, knowledge)), admdvs=region,
                                  source="test", refuse_definite=False)
        tokens = {code: f"{code}:{add_agency(uow, code, f'agency {code}')}" for code in {region, insured, *others[:2]}}
    return {"setup": setup, "region": region, "requester": others[0], "third": others[1], "tokens": tokens,
            "database": platform_world["database"]}


def admin(http, token, method, path, body=None, **params):
    response = http.request(method, "/admin/api" + path, json=body, params=params or None,
                            headers={"Authorization": f"Bearer {token}"})
    return response.status_code, response.json()


def test_a_cross_region_check_request_goes_request_result_conclusion(regions, http):
    asker, addressed, third = (regions["tokens"][regions[k]] for k in ("requester", "region", "third"))
    code = regions["setup"].institution["fixmedins_code"]
    status, asked = admin(http, asker, "POST", "/check-requests", {
        "to_admdvs": regions["region"], "fixmedins_code": code, "items": ["住院天数与床位费是否一致", "护理记录"]})
    assert status == 201 and asked["status"] == "requested", asked
    request_id = asked["request_id"]
    assert admin(http, third, "POST", f"/check-requests/{request_id}/assign", {"inspector": "x"})[0] == 403
    assert admin(http, asker, "POST", f"/check-requests/{request_id}/assign", {"inspector": "x"})[0] == 403
    assert admin(http, third, "GET", f"/check-requests/{request_id}")[0] == 403
    assert admin(http, addressed, "POST", f"/check-requests/{request_id}/assign", {"inspector": "李检查"})[0] == 200
    status, answered = admin(http, addressed, "POST", f"/check-requests/{request_id}/result",
                             {"text": "床位费多计 2 天", "evidence": EVIDENCE})
    assert status == 200 and answered["status"] == "answered" and answered["steps"][2]["evidence"] == EVIDENCE
    assert admin(http, addressed, "POST", f"/check-requests/{request_id}/conclusion", {"conclusion": "x"})[0] == 403
    status, done = admin(http, asker, "POST", f"/check-requests/{request_id}/conclusion", {"conclusion": "查实，立案追回"})
    assert status == 200 and done["status"] == "concluded"
    assert [(s["step"], s["by"].split("/")[0]) for s in done["steps"]] == [
        ("request", f"agency:{regions['requester']}"), ("assign", f"agency:{regions['region']}"),
        ("result", f"agency:{regions['region']}"), ("conclude", f"agency:{regions['requester']}")]
    assert admin(http, asker, "POST", f"/check-requests/{request_id}/conclusion", {"conclusion": "again"})[0] == 409
    status, listed = admin(http, addressed, "GET", "/check-requests")
    assert status == 200 and request_id in {row["request_id"] for row in listed}


def test_a_joint_inspection_with_another_regions_expert_on_request(regions, http):
    lead, home = regions["tokens"][regions["region"]], regions["tokens"][regions["requester"]]
    status, expert = admin(http, home, "POST", "/experts", {"name": "王医生", "specialties": ["骨科"]})
    assert status == 201 and expert["home_admdvs"] == regions["requester"]
    status, planned = admin(http, lead, "POST", "/inspections", {
        "title": "骨科联合检查", "fixmedins_code": regions["setup"].institution["fixmedins_code"],
        "begndate": TODAY.isoformat(), "agencies": [regions["third"]]})
    assert status == 201 and planned["status"] == "planned"
    status, asked = admin(http, lead, "POST", f"/experts/{expert['expert_id']}/assignments", {
        "target": "inspection", "target_id": planned["inspection_id"], "day": TODAY.isoformat()})
    assert status == 201 and asked["state"] == "requested" and not asked["effective"]
    assert admin(http, lead, "POST", f"/expert-assignments/{asked['assignment_id']}/answer", {"accepted": True})[0] == 403
    assert admin(http, home, "POST", f"/expert-assignments/{asked['assignment_id']}/answer", {"accepted": True})[0] == 200
    status, found = admin(http, home, "GET", f"/inspections/{planned['inspection_id']}")
    assert ("expert", expert["expert_id"]) in {(m["member_type"], m["member_id"]) for m in found["members"]}
    assert admin(http, regions["tokens"][regions["third"]], "GET", f"/inspections/{planned['inspection_id']}")[0] == 200
    # an agency that neither leads, joins nor lends an expert (乌鲁木齐) reads nothing of it
    with SqlUnitOfWork(regions["database"], actors.SYSTEM, NOW) as uow:
        outsider = f"650100:{add_agency(uow, '650100', 'agency 650100')}"
    assert admin(http, outsider, "GET", f"/inspections/{planned['inspection_id']}")[0] == 403
    status, refused = admin(http, outsider, "POST", f"/experts/{expert['expert_id']}/assignments", {
        "target": "inspection", "target_id": planned["inspection_id"], "day": TODAY.isoformat()})
    assert (status, refused["code"]) == (403, "JOINT_NOT_YOUR_SIDE")
    for step, to in (("start", "in_progress"), ("close", "closed")):
        status, moved = admin(http, lead, "POST", f"/inspections/{planned['inspection_id']}/steps", {"step": step})
        assert status == 200 and moved["status"] == to


def test_a_confirmed_case_counts_costs_credit_pays_a_reward_and_restricts_the_gateway(regions, http):
    setup, token = regions["setup"], regions["tokens"][regions["region"]]
    code = setup.institution["fixmedins_code"]
    walk_golden(http, setup, suffix="-cr0")  # settles before the case
    status, _ = admin(http, token, "POST", "/credit/policies", {
        "begndate": (TODAY - dt.timedelta(days=10)).isoformat(), "strict_audit_below": 95, "no_direct_below": 50,
        "reward_share": "0.05", "reward_floor": "200", "reward_cap": "100000"})
    assert status == 201
    status, report = admin(http, token, "POST", "/reports", {
        "subject_type": "institution", "subject_id": code, "content": "多收床位费", "reporter_name": "张三",
        "reporter_contact": "13800001234"})
    assert status == 201 and report["reporter"] == "张* ****1234"
    status, case = admin(http, token, "POST", "/cases", {"subject_type": "institution", "subject_id": code,
                                                        "summary": "多收床位费", "amount": "15000.00"})
    case_id = case["case_id"]
    for body in ({"status": "investigating"}, {"status": "confirmed", "note": "查实"}):
        assert admin(http, token, "POST", f"/cases/{case_id}/status", body)[0] == 200
    for kind, amount in (("recovery", "15000.00"), ("refund", "1000.00"), ("penalty", "30000.00")):
        assert admin(http, token, "POST", f"/cases/{case_id}/money", {"kind": kind, "amount": amount})[0] == 200
    assert admin(http, token, "POST", f"/cases/{case_id}/police", {"note": "移交公安"})[0] == 200
    status, stats = admin(http, token, "GET", "/stats/supervision", **{"from": TODAY.isoformat(), "to": TODAY.isoformat()})
    assert (stats["recovered_amt"], stats["refunded_amt"], stats["penalty_amt"], stats["penalty_cases"],
            stats["police_referrals"]) == ("15000.00", "1000.00", "30000.00", 1, 1)
    status, reward = admin(http, token, "POST", f"/reports/{report['report_id']}/reward", {"case_id": case_id})
    assert status == 201 and (reward["recovered_fen"], reward["amount_fen"]) == (1_600_000, 80_000)  # 5% of 16 000
    status, standing = admin(http, token, "GET", f"/credit/institution/{code}")
    assert (standing["score"], standing["level"], standing["restriction"]) == (75, "B", "strict_audit")  # -20 - 5
    assert [r["case_id"] for r in standing["records"]] == [case_id]
    with answered_refusal("CREDIT_STRICT_AUDIT_REFUSED", "事中审核从严"):
        walk_golden(http, setup, suffix="-cr1")  # its findings now block
    status, _ = admin(http, token, "POST", "/credit/policies", {
        "begndate": (TODAY - dt.timedelta(days=5)).isoformat(), "strict_audit_below": 95, "no_direct_below": 80})
    assert status == 201
    with answered_refusal("CREDIT_NO_DIRECT_SETTLEMENT", "不予直接结算"):
        walk_golden(http, setup, suffix="-cr2")
    status, listed = admin(http, token, "GET", "/credit/negative-list")
    assert status == 200 and listed["format"] == "yibao-negative-list/1" and code not in {
        e["subject_id"] for e in listed["entries"]}  # 75 is above the list's default line of 60
    assert admin(http, regions["tokens"][regions["requester"]], "POST", f"/reports/{report['report_id']}/reward",
                 {"case_id": case_id})[0] == 403
