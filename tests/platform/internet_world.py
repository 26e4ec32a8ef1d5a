"""A small world for Internet+ revisits and e-prescriptions (docs/internet-plus.md): Shenzhen
employees, a physical hospital and its Internet+ institution in Shenzhen, pharmacies in Guangzhou
(another city of the province) and Beijing (another province), a catalogue with a consultation,
two drugs and a delivery service (list_type 901, 甲类 on purpose: only its category keeps the
funds from paying it)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from yibao.app import filings as filings_app
from yibao.app.actors import SYSTEM
from yibao.app.importing import import_file
from yibao.store.unit_of_work import SqlUnitOfWork
from yibao.sim.idnumbers import make_certno

from .golden_world import write_csv

INSURED, GUANGZHOU, BEIJING = "440300", "440100", "110105"
PHYSICAL, ONLINE = "H44030000001", "H44030000002"
PHARMACY, PHARMACY_BJ = "P44010000001", "P11010500001"
SECRET = "internet-world-secret"
PERSONS = ("IP1", "IP2", "IP3", "IP4")
QUALIFIED = "IP4"  # holds a 门慢特 qualification: every online visit of theirs is a revisit

POLICY = {
    "admdvs": INSURED, "name": "职工医保（互联网+测试参数）", "insutype": "310", "valid_from": "2020-01-01",
    "internet_revisit_days": 180,
    "benefits": [
        {"name": "outpatient_general", "med_types": ["11"], "accumulator": "outpatient_general", "deductible": None,
         "bands": [{"upto": None, "ratio": 0.6}], "cap": {"key": "outpatient_general", "amount": 4000}},
        {"name": "pharmacy", "med_types": ["41"], "accumulator": "pharmacy", "deductible": None,
         "bands": [{"upto": None, "ratio": 0.5}], "cap": {"key": "pharmacy", "amount": 30000}},
    ],
    "personal_account": {"payable": ["inscp_burden", "preselfpay", "overlmt", "fulamt"], "family_mutual_aid": False},
    # another city of the province: by filing (备案) only, as any cross-region visit
    "cross_region": {"in_province": {"long_term": {"mode": "none"}, "unfiled": "reject"},
                     "cross_province": {"long_term": {"mode": "none"}, "unfiled": "reject"}},
}
ITEMS = [("CONSULT", "互联网复诊诊察费", "201", "01"), ("DRUG1", "苯磺酸氨氯地平片", "101", "01"),
         ("DRUG2", "缬沙坦胶囊", "101", "02"), ("DELIV", "药品配送费", "901", "01")]


def institution_rows() -> list[dict]:
    rows = [
        dict(fixmedins_code=PHYSICAL, admdvs=INSURED, fixmedins_type="1", medins_lv="3",
             agreement_services="outpatient;inpatient;account"),
        dict(fixmedins_code=ONLINE, admdvs=INSURED, fixmedins_type="1", medins_lv="3",
             agreement_services="internet;outpatient;account;cross_region", internet_of=PHYSICAL),
        dict(fixmedins_code=PHARMACY, admdvs=GUANGZHOU, fixmedins_type="2", medins_lv="",
             agreement_services="pharmacy;cross_region;account"),
        dict(fixmedins_code=PHARMACY_BJ, admdvs=BEIJING, fixmedins_type="2", medins_lv="",
             agreement_services="pharmacy;cross_region;account"),
    ]
    for row in rows:
        row.update(fixmedins_name=f"互联网测试{row['fixmedins_code'][-4:]}", secret=SECRET)
    return rows


def load(database, work: Path, now: dt.datetime) -> None:
    (work / "policy.json").write_text(json.dumps(POLICY, ensure_ascii=False), encoding="utf-8")
    import_file(database, "policy", work / "policy.json", now=now)
    hilist = [{"hilist_code": code, "hilist_name": name, "insu_admdvs": region, "begndate": "2000-01-01",
               "chrgitm_lv": level, "list_type": list_type, "vali_flag": "1"}
              for code, name, list_type, level in ITEMS for region in (INSURED, GUANGZHOU, BEIJING)]
    persons = [{"psn_no": psn_no, "psn_cert_type": "01", "certno": make_certno(INSURED, dt.date(1970, 3, n), n, True),
                "psn_name": f"复诊{n}", "gend": "1", "brdy": f"1970-03-{n:02d}", "insutype": "310", "psn_type": "1101",
                "insuplc_admdvs": INSURED, "acct_balance": "0", "card_no": f"IC{n:06d}"}
               for n, psn_no in enumerate(PERSONS, start=1)]
    # long-term filings to both pharmacies' regions: the cross-region sales follow the filing rules
    filings = [{"psn_no": psn_no, "filing_type": "long_term", "dest_admdvs": region, "begndate": "2020-01-01",
                "enddate": ""} for psn_no in PERSONS[:3] for region in ("440000", "110000")]
    for kind, rows in (("hilist", hilist), ("institutions", institution_rows()), ("persons", persons),
                       ("filings", filings)):
        import_file(database, kind, write_csv(work / f"internet-{kind}.csv", rows), now=now)
    with SqlUnitOfWork(database, SYSTEM, now) as uow:
        filings_app.grant_qualification(uow, psn_no=QUALIFIED, insutype="310", dise_code="M03900", dise_name="高血压",
                                        begndate=dt.date(2020, 1, 1), source="test", created_by="test")


def moment(at: dt.datetime) -> str:
    return f"{at:%Y-%m-%d %H:%M:%S}"


def registration(psn_no: str, number: str, at: dt.datetime, dise_codg: str = "I10") -> dict:
    return {"data": {"psn_no": psn_no, "insutype": "310", "begntime": moment(at), "mdtrt_cert_type": "02",
                     "mdtrt_cert_no": psn_no, "ipt_otp_no": number, "med_type": "11", "dise_codg": dise_codg}}


def fees(mdtrt_id: str, psn_no: str, at: dt.datetime, lines: list[tuple[str, str, str]]) -> dict:
    """lines: (code, cnt, pric)."""
    return {"feedetail": [{"feedetl_sn": f"{n}", "mdtrt_id": mdtrt_id, "psn_no": psn_no, "chrg_bchno": "B1",
                           "med_list_codg": code, "medins_list_codg": code, "cnt": cnt, "pric": pric,
                           "det_item_fee_sumamt": f"{float(cnt) * float(pric):.2f}", "fee_ocur_time": moment(at)}
                          for n, (code, cnt, pric) in enumerate(lines, start=1)]}


def settle_data(mdtrt_id: str, psn_no: str, total: str) -> dict:
    return {"data": {"psn_no": psn_no, "mdtrt_id": mdtrt_id, "chrg_bchno": "B1", "insutype": "310", "med_type": "11",
                     "medfee_sumamt": total, "acct_used_flag": "0", "psn_setlway": "01", "mdtrt_cert_type": "02",
                     "mdtrt_cert_no": psn_no}}


def precheck(psn_no: str, mdtrt_id: str, hosp_rxno: str, at: dt.datetime, lines: list[tuple[str, str]],
             valid_days: int = 3) -> dict:
    """7101 as HIS clients send it; lines: (code, total quantity)."""
    return {
        "data": {"hosp_rxno": hosp_rxno, "rx_type_code": "1", "prsc_time": moment(at), "valid_days": valid_days,
                 "rx_drug_cnt": len(lines), "rx_used_way_codg": "1", "biz_typecode": "01"},
        "rxdrugdetail": [{"med_list_codg": code, "drug_genname": code, "drug_totlcnt": cnt, "drug_totlcnt_emp": "盒",
                          "drug_sumamt": "0", "medc_way_codg": "1"} for code, cnt in lines],
        "mdtrtinfo": {"fixmedins_code": ONLINE, "mdtrt_id": mdtrt_id, "psn_no": psn_no, "med_type": "11",
                      "maindiag_code": "I10", "maindiag_name": "原发性高血压", "dr_code": "D001", "prsc_dr_name": "医生"},
        "diseinfo": [{"diag_type": "1", "maindiag_flag": "1", "diag_srt_no": "1", "diag_code": "I10",
                      "diag_name": "原发性高血压", "diag_time": moment(at)}],
    }


def sale(psn_no: str, at: dt.datetime, lines: list[tuple[str, str, str, str]]) -> dict:
    """2101/2102 lines: (code, cnt, pric, hi_rxno or '' for a line not against a prescription)."""
    detail = [{"feedetl_sn": f"{n}", "med_list_codg": code, "medins_list_codg": code, "cnt": cnt, "pric": pric,
               "det_item_fee_sumamt": f"{float(cnt) * float(pric):.2f}", "rx_circ_flag": "1" if rxno else "0",
               "rxno": rxno, "fee_ocur_time": moment(at)} for n, (code, cnt, pric, rxno) in enumerate(lines, start=1)]
    total = sum(float(row["det_item_fee_sumamt"]) for row in detail)
    return {"druginfo": {"psn_no": psn_no, "insutype": "310", "med_type": "41", "acct_used_flag": "0",
                         "medfee_sumamt": f"{total:.2f}", "begntime": moment(at)}, "drugdetail": detail}
