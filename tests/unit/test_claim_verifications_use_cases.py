"""Claim verifications (协查) over an in-memory unit of work: the insured place asks, the claim
cannot be paid while the request is open, the treatment place answers once, the insured place
closes; the lock order (claim, then request) and the refusals of each step."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from yibao.app import actors, agencies, claim_verifications as verifications, claims
from yibao.app.errors import GatewayError

from .test_claims_use_cases import NOW, PLATFORM, approve_all, form, world

DUE = dt.date(2026, 12, 15)
BEIJING = actors.agency("110000", "0b0b0b0b")


def asked(uow, **changes):
    view = claims.submit_claim(uow, form(**changes))
    items = [{"question": "核实住院天数与费用清单"}, {"line_no": 3, "question": "核实耗材是否实际使用"}]
    return view, verifications.request_verification(uow, view["claim_id"], items, DUE)


def refused(code: str, action):
    with pytest.raises(GatewayError) as caught:
        action()
    assert caught.value.code == code, caught.value.message
    return caught.value


def test_an_open_request_holds_the_payment_until_the_treatment_place_answers():
    uow = world()
    view, request = asked(uow)
    assert (request["status"], request["status_name"], request["due_date"], request["overdue"]) == ("open", "待答复", DUE, False)
    assert request["items"] == [{"line_no": None, "question": "核实住院天数与费用清单"},
                                {"line_no": 3, "question": "核实耗材是否实际使用"}]
    assert request["requested_by"] == "agency:371300/token:3f2a0b1c" and request["mdtrtarea_admvs"] == "110105"
    claims.review_claim(uow, PLATFORM, view["claim_id"], approve_all(view))
    error = refused("VERIFY_OPEN", lambda: claims.pay_claim(uow, PLATFORM, view["claim_id"]))
    assert request["verification_id"] in error.message and "协查" in error.message
    assert uow.claims.rows[view["claim_id"]]["status"] == "reviewed" and uow.claims.payment_rows == []

    uow.actor = BEIJING
    answered = verifications.answer_verification(uow, request["verification_id"], "discrepancies", "耗材少用 2 件",
                                                 [{"line_no": 3, "finding": "实际使用 8 件，收费 10 件"}])
    assert answered["status"] == "answered" and answered["answer"] == {
        "outcome": "discrepancies", "outcome_name": "存在疑点", "text": "耗材少用 2 件",
        "lines": [{"line_no": 3, "finding": "实际使用 8 件，收费 10 件"}], "answered_at": NOW,
        "answered_by": "agency:110000/token:0b0b0b0b"}
    assert [line["det_item_fee_sumamt"] for line in answered["claim"]["lines"]] == [
        Decimal("25000.00"), Decimal("15000.00"), Decimal("6000.00"), Decimal("4000.00")]
    paid = claims.pay_claim(uow, PLATFORM, view["claim_id"])
    assert paid["status"] == "paid" and paid["payments"][0]["fund_pay_sumamt"] == Decimal("25020.00")
    assert [(v["verification_id"], v["status"]) for v in paid["verifications"]] == [(request["verification_id"], "answered")]
    assert [row[1] for row in uow.actions.rows] == ["claim.submit", "claim.verify_request", "claim.review",
                                                    "claim.verify_answer", "claim.pay"]


def test_answering_and_closing_lock_the_claim_then_the_request():
    uow = world()
    view, request = asked(uow)
    uow.claims.locked.clear()
    verifications.answer_verification(uow, request["verification_id"], "confirmed", "", [])
    assert uow.claims.locked == [f"claim:{view['claim_id']}", f"verification:{request['verification_id']}"]


def test_a_request_is_answered_once_and_closed_once_and_a_closed_one_no_longer_answers():
    uow = world()
    view, request = asked(uow)
    vid = request["verification_id"]
    verifications.answer_verification(uow, vid, "confirmed", "", [])
    refused("VERIFY_ANSWERED", lambda: verifications.answer_verification(uow, vid, "confirmed", "", []))
    closed = verifications.close_verification(uow, vid, "已采纳就医地核查结果")
    assert (closed["status"], closed["close"]["reason"], closed["answer"]["outcome"]) == ("closed", "已采纳就医地核查结果", "confirmed")
    refused("VERIFY_CLOSED", lambda: verifications.close_verification(uow, vid, "再次办结"))
    _, other = asked(uow, invoice_no="FP-0002")
    verifications.close_verification(uow, other["verification_id"], "参保人已撤回申请")  # withdrawn unanswered
    refused("VERIFY_CLOSED", lambda: verifications.answer_verification(uow, other["verification_id"], "confirmed", "", []))


def test_a_closed_unanswered_request_releases_the_payment():
    uow = world()
    view, request = asked(uow)
    claims.review_claim(uow, PLATFORM, view["claim_id"], approve_all(view))
    verifications.close_verification(uow, request["verification_id"], "逾期未复，按现有材料审核")
    assert claims.pay_claim(uow, PLATFORM, view["claim_id"])["status"] == "paid"
    refused("VERIFY_CLAIM_STATUS", lambda: verifications.request_verification(
        uow, view["claim_id"], [{"question": "再核实"}], DUE))


def test_the_request_and_the_answer_are_checked():
    uow = world()
    view = claims.submit_claim(uow, form())
    cid = view["claim_id"]
    refused("VERIFY_NO_ITEMS", lambda: verifications.request_verification(uow, cid, [], DUE))
    refused("VERIFY_NO_ITEMS", lambda: verifications.request_verification(uow, cid, [{"question": "  "}], DUE))
    refused("VERIFY_BAD_LINE", lambda: verifications.request_verification(uow, cid, [{"line_no": 9, "question": "x"}], DUE))
    refused("VERIFY_BAD_DUE_DATE", lambda: verifications.request_verification(
        uow, cid, [{"question": "x"}], NOW.date() - dt.timedelta(days=1)))
    refused("CLAIM_NOT_FOUND", lambda: verifications.request_verification(uow, "CL0", [{"question": "x"}], DUE))
    vid = verifications.request_verification(uow, cid, [{"question": "x"}], DUE)["verification_id"]
    refused("VERIFY_BAD_OUTCOME", lambda: verifications.answer_verification(uow, vid, "maybe", "", []))
    refused("VERIFY_TEXT_REQUIRED", lambda: verifications.answer_verification(uow, vid, "discrepancies", " ", []))
    refused("VERIFY_BAD_LINE", lambda: verifications.answer_verification(
        uow, vid, "discrepancies", "x", [{"line_no": 5, "finding": "y"}]))
    refused("VERIFY_CLOSE_REASON", lambda: verifications.close_verification(uow, vid, ""))
    refused("VERIFY_NOT_FOUND", lambda: verifications.answer_verification(uow, "VR0", "confirmed", "", []))
    assert uow.claim_verifications.step_rows == []  # nothing written by a refusal
    assert [row[1] for row in uow.actions.rows] == ["claim.submit", "claim.verify_request"]


def test_lists_by_side_and_status_and_overdue_after_the_due_date():
    uow = world()
    _, first = asked(uow)
    uow.now = NOW + dt.timedelta(hours=1)
    _, second = asked(uow, invoice_no="FP-0002")
    verifications.answer_verification(uow, second["verification_id"], "confirmed", "", [])
    incoming = verifications.list_verifications(uow, role="incoming", regions=["11"])
    assert [v["verification_id"] for v in incoming] == [second["verification_id"], first["verification_id"]]
    assert incoming[0]["claim"]["invoice_no"] == "FP-0002" and incoming[0]["claim"]["medfee_sumamt"] == Decimal("50000.00")
    assert [v["verification_id"] for v in verifications.list_verifications(
        uow, role="requested", regions=["3713"], status="open")] == [first["verification_id"]]
    assert verifications.list_verifications(uow, role="incoming", regions=["3713"]) == []
    uow.now = dt.datetime(2026, 12, 16, 9, 0)
    assert [v["overdue"] for v in verifications.list_verifications(uow, role="requested", regions=["3713"])] == [False, True]
    refused("VERIFY_BAD_ROLE", lambda: verifications.list_verifications(uow, role="both", regions=["11"]))
    refused("VERIFY_BAD_STATUS", lambda: verifications.list_verifications(uow, role="incoming", regions=["11"], status="x"))


def test_only_the_treatment_region_answers_and_only_the_insured_region_closes():
    row = {"verification_id": "VR1", "insuplc_admdvs": "371300", "mdtrtarea_admvs": "110105"}
    linyi, beijing, guangdong = ({"agency_code": code} for code in ("371300", "110000", "440000"))
    verifications.require_side(beijing, row, "incoming")
    verifications.require_side(linyi, row, "requested")
    assert refused("VERIFY_NOT_TREATMENT_AGENCY", lambda: verifications.require_side(linyi, row, "incoming")).kind == "forbidden"
    assert refused("VERIFY_NOT_REQUESTER", lambda: verifications.require_side(beijing, row, "requested")).kind == "forbidden"
    refused("VERIFY_NOT_A_PARTY", lambda: verifications.require_side(guangdong, row, "either"))
    assert agencies.administers(beijing, "110105")
