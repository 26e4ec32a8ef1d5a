"""Enrollment and transfer end to end over HTTP on both backends, with the server's clock fixed
(YIBAO_NOW): a resident enrolled mid-year is refused during the waiting period and settled after
it; a person transferred from Chongqing to Chengdu keeps their contribution years and both
regions' account funding reconciles in the ledger."""

from __future__ import annotations

import copy
import datetime as dt
import json
from decimal import Decimal

import httpx
import pytest

from yibao.app.actors import SYSTEM
from yibao.app.agencies import add_agency
from yibao.app.importing import import_file
from yibao.sim.his import HisClient, TransactionFailed
from yibao.sim.idnumbers import make_certno
from yibao.store.database import Database
from yibao.store.migrate import upgrade
from yibao.store.repositories.ledger import balances, check_ledger
from yibao.store.unit_of_work import SqlUnitOfWork

from ..conftest import VENDORED_GOLDEN
from ..server import Server
from .conftest import new_database_url
from .golden_world import write_csv

pytestmark = pytest.mark.server

CHENGDU, CHONGQING, HOSPITAL = "510100", "500000", "H51010000001"
ENROLLED = dt.datetime(2026, 3, 10, 9, 0)
AFTER_WAITING = dt.datetime(2026, 6, 15, 9, 0)
OUTPATIENT = {"name": "outpatient", "med_types": ["11"], "accumulator": "outpatient", "deductible": None,
              "bands_basis": "annual", "bands": [{"upto": None, "ratio": 0.5}], "cap": {"key": "outpatient", "amount": 3000}}
INSTITUTION = {"fixmedins_code": HOSPITAL, "fixmedins_name": "成都市第一人民医院", "fixmedins_type": "1", "medins_lv": "3",
               "admdvs": CHENGDU, "secret": "chengdu-secret-1"}


def load(database, work) -> None:
    case = json.loads((VENDORED_GOLDEN / "ex3d_unfiled_cross_province.case.json").read_text(encoding="utf-8"))
    policy = copy.deepcopy(case["policy"])
    policy.update(admdvs=CHENGDU, insutype="390", valid_from="2025-01-01", valid_to=None)
    policy["benefits"].append(OUTPATIENT)
    (work / "policy.json").write_text(json.dumps(policy, ensure_ascii=False), encoding="utf-8")
    import_file(database, "policy", work / "policy.json", now=ENROLLED)
    hilist = [{"hilist_code": e["code"], "hilist_name": e["name"], "insu_admdvs": CHENGDU, "begndate": "2000-01-01",
               "chrgitm_lv": e["chrgitm_lv"]} for e in case["catalog"]]
    persons = [{"psn_no": "CQ0001", "certno": make_certno(CHONGQING, dt.date(1985, 5, 1), 1, True), "psn_name": "转移人",
                "gend": "1", "brdy": "1985-05-01", "insutype": "310", "psn_type": "1101", "insuplc_admdvs": CHONGQING,
                "acct_balance": "888.88"}]
    for kind, rows in (("hilist", hilist), ("institutions", [INSTITUTION]), ("persons", persons)):
        import_file(database, kind, write_csv(work / f"{kind}.csv", rows), now=ENROLLED)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def world(request, tmp_path_factory):
    url = new_database_url(request.param, request, tmp_path_factory)
    database = Database(url)
    upgrade(database)
    work = tmp_path_factory.mktemp("enrollment")
    load(database, work)
    with SqlUnitOfWork(database, SYSTEM, ENROLLED) as uow:
        tokens = {code: f"{code}:{add_agency(uow, code, name)}" for code, name in
                  ((CHENGDU, "成都市医疗保障事务中心"), (CHONGQING, "重庆市医疗保障事务中心"))}
    yield {"url": url, "database": database, "tokens": tokens, "work": work}
    database.dispose()


def serve(world, now: dt.datetime) -> Server:
    env = {"YIBAO_NOW": now.isoformat(), "YIBAO_ALLOW_FIXED_NOW": "1"}
    return Server(world["url"], log_path=world["work"] / f"server-{now:%m%d}.log", env=env).start()


def admin(client, world, agency, method, path, body=None):
    response = client.request(method, "/admin/api" + path, json=body,
                              headers={"Authorization": f"Bearer {world['tokens'][agency]}"})
    return response.status_code, response.json()


def his_for(client) -> HisClient:
    his = HisClient(client, {key: INSTITUTION[key] for key in ("fixmedins_code", "fixmedins_name", "admdvs", "secret")})
    his.sign_in()
    return his


def register(his, begntime: dt.datetime) -> str:
    data = {"psn_no": "CD0001", "insutype": "390", "begntime": f"{begntime:%Y-%m-%d %H:%M:%S}", "mdtrt_cert_type": "02",
            "mdtrt_cert_no": "CD0001", "ipt_otp_no": f"MZ{begntime:%m%d%H%M}", "med_type": "11"}
    return his.call("2201", {"data": data}, insuplc_admdvs=CHENGDU)["data"]["mdtrt_id"]


def settle(his, mdtrt_id: str, when: dt.datetime) -> dict:
    stamp = f"{when:%Y-%m-%d %H:%M:%S}"
    lines = [{"feedetl_sn": "0001", "mdtrt_id": mdtrt_id, "psn_no": "CD0001", "med_list_codg": "JIA", "cnt": "2",
              "pric": "60.00", "det_item_fee_sumamt": "120.00", "fee_ocur_time": stamp, "chrg_bchno": "B1"}]
    his.call("2204", {"feedetail": lines}, insuplc_admdvs=CHENGDU)
    data = {"psn_no": "CD0001", "mdtrt_id": mdtrt_id, "medfee_sumamt": "120.00", "insutype": "390",
            "acct_used_flag": "0", "chrg_bchno": "B1", "med_type": "11", "mdtrt_cert_type": "02", "mdtrt_cert_no": "CD0001"}
    return his.call("2207", {"data": data}, insuplc_admdvs=CHENGDU)["setlinfo"]


def test_waiting_period_then_settlement_and_a_transfer_from_chongqing_to_chengdu(world):
    server = serve(world, ENROLLED)
    try:
        with httpx.Client(base_url=server.url, timeout=30) as client:
            enrolled_resident_is_refused_in_the_waiting_period(client, world)
            transfer_keeps_contribution_years_and_moves_the_balance(client, world)
    finally:
        server.stop()
    server = serve(world, AFTER_WAITING)
    try:
        with httpx.Client(base_url=server.url, timeout=30) as client:
            his = his_for(client)
            setlinfo = settle(his, register(his, AFTER_WAITING), AFTER_WAITING)
    finally:
        server.stop()
    amounts = [Decimal(str(setlinfo[name])) for name in ("medfee_sumamt", "fund_pay_sumamt", "psn_cash_pay")]
    assert amounts == [Decimal("120.00"), Decimal("60.00"), Decimal("60.00")]


def enrolled_resident_is_refused_in_the_waiting_period(client, world):
    person = {"certno": make_certno(CHENGDU, dt.date(1992, 2, 2), 7, False), "psn_name": "新参保", "gend": "2",
              "brdy": "1992-02-02"}
    request = {"psn_no": "CD0001", "insutype": "390", "insuplc_admdvs": CHENGDU, "kind": "resident", "psn_type": "1501",
               "person": person}
    assert admin(client, world, CHONGQING, "POST", "/enrollments", request)[1]["code"] == "ADMIN_SUBJECT_NOT_ADMINISTERED"
    status, body = admin(client, world, CHENGDU, "POST", "/enrollments", request)
    assert status == 201, body
    assert (body["begndate"], body["benefit_begndate"]) == ("2026-03-10", "2026-06-10")  # 3 months' waiting
    his = his_for(client)
    with pytest.raises(TransactionFailed) as refused:
        register(his, ENROLLED)
    assert "[ENROLL_WAITING_PERIOD]" in str(refused.value) and "2026-06-10" in str(refused.value)


def transfer_keeps_contribution_years_and_moves_the_balance(client, world):
    months = [f"{year}-{month:02d}" for year in range(2021, 2026) for month in range(1, 13)] + ["2026-01", "2026-02"]
    for month in months:
        status, body = admin(client, world, CHONGQING, "POST", "/enrollments/CQ0001/contributions",
                             {"insutype": "310", "month": month, "emp_amt": "480.00", "psn_amt": "160.00"})
        assert status == 201, body
    request = {"psn_no": "CQ0001", "from_admdvs": CHONGQING, "to_admdvs": CHENGDU, "insutype": "310"}
    assert admin(client, world, CHENGDU, "POST", "/transfers", request)[1]["code"] == "ADMIN_PERSON_NOT_ADMINISTERED"
    status, issued = admin(client, world, CHONGQING, "POST", "/transfers", request)
    assert status == 201, issued
    assert (issued["contribution_months"], issued["contribution_years"], issued["acct_balance"]) == (62, 5, "888.88")
    path = f"/transfers/{issued['transfer_id']}/accept"
    assert admin(client, world, CHONGQING, "POST", path)[1]["code"] == "ENROLL_TRANSFER_NOT_RECEIVER"
    status, accepted = admin(client, world, CHENGDU, "POST", path)
    assert status == 200, accepted
    assert (accepted["begndate"], accepted["benefit_begndate"], accepted["acct_moved"]) == ("2026-03-10", "2026-03-10", "888.88")
    status, shown = admin(client, world, CHENGDU, "GET", "/enrollments/CQ0001")
    insurance = shown["insurances"][0]
    assert (insurance["insuplc_admdvs"], insurance["contribution_years"], insurance["contribution_extra_months"]) == (CHENGDU, 5, 2)
    assert admin(client, world, CHONGQING, "GET", "/enrollments/CQ0001")[0] == 403  # no longer Chongqing's
    with world["database"].engine.connect() as conn:
        ledger = balances(conn)
        assert check_ledger(conn) == []
    assert (ledger.get("acct_funding:500000"), ledger["acct_funding:510100"], ledger["psn_acct:CQ0001"]) == (0, 88888, -88888)
