"""End to end on SQLite with the real server: an agency lists its region's prices, compares them
with another region's, records a procurement batch, reads its savings from the settled fee lines
and its payment-standard linkage; another agency may not record for that region."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import insert

from yibao.app.actors import SYSTEM
from yibao.app.agencies import add_agency
from yibao.store import tables as t
from yibao.store.database import Database
from yibao.store.migrate import upgrade
from yibao.store.unit_of_work import SqlUnitOfWork

from ..server import Server
from . import payment_year as world
from .conftest import new_database_url


@pytest.fixture(scope="module")
def served(request, tmp_path_factory):
    url = new_database_url("sqlite", request, tmp_path_factory)
    database = Database(url)
    upgrade(database)
    folder = tmp_path_factory.mktemp("prices")
    world.import_institutions(database, folder)
    year = world.generate(database, year=2026, stays=30)
    reversed_ids = {s["reverses_setl_id"] for s in year["settlements"] if s["kind"] == "reversal"}
    in_force = {s["mdtrt_id"] for s in year["settlements"] if s["kind"] == "settlement" and s["setl_id"] not in reversed_ids}
    lines = [dict(mdtrt_id=v["mdtrt_id"], feedetl_sn="1", psn_no=v["psn_no"], med_list_codg="XA01", cnt="2",
                  pric="4.00", det_item_fee_sumamt_fen=800, fee_ocur_time=v["begntime"], status="uploaded",
                  created_at=v["begntime"]) for v in year["visits"]]
    volume = sum(2 for v in year["visits"] if v["mdtrt_id"] in in_force and v["begntime"] >= dt.datetime(2026, 7, 1)
                 and v["begntime"] < dt.datetime(2027, 1, 1))
    with database.write() as conn:
        conn.execute(insert(t.fee_lines), lines)
        conn.execute(insert(t.hilist).values(hilist_code="XA01", insu_admdvs=world.REGION, begndate=dt.date(2026, 1, 1),
                                              hilist_name="XA01", chrgitm_lv="01"))
    with SqlUnitOfWork(database, SYSTEM, dt.datetime.now()) as uow:
        token = f"{world.REGION}:{add_agency(uow, world.REGION, 'agency 440300')}"
        other = f"510100:{add_agency(uow, '510100', 'agency 510100')}"
    server = Server(url, log_path=folder / "server.log").start()
    yield {"server": server, "token": token, "other": other, "volume": volume}
    server.stop()
    database.dispose()


def test_listings_batch_savings_and_linkage_over_http(served):
    import httpx

    with httpx.Client(base_url=served["server"].url + "/admin/api/v1", timeout=60) as client:
        def call(method, path, body=None, token=None, params=None):
            response = client.request(method, path, json=body, params=params,
                                      headers={"Authorization": f"Bearer {token or served['token']}"})
            return response.status_code, response.json()

        assert call("POST", "/prices/440300/listings", [{"national_code": "XA01", "price": "10.00",
                                                         "listed_on": "2026-01-02"}])[0] == 201
        assert call("POST", "/prices/510100/listings", [{"national_code": "XA01", "price": "12.00",
                                                         "listed_on": "2026-01-02"}], token=served["other"])[0] == 201
        status, compared = call("GET", "/prices/compare", params={"region": ["440300", "510100"]})
        assert status == 200 and compared[0]["spread_ratio"] == "0.2000"
        batch = {"batch_no": "GJ-10", "level": "national", "begndate": "2026-07-01",
                 "items": [{"national_code": "XA01", "agreed_price": "4.00", "agreed_volume": "100"}]}
        status, problem = call("POST", "/procurement/440300/batches", batch, token=served["other"])
        assert status == 403 and problem["code"] == "AUTHZ_NOT_ADMINISTERED"
        assert call("POST", "/procurement/440300/batches", batch)[0] == 201
        status, problem = call("POST", "/procurement/440300/batches", batch)
        assert status == 409 and problem["code"] == "PROCUREMENT_BATCH_EXISTS"
        status, savings = call("GET", "/procurement/batches/GJ-10/savings", params={"until": "2027-01-01"})
        assert status == 200 and savings["items"][0]["settled_volume"] == str(served["volume"])
        assert savings["savings"] == f"{served['volume'] * 6}.00" and savings["reduction"] == "0.6000"
        status, linked = call("GET", "/procurement/batches/GJ-10/linkage")
        assert status == 200 and [(r["hilist_code"], r["hilist_pric_uplmt_amt"]) for r in linked] == [("XA01", "4.00")]


def test_two_agencies_agree_a_recognition_over_http(served):
    import httpx

    with httpx.Client(base_url=served["server"].url + "/admin/api/v1", timeout=60) as client:
        def call(method, path, body=None, token=None, params=None):
            response = client.request(method, path, json=body, params=params,
                                      headers={"Authorization": f"Bearer {token or served['token']}"})
            return response.status_code, response.json()

        status, compared = call("GET", "/recognitions/compare", params={"a": "440300", "b": "510100", "day": "2026-07-01"})
        assert status == 200 and compared["only_a"] == ["XA01"] and compared["only_b"] == []
        proposal = {"from_admdvs": "440300", "to_admdvs": "510100", "hilist_code": "XA01", "begndate": "2026-07-01",
                    "by_admdvs": "510100"}
        status, problem = call("POST", "/recognitions", proposal)  # 440300's agency acting as 510100
        assert status == 403 and problem["code"] == "AUTHZ_NOT_ADMINISTERED"
        status, proposed = call("POST", "/recognitions", proposal, token=served["other"])
        assert status == 201 and proposed["status"] == "proposed"
        rid = proposed["recognition_id"]
        status, problem = call("POST", f"/recognitions/{rid}/agree", {"by_admdvs": "510100"}, token=served["other"])
        assert status == 422 and problem["code"] == "RECOGNITION_SAME_PARTY"
        status, agreed = call("POST", f"/recognitions/{rid}/agree", {"by_admdvs": "440300"})
        assert status == 200 and agreed["status"] == "agreed"
        status, table = call("GET", "/recognitions/510100", params={"day": "2026-07-01"}, token=served["other"])
        assert status == 200 and table["recognised"] == {"XA01": "440300"}
