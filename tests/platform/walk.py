"""Walk a golden case through the gateway as a HIS does."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import httpx

from yibao.sim.his import HisClient

from .golden_world import GoldenSetup


def line_fields(line: dict) -> tuple[Decimal, Decimal, Decimal]:
    if "det_item_fee_sumamt" in line:
        total = Decimal(str(line["det_item_fee_sumamt"]))
        if "cnt" in line and "pric" in line:
            return Decimal(str(line["cnt"])), Decimal(str(line["pric"])), total
        return Decimal(1), total, total
    cnt, pric = Decimal(str(line["cnt"])), Decimal(str(line["pric"]))
    return cnt, pric, (cnt * pric).quantize(Decimal("0.01"))


def walk_golden(http: httpx.Client, setup: GoldenSetup, *, settle: bool = True, suffix: str = "") -> dict:
    """Register, upload, (discharge,) pre-settle and settle; returns the outputs by infno."""
    client = HisClient(http, setup.institution)
    client.sign_in()
    visit, person = setup.case["visit"], setup.person
    insuplc = visit["insuplc_admdvs"]
    begin = dt.datetime.fromisoformat(visit["begndate"]).replace(hour=9)
    end = dt.datetime.fromisoformat(visit["enddate"]).replace(hour=10)
    outputs: dict[str, dict] = {}
    info = client.call("1101", {"data": {"mdtrt_cert_type": "02", "mdtrt_cert_no": person["certno"]}})
    outputs["1101"] = info
    inpatient = visit["med_type"] in ("21", "24")
    lines = []
    for number, line in enumerate(setup.case["lines"], start=1):
        cnt, pric, total = line_fields(line)
        lines.append({"feedetl_sn": f"{number:04d}", "psn_no": person["psn_no"], "med_list_codg": line["code"],
                      "medins_list_codg": line["code"], "cnt": f"{cnt}", "pric": f"{pric}",
                      "det_item_fee_sumamt": f"{total}", "fee_ocur_time": f"{begin:%Y-%m-%d %H:%M:%S}",
                      "chrg_bchno": "B1", "med_type": visit["med_type"]})
    total = sum(Decimal(line["det_item_fee_sumamt"]) for line in lines)
    if inpatient:
        admitted = client.call("2401", {"mdtrtinfo": {
            "psn_no": person["psn_no"], "insutype": person["insutype"], "begntime": f"{begin:%Y-%m-%d %H:%M:%S}",
            "mdtrt_cert_type": "02", "mdtrt_cert_no": person["certno"], "med_type": visit["med_type"],
            "ipt_no": f"ZY-{setup.name[:12]}{suffix}"}}, insuplc_admdvs=insuplc)
        mdtrt_id = admitted["result"]["mdtrt_id"]
        for line in lines:
            line["mdtrt_id"] = mdtrt_id
        outputs["2301"] = client.call("2301", {"feedetail": lines}, insuplc_admdvs=insuplc)
        client.call("2402", {"dscginfo": {"mdtrt_id": mdtrt_id, "psn_no": person["psn_no"],
                                          "endtime": f"{end:%Y-%m-%d %H:%M:%S}"}}, insuplc_admdvs=insuplc)
    else:
        registered = client.call("2201", {"data": {
            "psn_no": person["psn_no"], "insutype": person["insutype"], "begntime": f"{begin:%Y-%m-%d %H:%M:%S}",
            "mdtrt_cert_type": "02", "mdtrt_cert_no": person["certno"], "ipt_otp_no": f"MZ-{setup.name[:12]}{suffix}",
            "med_type": visit["med_type"]}}, insuplc_admdvs=insuplc)
        mdtrt_id = registered["data"]["mdtrt_id"]
        client.call("2203", {"mdtrtinfo": {"mdtrt_id": mdtrt_id, "psn_no": person["psn_no"],
                                           "med_type": visit["med_type"]}}, insuplc_admdvs=insuplc)
        for line in lines:
            line["mdtrt_id"] = mdtrt_id
        outputs["2204"] = client.call("2204", {"feedetail": lines}, insuplc_admdvs=insuplc)
    data = {"psn_no": person["psn_no"], "mdtrt_id": mdtrt_id, "medfee_sumamt": f"{total}", "chrg_bchno": "B1",
            "insutype": person["insutype"], "med_type": visit["med_type"],
            "acct_used_flag": "1" if visit.get("acct_used_flag", True) else "0", "mdtrt_cert_type": "02",
            "mdtrt_cert_no": person["certno"], "psn_setlway": "01"}
    presettle, settle_infno = ("2303", "2304") if inpatient else ("2206", "2207")
    outputs["mdtrt_id"] = {"mdtrt_id": mdtrt_id}
    outputs["client"] = client
    outputs["data"] = data
    outputs[presettle] = client.call(presettle, {"data": data}, insuplc_admdvs=insuplc)
    if settle:
        outputs["settle_msgid"] = client.msgid()
        outputs[settle_infno] = client.call(settle_infno, {"data": data}, insuplc_admdvs=insuplc,
                                            msgid=outputs["settle_msgid"])
        outputs["settle"] = outputs[settle_infno]
    return outputs
