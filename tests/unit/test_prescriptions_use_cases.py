"""The e-prescription use cases (app/prescriptions.py) and the revisit check (app/internet_plus.py)
against an in-memory unit of work: numbers and validity of a pre-check, what a dispensing may
take, the locks it takes, the return that puts quantities back, revocation, region settings."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from yibao.app import actors, internet_plus, prescriptions
from yibao.domain import agreements as agreement_rules
from yibao.domain import prescriptions as rules

from ..refusals import refused
from .fake_prescriptions import FakePrescriptions
from .fakes import FakeUnitOfWork

NOW = dt.datetime(2026, 12, 1, 9, 0)
HOSPITAL = {"fixmedins_code": "H44030000002", "admdvs": "440300"}
PHARMACY = {"fixmedins_code": "P44010000001", "admdvs": "440100"}


def world(now: dt.datetime = NOW) -> FakeUnitOfWork:
    uow = FakeUnitOfWork(actors.institution(HOSPITAL["fixmedins_code"], "M1"), now)
    uow.prescriptions = FakePrescriptions({"DRUG1": "101", "DRUG2": "101", "DELIV": "901"})
    return uow


def prescribe(uow, hosp_rxno="RX1", valid_days=3, lines=(("DRUG1", "2"), ("DRUG2", "1"))) -> dict:
    with uow:
        return prescriptions.precheck(uow, institution=HOSPITAL, rx=dict(
            hosp_rxno=hosp_rxno, psn_no="P1", mdtrt_id="M1", rx_type_code="1", prsc_time=NOW, valid_days=valid_days,
            maindiag_code="I10", detail={}), lines=[dict(med_list_codg=code, drug_genname=code, cnt=Decimal(cnt),
                                                         drug_sumamt_fen=0) for code, cnt in lines], msgid="M1")


def dispense(uow, hi_rxno, lines, setl_id="S1"):
    with uow:
        taken = prescriptions.check_dispensing(uow, pharmacy=PHARMACY, psn_no="P1",
                                               wanted={hi_rxno: [(c, Decimal(n)) for c, n in lines]}, lock=True)
        return prescriptions.record_dispensing(uow, pharmacy=PHARMACY, mdtrt_id="MP", setl_id=setl_id, taken=taken)


def test_a_precheck_numbers_the_prescription_and_ends_its_validity_on_the_last_day():
    uow = world()
    answer = prescribe(uow, valid_days=3)
    assert answer["valid_end_time"] == dt.datetime(2026, 12, 3, 23, 59, 59)
    assert answer["hi_rxno"].startswith("RX") and len(answer["rx_trace_code"]) == 25
    assert [row[1] for row in uow.actions.rows] == ["prescription.precheck"]
    with refused("RX_HOSP_RXNO_TAKEN", "RX1"):
        prescribe(uow)
    with refused("RX_BAD_VALID_DAYS", "31"):
        prescribe(uow, "RX2", valid_days=31)
    with refused("RX_DELIVERY_LINE", "DELIV"):
        prescribe(uow, "RX3", lines=(("DELIV", "1"),))
    with refused("RX_DRUG_REPEATED"):
        prescribe(uow, "RX4", lines=(("DRUG1", "1"), ("DRUG1", "1")))


def test_a_dispensing_locks_the_prescription_takes_at_most_what_is_prescribed_and_once():
    uow = world()
    rxno = prescribe(uow)["hi_rxno"]
    with refused("RX_NOT_UPLOADED", rxno):
        dispense(uow, rxno, [("DRUG1", "1")])
    with uow:
        prescriptions.upload(uow, fixmedins_code=HOSPITAL["fixmedins_code"], hi_rxno=rxno,
                             rx_trace_code=uow.prescriptions.rows[rxno]["rx_trace_code"], msgid="M2")
    with refused("RX_LINES_MISMATCH", "取药数量 3 超过处方剩余数量 2"):
        dispense(uow, rxno, [("DRUG1", "3")])
    dispense(uow, rxno, [("DRUG1", "1")])
    assert uow.prescriptions.locked[-1] == rxno
    state = prescriptions.folded(uow.prescriptions.prescription(rxno))
    assert (state.used_status(), state.dispensed) == ("1", {1: Decimal(1)})
    with refused("RX_ALREADY_DISPENSED", rxno):
        dispense(uow, rxno, [("DRUG2", "1")], setl_id="S2")
    with uow:
        returned = prescriptions.put_back(uow, setl_id="S1", reversal_setl_id="R1")
    assert len(returned) == 1 and prescriptions.folded(uow.prescriptions.prescription(rxno)).live_dispensing is None
    with uow:
        assert prescriptions.put_back(uow, setl_id="S1", reversal_setl_id="R1") == []  # a return once
    dispense(uow, rxno, [("DRUG1", "2"), ("DRUG2", "1")], setl_id="S3")
    assert prescriptions.folded(uow.prescriptions.prescription(rxno)).used_status() == "2"


def test_expiry_revocation_and_the_region_pair():
    uow = world()
    rxno = prescribe(uow)["hi_rxno"]
    with uow:
        prescriptions.set_region(uow, prescribing="440300", dispensing="440100", recognised=True, upload_required=False)
    later = world(NOW + dt.timedelta(days=3))
    later.prescriptions = uow.prescriptions
    with refused("RX_EXPIRED", rxno, "2026-12-03 23:59:59", "不能取药"):
        dispense(later, rxno, [("DRUG1", "1")])
    with uow:
        prescriptions.set_region(uow, prescribing="440300", dispensing="440100", recognised=False, upload_required=False)
    with refused("RX_REGION_NOT_RECOGNISED", "440300", "440100"):
        dispense(uow, rxno, [("DRUG1", "1")])
    with uow:
        prescriptions.revoke(uow, fixmedins_code=HOSPITAL["fixmedins_code"], hi_rxno=rxno, undo_rea="换药", msgid="M3")
    with refused("RX_REVOKED", rxno, "不能撤销"):
        with uow:
            prescriptions.revoke(uow, fixmedins_code=HOSPITAL["fixmedins_code"], hi_rxno=rxno, undo_rea="x", msgid="M4")
    with refused("RX_NOT_FOUND", rxno):
        with uow:
            prescriptions.revoke(uow, fixmedins_code="H44030000009", hi_rxno=rxno, undo_rea="x", msgid="M5")


@pytest.mark.parametrize(("prescribing", "dispensing", "recognised"), [
    ("440300", "440100", True), ("440300", "440300", True), ("440300", "110105", False)])
def test_the_default_setting_recognises_within_a_province_and_requires_the_upload(prescribing, dispensing, recognised):
    assert rules.default_setting(prescribing, dispensing) == rules.RegionSetting(recognised, True)


def agreements_of(*rows) -> dict:
    records = []
    for n, (code, kind, parent) in enumerate(rows, start=1):
        records.append(dict(record_id=n, agreement_id=f"A{n}", fixmedins_code=code, kind=kind, parent_agreement_id=parent,
                            step="sign", begndate=dt.date(2020, 1, 1), enddate=None, services="outpatient"))
    return agreement_rules.fold(records)


def test_the_revisit_check_counts_offline_visits_for_the_same_diagnosis_within_the_days():
    agreements = agreements_of(("H1", "designation", None), ("H2", "internet", "A1"))
    uow = world()
    visit = {"fixmedins_code": "H2", "psn_no": "P1", "insutype": "310", "begntime": NOW, "mdtrt_id": "M9"}
    uow.filings = type("NoFilings", (), {"qualifications_of": lambda self, psn_no: []})()
    assert internet_plus.online(agreements, visit) and not internet_plus.online(agreements, dict(visit, fixmedins_code="H1"))
    uow.prescriptions.visits = [("P1", NOW - dt.timedelta(days=100), "H2", "I10"),  # online: not a basis
                                ("P1", NOW - dt.timedelta(days=200), "H1", "I10")]  # too old
    with refused("INTERNET_NOT_REVISIT", "180 天内", "I10"):
        internet_plus.check_revisit(uow, agreements, visit, revisit_days=180, diagnosis="I10")
    assert "线下就诊（I10）" in internet_plus.check_revisit(uow, agreements, visit, revisit_days=210, diagnosis="I10")
    uow.prescriptions.visits.append(("P1", NOW - dt.timedelta(days=1), "H1", "E11"))
    with refused("INTERNET_NOT_REVISIT"):
        internet_plus.check_revisit(uow, agreements, visit, revisit_days=180, diagnosis="I10")
