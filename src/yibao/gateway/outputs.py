"""National output shapes (exact field names of nhsa-interface.md §3)."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal


from yibao.documents.render import fen, ratio
from yibao.domain import codes
from yibao.domain.case import FeeLine
from yibao.domain.split import split_line
from yibao.store import repository as repo

from yibao.app.platform import CLR_TYPE, Priced, age_on


# --- output shapes ------------------------------------------------------------------------------

def person_fields(person: dict, insurance: dict, day: dt.date) -> dict:
    return {
        "psn_no": person["psn_no"], "psn_name": person["psn_name"], "psn_cert_type": person["psn_cert_type"],
        "certno": person["certno"], "gend": person["gend"], "naty": "01", "brdy": person["brdy"].isoformat(),
        "age": Decimal(age_on(person["brdy"], day)).quantize(Decimal("0.1")),
        "insutype": insurance["insutype"], "psn_type": insurance["psn_type"],
        "cvlserv_flag": "1" if insurance["cvlserv_flag"] else "0",
    }


def setlinfo_from_row(row: dict) -> dict:
    info = {name: repo.from_fen(row[f"{name}_fen"]) for name in repo.SETLINFO_AMOUNTS}
    info["pool_prop_selfpay"] = Decimal(row["pool_prop_selfpay"])
    return info


def setldetail_rows(detail: list[dict], inscp: Decimal, sign: int = 1) -> list[dict]:
    return [
        {
            "fund_pay_type": item["fund_pay_type"],
            "fund_pay_type_name": codes.FUND_PAY_TYPE.get(item["fund_pay_type"], ""),
            "inscp_scp_amt": inscp,
            "crt_payb_lmt_amt": fen(Decimal(item["fund_payamt"])) * sign,
            "fund_payamt": fen(Decimal(item["fund_payamt"])) * sign,
            "setl_proc_info": "",
        }
        for item in detail
    ]


def settlement_output(row: dict, visit: dict, person: dict, insurance: dict, *, with_setl_id: bool = True) -> dict:
    sign = -1 if row["kind"] == "reversal" else 1
    detail = json.loads(row["detail"])
    setlinfo = {"mdtrt_id": row["mdtrt_id"]}
    if with_setl_id:
        setlinfo["setl_id"] = row["setl_id"]
    setlinfo.update(person_fields(person, insurance, row["setl_time"].date()))
    setlinfo.update({
        "setl_time": row["setl_time"].strftime("%Y-%m-%d %H:%M:%S"),
        "mdtrt_cert_type": "", "med_type": row["med_type"],
    })
    setlinfo.update(setlinfo_from_row(row))
    setlinfo.update({
        "medins_setl_id": row["medins_setl_id"],
        "clr_optins": row["mdtrtarea_admvs"],
        "clr_way": "1",
        "clr_type": row["clr_type"],
    })
    return {"setlinfo": setlinfo, "setldetail": setldetail_rows(detail["setldetail"], setlinfo["inscp_scp_amt"], sign)}


def preview_output(priced: Priced, visit: dict) -> dict:
    """2206/2303/2101: the would-be settlement, no setl_id, nothing written."""
    s = priced.settlement
    setlinfo = {"mdtrt_id": visit["mdtrt_id"]}
    setlinfo.update(person_fields(priced.person, priced.insurance, priced.case.visit.enddate))
    setlinfo.update({"setl_time": "", "mdtrt_cert_type": "", "med_type": priced.case.visit.med_type})
    for name in repo.SETLINFO_AMOUNTS:
        setlinfo[name] = fen(getattr(s, name))
    setlinfo["pool_prop_selfpay"] = ratio(s.pool_prop_selfpay)
    setlinfo.update({"medins_setl_id": "", "clr_optins": priced.case.visit.mdtrtarea_admvs, "clr_way": "1",
                     "clr_type": CLR_TYPE[visit["kind"]]})
    detail = [{"fund_pay_type": r.fund_pay_type, "fund_payamt": f"{r.fund_payamt}"} for r in s.setldetail]
    return {"setlinfo": setlinfo, "setldetail": setldetail_rows(detail, setlinfo["inscp_scp_amt"])}


def split_output(line_rows: list[dict], catalog: dict) -> list[dict]:
    result = []
    for row in line_rows:
        entry = catalog.get(row["med_list_codg"])
        cnt, pric = Decimal(row["cnt"]), Decimal(row["pric"])
        amount = repo.from_fen(row["det_item_fee_sumamt_fen"])
        if amount >= 0 and cnt >= 0:
            split = split_line(FeeLine(row["med_list_codg"], cnt, pric, amount), entry)
            parts = (split.fulamt_ownpay_amt, split.overlmt_amt, split.preselfpay_amt, split.inscp_scp_amt, split.memo)
        else:
            parts = (Decimal(0), Decimal(0), Decimal(0), Decimal(0), "refund line: nets into its original at settlement")
        result.append({
            "feedetl_sn": row["feedetl_sn"], "det_item_fee_sumamt": fen(amount), "cnt": cnt, "pric": pric,
            "pric_uplmt_amt": entry.pric_uplmt_amt if entry and entry.pric_uplmt_amt is not None else Decimal(0),
            "selfpay_prop": ratio(entry.selfpay_prop) if entry and entry.chrgitm_lv != "03" else Decimal(1),
            "fulamt_ownpay_amt": fen(parts[0]), "overlmt_amt": fen(parts[1]), "preselfpay_amt": fen(parts[2]),
            "inscp_scp_amt": fen(parts[3]), "chrgitm_lv": entry.chrgitm_lv if entry else "03",
            "med_chrgitm_type": "", "bas_medn_flag": "0", "hi_nego_drug_flag": "0", "chld_medc_flag": "0",
            "list_sp_item_flag": "0", "lmt_used_flag": "0", "drt_reim_flag": "0", "memo": parts[4],
        })
    return result


