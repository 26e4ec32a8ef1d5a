"""Registering a visit and changing its state, over a fake unit of work (app/visits.py): what is
refused, what is written, and which visit is locked."""

from __future__ import annotations

import datetime as dt

from yibao.app import actors, visits
from yibao.app.error_codes import refusal

from ..refusals import refused
from .fake_visits import FakeVisits
from .fakes import FakeUnitOfWork

NOW = dt.datetime(2026, 12, 1, 9, 30)
HOSPITAL = "H51010100001"
PERSON = "51010000000000000001"


def unit() -> FakeUnitOfWork:
    uow = FakeUnitOfWork(actors.institution(HOSPITAL, "M1"), NOW)
    uow.visits = FakeVisits()
    uow.visits.persons[PERSON] = {"psn_no": PERSON, "psn_name": "张三"}
    uow.visits.insurances[(PERSON, "310")] = {"psn_no": PERSON, "insutype": "310", "psn_insu_stas": "1",
                                              "insuplc_admdvs": "510100", "benefit_begndate": dt.date(2020, 1, 1),
                                              "insu_enddate": None}
    return uow


def registration(**changes) -> visits.Registration:
    values = dict(fixmedins_code=HOSPITAL, treatment_admdvs="510100", psn_no=PERSON, insutype="310",
                  kind="outpatient", med_type="11", visit_number="OP-1", begntime=NOW, dise_codg="J06.900")
    return visits.Registration(**{**values, **changes})


def test_a_registration_stores_the_visit_under_the_insured_region_and_runs_the_counter_checks():
    uow, checked = unit(), []
    mdtrt_id = visits.register(uow, registration(), check=checked.append)
    row = uow.visits.rows[mdtrt_id]
    assert (row["status"], row["kind"], row["ipt_otp_no"], row["insuplc_admdvs"], row["created_at"]) == (
        "registered", "outpatient", "OP-1", "510100", NOW)
    assert len(mdtrt_id) == 12 and mdtrt_id.startswith("31")
    assert [c["insutype"] for c in checked] == ["310"]


def test_an_admission_stores_its_diagnoses_at_the_admission_stage():
    uow = unit()
    mdtrt_id = visits.register(uow, registration(kind="inpatient", med_type="21", visit_number="IP-1"),
                               [{"diag_code": "I21.900", "maindiag_flag": "1"}])
    assert uow.visits.diagnoses == [{"diag_code": "I21.900", "maindiag_flag": "1", "mdtrt_id": mdtrt_id, "stage": "adm"}]


def test_registration_refused_for_an_unknown_person():
    uow = unit()
    with refused("PERSON_NOT_FOUND", "51010000000000000009"):
        visits.register(uow, registration(psn_no="51010000000000000009"))
    assert uow.visits.rows == {}


def test_registration_refused_without_active_insurance_of_the_type():
    uow = unit()
    uow.visits.insurances[(PERSON, "310")]["psn_insu_stas"] = "2"  # 暂停参保
    with refused("PERSON_NO_ACTIVE_INSURANCE", PERSON, "310"):
        visits.register(uow, registration())
    with refused("PERSON_NO_ACTIVE_INSURANCE", "390"):
        visits.register(uow, registration(insutype="390"))
    assert uow.visits.rows == {}


def test_registration_refused_after_the_insurance_ended_before_the_counter_checks():
    uow, checked = unit(), []
    uow.visits.insurances[(PERSON, "310")]["insu_enddate"] = dt.date(2026, 11, 30)
    with refused("ENROLL_INSURANCE_ENDED", "2026-11-30", "2026-12-01"):
        visits.register(uow, registration(), check=checked.append)
    assert checked == [] and uow.visits.rows == {}


def test_registration_refused_for_a_visit_number_the_institution_used():
    uow = unit()
    visits.register(uow, registration())
    with refused("VISIT_NUMBER_TAKEN", "OP-1"):
        visits.register(uow, registration())
    assert len(uow.visits.rows) == 1
    other = unit()
    other.visits.rows = dict(uow.visits.rows)
    visits.register(other, registration(fixmedins_code="H51010100002"))  # another institution's number space
    assert len(other.visits.rows) == 2


def test_a_counter_check_refusal_stores_nothing():
    uow = unit()

    def suspended(insurance):
        raise refusal("SUPERVISION_PERSON_SUSPENDED", psn_no=PERSON, enddate="2027-01-01", reason="骗保")
    with refused("SUPERVISION_PERSON_SUSPENDED"):
        visits.register(uow, registration(), check=suspended)
    assert uow.visits.rows == {}


def registered(uow, **changes) -> str:
    return visits.register(uow, registration(**changes))


def test_cancelling_a_settled_registration_is_refused_and_changes_nothing():
    uow = unit()
    mdtrt_id = registered(uow)
    uow.visits.active_settlements[mdtrt_id] = {"setl_id": "41000000001", "kind": "settlement"}
    with refused("VISIT_SETTLED", mdtrt_id, "撤销挂号"):
        visits.cancel_registration(uow, HOSPITAL, mdtrt_id, PERSON)
    assert uow.visits.rows[mdtrt_id]["status"] == "registered"
    assert uow.visits.locked == [mdtrt_id]


def test_cancelling_an_unsettled_registration_marks_it_and_a_second_cancel_is_refused():
    uow = unit()
    mdtrt_id = registered(uow)
    visits.cancel_registration(uow, HOSPITAL, mdtrt_id, PERSON)
    assert uow.visits.rows[mdtrt_id]["status"] == "cancelled"
    with refused("VISIT_CANCELLED", mdtrt_id):
        visits.cancel_registration(uow, HOSPITAL, mdtrt_id, PERSON)


def test_another_institution_or_person_cannot_touch_the_visit():
    uow = unit()
    mdtrt_id = registered(uow)
    with refused("VISIT_NOT_FOUND", mdtrt_id, "H51010100002"):
        visits.cancel_registration(uow, "H51010100002", mdtrt_id, PERSON)
    with refused("VISIT_OTHER_PERSON", "51010000000000000002"):
        visits.cancel_registration(uow, HOSPITAL, mdtrt_id, "51010000000000000002")
    assert uow.visits.rows[mdtrt_id]["status"] == "registered"


def test_visit_info_keeps_a_declared_emergency_and_stores_outpatient_diagnoses():
    uow = unit()
    mdtrt_id = registered(uow, emergency=True)
    visits.record_visit_info(uow, HOSPITAL, mdtrt_id, PERSON, {"med_type": "14", "emergency": False},
                             [{"diag_code": "E11.900"}])
    row = uow.visits.rows[mdtrt_id]
    assert (row["med_type"], row["emergency"]) == ("14", True)
    assert uow.visits.diagnoses == [{"diag_code": "E11.900", "mdtrt_id": mdtrt_id, "stage": "otp"}]


def test_discharge_then_its_cancel_and_the_refusals_around_them():
    uow = unit()
    mdtrt_id = registered(uow, kind="inpatient", med_type="21", visit_number="IP-1", dise_codg="I21.900")
    with refused("VISIT_DISCHARGE_BEFORE_ADMISSION"):
        visits.discharge(uow, HOSPITAL, mdtrt_id, PERSON, NOW - dt.timedelta(days=1), None, [])
    visits.discharge(uow, HOSPITAL, mdtrt_id, PERSON, NOW + dt.timedelta(days=5), None, [])
    row = uow.visits.rows[mdtrt_id]
    assert (row["status"], row["endtime"], row["dise_codg"]) == ("discharged", NOW + dt.timedelta(days=5), "I21.900")
    with refused("VISIT_NOT_OPEN_ADMISSION", "discharged"):
        visits.discharge(uow, HOSPITAL, mdtrt_id, PERSON, NOW + dt.timedelta(days=6), None, [])
    uow.visits.active_settlements[mdtrt_id] = {"setl_id": "41000000002"}
    with refused("VISIT_SETTLED", "撤销出院"):
        visits.cancel_discharge(uow, HOSPITAL, mdtrt_id, PERSON)
    del uow.visits.active_settlements[mdtrt_id]
    visits.cancel_discharge(uow, HOSPITAL, mdtrt_id, PERSON)
    assert (uow.visits.rows[mdtrt_id]["status"], uow.visits.rows[mdtrt_id]["endtime"]) == ("registered", None)


def test_admission_change_and_cancel_refused_once_settled():
    uow = unit()
    mdtrt_id = registered(uow, kind="inpatient", med_type="21", visit_number="IP-1")
    visits.change_admission(uow, HOSPITAL, mdtrt_id, {"med_type": "52"})
    assert uow.visits.rows[mdtrt_id]["med_type"] == "52"
    uow.visits.active_settlements[mdtrt_id] = {"setl_id": "41000000003"}
    with refused("VISIT_SETTLED", "修改住院信息"):
        visits.change_admission(uow, HOSPITAL, mdtrt_id, {"med_type": "21"})
    with refused("VISIT_SETTLED", "撤销入院登记"):
        visits.cancel_admission(uow, HOSPITAL, mdtrt_id, PERSON)
    assert uow.visits.rows[mdtrt_id]["status"] == "registered"
    outpatient = registered(uow, visit_number="OP-9")
    with refused("VISIT_ADMISSION_NOT_CANCELLABLE", outpatient):
        visits.cancel_admission(uow, HOSPITAL, outpatient, PERSON)
