"""Internet+ revisits and e-prescriptions through the gateway's dispatcher with a fixed clock, on
SQLite and PostgreSQL (docs/internet-plus.md): a first online visit is refused, a revisit settles
its consultation under med_type 11 with the delivery line self-paid; a prescription is dispensed
once at a pharmacy of another city, in part, and its reversal puts it back; expired, re-used,
revoked, unrecognised and not-uploaded prescriptions are refused with their codes; a region pair
set to accept a pre-check alone lets a 7101-only client dispense."""

from __future__ import annotations

import datetime as dt
import itertools
import json
from decimal import Decimal

import pytest
from typer.testing import CliRunner

from yibao.app import prescriptions
from yibao.app.actors import SYSTEM
from yibao.app.platform import Platform
from yibao.cli import app as cli
from yibao.gateway.dispatch import Dispatcher, Settings
from yibao.store.unit_of_work import SqlUnitOfWork

from . import internet_world as w

START = dt.datetime(2026, 9, 1, 9, 0)


class World:
    def __init__(self, database, work):
        self.database, self.now = database, START
        self.dispatcher = Dispatcher(Platform(database, clock=lambda: self.now), Settings(insecure_demo=True))
        self.msgids = itertools.count(1)
        w.load(database, work, START)

    def answer(self, code: str, infno: str, input_: dict) -> dict:
        message = {"infno": infno, "msgid": f"{code}{next(self.msgids):018d}", "fixmedins_code": code,
                   "insuplc_admdvs": w.INSURED, "input": input_}
        return self.dispatcher.handle(message, {}, 0)

    def call(self, code: str, infno: str, input_: dict) -> dict:
        body = self.answer(code, infno, input_)
        assert body["infcode"] == 0, body["err_msg"]
        return body

    def refused(self, code: str, infno: str, input_: dict, expected: str) -> str:
        body = self.answer(code, infno, input_)
        assert body["infcode"] == -1 and body["err_msg"].startswith(f"[{expected}]"), body["err_msg"]
        return body["err_msg"]

    def online_revisit(self, psn_no: str, number: str) -> dict:
        """An offline visit for I10 ten days ago, then an online visit settled: consultation and delivery."""
        self.call(w.PHYSICAL, "2201", w.registration(psn_no, f"OFF-{number}", self.now - dt.timedelta(days=10)))
        visit = self.call(w.ONLINE, "2201", w.registration(psn_no, f"ON-{number}", self.now))["output"]["data"]
        lines = [("CONSULT", "1", "30.00"), ("DELIV", "1", "10.00")]
        self.call(w.ONLINE, "2204", w.fees(visit["mdtrt_id"], psn_no, self.now, lines))
        return self.call(w.ONLINE, "2207", w.settle_data(visit["mdtrt_id"], psn_no, "40.00"))

    def prescribe(self, psn_no: str, mdtrt_id: str, hosp_rxno: str, *, upload: bool = True, valid_days: int = 3) -> dict:
        checked = self.call(w.ONLINE, "7101", w.precheck(psn_no, mdtrt_id, hosp_rxno, self.now,
                                                         [("DRUG1", "2"), ("DRUG2", "1")], valid_days))["output"]["data"]
        if upload:
            self.call(w.ONLINE, "7102", {"data": {"hi_rxno": checked["hi_rxno"], "original_value": "cmVjaXBl"}})
            self.call(w.ONLINE, "7103", {"data": {"hi_rxno": checked["hi_rxno"], "rx_trace_code": checked["rx_trace_code"]}})
        return checked


@pytest.fixture
def world(database, tmp_path):
    return World(database, tmp_path)


def test_a_first_online_visit_is_refused_and_a_revisit_pays_the_consultation_not_the_delivery(world):
    message = world.refused(w.ONLINE, "2201", w.registration("IP1", "ON-first", world.now), "INTERNET_NOT_REVISIT")
    assert "仅限复诊" in message and "180 天内" in message
    settled = world.online_revisit("IP1", "1")
    setlinfo = settled["output"]["setlinfo"]
    # 30.00 consultation at 60 % under the general outpatient benefit; the 10.00 delivery line self-paid
    assert (setlinfo["medfee_sumamt"], setlinfo["fulamt_ownpay_amt"], setlinfo["hifp_pay"]) == (40, 10, 18)
    assert setlinfo["med_type"] == "11" and setlinfo["psn_cash_pay"] == 22
    assert "[INTERNET_DELIVERY_SELF_PAID] 1 条配送费明细共 10.00 元" in settled["warn_msg"]


def test_a_qualified_chronic_patient_needs_no_offline_visit_and_an_old_visit_is_too_old(world):
    visit = world.call(w.ONLINE, "2201", w.registration(w.QUALIFIED, "ON-q", world.now))["output"]["data"]
    assert visit["mdtrt_id"]
    world.call(w.PHYSICAL, "2201", w.registration("IP2", "OFF-old", world.now - dt.timedelta(days=181)))
    world.refused(w.ONLINE, "2201", w.registration("IP2", "ON-old", world.now), "INTERNET_NOT_REVISIT")
    # another diagnosis than the offline visit's is a first visit too
    world.call(w.PHYSICAL, "2201", w.registration("IP2", "OFF-e11", world.now - dt.timedelta(days=5), "E11"))
    world.refused(w.ONLINE, "2201", w.registration("IP2", "ON-i10", world.now), "INTERNET_NOT_REVISIT")


def test_a_prescription_is_dispensed_once_in_part_in_another_city_and_put_back_by_the_reversal(world):
    visit = world.online_revisit("IP1", "2")["output"]["setlinfo"]
    checked = world.prescribe("IP1", visit["mdtrt_id"], "RX-2")
    rxno = checked["hi_rxno"]
    world.now += dt.timedelta(days=1)
    lines = [("DRUG1", "1", "25.00", rxno), ("DELIV", "1", "8.00", "")]
    preview = world.call(w.PHARMACY, "2101", w.sale("IP1", world.now, lines))["output"]["setlinfo"]
    sold = world.call(w.PHARMACY, "2102", w.sale("IP1", world.now, lines))
    setlinfo = sold["output"]["setlinfo"]
    assert setlinfo["fund_pay_sumamt"] == preview["fund_pay_sumamt"] == Decimal("12.50")
    assert setlinfo["fulamt_ownpay_amt"] == 8 and "配送费" in sold["warn_msg"]
    state = world.call(w.ONLINE, "7105", {"data": {"hi_rxno": rxno}})["output"]["rxinfo"][0]
    assert (state["rx_stas_codg"], state["rx_used_stas_codg"]) == ("1", "1")
    assert [row["dispensed_cnt"] for row in state["rxdetlinfo"]] == ["1", "0"]
    world.refused(w.PHARMACY, "2102", w.sale("IP1", world.now, [("DRUG2", "1", "20.00", rxno)]), "RX_ALREADY_DISPENSED")
    world.refused(w.ONLINE, "7104", {"data": {"hi_rxno": rxno, "undo_rea": "医生更改处方"}}, "RX_DISPENSED_NOT_REVOCABLE")
    world.call(w.PHARMACY, "2103", {"data": {"setl_id": setlinfo["setl_id"], "mdtrt_id": setlinfo["mdtrt_id"],
                                             "psn_no": "IP1"}})
    state = world.call(w.ONLINE, "7105", {"data": {"mdtrt_id": visit["mdtrt_id"]}})["output"]["rxinfo"][0]
    assert state["rx_used_stas_codg"] == "0" and [row["dispensed_cnt"] for row in state["rxdetlinfo"]] == ["0", "0"]
    again = [("DRUG1", "2", "25.00", rxno), ("DRUG2", "1", "20.00", rxno)]
    world.call(w.PHARMACY, "2102", w.sale("IP1", world.now, again))
    state = world.call(w.ONLINE, "7105", {"data": {"hi_rxno": rxno}})["output"]["rxinfo"][0]
    assert state["rx_used_stas_codg"] == "2"


def test_refusals_of_a_prescription(world):
    visit = world.online_revisit("IP3", "3")["output"]["setlinfo"]
    rxno = world.prescribe("IP3", visit["mdtrt_id"], "RX-3")["hi_rxno"]
    world.refused(w.PHARMACY, "2102", w.sale("IP3", world.now, [("DRUG1", "3", "25.00", rxno)]), "RX_LINES_MISMATCH")
    world.refused(w.PHARMACY, "2102", w.sale("IP3", world.now, [("CONSULT", "1", "5.00", rxno)]), "RX_LINES_MISMATCH")
    world.refused(w.PHARMACY, "2102", w.sale("IP1", world.now, [("DRUG1", "1", "25.00", rxno)]), "RX_OTHER_PERSON")
    world.refused(w.PHARMACY_BJ, "2102", w.sale("IP3", world.now, [("DRUG1", "1", "25.00", rxno)]),
                  "RX_REGION_NOT_RECOGNISED")
    world.refused(w.ONLINE, "7101", w.precheck("IP3", visit["mdtrt_id"], "RX-3", world.now, [("DRUG1", "1")]),
                  "RX_HOSP_RXNO_TAKEN")
    world.refused(w.ONLINE, "7101", w.precheck("IP3", visit["mdtrt_id"], "RX-D", world.now, [("DELIV", "1")]),
                  "RX_DELIVERY_LINE")
    world.now += dt.timedelta(days=3)  # valid 3 days: the 1st, 2nd and 3rd day
    message = world.refused(w.PHARMACY, "2102", w.sale("IP3", world.now, [("DRUG1", "1", "25.00", rxno)]), "RX_EXPIRED")
    assert "已于 2026-09-03 23:59:59 过期（有效期 3 天），不能取药" in message
    world.now -= dt.timedelta(days=3)
    revoked = world.prescribe("IP3", visit["mdtrt_id"], "RX-4")["hi_rxno"]
    world.call(w.ONLINE, "7104", {"data": {"hi_rxno": revoked, "undo_rea": "医生更改处方"}})
    world.refused(w.PHARMACY, "2102", w.sale("IP3", world.now, [("DRUG1", "1", "25.00", revoked)]), "RX_REVOKED")


def test_a_precheck_alone_is_dispensed_only_where_the_region_pair_allows_it(world):
    visit = world.online_revisit("IP2", "4")["output"]["setlinfo"]
    rxno = world.prescribe("IP2", visit["mdtrt_id"], "RX-5", upload=False)["hi_rxno"]
    line = [("DRUG1", "1", "25.00", rxno)]
    world.refused(w.PHARMACY, "2102", w.sale("IP2", world.now, line), "RX_NOT_UPLOADED")
    result = CliRunner().invoke(cli, ["prescription", "region", "--from", w.INSURED, "--to", w.GUANGZHOU,
                                      "--precheck-enough", "--operator", "经办员", "--db", world.database.url],
                                env={"YIBAO_NOW": None})
    assert result.exit_code == 0, result.output
    with SqlUnitOfWork(world.database, SYSTEM, world.now) as uow:
        assert prescriptions.region_setting(uow, w.INSURED, w.GUANGZHOU) == prescriptions.rules.RegionSetting(True, False)
    assert world.call(w.PHARMACY, "2102", w.sale("IP2", world.now, line))["output"]["setlinfo"]["fund_pay_sumamt"] == Decimal("12.50")


def test_statistics_of_internet_services_by_function_and_command(world):
    from yibao.app import internet_statistics

    visit = world.online_revisit("IP1", "5")["output"]["setlinfo"]
    rxno = world.prescribe("IP1", visit["mdtrt_id"], "RX-6")["hi_rxno"]
    world.prescribe("IP1", visit["mdtrt_id"], "RX-7", upload=False)
    sold = world.call(w.PHARMACY, "2102", w.sale("IP1", world.now, [("DRUG1", "2", "25.00", rxno)]))["output"]["setlinfo"]
    day = world.now.date()
    with SqlUnitOfWork(world.database, SYSTEM, world.now) as uow:
        figures = internet_statistics.internet(uow, agency_code="440000", begin=day, end=day)
    assert figures["institutions"] == [{"type": "三级医疗机构", "institutions": 1}]
    assert figures["visits"]["total"] == {"setl_cnt": 1, "medfee_sumamt": Decimal("40.00"),
                                          "fund_pay_sumamt": Decimal("18.00"), "psn_part_amt": Decimal("22.00")}
    assert [(row["list_type"], row["lines"], row["amount"]) for row in figures["categories"]] == [
        ("201", 1, Decimal("30.00")), ("901", 1, Decimal("10.00"))]
    assert figures["prescriptions"] == {"prechecked": 2, "uploaded": 1, "revoked": 0, "dispensed": 1,
                                        "dispensed_in_another_region": 1, "dispensed_medfee_sumamt": Decimal("50.00"),
                                        "dispensed_fund_pay_sumamt": Decimal("25.00")}
    world.call(w.PHARMACY, "2103", {"data": {"setl_id": sold["setl_id"], "mdtrt_id": sold["mdtrt_id"], "psn_no": "IP1"}})
    result = CliRunner().invoke(cli, ["stats", "internet", "--from", f"{day}", "--to", f"{day}", "--format", "json",
                                      "--db", world.database.url], env={"YIBAO_NOW": None})
    assert result.exit_code == 0, result.output
    shown = json.loads(result.output)
    assert (shown["prescriptions"]["dispensed"], shown["prescriptions"]["dispensed_medfee_sumamt"]) == (0, "0.00")
    with SqlUnitOfWork(world.database, SYSTEM, world.now) as uow:
        elsewhere = internet_statistics.internet(uow, agency_code="110000", begin=day, end=day)
    assert elsewhere["institutions"] == [] and elsewhere["prescriptions"]["prechecked"] == 0
