"""The issue's end to end over HTTP against the real server, on SQLite and PostgreSQL: an Internet+
revisit settled online, its prescription pre-checked, signed and uploaded, dispensed and settled
at a pharmacy in another city; a first online visit refused, the delivery line not paid by the
fund, a re-used and an expired prescription refused with their Chinese messages."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import httpx
import pytest

from yibao.app.actors import SYSTEM
from yibao.app.agencies import add_agency
from yibao.sim.his import HisClient
from yibao.store.database import Database
from yibao.store.migrate import upgrade
from yibao.store.unit_of_work import SqlUnitOfWork

from ..refusals import answered_refusal
from ..server import Server
from . import internet_world as w
from .conftest import new_database_url


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def server(request, tmp_path_factory):
    url = new_database_url(request.param, request, tmp_path_factory)
    database = Database(url)
    upgrade(database)
    w.load(database, tmp_path_factory.mktemp("internet"), dt.datetime.now())
    with SqlUnitOfWork(database, SYSTEM, dt.datetime.now()) as uow:
        token = f"440000:{add_agency(uow, '440000', '广东省医保局')}"
    running = Server(url).start()
    running.agency_token = token
    yield running
    running.stop()
    database.dispose()


def client(http, code: str, admdvs: str) -> HisClient:
    his = HisClient(http, {"fixmedins_code": code, "fixmedins_name": code, "admdvs": admdvs, "secret": w.SECRET})
    his.sign_in()
    return his


def test_revisit_online_then_the_prescription_dispensed_in_another_city(server):
    now = dt.datetime.now().replace(microsecond=0)
    with httpx.Client(base_url=server.url, timeout=30) as http:
        physical, online = client(http, w.PHYSICAL, w.INSURED), client(http, w.ONLINE, w.INSURED)
        pharmacy = client(http, w.PHARMACY, w.GUANGZHOU)
        with answered_refusal("INTERNET_NOT_REVISIT", "“互联网+”医疗服务仅限复诊", "首诊不能在线结算"):
            online.call("2201", w.registration("IP1", "ON-1", now), insuplc_admdvs=w.INSURED)
        physical.call("2201", w.registration("IP1", "OFF-1", now - dt.timedelta(days=30)), insuplc_admdvs=w.INSURED)
        visit = online.call("2201", w.registration("IP1", "ON-2", now), insuplc_admdvs=w.INSURED)["data"]
        online.call("2204", w.fees(visit["mdtrt_id"], "IP1", now, [("CONSULT", "1", "30.00"), ("DELIV", "1", "10.00")]),
                    insuplc_admdvs=w.INSURED)
        body = online.post("2207", w.settle_data(visit["mdtrt_id"], "IP1", "40.00"), insuplc_admdvs=w.INSURED).json()
        setlinfo = body["output"]["setlinfo"]
        assert (Decimal(str(setlinfo["hifp_pay"])), Decimal(str(setlinfo["fulamt_ownpay_amt"]))) == (Decimal(18), Decimal(10))
        assert "配送费明细共 10.00 元不属于医保基金支付范围" in body["warn_msg"]

        checked = online.call("7101", w.precheck("IP1", visit["mdtrt_id"], "RX-H1", now, [("DRUG1", "2")]),
                              insuplc_admdvs=w.INSURED)["data"]
        signed = online.call("7102", {"data": {"hi_rxno": checked["hi_rxno"], "original_value": "UlgtSDE="}})["data"]
        assert len(signed["sign_digest"]) == 64
        uploaded = online.call("7103", {"data": {"hi_rxno": checked["hi_rxno"], "rx_trace_code": checked["rx_trace_code"]}})
        assert uploaded["data"]["rx_stas_codg"] == "1"

        sale = w.sale("IP1", now, [("DRUG1", "2", "25.00", checked["hi_rxno"])])
        sold = pharmacy.call("2102", sale, insuplc_admdvs=w.INSURED)["setlinfo"]
        assert Decimal(str(sold["fund_pay_sumamt"])) == Decimal(25) and sold["clr_optins"] == w.GUANGZHOU
        with answered_refusal("RX_ALREADY_DISPENSED", checked["hi_rxno"], "不能重复使用"):
            pharmacy.call("2102", sale, insuplc_admdvs=w.INSURED)

        old = online.call("7101", w.precheck("IP1", visit["mdtrt_id"], "RX-H2", now - dt.timedelta(days=5),
                                              [("DRUG1", "1")]), insuplc_admdvs=w.INSURED)["data"]
        with answered_refusal("RX_EXPIRED", old["hi_rxno"], "过期（有效期 3 天），不能取药"):
            pharmacy.call("2102", w.sale("IP1", now, [("DRUG1", "1", "25.00", old["hi_rxno"])]), insuplc_admdvs=w.INSURED)

        stats = http.get("/admin/api/stats/internet", params={"from": f"{now.date()}", "to": f"{now.date()}"},
                         headers={"Authorization": f"Bearer {server.agency_token}"})
        assert stats.status_code == 200, stats.text
        figures = stats.json()
        assert figures["visits"]["total"]["setl_cnt"] == 1 and figures["visits"]["total"]["fund_pay_sumamt"] == "18.00"
        assert (figures["prescriptions"]["prechecked"], figures["prescriptions"]["dispensed"]) == (2, 1)
        assert figures["prescriptions"]["dispensed_in_another_region"] == 1
