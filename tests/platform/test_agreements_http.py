"""Agreements over HTTP against the real server, on SQLite and PostgreSQL: a visit whose service
the agreement does not cover is refused at 2201 with its coded Chinese refusal; an agency's
suspension of a physical institution's agreement cascades to the Internet+ supplement depending
on it; the public Internet+ list (JSON and page, no login) shows only supplements in force."""

from __future__ import annotations

import datetime as dt

import pytest

from yibao.app.actors import SYSTEM
from yibao.app.agencies import add_agency
from yibao.app.importing import import_file
from yibao.sim.his import HisClient
from yibao.store.unit_of_work import SqlUnitOfWork

from ..refusals import answered_refusal
from .golden_world import write_csv

TODAY = dt.date.today()


def local_outpatient(platform_world):
    return next(s for s in platform_world["setups"] if s.case["visit"]["med_type"] not in ("21", "24")
                and s.case["visit"]["insuplc_admdvs"] == s.case["visit"]["mdtrtarea_admvs"])


@pytest.fixture(scope="module")
def extra(platform_world, tmp_path_factory):
    """Four institutions in the region of a local outpatient case: inpatient only, a physical one,
    its Internet+ institution, and one with an Internet+ supplement of its own."""
    setup = local_outpatient(platform_world)
    region = setup.institution["admdvs"]
    codes = {name: f"H{region}9{n:04d}" for n, name in enumerate(("inpatient_only", "physical", "online", "own"))}
    rows = [dict(fixmedins_code=codes["inpatient_only"], agreement_services="inpatient;cross_region;account"),
            dict(fixmedins_code=codes["physical"], agreement_services="outpatient;inpatient"),
            dict(fixmedins_code=codes["online"], agreement_services="internet;outpatient", internet_of=codes["physical"]),
            dict(fixmedins_code=codes["own"], agreement_services="outpatient;internet")]
    for row in rows:
        row.update(fixmedins_name=f"协议测试{row['fixmedins_code'][-4:]}", fixmedins_type="1", medins_lv="2",
                   admdvs=region, secret=f"secret-{row['fixmedins_code']}")
    path = write_csv(tmp_path_factory.mktemp("agreements") / "institutions.csv", rows)
    import_file(platform_world["database"], "institutions", path, now=dt.datetime.now())
    with SqlUnitOfWork(platform_world["database"], SYSTEM, dt.datetime.now()) as uow:
        token = f"{region}:{add_agency(uow, region, f'agency {region}')}"
    return {"setup": setup, "codes": codes, "rows": {row["fixmedins_code"]: row for row in rows}, "token": token}


def register(http, institution: dict, setup, suffix: str) -> dict:
    client = HisClient(http, institution)
    client.sign_in()
    person = setup.person
    return client.call("2201", {"data": {
        "psn_no": person["psn_no"], "insutype": person["insutype"], "begntime": f"{dt.datetime.now():%Y-%m-%d %H:%M:%S}",
        "mdtrt_cert_type": "02", "mdtrt_cert_no": person["certno"], "ipt_otp_no": f"MZ-AG-{suffix}",
        "med_type": "11"}}, insuplc_admdvs=setup.case["visit"]["insuplc_admdvs"])


def admin(http, token, method, path, body=None):
    response = http.request(method, "/admin/api" + path, json=body, headers={"Authorization": f"Bearer {token}"})
    return response.status_code, response.json()


def test_an_institution_without_outpatient_coverage_is_refused_at_2201(platform_world, extra, http):
    code = extra["codes"]["inpatient_only"]
    with answered_refusal("AGREEMENT_SERVICE_NOT_COVERED", code, "不含门诊服务", "不能挂号"):
        register(http, extra["rows"][code], extra["setup"], "1")
    physical = extra["codes"]["physical"]
    assert register(http, extra["rows"][physical], extra["setup"], "2")["data"]["mdtrt_id"]


def test_the_public_list_and_the_cascade_of_a_suspension(platform_world, extra, http):
    codes = extra["codes"]
    listed = http.get("/public/internet-institutions").json()
    assert {row["fixmedins_code"] for row in listed["institutions"]} == {codes["online"], codes["own"]}
    online = next(row for row in listed["institutions"] if row["fixmedins_code"] == codes["online"])
    assert (online["physical_fixmedins_code"], online["service_codes"]) == (codes["physical"], ["internet", "outpatient"])
    assert online["services"] == ["门诊", "互联网+医疗服务"]
    status, history = admin(http, extra["token"], "GET", f"/institutions/{codes['physical']}/agreements")
    assert status == 200 and [r["step"] for r in history] == ["sign"]
    status, suspended = admin(http, extra["token"], "POST", f"/agreements/{history[0]['agreement_id']}/suspend", {
        "begndate": TODAY.isoformat(), "enddate": (TODAY + dt.timedelta(days=30)).isoformat(), "reason": "分解住院"})
    assert status == 200, suspended
    status, online_history = admin(http, extra["token"], "GET", f"/institutions/{codes['online']}/agreements")
    cascaded = online_history[-1]
    assert (cascaded["step"], cascaded["refers_to"], cascaded["reason"]) == (
        "suspend", suspended["record_id"], "实体定点协议暂停：分解住院")
    listed = http.get("/public/internet-institutions").json()
    assert {row["fixmedins_code"] for row in listed["institutions"]} == {codes["own"]}
    page = http.get("/public/internet-institutions.html")
    assert page.status_code == 200 and "协议测试" + codes["own"][-4:] in page.text
    assert "协议测试" + codes["online"][-4:] not in page.text
    with answered_refusal("AGREEMENT_NOT_IN_FORCE", codes["online"], "已暂停"):
        register(http, extra["rows"][codes["online"]], extra["setup"], "3")


def test_another_regions_agency_cannot_act_on_the_agreement(platform_world, extra, http):
    other = next(s.institution["admdvs"] for s in platform_world["setups"]
                 if s.institution["admdvs"][:4] != extra["setup"].institution["admdvs"][:4])
    with SqlUnitOfWork(platform_world["database"], SYSTEM, dt.datetime.now()) as uow:
        token = f"{other}:{add_agency(uow, other, f'agency {other}')}"
    status, body = admin(http, token, "GET", f"/institutions/{extra['codes']['own']}/agreements")
    assert (status, body["code"]) == (403, "AGREEMENT_NOT_ADMINISTERED")
