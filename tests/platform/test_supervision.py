"""Supervision workflow through the admin API, enforced at the gateway: agreement suspension
and termination, personal suspension, cases from suspected to confirmed with recoveries and
penalties, case notices shared between regions, and the figures the seeds report."""

from __future__ import annotations

import datetime as dt

import pytest

from yibao.app.actors import SYSTEM
from yibao.app.agencies import add_agency
from yibao.app.consistency import check_database
from yibao.store.unit_of_work import SqlUnitOfWork

from ..refusals import answered_refusal
from .conftest import named
from .walk import walk_golden

TODAY = dt.date.today()


@pytest.fixture(scope="module")
def agencies(platform_world):
    tokens = {}
    with SqlUnitOfWork(platform_world["database"], SYSTEM, dt.datetime.now()) as uow:
        for setup in platform_world["setups"]:
            for region in (setup.institution["admdvs"], setup.person["insuplc_admdvs"]):
                if region not in tokens:
                    tokens[region] = f"{region}:{add_agency(uow, region, f'agency {region}')}"
    return tokens


def admin(http, token, method, path, body=None, **params):
    response = http.request(method, "/admin/api" + path, json=body, params=params or None,
                            headers={"Authorization": f"Bearer {token}"})
    return response.status_code, response.json()


def test_suspended_institution_cannot_settle_until_lifted(platform_world, agencies, http):
    setup = named(platform_world, "ex1a")
    token = agencies[setup.institution["admdvs"]]
    status, held = admin(http, token, "POST", "/sanctions", {
        "subject_type": "institution", "subject_id": setup.institution["fixmedins_code"], "kind": "suspend",
        "begndate": TODAY.isoformat(), "enddate": (TODAY + dt.timedelta(days=90)).isoformat(), "reason": "分解住院 confirmed"})
    assert status == 201, held
    with answered_refusal("SUPERVISION_INSTITUTION_SANCTIONED", "医保协议已暂停至"):
        walk_golden(http, setup, suffix="-sus")
    status, _ = admin(http, token, "POST", f"/sanctions/{held['sanction_id']}/lift")
    assert status == 200
    assert walk_golden(http, setup, suffix="-lifted")["settle"]["setlinfo"]["setl_id"]
    other = agencies[named(platform_world, "ex6").institution["admdvs"]]
    status, _ = admin(http, other, "POST", "/sanctions", {
        "subject_type": "institution", "subject_id": setup.institution["fixmedins_code"], "kind": "terminate",
        "begndate": TODAY.isoformat(), "reason": "x"})
    assert status == 403


def test_suspended_person_cannot_settle_directly(platform_world, agencies, http):
    setup = named(platform_world, "ex1b")
    token = agencies[setup.person["insuplc_admdvs"]]
    outputs = walk_golden(http, setup, settle=False, suffix="-psn")
    status, _ = admin(http, token, "POST", "/sanctions", {
        "subject_type": "person", "subject_id": setup.person["psn_no"], "kind": "suspend",
        "begndate": TODAY.isoformat(), "enddate": (TODAY + dt.timedelta(days=30)).isoformat(), "reason": "冒名就医"})
    assert status == 201
    with answered_refusal("SUPERVISION_PERSON_SUSPENDED", "直接结算已暂停至"):
        outputs["client"].call("2304", {"data": outputs["data"]}, insuplc_admdvs=setup.case["visit"]["insuplc_admdvs"])


def test_case_workflow_money_notices_and_figures(platform_world, agencies, http):
    setup = named(platform_world, "ex5")
    token = agencies[setup.institution["admdvs"]]
    subject = {"subject_type": "institution", "subject_id": setup.institution["fixmedins_code"]}
    status, case = admin(http, token, "POST", "/cases", {**subject, "summary": "重复收费 suspected", "amount": "12000.50"})
    assert status == 201 and case["status"] == "suspected" and case["amount"] == "12000.50"
    case_id = case["case_id"]
    assert admin(http, token, "POST", f"/cases/{case_id}/money", {"kind": "recovery", "amount": "100"})[0] == 422
    assert admin(http, token, "POST", f"/cases/{case_id}/money", {"kind": "refund", "amount": "2000.00"})[0] == 200
    assert admin(http, token, "POST", f"/cases/{case_id}/status", {"status": "confirmed"})[0] == 422  # must investigate first
    assert admin(http, token, "POST", f"/cases/{case_id}/status", {"status": "investigating"})[0] == 200
    assert admin(http, token, "POST", f"/cases/{case_id}/status", {"status": "confirmed", "note": "查实"})[0] == 200
    assert admin(http, token, "POST", f"/cases/{case_id}/money", {"kind": "recovery", "amount": "10000.50"})[0] == 200
    assert admin(http, token, "POST", f"/cases/{case_id}/money", {"kind": "penalty", "amount": "20001"})[0] == 200
    assert admin(http, token, "POST", f"/cases/{case_id}/status", {"status": "dismissed"})[0] == 422  # closed
    status, stats = admin(http, token, "GET", "/stats/supervision", **{"from": TODAY.isoformat(), "to": TODAY.isoformat()})
    assert status == 200
    assert (stats["recovered_amt"], stats["refunded_amt"], stats["penalty_amt"], stats["penalty_cases"]) == (
        "10000.50", "2000.00", "20001.00", 1)
    assert stats["fund_loss_recovered_amt"] == "12000.50"  # 追回 + 自查自纠; the penalty is not fund loss recovered
    assert admin(http, token, "POST", f"/cases/{case_id}/police", {"note": "移交公安"})[0] == 200
    status, stats = admin(http, token, "GET", "/stats/supervision", **{"from": TODAY.isoformat(), "to": TODAY.isoformat()})
    assert stats["police_referrals"] == 1
    # a notice shared with another region becomes a suspected case there
    status, notice = admin(http, token, "GET", f"/cases/{case_id}/notice")
    assert status == 200 and notice["case"]["subject_id"] == subject["subject_id"]
    receiving = agencies[named(platform_world, "ex3a").person["insuplc_admdvs"]]
    status, shared = admin(http, receiving, "POST", "/notices", notice)
    assert status == 201 and shared["status"] == "suspected" and shared["source"].startswith("notice:")
    assert admin(http, receiving, "POST", f"/cases/{case_id}/status", {"status": "investigating"})[0] == 403
    with SqlUnitOfWork(platform_world["database"], SYSTEM, dt.datetime.now(), write=False) as uow:
        assert check_database(uow) == []
