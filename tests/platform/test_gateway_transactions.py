"""The other transactions a HIS relies on: queries, dictionaries, catalogue, benefit check,
cancellations, pharmacy, 2601 for a registration, and the insecure demo mode."""

from __future__ import annotations

import json
from decimal import Decimal

import httpx

from yibao.sim.his import DISPATCH_PATH, HisClient

from ..refusals import answered_refusal
from ..server import Server
from .conftest import named
from .walk import walk_golden


def test_person_info_benefit_check_dictionary_and_catalogue(platform_world, http):
    setup = named(platform_world, "ex4b")
    client = HisClient(http, setup.institution)
    client.sign_in()
    person = setup.person
    by_card = client.call("1101", {"data": {"mdtrt_cert_type": "03", "mdtrt_cert_no": person["card_no"]}})
    assert by_card["baseinfo"]["psn_no"] == person["psn_no"]
    assert by_card["insuinfo"][0]["insuplc_admdvs"] == person["insuplc_admdvs"]
    with answered_refusal("PERSON_CERT_NOT_FOUND", "就诊凭证类型 02"):
        client.call("1101", {"data": {"mdtrt_cert_type": "02", "mdtrt_cert_no": "110101199001011234"}})
    insuplc = person["insuplc_admdvs"]
    check = client.call("2001", {"data": {"psn_no": person["psn_no"], "insutype": "390", "med_type": "21",
                                          "begntime": "2023-05-01 09:00:00"}}, insuplc_admdvs=insuplc)
    assert check["trtinfo"][0]["trt_enjymnt_flag"] == "1"
    check = client.call("2001", {"data": {"psn_no": person["psn_no"], "insutype": "390", "med_type": "52",
                                          "begntime": "2023-05-01 09:00:00"}}, insuplc_admdvs=insuplc)
    assert check["trtinfo"][0]["trt_enjymnt_flag"] == "0" and "52" in check["trtinfo"][0]["trt_chk_rslt"]
    dictionary = client.call("1901", {"data": {"type": "med_type"}})
    assert {"type": "med_type", "value": "21", "label": "普通住院"}.items() <= dictionary["list"][[r["value"] for r in dictionary["list"]].index("21")].items()
    catalogue = client.call("1312", {"data": {"insu_admdvs": setup.institution["admdvs"], "page_num": 1, "page_size": 2}})
    assert catalogue["recordCounts"] == 3 and catalogue["pages"] == 2 and len(catalogue["data"]) == 2


def test_queries_after_a_settlement(platform_world, http):
    setup = named(platform_world, "ex3a")
    outputs = walk_golden(http, setup, suffix="-q")
    client, insuplc, psn_no = outputs["client"], setup.case["visit"]["insuplc_admdvs"], setup.person["psn_no"]
    settled = outputs["settle"]["setlinfo"]
    visits = client.call("5201", {"data": {"psn_no": psn_no}}, insuplc_admdvs=insuplc)["mdtrtinfo"]
    assert settled["mdtrt_id"] in {v["mdtrt_id"] for v in visits}
    setl = client.call("5203", {"data": {"psn_no": psn_no, "setl_id": settled["setl_id"]}}, insuplc_admdvs=insuplc)
    assert setl["setlinfo"]["hifp_pay"] == settled["hifp_pay"] and setl["setlinfo"]["refd_setl_flag"] == "0"
    fees = client.call("5204", {"data": {"psn_no": psn_no, "setl_id": settled["setl_id"]}}, insuplc_admdvs=insuplc)["output"]
    assert sum(Decimal(str(f["det_item_fee_sumamt"])) for f in fees) == Decimal(str(settled["medfee_sumamt"]))
    assert {f["med_list_codg"]: Decimal(str(f["overlmt_amt"])) for f in fees}["YI-CONS"] == Decimal(1000)
    cum = client.call("5206", {"data": {"psn_no": psn_no, "cum_ym": "202403"}}, insuplc_admdvs=insuplc)["cuminfo"]
    values = {row["cum_type_code"]: Decimal(str(row["cum"])) for row in cum}
    assert values["visits.inpatient"] >= 1 and values["fund_paid.basic"] >= Decimal(str(settled["hifp_pay"]))


def test_cancellations_and_2601_of_a_registration(platform_world, http):
    setup = named(platform_world, "ex6")
    outputs = walk_golden(http, setup, settle=False, suffix="-cx")
    client, data, insuplc = outputs["client"], outputs["data"], setup.case["visit"]["insuplc_admdvs"]
    psn_no, mdtrt_id = setup.person["psn_no"], data["mdtrt_id"]
    client.call("2205", {"data": {"mdtrt_id": mdtrt_id, "chrg_bchno": "0000", "psn_no": psn_no}}, insuplc_admdvs=insuplc)
    with answered_refusal("FEE_SUM_MISMATCH", "费用明细合计（0.00）"):
        client.call("2206", {"data": data}, insuplc_admdvs=insuplc)
    client.call("2202", {"data": {"mdtrt_id": mdtrt_id, "psn_no": psn_no, "ipt_otp_no": "x"}}, insuplc_admdvs=insuplc)
    with answered_refusal("VISIT_CANCELLED", mdtrt_id):
        client.call("2206", {"data": data}, insuplc_admdvs=insuplc)
    # 2601 undoes a registration by the registration's msgid
    msgid = client.msgid()
    registered = client.call("2201", {"data": {"psn_no": psn_no, "insutype": setup.person["insutype"],
                                               "begntime": "2024-12-01 08:00:00", "mdtrt_cert_type": "02",
                                               "mdtrt_cert_no": setup.person["certno"], "ipt_otp_no": "MZ-2601-reg"}},
                             insuplc_admdvs=insuplc, msgid=msgid)
    client.call("2601", {"data": {"psn_no": psn_no, "omsgid": msgid, "oinfno": "2201"}}, insuplc_admdvs=insuplc)
    visits = client.call("5201", {"data": {"psn_no": psn_no, "mdtrt_id": registered["data"]["mdtrt_id"]}},
                         insuplc_admdvs=insuplc)["mdtrtinfo"]
    assert visits[0]["vali_flag"] == "0"
    with answered_refusal("REVERSAL_NOT_REVERSIBLE", "交易 1101"):
        client.call("2601", {"data": {"psn_no": psn_no, "omsgid": msgid, "oinfno": "1101"}}, insuplc_admdvs=insuplc)


def test_inpatient_refund_line_nets_into_its_original(platform_world, http):
    setup = named(platform_world, "ex4a")
    outputs = walk_golden(http, setup, settle=False, suffix="-rf")
    client, data, insuplc = outputs["client"], outputs["data"], setup.case["visit"]["insuplc_admdvs"]
    client.call("2405", {"data": {"mdtrt_id": data["mdtrt_id"], "psn_no": data["psn_no"]}}, insuplc_admdvs=insuplc)
    refund = {"feedetl_sn": "9001", "init_feedetl_sn": "0003", "mdtrt_id": data["mdtrt_id"], "psn_no": data["psn_no"],
              "med_list_codg": "OWN", "cnt": "-1", "pric": "10000", "det_item_fee_sumamt": "-10000",
              "fee_ocur_time": "2023-05-02 10:00:00"}
    client.call("2301", {"feedetail": [refund]}, insuplc_admdvs=insuplc)
    client.call("2402", {"dscginfo": {"mdtrt_id": data["mdtrt_id"], "psn_no": data["psn_no"],
                                      "endtime": "2023-05-30 10:00:00"}}, insuplc_admdvs=insuplc)
    pre = client.call("2303", {"data": dict(data, medfee_sumamt="265000.00")}, insuplc_admdvs=insuplc)["setlinfo"]
    assert Decimal(str(pre["fulamt_ownpay_amt"])) == 0 and Decimal(str(pre["medfee_sumamt"])) == Decimal(265000)
    with answered_refusal("FEE_REFUND_NEEDS_ORIGINAL", "input.feedetail[0]"):
        client.call("2301", {"feedetail": [dict(refund, feedetl_sn="9002", init_feedetl_sn="")]}, insuplc_admdvs=insuplc)


def test_pharmacy_sale_and_its_reversal(platform_world, http):
    setup = named(platform_world, "ex6")
    client = HisClient(http, setup.institution)
    client.sign_in()
    person, insuplc = setup.person, setup.case["visit"]["insuplc_admdvs"]
    info = {"psn_no": person["psn_no"], "insutype": person["insutype"], "medfee_sumamt": "20.00",
            "begntime": "2024-12-02 10:00:00", "med_type": "11", "acct_used_flag": "1"}
    detail = [{"feedetl_sn": "1", "med_list_codg": "IN", "cnt": "2", "pric": "10", "det_item_fee_sumamt": "20.00"}]
    pre = client.call("2101", {"druginfo": info, "drugdetail": detail}, insuplc_admdvs=insuplc)
    sale = client.call("2102", {"druginfo": info, "drugdetail": detail}, insuplc_admdvs=insuplc)
    assert pre["setlinfo"]["fund_pay_sumamt"] == sale["setlinfo"]["fund_pay_sumamt"]
    assert sale["detlcutinfo"][0]["inscp_scp_amt"] == 20
    back = client.call("2103", {"data": {"setl_id": sale["setlinfo"]["setl_id"], "mdtrt_id": sale["setlinfo"]["mdtrt_id"],
                                         "psn_no": person["psn_no"]}}, insuplc_admdvs=insuplc)
    assert Decimal(str(back["setlinfo"]["medfee_sumamt"])) == Decimal("-20.00")


def test_insecure_demo_mode_needs_no_credentials(platform_world):
    server = Server(str(platform_world["database"].url), insecure_demo=True).start()
    try:
        setup = platform_world["setups"][0]
        message = {"infno": "1101", "msgid": "M1", "fixmedins_code": setup.institution["fixmedins_code"],
                   "input": {"data": {"mdtrt_cert_type": "02", "mdtrt_cert_no": setup.person["certno"]}}}
        body = httpx.post(server.url + DISPATCH_PATH, content=json.dumps(message)).json()
        assert body["infcode"] == 0 and body["output"]["baseinfo"]["psn_no"] == setup.person["psn_no"]
    finally:
        server.stop()
