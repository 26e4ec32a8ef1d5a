"""A deterministic, generated population of claims (a few hundred lines) in which every rule
type has violations and clean look-alikes, for comparing the execution paths."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from yibao.domain.audit import Claim, Line

from .builders import bundle, ceiling, exclusive, frequency, package, restriction

START = dt.date(2024, 1, 8)
HOSPITALS = [  # (fixmedins_code, medins_lv): two in Chongqing districts, one in Chengdu, a pharmacy
    ("H50015500001", "3"), ("H50010100002", "2"), ("H51010000003", "1"), ("P50015500004", ""),
]
PRICES = {"F001": "80", "M002": "60", "C001": "25", "E001": "40", "H001": "300", "IP01": "45.5", "D001": "60",
          "BED1": "50", "M001": "2", "P001": "12", "P002": "100", "PKG1": "200", "ITM1": "30", "ITM2": "20",
          "EX1": "40", "EX2": "35", "CT01": "150", "N001": "15", "N002": "8.8", "N003": "120"}
DIAGNOSES = ["I10", "E11.9", "I63.9", "J18.9", "K35.8", "Z51.1"]


def generated_package():
    return package(
        restrictions=[
            restriction("F001", gend="2"), restriction("F001", region="500155"),  # the district lifts it
            restriction("M002", gend="1"), restriction("C001", age_max=14), restriction("E001", age_min=60),
            restriction("H001", medins_lv_min=3), restriction("IP01", med_types="21;24"),
            restriction("D001", dise_codes="E11;E10"), restriction("BED1", max_cnt_per_day="1"),
            restriction("M001", max_cnt_per_day="3", max_days=7),
        ],
        price_ceilings=[ceiling("P001", "12.00"), ceiling("P002", "100.00", region="500100"),
                        ceiling("P002", "110.00", region="500155")],
        bundles=[bundle("PKG1", "ITM1"), bundle("PKG1", "ITM2")],
        exclusive_pairs=[exclusive("EX2", excluded_by="EX1")],
        frequency_limits=[frequency("CT01", "2", 30), frequency("CT01", "1", 3)],
    )


def _line(rng: random.Random, sn: int, code: str, day: dt.date) -> Line:
    cnt = Decimal(rng.choice(["1", "1", "1", "2", "3"]))
    pric = Decimal(PRICES[code])
    if code in ("P001", "P002") and rng.random() < 0.5:
        pric += Decimal(rng.choice(["1.5", "5", "15"]))
    prd_days = None
    if code == "M001":
        prd_days = rng.choice([3, 5, 7, 10])
        cnt = Decimal(rng.choice([prd_days * 3, prd_days * 4, prd_days * 2]))
    return Line(f"{sn:03d}", code, day, cnt, pric, (cnt * pric).quantize(Decimal("0.01")), prd_days)


def generated_claims(persons: int = 40, seed: int = 20240304) -> tuple[list[Claim], dict[str, dt.date]]:
    rng = random.Random(seed)
    claims, deaths = [], {}
    for p in range(persons):
        psn_no, certno = f"P{p:03d}", f"5001551980{p:04d}0011"
        gend, age = rng.choice("12"), rng.choice([3, 10, 35, 52, 67, 80])
        insured = rng.choice(["500155", "500155", "500101", "110000"])
        day, last_stay = START + dt.timedelta(days=rng.randrange(20)), None
        for v in range(rng.randrange(3, 6)):
            mdtrt_id = f"{psn_no}-V{v}"
            fixmedins_code, medins_lv = rng.choice(HOSPITALS)
            readmit = last_stay is not None and claims[-1] is last_stay and rng.random() < 0.6
            inpatient = not fixmedins_code.startswith("P") and (readmit or rng.random() < 0.35)
            med_type = "41" if fixmedins_code.startswith("P") else ("21" if inpatient else rng.choice(["11", "11", "14"]))
            main_diag = rng.choice(DIAGNOSES)
            if inpatient and last_stay and rng.random() < 0.6:
                main_diag = last_stay.main_diag  # a readmission with the same diagnosis
            length = rng.randrange(2, 9) if inpatient else 0
            enddate = day + dt.timedelta(days=length)
            codes = rng.sample(sorted(PRICES), rng.randrange(2, 6))
            if inpatient:
                codes += ["BED1"]
            lines = [_line(rng, n + 1, code, day + dt.timedelta(days=rng.randrange(length + 1)))
                     for n, code in enumerate(codes)]
            if rng.random() < 0.3:  # the same line entered twice
                twin = rng.choice(lines)
                lines.append(Line(f"{len(lines) + 1:03d}", twin.hilist_code, twin.fee_date, twin.cnt, twin.pric,
                                  twin.det_item_fee_sumamt, twin.prd_days))
            claim = Claim(
                mdtrt_id=mdtrt_id, psn_no=psn_no, certno=certno, gend=gend, fixmedins_code=fixmedins_code,
                medins_lv=medins_lv, med_type=med_type, begndate=day, enddate=enddate, main_diag=main_diag,
                lines=tuple(lines), diag_codes=tuple(rng.sample(DIAGNOSES, rng.randrange(0, 3))),
                setl_id=f"S-{mdtrt_id}", age=age, insuplc_admdvs=insured,
                scenario="互联网" if med_type == "11" and rng.random() < 0.1 else "",
            )
            claims.append(claim)
            if inpatient:
                last_stay = claim
            # The next visit: often soon after, sometimes inside the stay just opened.
            gap = rng.choice([1, 3, 6, 12, 20, 35]) if not inpatient else rng.choice([1, 2, length + 4, length + 20])
            day = day + dt.timedelta(days=gap)
        if rng.random() < 0.15:
            deaths[certno] = day - dt.timedelta(days=rng.randrange(5, 40))
    return claims, deaths
