"""End to end over HTTP: an outpatient 门慢特 chain 9001 → 1101 → 2201 → 2203 → 2204 → 2207 →
4101 → 4103 → 5202 → 5205 → 5206 with a HIS client, re-uploads and the 4102 status; departments
(3401–3403, 5101), 人员定点备案 (2505/2506, 5302) and an inpatient's 4401 / 5303."""

from __future__ import annotations

import copy
import datetime as dt
import json
from decimal import Decimal

import pytest

from yibao.app.importing import import_file
from yibao.sim.his import HisClient

from ..refusals import answered_refusal
from .conftest import named

NOW = dt.datetime.now().replace(microsecond=0)
STAMP = f"{NOW:%Y-%m-%d %H:%M:%S}"
LINES = [("XA-JIA", "80.00"), ("XB-YI", "60.00")]


@pytest.fixture(scope="module")
def chronic(platform_world, tmp_path_factory):
    """ex2a's insured place gets a 门慢特 benefit for hypertension (M03900) from this year on."""
    setup = named(platform_world, "ex2a")
    policy = copy.deepcopy(setup.case["policy"])
    policy.update(valid_from=f"{NOW.year}-01-01", valid_to=None)
    policy["benefits"].append({
        "name": "chronic_hypertension", "med_types": ["14"], "diseases": ["M03900"], "accumulator": "chronic",
        "deductible": None, "bands_basis": "annual", "bands": [{"upto": None, "ratio": 0.8}],
        "cap": {"key": "chronic", "amount": 5000}})
    path = tmp_path_factory.mktemp("chronic") / "policy.json"
    path.write_text(json.dumps(policy, ensure_ascii=False), encoding="utf-8")
    import_file(platform_world["database"], "policy", path, now=NOW)
    return setup


def settle_chronic_visit(http, setup, number: str) -> dict:
    client = HisClient(http, setup.institution)
    client.sign_in()
    person, insuplc = setup.person, setup.case["visit"]["insuplc_admdvs"]
    info = client.call("1101", {"data": {"mdtrt_cert_type": "02", "mdtrt_cert_no": person["certno"]}})
    assert info["baseinfo"]["psn_no"] == person["psn_no"]
    psn_no = person["psn_no"]
    client.call("2503", {"data": {"psn_no": psn_no, "opsp_dise_code": "M03900", "begndate": f"{NOW.year}-01-01"}},
                insuplc_admdvs=insuplc) if number == "1" else None
    mdtrt_id = client.call("2201", {"data": {
        "psn_no": psn_no, "insutype": person["insutype"], "begntime": STAMP, "mdtrt_cert_type": "02",
        "mdtrt_cert_no": person["certno"], "ipt_otp_no": f"MZ-LIST-{number}", "med_type": "14"}},
        insuplc_admdvs=insuplc)["data"]["mdtrt_id"]
    client.call("2203", {"mdtrtinfo": {"mdtrt_id": mdtrt_id, "psn_no": psn_no, "med_type": "14", "begntime": STAMP,
                                       "dise_codg": "M03900", "dise_name": "高血压"},
                         "diseinfo": [{"diag_type": "1", "diag_srt_no": "1", "diag_code": "I10.x00", "diag_name": "高血压",
                                       "maindiag_flag": "1"}]}, insuplc_admdvs=insuplc)
    client.call("2204", {"feedetail": [
        {"feedetl_sn": f"{n}", "mdtrt_id": mdtrt_id, "psn_no": psn_no, "chrg_bchno": "B1", "med_list_codg": code,
         "medins_list_codg": code, "cnt": "1", "pric": amount, "det_item_fee_sumamt": amount, "fee_ocur_time": STAMP}
        for n, (code, amount) in enumerate(LINES, start=1)]}, insuplc_admdvs=insuplc)
    settled = client.call("2207", {"data": {
        "psn_no": psn_no, "mdtrt_id": mdtrt_id, "medfee_sumamt": "140.00", "chrg_bchno": "B1",
        "insutype": person["insutype"], "med_type": "14", "acct_used_flag": "0", "mdtrt_cert_type": "02",
        "mdtrt_cert_no": person["certno"], "psn_setlway": "01"}}, insuplc_admdvs=insuplc)
    return {"client": client, "insuplc": insuplc, "psn_no": psn_no, "mdtrt_id": mdtrt_id, "settled": settled}


def list_input(walk: dict, **setlinfo) -> dict:
    info = walk["settled"]["setlinfo"]
    funds = [{"fund_pay_type": row["fund_pay_type"], "fund_payamt": str(row["fund_payamt"])}
             for row in walk["settled"]["setldetail"]]
    return {
        "setlinfo": dict({"mdtrt_id": walk["mdtrt_id"], "setl_id": info["setl_id"], "psn_no": walk["psn_no"],
                          "medcasno": "", "hi_paymtd": "1", "diag_code_cnt": "1", "psn_cashpay": str(info["psn_cash_pay"]),
                          "acct_pay": str(info["acct_pay"])}, **setlinfo),
        "payinfo": funds,
        "opspdiseinfo": [{"diag_code": "M03900", "diag_name": "高血压"}],
        "diseinfo": [{"diag_type": "1", "diag_code": "I10.x00", "diag_name": "高血压", "maindiag_flag": "1"}],
        "iteminfo": [{"med_chrgitm": "09", "amt": "140.00", "claa_sumfee": "80.00", "clab_amt": "60.00",
                      "fulamt_ownpay_amt": "0.00", "oth_amt": "0.00"}],
        "oprninfo": [], "icuinfo": [],
    }


def test_outpatient_chronic_chain_with_its_settlement_list(http, chronic):
    walk = settle_chronic_visit(http, chronic, "1")
    client, insuplc, psn_no = walk["client"], walk["insuplc"], walk["psn_no"]
    info = walk["settled"]["setlinfo"]
    assert Decimal(str(info["medfee_sumamt"])) == Decimal("140.00") and Decimal(str(info["fund_pay_sumamt"])) > 0

    uploaded = client.call("4101", list_input(walk), insuplc_admdvs=insuplc)["data"]["setl_list_id"]
    stored = client.call("4103", {"data": {"setl_id": info["setl_id"]}}, insuplc_admdvs=insuplc)
    assert stored["setlinfo"]["setl_list_id"] == uploaded and stored["setlinfo"]["stas_type"] == "0"
    assert [d["diag_code"] for d in stored["diseinfo"]] == ["I10.x00"]
    assert [d["diag_code"] for d in stored["opspdiseinfo"]] == ["M03900"]
    own = Decimal(str(info["fulamt_ownpay_amt"])) + Decimal(str(info["overlmt_selfpay"]))
    assert Decimal(str(stored["setlinfo"]["psn_ownpay"])) == own  # filled from the settlement
    assert Decimal(str(stored["setlinfo"]["psn_selfpay"])) == Decimal(str(info["psn_part_amt"])) - own
    problems = client.call("4104", {"data": {"setl_id": info["setl_id"]}}, insuplc_admdvs=insuplc)["data"]
    assert {p["chk_rule_code"] for p in problems} == {"SETLLIST_QC_PERSONAL_FILLED"}

    # a re-upload supersedes; once submitted (4102) it is refused until set back
    again = client.call("4101A", list_input(walk), insuplc_admdvs=insuplc)["data"]["setl_list_id"]
    assert again != uploaded
    assert client.call("4103", {"data": {"setl_id": info["setl_id"]}}, insuplc_admdvs=insuplc)["setlinfo"]["setl_list_id"] == again
    client.call("4102", {"stastinfo": [{"setl_id": info["setl_id"], "stas_type": "1"}]}, insuplc_admdvs=insuplc)
    with answered_refusal("SETLLIST_SUBMITTED", info["setl_id"]):
        client.call("4101", list_input(walk), insuplc_admdvs=insuplc)
    client.call("4102", {"data": {"stastinfo": [{"setl_id": info["setl_id"], "stas_type": "0"}]}}, insuplc_admdvs=insuplc)
    wrong = list_input(walk)
    wrong["payinfo"][0]["fund_payamt"] = str(Decimal(wrong["payinfo"][0]["fund_payamt"]) + Decimal("0.01"))
    with answered_refusal("SETLLIST_FUND_MISMATCH"):
        client.call("4101", wrong, insuplc_admdvs=insuplc)

    diagnoses = client.call("5202", {"data": {"psn_no": psn_no, "mdtrt_id": walk["mdtrt_id"]}}, insuplc_admdvs=insuplc)
    assert [(d["diag_code"], d["maindiag_flag"]) for d in diagnoses["diseinfo"]] == [("I10.x00", "1")]
    medication = client.call("5205", {"data": {"psn_no": psn_no, "begntime": f"{NOW:%Y-%m-%d} 00:00:00"}},
                             insuplc_admdvs=insuplc)["feedetail"]
    mine = [line for line in medication if line["mdtrt_id"] == walk["mdtrt_id"]]
    assert sorted((line["med_list_codg"], Decimal(str(line["det_item_fee_sumamt"]))) for line in mine) == [
        ("XA-JIA", Decimal("80.00")), ("XB-YI", Decimal("60.00"))]
    assert {(line["opsp_dise_code"], line["setl_id"]) for line in mine} == {("M03900", info["setl_id"])}
    cum = client.call("5206", {"data": {"psn_no": psn_no, "cum_ym": f"{NOW:%Y%m}"}}, insuplc_admdvs=insuplc)["cuminfo"]
    values = {row["cum_type_code"]: Decimal(str(row["cum"])) for row in cum}
    assert values["visits.chronic"] >= 1


def test_a_list_of_another_institution_or_a_reversed_settlement_is_refused(platform_world, http, chronic):
    walk = settle_chronic_visit(http, chronic, "2")
    client, insuplc, info = walk["client"], walk["insuplc"], walk["settled"]["setlinfo"]
    other = HisClient(http, named(platform_world, "ex6").institution)
    other.sign_in()
    with answered_refusal("SETLLIST_NO_SETTLEMENT", info["setl_id"]):
        other.call("4101", list_input(walk), insuplc_admdvs=insuplc)
    client.call("2208", {"data": {"setl_id": info["setl_id"], "mdtrt_id": walk["mdtrt_id"], "psn_no": walk["psn_no"]}},
                insuplc_admdvs=insuplc)
    with answered_refusal("SETLLIST_REVERSED", info["setl_id"]):
        client.call("4101", list_input(walk), insuplc_admdvs=insuplc)


def test_departments_and_designated_institution_filings(platform_world, http, chronic):
    client = HisClient(http, chronic.institution)
    client.sign_in()
    dept = {"hosp_dept_codg": "NK01", "caty": "A03", "hosp_dept_name": "心血管内科", "begntime": "2024-01-01 00:00:00",
            "itro": "", "dept_resper_name": "李主任", "dept_resper_tel": "023-1234", "dept_estbdat": "2020-01-01",
            "aprv_bed_cnt": "30", "hi_crtf_bed_cnt": "20", "poolarea_no": chronic.institution["admdvs"],
            "dr_psncnt": "8", "phar_psncnt": "1", "nurs_psncnt": "12", "tecn_psncnt": "2"}
    client.call("3401", {"deptinfo": dept})
    with answered_refusal("DEPT_EXISTS", "NK01"):
        client.call("3401", {"deptinfo": dept})
    client.call("3402", {"deptinfo": dict(dept, aprv_bed_cnt="40")})
    found = client.call("5101", {"data": {"hosp_dept_codg": "NK01"}})["feedetail"]
    assert [(d["hosp_dept_name"], d["aprv_bed_cnt"], d["hi_crtf_bed_cnt"]) for d in found] == [("心血管内科", 40, 20)]
    with answered_refusal("DEPT_MISMATCH", "NK01"):
        client.call("3403", {"data": {"hosp_dept_codg": "NK01", "hosp_dept_name": "心内科"}})
    client.call("3403", {"data": {"hosp_dept_codg": "NK01", "hosp_dept_name": "心血管内科", "begntime": "2024-01-01"}})
    assert client.call("5101", {"data": {}})["feedetail"] == []

    psn_no, insuplc = chronic.person["psn_no"], chronic.case["visit"]["insuplc_admdvs"]
    filing = {"psn_no": psn_no, "biz_appy_type": "01", "begndate": f"{NOW:%Y-%m-%d}", "fix_srt_no": "1",
              "fixmedins_code": chronic.institution["fixmedins_code"], "fixmedins_name": "x"}
    serial = client.call("2505", {"data": filing}, insuplc_admdvs=insuplc)["result"]["trt_dcla_detl_sn"]
    with answered_refusal("FILING_OVERLAP", serial):
        client.call("2505", {"data": dict(filing, fix_srt_no="2")}, insuplc_admdvs=insuplc)
    held = client.call("5302", {"data": {"psn_no": psn_no, "biz_appy_type": "01"}}, insuplc_admdvs=insuplc)["psnfixmedin"]
    assert [(row["trt_dcla_detl_sn"], row["fix_srt_no"], row["fixmedins_code"]) for row in held] == [
        (serial, "1", chronic.institution["fixmedins_code"])]
    client.call("2506", {"data": {"trt_dcla_detl_sn": serial, "psn_no": psn_no, "memo": "改点"}}, insuplc_admdvs=insuplc)
    assert client.call("5302", {"data": {"psn_no": psn_no}}, insuplc_admdvs=insuplc)["psnfixmedin"] == []


def test_an_inpatient_medical_record_and_the_in_hospital_query(platform_world, http):
    setup = named(platform_world, "ex1a")
    client = HisClient(http, setup.institution)
    client.sign_in()
    person, insuplc = setup.person, setup.case["visit"]["insuplc_admdvs"]
    mdtrt_id = client.call("2401", {"mdtrtinfo": {
        "psn_no": person["psn_no"], "insutype": person["insutype"], "begntime": STAMP, "mdtrt_cert_type": "02",
        "mdtrt_cert_no": person["certno"], "med_type": "21", "ipt_no": "ZY-LIST-1"}}, insuplc_admdvs=insuplc)["result"]["mdtrt_id"]
    stays = client.call("5303", {"data": {"psn_no": person["psn_no"]}}, insuplc_admdvs=insuplc)["data"]
    assert [(s["mdtrt_id"], s["ipt_no"]) for s in stays] == [(mdtrt_id, "ZY-LIST-1")]
    record = {"baseinfo": {"mdtrt_id": mdtrt_id, "psn_no": person["psn_no"], "medcasno": "BA0001"},
              "diseinfo": [{"maindiag_flag": "1", "diag_code": "K80.100", "diag_name": "胆囊结石伴胆囊炎"}],
              "oprninfo": [{"oprn_oprt_code": "51.2300", "oprn_oprt_name": "腹腔镜胆囊切除术",
                            "oprn_oprt_date": STAMP}]}
    assert client.call("4401", record, insuplc_admdvs=insuplc) == {}
    with answered_refusal("SETLLIST_OPRN_CODE", "LC-01"):
        client.call("4401", dict(record, oprninfo=[{"oprn_oprt_code": "LC-01"}]), insuplc_admdvs=insuplc)
    client.call("2402", {"dscginfo": {"mdtrt_id": mdtrt_id, "psn_no": person["psn_no"], "endtime": STAMP}},
                insuplc_admdvs=insuplc)
    assert client.call("5303", {"data": {"psn_no": person["psn_no"]}}, insuplc_admdvs=insuplc)["data"] == []
