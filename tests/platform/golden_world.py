"""Golden cases as stored data: each case gets its own regions (province digits kept, so
local / in-province / cross-province stays what the case says), its policy, catalogue,
institution, person, account, year-to-date accumulators and filing."""

from __future__ import annotations

import copy
import datetime as dt
import json
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from sqlalchemy import insert

from yibao.app.importing import import_file
from yibao.documents.render import dumps
from yibao.sim.idnumbers import make_certno
from yibao.store import repository as repo
from yibao.store import tables as t
from yibao.store.database import Database

NOW = dt.datetime(2026, 11, 1, 9, 0, 0)


def remap(admdvs: str, number: int) -> str:
    """Keep the province (and the district digits), give the case its own city digits."""
    return f"{admdvs[:2]}{number:02d}{admdvs[4:]}"


@dataclass
class GoldenSetup:
    name: str
    case: dict  # the case with remapped regions
    expected: dict
    institution: dict  # with its plain secret
    person: dict


def write_csv(path: Path, rows: list[dict]) -> Path:
    import csv

    columns = sorted({key for row in rows for key in row})
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        for row in rows:
            writer.writerow({key: ("" if value is None else value) for key, value in row.items()})
    return path


def load_golden_world(database: Database, case_paths: list[Path], work_dir: Path) -> list[GoldenSetup]:
    setups = []
    hilist, lmtpric, selfpay, institutions, persons, filings = [], [], [], [], [], []
    opening: list[dict] = []
    for number, path in enumerate(case_paths, start=10):
        case = json.loads(path.read_text(encoding="utf-8"))
        expected = json.loads(path.with_name(path.name.replace(".case.json", ".expected.json")).read_text())
        case = copy.deepcopy(case)
        visit = case["visit"]
        insured = remap(visit["insuplc_admdvs"], number)
        treated = remap(visit["mdtrtarea_admvs"], number)
        visit["insuplc_admdvs"], visit["mdtrtarea_admvs"] = insured, treated
        policy = case["policy"]
        policy["admdvs"] = insured
        policy_path = work_dir / f"{path.stem}.policy.json"
        policy_path.write_text(dumps(policy), encoding="utf-8")
        import_file(database, "policy", policy_path, now=NOW)
        for entry in case["catalog"]:
            hilist.append({"hilist_code": entry["code"], "hilist_name": entry["name"], "insu_admdvs": treated,
                           "begndate": "2000-01-01", "chrgitm_lv": entry["chrgitm_lv"], "vali_flag": "1"})
            if entry.get("pric_uplmt_amt") is not None:
                lmtpric.append({"hilist_code": entry["code"], "insu_admdvs": treated, "begndate": "2000-01-01",
                                "hilist_pric_uplmt_amt": entry["pric_uplmt_amt"]})
            if entry.get("selfpay_prop") not in (None, 0):
                selfpay.append({"hilist_code": entry["code"], "insu_admdvs": treated, "begndate": "2000-01-01",
                                "selfpay_prop": entry["selfpay_prop"]})
        institution = {"fixmedins_code": f"H{treated}{number:05d}", "fixmedins_name": f"测试医院{number}",
                       "fixmedins_type": "1", "medins_lv": visit["medins_lv"], "admdvs": treated,
                       "secret": f"secret-{number:04d}-golden"}
        institutions.append(institution)
        p = case["person"]
        psn_no = f"G{number:03d}{p['psn_no']}"
        person = {
            "psn_no": psn_no, "psn_cert_type": "01",
            "certno": make_certno(insured, dt.date(1960 if p.get("retired") else 1985, 5, 17), number, True),
            "psn_name": f"测试{number}", "gend": "1", "brdy": "1960-05-17" if p.get("retired") else "1985-05-17",
            "insutype": p["insutype"], "psn_type": p["psn_type"], "insuplc_admdvs": insured,
            "cvlserv_flag": "1" if p.get("cvlserv_flag") else "0", "assistance_group": p.get("assistance_group") or "",
            "acct_balance": p.get("acct_balance", 0), "card_no": f"C{number:08d}", "family_psn_no": "",
        }
        if Decimal(str(p.get("mutual_aid_balance", 0))) > 0:
            relative = dict(person, psn_no=psn_no + "F", certno=make_certno(insured, dt.date(1958, 1, 2), number, True),
                            psn_name=f"亲属{number}", brdy="1958-01-02", insutype="310", psn_type="1101",
                            acct_balance=p["mutual_aid_balance"], card_no=f"F{number:08d}")
            persons.append(relative)
            person["family_psn_no"] = relative["psn_no"]
        persons.append(person)
        year = dt.date.fromisoformat(visit["enddate"]).year
        for category, values in (case.get("ytd") or {}).items():
            for key, value in values.items():
                amount = int(value) if category == "visits" else repo.to_fen(Decimal(str(value)))
                opening.append(dict(psn_no=psn_no, insutype=p["insutype"], year=year, category=category, key=key,
                                    amount=amount, setl_id="OPENING"))
        if visit.get("filing"):
            filings.append({"psn_no": psn_no, "filing_type": visit["filing"], "dest_admdvs": treated,
                            "begndate": "2000-01-01", "enddate": ""})
        setups.append(GoldenSetup(path.name.removesuffix(".case.json"), case, expected, institution, person))
    for kind, rows in (("hilist", hilist), ("lmtpric", lmtpric), ("selfpay", selfpay),
                       ("institutions", institutions), ("persons", persons), ("filings", filings)):
        if rows:
            import_file(database, kind, write_csv(work_dir / f"golden-{kind}.csv", rows), now=NOW)
    if opening:
        with database.write() as conn:
            conn.execute(insert(t.accumulator_entries), opening)
    return setups
