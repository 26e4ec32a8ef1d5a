"""The rule base at work on the platform: 3101/3102 findings in the national shape, in-event
audit at settlement (warn, or refuse when the region says so), and the post-event batch over
stored settlements."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import httpx
import pytest

from yibao.app import actors, audit
from yibao.domain.audit import KnowledgeBase, export_package
from yibao.domain.audit.knowledge import PriceCeiling, Restriction
from yibao.sim.his import DISPATCH_PATH, HisClient
from yibao.store.unit_of_work import SqlUnitOfWork

from ..refusals import answered_refusal
from .snapshot import snapshot
from .walk import walk_golden

NOW = dt.datetime.now().replace(microsecond=0)


@pytest.fixture(scope="module")
def audited(platform_world):
    setup = next(s for s in platform_world["setups"] if s.name.startswith("ex1a"))
    region = setup.institution["admdvs"]
    knowledge = KnowledgeBase(
        restrictions=(Restriction("XB-YI", region, dt.date(2000, 1, 1), gend="2"),),  # 乙类药品: women only here
        price_ceilings=(PriceCeiling("BED", region, dt.date(2000, 1, 1), Decimal("60")),),
    )
    with SqlUnitOfWork(platform_world["database"], actors.SYSTEM, NOW) as uow:
        result = audit.import_rule_package(uow, export_package(audit.standard_package(region, NOW, knowledge)),
                                           admdvs=region, source="test", refuse_definite=False)
    assert result["changed"] and "rule added" in result["diff"]
    return {"setup": setup, "region": region}


def test_3101_returns_findings_in_the_national_shape(platform_world, audited):
    setup = audited["setup"]
    with httpx.Client(base_url=platform_world["url"], timeout=30) as http:
        client = HisClient(http, setup.institution)
        client.sign_in()
        result = client.call("3101", {"data": {"task_id": "T1", "patient_dtos": [{
            "patn_id": setup.person["psn_no"], "gend": "1", "fsi_encounter_dtos": [{
                "mdtrt_id": "PRE-1", "adm_date": "2024-03-01", "med_type": "21", "dscg_main_dise_codg": "I10",
                "fsi_order_dtos": [{"rx_id": "R1", "hilist_code": "XB-YI", "cnt": 1, "pric": 100, "sumamt": 100},
                                   {"rx_id": "R2", "hilist_code": "XA-JIA", "cnt": 1, "pric": 50}]}]}]}},
            insuplc_admdvs=setup.person["insuplc_admdvs"])["result"]
    by_type = {row["vola_bhvr_type"]: row for row in result}
    assert set(by_type) == {"限性别"}
    row = by_type["限性别"]
    assert row["patn_id"] == setup.person["psn_no"] and row["mdtrt_id"] == "PRE-1" and row["task_id"] == "T1"
    assert row["judge_result_detail_dtos"][0]["rx_id"] == "R1" and row["vola_amt"] == 100


def test_settlement_warns_then_refuses_when_the_region_says_so(platform_world, audited):
    setup, database = audited["setup"], platform_world["database"]
    with httpx.Client(base_url=platform_world["url"], timeout=30) as http:
        outputs = walk_golden(http, setup, settle=False, suffix="-aud1")
        client, insuplc = outputs["client"], setup.case["visit"]["insuplc_admdvs"]
        message = {"infno": "2304", "msgid": client.msgid(), "fixmedins_code": client.code, "sign_no": client.sign_no,
                   "insuplc_admdvs": insuplc, "input": {"data": outputs["data"]}}
        headers = {"content-type": "application/json", "x-tif-paasid": client.code, "apikey": client.institution["secret"]}
        body = http.post(DISPATCH_PATH, content=json.dumps(message), headers=headers).json()
        assert body["infcode"] == 0
        assert "限性别" in body["warn_msg"] and "超标准收费" in body["warn_msg"]
        # each warning carries its code (docs/his/error-codes.md), one per finding
        assert body["warn_msg"].startswith("[AUDIT_FINDING] 事中审核提示 [") and body["warn_msg"].count("[AUDIT_FINDING] ") >= 2
        with database.read() as conn:
            stored = {row[0] for row in conn.exec_driver_sql(
                "SELECT rule_type FROM audit_findings WHERE stage = '事中' AND mdtrt_id = ?" if database.is_sqlite else
                "SELECT rule_type FROM audit_findings WHERE stage = '事中' AND mdtrt_id = %s", (outputs["data"]["mdtrt_id"],))}
        assert {"限性别", "超标准收费"} <= stored
        with SqlUnitOfWork(database, actors.SYSTEM, NOW) as uow:
            package = audit.current_package(uow, audited["region"])[1]
            audit.import_rule_package(uow, export_package(package), admdvs=audited["region"], source="test",
                                      refuse_definite=True)
        second = walk_golden(http, setup, settle=False, suffix="-aud2")
        before = snapshot(database)
        with answered_refusal("SETTLE_AUDIT_REFUSED", "事中审核拒绝结算", "限性别"):
            second["client"].call("2304", {"data": second["data"]}, insuplc_admdvs=insuplc)
        assert snapshot(database) == before
        with SqlUnitOfWork(database, actors.SYSTEM, NOW) as uow:
            audit.import_rule_package(uow, export_package(package), admdvs=audited["region"], source="test",
                                      refuse_definite=False)


def test_post_event_audit_of_stored_settlements(platform_world, audited):
    setup, database = audited["setup"], platform_world["database"]
    with httpx.Client(base_url=platform_world["url"], timeout=30) as http:
        settled = walk_golden(http, setup, suffix="-aud3")["settle"]["setlinfo"]
    findings = audit.run_post_audit(lambda write: SqlUnitOfWork(database, actors.SYSTEM, NOW, write=write),
                                    begin=NOW.date(), end=NOW.date(), region=audited["region"])
    mine = [f for f in findings if f.setl_id == settled["setl_id"]]
    assert {f.rule_type for f in mine} >= {"限性别", "超标准收费"}
    gender = next(f for f in mine if f.rule_type == "限性别")
    assert gender.feedetl_sn == "0002" and str(gender.vola_amt) == "10000.00"
    with database.read() as conn:
        count = conn.exec_driver_sql("SELECT count(*) FROM audit_findings WHERE stage = '事后'").scalar()
    assert count == len(findings)
