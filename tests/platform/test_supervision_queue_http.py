"""End to end over HTTP (issue #17 items 2-4): a post-event audit run twice leaves one set of
findings in the queue, moved through the admin API; another region's agency is refused (403)
for every kind of one-sided action; a shared package is previewed and merged."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest

from yibao.app import actors, audit
from yibao.app.agencies import add_agency
from yibao.app.authorization import administers
from yibao.domain.audit import KnowledgeBase, export_package
from yibao.domain.audit.knowledge import PriceCeiling, Restriction
from yibao.domain.audit.package import package_from_dict
from yibao.store.unit_of_work import SqlUnitOfWork

from .walk import walk_golden

NOW = dt.datetime.now().replace(microsecond=0)


@pytest.fixture(scope="module")
def queue_world(platform_world):
    """ex1a's treatment region with a package that flags its visit, an agency there and one of a
    region that administers neither it nor its patient."""
    setup = next(s for s in platform_world["setups"] if s.name.startswith("ex1a"))
    region, insured = setup.institution["admdvs"], setup.person["insuplc_admdvs"]
    stranger = next(r for s in platform_world["setups"] for r in (s.institution["admdvs"], s.person["insuplc_admdvs"])
                    if not administers(r, region) and not administers(r, insured))
    knowledge = KnowledgeBase(restrictions=(Restriction("XB-YI", region, dt.date(2000, 1, 1), gend="2"),),
                              price_ceilings=(PriceCeiling("BED", region, dt.date(2000, 1, 1), Decimal("60")),))
    database = platform_world["database"]
    with SqlUnitOfWork(database, actors.SYSTEM, NOW) as uow:
        audit.import_rule_package(uow, export_package(audit.standard_package(region, NOW, knowledge)), admdvs=region,
                                  source="test", refuse_definite=False)
        tokens = {code: f"{code}:{add_agency(uow, code, f'agency {code}')}" for code in {region, insured, stranger}}
    return {"setup": setup, "region": region, "insured": insured, "stranger": stranger, "tokens": tokens}


def admin(http, token, method, path, body=None, **params):
    response = http.request(method, "/admin/api" + path, json=body, params=params or None,
                            headers={"Authorization": f"Bearer {token}"})
    return response.status_code, response.json()


def post_audit(database, region) -> dict:
    return audit.post_audit(lambda write: SqlUnitOfWork(database, actors.SYSTEM, NOW, write=write),
                            begin=NOW.date(), end=NOW.date(), region=region)


def test_a_re_run_leaves_one_set_of_findings_moved_through_the_queue(platform_world, queue_world, http):
    walk_golden(http, queue_world["setup"], suffix="-q1")
    first = post_audit(platform_world["database"], queue_world["region"])
    second = post_audit(platform_world["database"], queue_world["region"])
    assert first["finding_ids"] and second["run"]["supersedes"] == first["run"]["run_id"]
    token = queue_world["tokens"][queue_world["region"]]
    status, page = admin(http, token, "GET", "/findings", limit=500)
    assert status == 200
    post_event = {row["finding_id"] for row in page["findings"] if row["stage"] == "事后"}
    assert post_event == set(second["finding_ids"]) and not post_event & set(first["finding_ids"])
    finding_id = second["finding_ids"][0]
    for to, reason in (("checking", ""), ("confirmed", ""), ("appealed", "机构申诉：已按限价收费"), ("confirmed", "复核维持")):
        status, moved = admin(http, token, "POST", f"/findings/{finding_id}/transition", {"to": to, "reason": reason})
        assert status == 200 and moved["status"] == to, moved
    assert [s["to_status"] for s in moved["history"]] == ["checking", "confirmed", "appealed", "confirmed"]
    assert moved["history"][2]["reason"] == "机构申诉：已按限价收费" and moved["history"][0]["by"].startswith("agency:")
    status, refused = admin(http, token, "POST", f"/findings/{finding_id}/transition", {"to": "appealed", "reason": "再诉"})
    assert (status, refused["code"]) == (409, "FINDING_TRANSITION")
    status, refused = admin(http, token, "POST", f"/findings/{first['finding_ids'][0]}/transition", {"to": "checking"})
    assert (status, refused["code"]) == (409, "FINDING_SUPERSEDED")
    status, confirmed = admin(http, token, "GET", "/findings", status="confirmed", institution=queue_world["setup"].institution["fixmedins_code"])
    assert [row["finding_id"] for row in confirmed["findings"]] == [finding_id] and confirmed["findings"][0]["vola_amt"]
    # the case-opening flow takes the ids the queue shows
    status, case = admin(http, token, "POST", "/cases/from-findings", {"finding_ids": [finding_id]})
    assert status == 201 and case["subject_id"] == queue_world["setup"].institution["fixmedins_code"]
    status, notice = admin(http, token, "GET", f"/cases/{case['case_id']}/notice")
    [shared] = notice["findings"]
    assert status == 200 and shared["finding_id"] == finding_id and "*" in shared["psn_no"]
    assert shared["psn_no"] != queue_world["setup"].person["psn_no"] and "by" not in notice["events"][0]


def test_another_region_s_agency_is_refused_403_for_each_kind_of_one_sided_action(platform_world, queue_world, http):
    setup, stranger = queue_world["setup"], queue_world["tokens"][queue_world["stranger"]]
    institution, person = setup.institution["fixmedins_code"], setup.person["psn_no"]
    status, page = admin(http, stranger, "GET", "/findings", limit=500)
    assert status == 200 and all(row["fixmedins_code"] != institution for row in page["findings"])
    ids = post_audit(platform_world["database"], queue_world["region"])["finding_ids"]
    today = NOW.date().isoformat()
    attempts = {
        "AUTHZ_NOT_TREATMENT_PLACE": [
            ("POST", f"/findings/{ids[0]}/transition", {"to": "checking"}),
            ("POST", "/cases", {"subject_type": "institution", "subject_id": institution, "summary": "x"}),
            ("POST", "/cases/from-findings", {"finding_ids": ids[:1]}),
            ("POST", "/sanctions", {"subject_type": "institution", "subject_id": institution, "kind": "terminate",
                                    "begndate": today, "reason": "x"}),
        ],
        "AUTHZ_NOT_INSURED_PLACE": [
            ("POST", "/sanctions", {"subject_type": "person", "subject_id": person, "kind": "suspend", "begndate": today,
                                    "enddate": today, "reason": "x"}),
            ("POST", "/cases", {"subject_type": "person", "subject_id": person, "summary": "x"}),
            ("POST", f"/prepayments/plan?year={NOW.year + 1}&insured={queue_world['insured']}", None),
        ],
        "AUTHZ_NOT_ADMINISTERED": [
            ("POST", f"/rules/{queue_world['region']}/import", {"package": {}}),
            ("GET", f"/rules/{queue_world['region']}/origins", None),
        ],
    }
    for code, calls in attempts.items():
        for method, path, body in calls:
            status, answer = admin(http, stranger, method, path, body)
            assert (status, answer["code"]) == (403, code), (path, answer)
            assert "经办机构" in answer["detail"]
    # clearing: an agency clears only the pairs it is a side of
    month = (NOW.replace(day=1) - dt.timedelta(days=1)).strftime("%Y-%m")
    status, rows = admin(http, stranger, "POST", f"/clearing/{month}/run")
    assert status == 200 and all(administers(queue_world["stranger"], r["insuplc_admdvs"])
                                 or administers(queue_world["stranger"], r["mdtrtarea_admvs"]) for r in rows)


def test_a_shared_package_is_previewed_then_merged_keeping_the_region_s_own_knowledge(platform_world, queue_world, http):
    region, token = queue_world["region"], queue_world["tokens"][queue_world["region"]]
    shared = json.loads(export_package(audit.standard_package(queue_world["stranger"], NOW, KnowledgeBase(
        price_ceilings=(PriceCeiling("BED", queue_world["stranger"], dt.date(2000, 1, 1), Decimal("90")),)))))
    status, view = admin(http, token, "POST", f"/rules/{region}/import", {"package": shared})
    assert status == 200 and view["counts"] == {"new": 1, "changed": 0, "same": 14, "only-mine": 2}
    status, result = admin(http, token, "POST", f"/rules/{region}/import", {"package": shared, "accept": ["all"]})
    assert status == 200 and result["kept_only_mine"] == 2 and len(result["applied"]) == 1
    status, origins = admin(http, token, "GET", f"/rules/{region}/origins")
    [applied] = result["applied"]
    assert status == 200 and origins[applied]["source_region"] == queue_world["stranger"]
    assert origins[applied]["imported_by"].startswith(f"agency:{region}")
    # read the stored document itself: this process's parsed-package cache is keyed by package_id,
    # which another test module's database may have used too
    with SqlUnitOfWork(platform_world["database"], actors.SYSTEM, NOW, write=False) as uow:
        package = package_from_dict(json.loads(uow.audit.current_package(region)["document"]))
    assert {(row.insu_admdvs, row.hilist_pric_uplmt_amt) for row in package.knowledge.price_ceilings} == {
        (region, Decimal("60")), (queue_world["stranger"], Decimal("90"))}
    status, refused = admin(http, token, "POST", f"/rules/{region}/import", {"package": shared, "accept": ["rule/NOPE"]})
    assert (status, refused["code"]) == (422, "RULESHARE_ITEM_NOT_ACCEPTABLE")
