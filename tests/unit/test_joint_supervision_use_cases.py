"""Joint supervision, the expert pool, credit and reports against an in-memory unit of work (milliseconds)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from yibao.app import actors, credit, experts, joint_supervision as joint, supervision

from ..refusals import refused
from .fake_agreements import FakeAgreements
from .fake_joint_supervision import FakeJointSupervision
from .fake_supervision import FakeSupervision
from .fakes import FakeUnitOfWork

SHENZHEN, GUANGZHOU = "440300", "440100"
HOSPITAL, CLINIC = "H44010600001", "H44030500001"
NOW = dt.datetime(2026, 12, 1, 9, 0)
EVIDENCE = [{"name": "病历复印件.pdf", "sha256": "ab" * 32}]


def world(region=SHENZHEN) -> FakeUnitOfWork:
    uow = FakeUnitOfWork(actors.agency(region, "3f2a"), NOW)
    uow.supervision = FakeSupervision(NOW)
    uow.joint_supervision = FakeJointSupervision(uow.supervision)
    uow.supervision.institutions.update({HOSPITAL: {"fixmedins_code": HOSPITAL, "admdvs": "440106"},
                                         CLINIC: {"fixmedins_code": CLINIC, "admdvs": "440305"}})
    uow.persons.rows["P1"] = {"psn_no": "P1"}
    uow.agreements = FakeAgreements({code: row for code, row in uow.supervision.institutions.items()})
    return uow


def as_agency(uow, region):
    uow.actor = actors.agency(region, "9c1d")
    uow.actions.actor = uow.actor
    return uow


def test_a_check_request_goes_request_assign_result_conclude_with_only_its_sides_acting():
    uow = world()
    asked = joint.request_check(uow, from_admdvs=SHENZHEN, to_admdvs=GUANGZHOU, fixmedins_code=HOSPITAL,
                                items=["住院病历与费用清单是否一致", " "], note="患者在深圳参保")
    request_id = asked["request_id"]
    assert asked["status"] == "requested" and asked["items"] == ["住院病历与费用清单是否一致"]
    with refused("JOINT_NOT_YOUR_SIDE", "440300", "440100"):
        joint.assign_inspector(uow, request_id, "李检查", agency_region=SHENZHEN)
    with refused("JOINT_CHECK_TRANSITION", "requested"):
        joint.answer_check(uow, request_id, "已核查", EVIDENCE, agency_region=GUANGZHOU)
    as_agency(uow, GUANGZHOU)
    joint.assign_inspector(uow, request_id, "李检查", agency_region=GUANGZHOU)
    with refused("JOINT_BAD_EVIDENCE", "x.pdf"):
        joint.answer_check(uow, request_id, "已核查", [{"name": "x.pdf", "sha256": "123"}], agency_region=GUANGZHOU)
    answered = joint.answer_check(uow, request_id, "费用清单多计床位费 3 天", EVIDENCE, agency_region=GUANGZHOU)
    assert answered["status"] == "answered" and answered["steps"][2]["evidence"] == EVIDENCE
    with refused("JOINT_NOT_YOUR_SIDE"):
        joint.conclude_check(uow, request_id, "查实", agency_region=GUANGZHOU)
    as_agency(uow, SHENZHEN)
    done = joint.conclude_check(uow, request_id, "查实多收床位费，立案追回", agency_region=SHENZHEN)
    assert done["status"] == "concluded"
    assert [(s["seq"], s["step"]) for s in done["steps"]] == [(1, "request"), (2, "assign"), (3, "result"), (4, "conclude")]
    assert done["steps"][1]["by"] == "agency:440100/token:9c1d" and done["steps"][3]["by"] == "agency:440300/token:9c1d"
    # every step, the three refused ones too, locked the request before reading its steps
    assert uow.joint_supervision.locked.count(f"check-request/{request_id}") == 6
    assert [r[1] for r in uow.actions.rows][-4:] == ["check.request", "check.assign", "check.result", "check.conclude"]
    with refused("JOINT_NOT_YOUR_SIDE"):
        joint.check_request(uow, request_id, agency_region="450100")


def test_a_request_must_name_another_region_that_holds_the_institution():
    uow = world()
    with refused("JOINT_SAME_REGION"):
        joint.request_check(uow, from_admdvs=SHENZHEN, to_admdvs=SHENZHEN, fixmedins_code=CLINIC, items=["x"])
    with refused("JOINT_INSTITUTION_NOT_THERE", CLINIC):
        joint.request_check(uow, from_admdvs=SHENZHEN, to_admdvs=GUANGZHOU, fixmedins_code=CLINIC, items=["x"])
    with refused("JOINT_NO_ITEMS"):
        joint.request_check(uow, from_admdvs=SHENZHEN, to_admdvs=GUANGZHOU, fixmedins_code=HOSPITAL, items=[""])


def test_a_joint_inspection_with_agencies_and_an_expert_from_another_region_on_request():
    uow = world(GUANGZHOU)
    planned = joint.plan_inspection(uow, lead_admdvs=GUANGZHOU, title="骨科耗材联合检查", fixmedins_code=HOSPITAL,
                                    begndate=dt.date(2026, 12, 10), agencies=[SHENZHEN])
    inspection_id = planned["inspection_id"]
    assert planned["status"] == "planned"
    assert [(m["member_type"], m["member_id"]) for m in planned["members"]] == [("agency", GUANGZHOU), ("agency", SHENZHEN)]
    as_agency(uow, SHENZHEN)
    expert = experts.add_expert(uow, name="王医生", specialties=["骨科", "耗材"], home_admdvs=SHENZHEN)
    as_agency(uow, GUANGZHOU)
    asked = experts.assign(uow, expert["expert_id"], target="inspection", target_id=inspection_id,
                           day=dt.date(2026, 12, 10), agency_region=GUANGZHOU)
    assert asked["state"] == "requested" and not asked["effective"]
    assert joint.inspection(uow, inspection_id)["members"][0]["member_type"] == "agency"  # not yet a member
    with refused("JOINT_NOT_YOUR_SIDE"):
        experts.answer_request(uow, asked["assignment_id"], accepted=True, agency_region=GUANGZHOU)
    as_agency(uow, SHENZHEN)
    experts.answer_request(uow, asked["assignment_id"], accepted=True, agency_region=SHENZHEN)
    with refused("JOINT_REQUEST_ANSWERED"):
        experts.answer_request(uow, asked["assignment_id"], accepted=False, agency_region=SHENZHEN)
    members = joint.inspection(uow, inspection_id)["members"]
    assert ("expert", expert["expert_id"]) in {(m["member_type"], m["member_id"]) for m in members}
    assert experts.expert(uow, expert["expert_id"])["assignments"][0]["effective"]
    with refused("JOINT_NOT_YOUR_SIDE"):
        joint.move_inspection(uow, inspection_id, "start", agency_region=SHENZHEN)
    for step, status in (("start", "in_progress"), ("close", "closed")):
        assert joint.move_inspection(uow, inspection_id, step, note="结论", agency_region=GUANGZHOU)["status"] == status
    with refused("JOINT_INSPECTION_CLOSED"):
        joint.join_inspection(uow, inspection_id, "440000", agency_region=GUANGZHOU)


def test_an_expert_is_refused_when_unavailable_or_working_for_the_inspected_institution():
    uow = world(GUANGZHOU)
    inspection_id = joint.plan_inspection(uow, lead_admdvs=GUANGZHOU, title="t", fixmedins_code=HOSPITAL,
                                          begndate=dt.date(2026, 12, 10))["inspection_id"]
    insider = experts.add_expert(uow, name="赵", specialties=["内科"], home_admdvs=GUANGZHOU, employer_code=HOSPITAL)
    with refused("JOINT_EXPERT_CONFLICT", HOSPITAL):
        experts.assign(uow, insider["expert_id"], target="inspection", target_id=inspection_id,
                       day=dt.date(2026, 12, 10), agency_region=GUANGZHOU)
    busy = experts.add_expert(uow, name="钱", specialties=["内科"], home_admdvs=GUANGZHOU)
    experts.set_availability(uow, busy["expert_id"], begndate=dt.date(2026, 12, 8), enddate=dt.date(2026, 12, 12),
                             available=False, agency_region=GUANGZHOU)
    with refused("JOINT_EXPERT_UNAVAILABLE"):
        experts.assign(uow, busy["expert_id"], target="inspection", target_id=inspection_id,
                       day=dt.date(2026, 12, 10), agency_region=GUANGZHOU)
    assigned = experts.assign(uow, busy["expert_id"], target="inspection", target_id=inspection_id,
                              day=dt.date(2026, 12, 13), agency_region=GUANGZHOU)
    assert assigned["effective"] and assigned["state"] == "assigned"
    with refused("JOINT_NOT_YOUR_SIDE"):
        experts.set_availability(uow, busy["expert_id"], begndate=dt.date(2027, 1, 1), enddate=None, available=False,
                                 agency_region=SHENZHEN)
    pool = experts.experts(uow, specialty="内科", day=dt.date(2026, 12, 10))
    assert sorted((e["name"], e["available"]) for e in pool) == [("赵", True), ("钱", False)]


def confirmed_case(uow, amount_fen=3_000_000, subject_type="institution", subject_id=CLINIC) -> str:
    case = supervision.open_case(uow, admdvs=SHENZHEN, subject_type=subject_type, subject_id=subject_id,
                                 summary="串换项目", amount_fen=amount_fen, source="manual")
    supervision.move(uow, case["case_id"], "investigating")
    supervision.move(uow, case["case_id"], "confirmed")
    return case["case_id"]


def test_a_confirmed_case_is_a_credit_record_by_the_regions_rule_and_the_level_follows():
    uow = world()
    credit.set_policy(uow, admdvs=SHENZHEN, begndate=dt.date(2026, 1, 1), points_per_case=-25, points_per_10k_yuan=-5)
    case_id = confirmed_case(uow)  # 30 000 yuan: -25 - 3 × 5
    assert [(r["subject_id"], r["points"], r["case_id"]) for r in uow.supervision.credits] == [(CLINIC, -40, case_id)]
    found = credit.standing(uow, "institution", CLINIC, region=SHENZHEN)
    assert (found["score"], found["level"], found["restriction"]) == (60, "C", "strict_audit")
    credit.record_practitioner(uow, case_id, "D440300001")
    with refused("CREDIT_ALREADY_RECORDED"):
        credit.record_practitioner(uow, case_id, "D440300001")
    assert credit.standing(uow, "practitioner", "D440300001", region=SHENZHEN)["score"] == 60
    confirmed_case(uow, amount_fen=0)
    assert credit.standing(uow, "institution", CLINIC, region=SHENZHEN)["restriction"] == "no_direct"  # 35


def test_a_dismissed_case_costs_no_credit_and_a_city_policy_covers_its_districts():
    uow = world()
    case = supervision.open_case(uow, admdvs=SHENZHEN, subject_type="institution", subject_id=CLINIC, summary="s",
                                 amount_fen=0, source="manual")
    supervision.move(uow, case["case_id"], "dismissed")
    assert uow.supervision.credits == []
    credit.set_policy(uow, admdvs=SHENZHEN, begndate=dt.date(2026, 1, 1), strict_audit_below=95, no_direct_below=50)
    assert credit.standing(uow, "institution", CLINIC, region="440305")["restriction"] is None  # 100
    with refused("CREDIT_BAD_POLICY"):
        credit.set_policy(uow, admdvs=SHENZHEN, begndate=dt.date(2026, 6, 1), strict_audit_below=50, no_direct_below=60)
    with refused("CREDIT_POLICY_EXISTS"):
        credit.set_policy(uow, admdvs=SHENZHEN, begndate=dt.date(2026, 1, 1))


def test_the_negative_list_masks_persons_and_names_terminated_institutions():
    uow = world()
    uow.joint_supervision.regions[("person", "P440300123456")] = SHENZHEN
    uow.persons.rows["P440300123456"] = {"psn_no": "P440300123456"}
    for _ in range(3):
        confirmed_case(uow, amount_fen=0, subject_type="person", subject_id="P440300123456")  # 100 - 60 = 40
    confirmed_case(uow, amount_fen=0)  # the clinic at 80: not listed
    supervision.sanction(uow, subject_type="institution", subject_id=HOSPITAL, kind="terminate",
                         begndate=dt.date(2026, 12, 1), enddate=None, reason="欺诈骗保", case_id=None)
    listed = credit.negative_list(uow, agency_region=None)
    assert listed["format"] == "yibao-negative-list/1"
    assert [(e["subject_type"], e["subject_id"], e["reason"]) for e in listed["entries"]] == [
        ("person", "P440*******56", "信用分低于名单线"), ("institution", HOSPITAL, "协议已解除")]
    assert [e["subject_id"] for e in credit.negative_list(uow, agency_region=SHENZHEN)["entries"]] == ["P440*******56"]


def test_a_report_reward_is_the_regions_share_of_the_recovered_money_paid_once_through_the_ledger():
    uow = world()
    credit.set_policy(uow, admdvs=SHENZHEN, begndate=dt.date(2026, 1, 1), reward_share=Decimal("0.10"),
                      reward_floor_fen=50_000, reward_cap_fen=300_000)
    report = credit.receive_report(uow, admdvs=SHENZHEN, subject_type="institution", subject_id=CLINIC,
                                   content="串换药品", reporter_name="张三丰", reporter_contact="13800001234")
    assert report["reporter"] == "张** ****1234"
    case_id = confirmed_case(uow)
    with refused("REPORT_NOTHING_RECOVERED"):
        credit.pay_reward(uow, report["report_id"], case_id=case_id, agency_region=SHENZHEN)
    supervision.record_money(uow, case_id, "recovery", Decimal("12000.00"))
    supervision.record_money(uow, case_id, "refund", Decimal("1000.00"))
    supervision.record_money(uow, case_id, "penalty", Decimal("5000.00"))  # not recovered money
    with refused("JOINT_NOT_YOUR_SIDE"):
        credit.pay_reward(uow, report["report_id"], case_id=case_id, agency_region=GUANGZHOU)
    paid = credit.pay_reward(uow, report["report_id"], case_id=case_id, agency_region=SHENZHEN)
    assert (paid["recovered"], paid["amount"]) == (Decimal("13000.00"), Decimal("1300.00"))
    assert uow.ledger.balance(f"fund_report_reward:{SHENZHEN}") == 130_000
    with refused("REPORT_ALREADY_REWARDED"):
        credit.pay_reward(uow, report["report_id"], case_id=case_id, agency_region=SHENZHEN)
    big = credit.receive_report(uow, admdvs=SHENZHEN, subject_type="institution", subject_id=CLINIC, content="x")
    other = confirmed_case(uow)
    supervision.record_money(uow, other, "recovery", Decimal("90000.00"))
    assert credit.pay_reward(uow, big["report_id"], case_id=other, agency_region=None)["amount"] == Decimal("3000.00")
