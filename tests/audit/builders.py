"""Small builders: a claim, its lines and the knowledge rows, with defaults that trigger nothing."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from yibao.domain.audit import (
    Bundle, Claim, ExclusivePair, FrequencyLimit, KnowledgeBase, Line, PriceCeiling, Provenance, Restriction,
    RulePackage, standard_rules,
)

DAY = dt.date(2024, 3, 4)
SINCE = dt.date(2024, 1, 1)
PROVINCE, DISTRICT = "500000", "500155"
HOSPITAL = "H50015500001"  # a hospital in 梁平区 (500155): knowledge of 500155 → 500100 → 500000 applies
AUTHOR = Provenance("重庆市医保局", PROVINCE, dt.date(2024, 1, 1))


def line(code: str, sn: str = "1", *, day: dt.date = DAY, cnt: str = "1", pric: str = "10",
         prd_days: int | None = None) -> Line:
    count, price = Decimal(cnt), Decimal(pric)
    return Line(sn, code, day, count, price, (count * price).quantize(Decimal("0.01")), prd_days)


def claim(*lines: Line, mdtrt_id: str = "V1", psn_no: str = "P1", certno: str = "500155199001010011",
          gend: str = "1", age: int | None = 40, med_type: str = "11", medins_lv: str = "3",
          begndate: dt.date = DAY, enddate: dt.date | None = None, main_diag: str = "I10",
          diag_codes: tuple[str, ...] = (), fixmedins_code: str = HOSPITAL, setl_id: str | None = None,
          insuplc_admdvs: str = DISTRICT, scenario: str = "") -> Claim:
    return Claim(
        mdtrt_id=mdtrt_id, psn_no=psn_no, certno=certno, gend=gend, fixmedins_code=fixmedins_code,
        medins_lv=medins_lv, med_type=med_type, begndate=begndate, enddate=enddate or begndate,
        main_diag=main_diag, lines=tuple(lines), diag_codes=diag_codes,
        setl_id=f"S-{mdtrt_id}" if setl_id is None else setl_id, age=age, insuplc_admdvs=insuplc_admdvs,
        scenario=scenario,
    )


def restriction(code: str, region: str = PROVINCE, **limits) -> Restriction:
    for name in ("med_types", "dise_codes"):
        if isinstance(limits.get(name), str):
            limits[name] = tuple(limits[name].split(";"))
    if "max_cnt_per_day" in limits:
        limits["max_cnt_per_day"] = Decimal(limits["max_cnt_per_day"])
    return Restriction(code, region, SINCE, **limits)


def ceiling(code: str, amount: str, region: str = PROVINCE) -> PriceCeiling:
    return PriceCeiling(code, region, SINCE, hilist_pric_uplmt_amt=Decimal(amount))


def bundle(package_code: str, item_code: str) -> Bundle:
    return Bundle(package_code, item_code, PROVINCE, SINCE)


def exclusive(code: str, excluded_by: str) -> ExclusivePair:
    return ExclusivePair(code, excluded_by, PROVINCE, SINCE)


def frequency(code: str, max_cnt: str, period_days: int) -> FrequencyLimit:
    return FrequencyLimit(code, Decimal(max_cnt), period_days, PROVINCE, SINCE)


def package(knowledge: KnowledgeBase | None = None, rules=None, **tables) -> RulePackage:
    return RulePackage(
        package_id="CQ-AUDIT", version="2024.1", region=PROVINCE, provenance=AUTHOR,
        rules=tuple(rules if rules is not None else standard_rules(AUTHOR)),
        knowledge=knowledge or KnowledgeBase(**{name: tuple(rows) for name, rows in tables.items()}),
    )
