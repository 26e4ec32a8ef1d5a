"""Settlement lists (4101–4104, 4401), departments (3401–3403, 5101), practitioners (5102) and
人员定点备案 (2505/2506, 5302) against in-memory repositories (milliseconds)."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest

from yibao.app import actors, filings, institution, setl_lists
from yibao.domain import setl_list as rules

from ..refusals import refused
from .fake_lists import FakeDepartments, FakePractitioners, FakeSetlLists
from .fake_registry import FakeDesignations
from .fakes import FakeUnitOfWork

HOSPITAL = "H50000000001"
ACTOR = actors.institution(HOSPITAL, "M1")
D = Decimal


def unit() -> FakeUnitOfWork:
    uow = FakeUnitOfWork(ACTOR)
    uow.departments, uow.practitioners, uow.setl_lists = FakeDepartments(), FakePractitioners(), FakeSetlLists()
    uow.filings = FakeDesignations(insurances={"P1": [{"psn_no": "P1", "insutype": "310", "insuplc_admdvs": "500000"}]},
                                   institutions={HOSPITAL: "测试医院", "H50000000002": "社区卫生服务中心"})
    return uow


# --- settlement lists ---------------------------------------------------------------------------

def settled_world(uow, *, kind="settlement", visit_kind="outpatient") -> None:
    """A settlement of 140.00: funds 310100 70.00 + 320100 10.00, self-pay 30.00 + over-ceiling 5.00,
    account 20.00 (own 15.00 + 共济 5.00), cash 40.00."""
    uow.setl_lists.visits["V1"] = {"mdtrt_id": "V1", "psn_no": "P1", "fixmedins_code": HOSPITAL, "kind": visit_kind,
                                   "begntime": dt.datetime(2026, 11, 3, 9), "endtime": dt.datetime(2026, 11, 3, 10)}
    amounts = dict(medfee_sumamt_fen=14000, fulamt_ownpay_amt_fen=3000, overlmt_selfpay_fen=500, psn_part_amt_fen=6000,
                   acct_pay_fen=1500, acct_mulaid_pay_fen=500, psn_cash_pay_fen=4000)
    detail = {"setldetail": [{"fund_pay_type": "310100", "fund_payamt": "70.00"},
                             {"fund_pay_type": "320100", "fund_payamt": "10.00"},
                             {"fund_pay_type": "310200", "fund_payamt": "15.00"}]}
    uow.setl_lists.settlements["S1"] = dict(amounts, setl_id="S1", mdtrt_id="V1", psn_no="P1", fixmedins_code=HOSPITAL,
                                            kind=kind, detail=json.dumps(detail))


def a_list(**changes) -> rules.SettlementList:
    fields = dict(
        setl_id="S1", mdtrt_id="V1", psn_no="P1",
        diagnoses=(rules.Diagnosis("diseinfo", "1", "I10.x00", "高血压", "1"), rules.Diagnosis("diseinfo", "1", "E11.900")),
        operations=(rules.Operation("88.7200", "心脏超声"),),
        payments=(("310100", D("70.00")), ("320100", D("10.00"))),
        items=(rules.ChargeItem("09", D("100.00"), D("50.00"), D("20.00"), D("30.00")),
               rules.ChargeItem("01", D("40.00"), D("40.00"))),
        personal=rules.Personal(D("25.00"), D("35.00"), D("20.00"), D("40.00")),
        diag_code_cnt=2, oprn_oprt_code_cnt=1, setl_begn_date=dt.date(2026, 11, 3), setl_end_date=dt.date(2026, 11, 3))
    fields.update(changes)
    return rules.SettlementList(**fields)


def upload(uow, doc=None):
    with uow:
        return setl_lists.upload_list(uow, fixmedins_code=HOSPITAL, infno="4101", doc=doc or a_list(),
                                      setlinfo={"medcasno": ""}, payinfo=[], iteminfo=[], icuinfo=[])


def test_a_consistent_list_is_stored_with_its_coded_rows_and_no_findings():
    uow = unit()
    settled_world(uow)
    row = upload(uow)
    assert uow.setl_lists.locked == ["V1"] and row["supersedes_list_id"] is None
    assert (row["psn_selfpay_fen"], row["psn_ownpay_fen"], row["acct_pay_fen"], row["psn_cashpay_fen"]) == (2500, 3500, 2000, 4000)
    assert json.loads(row["qc_problems"]) == []
    diagnoses, operations = uow.setl_lists.coded(row["setl_list_id"])
    assert [(d["diag_code"], d["maindiag_flag"]) for d in diagnoses] == [("I10.x00", "1"), ("E11.900", "")]
    assert [o["oprn_oprt_code"] for o in operations] == ["88.7200"]


def test_a_re_upload_supersedes_and_a_submitted_list_must_be_reopened_first():
    uow = unit()
    settled_world(uow)
    first = upload(uow)
    second = upload(uow)
    assert second["supersedes_list_id"] == first["setl_list_id"]
    assert uow.setl_lists.current_list("S1")["setl_list_id"] == second["setl_list_id"]
    with uow:
        setl_lists.change_statuses(uow, HOSPITAL, [("S1", "1")])
    with refused("SETLLIST_SUBMITTED", "S1"):
        upload(uow)
    assert len(uow.setl_lists.lists) == 2
    with uow:
        setl_lists.change_statuses(uow, HOSPITAL, [("S1", "0")])
    assert upload(uow)["supersedes_list_id"] == second["setl_list_id"]
    assert [s[1] for s in uow.setl_lists.statuses] == ["1", "0"]


@pytest.mark.parametrize("changes, code, words", [
    (dict(mdtrt_id="V9"), "SETLLIST_VISIT_MISMATCH", "就诊ID V9"),
    (dict(diagnoses=()), "SETLLIST_NO_DIAGNOSIS", "至少需要一条诊断"),
    (dict(diagnoses=(rules.Diagnosis("diseinfo", "1", "I10.x00"),)), "SETLLIST_MAIN_DIAGNOSIS", "收到 0 条"),
    (dict(diagnoses=(rules.Diagnosis("diseinfo", "1", "GXY", maindiag_flag="1"),)), "SETLLIST_DIAG_CODE", "diseinfo[0].diag_code GXY"),
    (dict(operations=(rules.Operation("LC-01"),)), "SETLLIST_OPRN_CODE", "oprninfo[0]"),
    (dict(payments=(("310100", D("70.00")),)), "SETLLIST_FUND_MISMATCH", "320100 金额 0 与结算 S1 的 10.00 不符"),
    (dict(payments=(("310100", D("70.00")), ("320100", D("10.00")), ("310200", D("20.00")))), "SETLLIST_FUND_MISMATCH",
     "310200 金额 20.00 与结算 S1 的 15.00 不符"),
    (dict(items=(rules.ChargeItem("09", D("139.99")),)), "SETLLIST_FEE_MISMATCH", "139.99"),
    (dict(personal=rules.Personal(acct_pay=D("15.00"))), "SETLLIST_PERSONAL_MISMATCH", "个人账户支出）15.00 与结算 S1 的 20.00"),
])
def test_a_list_contradicting_its_settlement_is_refused_and_nothing_is_stored(changes, code, words):
    uow = unit()
    settled_world(uow)
    with refused(code, words):
        upload(uow, a_list(**changes))
    assert uow.setl_lists.lists == []


def test_reversed_settlements_and_other_institutions_settlements_are_refused():
    uow = unit()
    settled_world(uow, kind="reversal")
    with refused("SETLLIST_REVERSAL", "S1"):
        upload(uow)
    uow = unit()
    settled_world(uow)
    uow.setl_lists.reversed.add("S1")
    with refused("SETLLIST_REVERSED", "S1"):
        upload(uow)
    uow.setl_lists.settlements["S1"]["fixmedins_code"] = "H50000000002"
    with refused("SETLLIST_NO_SETTLEMENT", "S1"):
        upload(uow)


def test_quality_findings_are_stored_with_an_accepted_list():
    uow = unit()
    settled_world(uow, visit_kind="inpatient")
    doc = a_list(items=(rules.ChargeItem("09", D("140.00"), D("100.00")),), personal=rules.Personal(),
                 diag_code_cnt=3, setl_end_date=dt.date(2026, 11, 4), payments=())
    problems = json.loads(upload(uow, doc)["qc_problems"])
    codes = [p["code"] for p in problems]
    assert codes == ["SETLLIST_QC_PAYINFO", "SETLLIST_QC_ITEM_PARTS", "SETLLIST_QC_ITEM_OWNPAY"] + \
        ["SETLLIST_QC_PERSONAL_FILLED"] * 4 + ["SETLLIST_QC_DIAG_COUNT", "SETLLIST_QC_SETL_DATES", "SETLLIST_QC_MEDCASNO"]
    assert "甲类 + 乙类 + 自费 + 其他 = 100.00，金额为 140.00" in problems[1]["message"]
    assert "个人自付未填，按结算记录补为 25.00" == problems[3]["message"]


def test_an_opsp_disease_code_is_accepted_in_opspdiseinfo_only():
    rules.check_diagnoses((rules.Diagnosis("opspdise", "", "M03900"),))
    with pytest.raises(rules.SetlListRefused) as refusal:
        rules.check_diagnoses((rules.Diagnosis("diseinfo", "1", "M03900", maindiag_flag="1"),))
    assert refusal.value.code == "SETLLIST_DIAG_CODE"
    assert refusal.value.params == {"field": "diseinfo[0].diag_code", "diag_code": "M03900"}
    for code in ("J06.900", "I63.900x001", "C34.900", "A18.0+"):
        assert rules.ICD10_SHAPE.fullmatch(code), code
    for code in ("51.2300", "36.0700x001", "88.72"):
        assert rules.ICD9CM3_SHAPE.fullmatch(code), code


def test_a_medical_record_supersedes_per_visit_and_only_for_inpatients():
    uow = unit()
    settled_world(uow)
    with refused("SETLLIST_NOT_INPATIENT", "V1"):
        with uow:
            setl_lists.upload_record(uow, fixmedins_code=HOSPITAL, mdtrt_id="V1", psn_no="P1", baseinfo={},
                                     diagnoses=a_list().diagnoses, operations=(), icuinfo=[])
    uow.setl_lists.visits["V1"]["kind"] = "inpatient"
    rows = []
    for _ in range(2):
        with uow:
            rows.append(setl_lists.upload_record(uow, fixmedins_code=HOSPITAL, mdtrt_id="V1", psn_no="P1",
                                                 baseinfo={"medcasno": "BA1"}, diagnoses=a_list().diagnoses,
                                                 operations=(), icuinfo=[]))
    assert rows[1]["supersedes_record_id"] == rows[0]["record_id"]
    assert uow.setl_lists.current_record("V1")["record_id"] == rows[1]["record_id"]


# --- departments and practitioners ---------------------------------------------------------------

def dept(**changes) -> dict:
    return dict({"hosp_dept_codg": "NK01", "hosp_dept_name": "心内科", "caty": "A03", "begntime": dt.datetime(2024, 1, 1),
                 "endtime": None, "aprv_bed_cnt": 30, "hi_crtf_bed_cnt": 20}, **changes)


def test_a_department_is_a_chain_of_upload_change_revoke_and_upload_again():
    uow = unit()
    with uow:
        institution.upload_departments(uow, HOSPITAL, [dept()])
        institution.change_department(uow, HOSPITAL, dept(aprv_bed_cnt=40))
        institution.revoke_department(uow, HOSPITAL, "NK01", "心内科", dt.datetime(2024, 1, 1, 8))
    assert institution.departments(uow, HOSPITAL) == []
    with uow:
        institution.upload_departments(uow, HOSPITAL, [dept(hosp_dept_name="心血管内科")])
    chain = uow.departments.rows
    assert [(r["action"], r["vali_flag"], r["replaces_dept_id"]) for r in chain] == [
        ("upload", "1", None), ("change", "1", 1), ("revoke", "0", 2), ("upload", "1", 3)]
    assert chain[2]["endtime"] == uow.now and chain[2]["aprv_bed_cnt"] == 40
    assert [r["hosp_dept_name"] for r in institution.departments(uow, HOSPITAL, hosp_dept_name="血管")] == ["心血管内科"]
    assert all(r["created_by"] == "msgid:M1" for r in chain)


@pytest.mark.parametrize("action, code", [
    (lambda uow: institution.upload_departments(uow, HOSPITAL, [dept(), dept()]), "DEPT_DUPLICATE"),
    (lambda uow: institution.upload_departments(uow, HOSPITAL, [dept(hosp_dept_codg="NK02", hi_crtf_bed_cnt=31)]), "DEPT_BEDS"),
    (lambda uow: institution.upload_departments(uow, HOSPITAL, [dept(hosp_dept_codg="NK02", endtime=dt.datetime(2023, 1, 1))]), "DEPT_BAD_TIMES"),
    (lambda uow: institution.change_department(uow, HOSPITAL, dept(hosp_dept_codg="NK02")), "DEPT_NOT_FOUND"),
    (lambda uow: institution.upload_departments(uow, HOSPITAL, [dept()]), "DEPT_EXISTS"),
    (lambda uow: institution.revoke_department(uow, HOSPITAL, "NK01", "内科", None), "DEPT_MISMATCH"),
])
def test_department_refusals_change_nothing(action, code):
    uow = unit()
    with uow:
        institution.upload_departments(uow, HOSPITAL, [dept()])
    before = list(uow.departments.rows)
    with refused(code):
        with uow:
            action(uow)
    assert uow.departments.rows == before


def test_practitioners_of_one_type_narrowed_by_the_fields_sent():
    uow = unit()
    base = {"fixmedins_code": HOSPITAL, "psn_cert_type": "01", "prac_psn_name": "张医生", "certno": "X1"}
    uow.practitioners.rows += [dict(base, prac_psn_code="D500000000001", prac_psn_type="1"),
                               dict(base, prac_psn_code="D500000000002", prac_psn_type="1", prac_psn_name="王医生"),
                               dict(base, prac_psn_code="N500000000001", prac_psn_type="2"),
                               dict(base, prac_psn_code="D500000000009", prac_psn_type="1", fixmedins_code="H50000000002")]
    found = institution.practitioners(uow, HOSPITAL, prac_psn_type="1")
    assert [r["prac_psn_code"] for r in found] == ["D500000000001", "D500000000002"]
    assert [r["prac_psn_code"] for r in institution.practitioners(uow, HOSPITAL, prac_psn_type="1", prac_psn_name="王医生")] == [
        "D500000000002"]
    with refused("PRAC_BAD_TYPE", "'9'"):
        institution.practitioners(uow, HOSPITAL, prac_psn_type="9")


# --- 人员定点备案 -----------------------------------------------------------------------------------

def designate(uow, **changes):
    fields = dict(psn_no="P1", insutype="310", biz_appy_type="01", fix_srt_no="1", fixmedins_code=HOSPITAL,
                  begndate=dt.date(2026, 1, 1), enddate=None, memo="", created_by=HOSPITAL)
    fields.update(changes)
    with uow:
        return filings.file_designation(uow, **fields)


def test_a_designation_holds_its_slot_until_revoked_by_its_institution():
    uow = unit()
    row = designate(uow)
    assert uow.persons.locked == ["P1"] and row["fixmedins_name"] == "测试医院"
    with refused("FILING_OVERLAP", row["trt_dcla_detl_sn"]):
        designate(uow, fixmedins_code="H50000000002")  # same slot
    designate(uow, fixmedins_code="H50000000002", fix_srt_no="2")  # a second slot
    designate(uow, biz_appy_type="02")  # another business type
    assert len(filings.designations(uow, "P1", "01")) == 2
    with refused("FILING_NOT_OWNED", row["trt_dcla_detl_sn"]):
        with uow:
            filings.revoke_designation(uow, trt_dcla_detl_sn=row["trt_dcla_detl_sn"], psn_no="P1", reason="x",
                                       created_by="H50000000002")
    with uow:
        filings.revoke_designation(uow, trt_dcla_detl_sn=row["trt_dcla_detl_sn"], psn_no="P1", reason="改点",
                                   created_by=HOSPITAL)
    assert [r["fix_srt_no"] for r in filings.designations(uow, "P1", "01")] == ["2"]
    with refused("FILING_NOT_ACTIVE", row["trt_dcla_detl_sn"], "cancelled"):
        with uow:
            filings.revoke_designation(uow, trt_dcla_detl_sn=row["trt_dcla_detl_sn"], psn_no="P1", reason="x",
                                       created_by=HOSPITAL)


@pytest.mark.parametrize("changes, code", [
    (dict(insutype="390"), "FILING_NOT_INSURED"),
    (dict(fixmedins_code="H99999999999"), "FILING_UNKNOWN_INSTITUTION"),
    (dict(enddate=dt.date(2025, 12, 31)), "FILING_BAD_DATES"),
])
def test_designation_refusals(changes, code):
    uow = unit()
    with refused(code):
        designate(uow, **changes)
    assert uow.filings.designations == []
