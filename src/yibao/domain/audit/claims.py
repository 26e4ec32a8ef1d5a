"""What the audit looks at: one visit (claim) with its fee lines, and the person's history.

The same shapes feed both execution paths: the gateway builds a ``Claim`` for 3101/3102 and
settlement, and the post-event batch reads the flat claim-line table, whose rows are exactly
``flat_rows(claim)`` (docs/audit-rules.md, "Flat claim-line table").
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Iterable

# Scenarios of the rule template (domain-rules §5.1 应用场景).
INPATIENT, OUTPATIENT, PHARMACY, INTERNET, REMOTE = "住院", "门诊", "购药", "互联网", "异地"
SCENARIOS = (INPATIENT, OUTPATIENT, PHARMACY, INTERNET, REMOTE)

PHARMACY_MED_TYPE = "41"
# Inpatient med_types: the national 2x family (21 普通住院 … 28 日间手术, and the provincial
# 2101/2102/2114) plus 52 生育住院 (nhsa-interface §4.3).
INPATIENT_EXTRA_MED_TYPES = ("52",)


def is_inpatient(med_type: str) -> bool:
    return med_type.startswith("2") or med_type in INPATIENT_EXTRA_MED_TYPES


def visit_scenarios(med_type: str, region: str, insuplc_admdvs: str = "", scenario: str = "") -> frozenset[str]:
    """The scenarios a visit belongs to: its care setting, 异地 when the insured place differs
    from the treatment place, plus an explicit marker (e.g. 互联网, which med_type cannot show)."""
    found = {INPATIENT if is_inpatient(med_type) else PHARMACY if med_type == PHARMACY_MED_TYPE else OUTPATIENT}
    if insuplc_admdvs and insuplc_admdvs != region:
        found.add(REMOTE)
    if scenario:
        found.add(scenario)
    return frozenset(found)


def age_on(brdy: dt.date, day: dt.date) -> int:
    """Age in whole years on ``day`` (data-formats: 限年龄 uses the age at the fee date)."""
    return day.year - brdy.year - ((day.month, day.day) < (brdy.month, brdy.day))


@dataclass(frozen=True)
class Line:
    """One fee line (feedetl); ``prd_days`` is the prescription's days for drugs."""

    feedetl_sn: str
    hilist_code: str
    fee_date: dt.date
    cnt: Decimal
    pric: Decimal
    det_item_fee_sumamt: Decimal
    prd_days: int | None = None


@dataclass(frozen=True)
class Claim:
    """One visit. ``enddate`` is None for a stay not yet discharged (pre/in-event audit).

    Age comes from ``brdy`` at each fee date when given, else ``age`` is used as is.
    ``mdtrtarea_admvs`` (the treatment place, whose knowledge applies) defaults to the
    region inside the institution code (``H`` + 6-digit admdvs + 5 digits).
    """

    mdtrt_id: str
    psn_no: str
    certno: str
    gend: str
    fixmedins_code: str
    medins_lv: str
    med_type: str
    begndate: dt.date
    enddate: dt.date | None
    main_diag: str
    lines: tuple[Line, ...] = ()
    diag_codes: tuple[str, ...] = ()
    setl_id: str = ""
    brdy: dt.date | None = None
    age: int | None = None
    insuplc_admdvs: str = ""
    mdtrtarea_admvs: str = ""
    scenario: str = ""

    @property
    def region(self) -> str:
        return self.mdtrtarea_admvs or self.fixmedins_code[1:7]

    @property
    def inpatient(self) -> bool:
        return is_inpatient(self.med_type)

    @property
    def scenarios(self) -> frozenset[str]:
        return visit_scenarios(self.med_type, self.region, self.insuplc_admdvs, self.scenario)

    @property
    def amount(self) -> Decimal:
        return sum((line.det_item_fee_sumamt for line in self.lines), Decimal("0"))

    @property
    def diagnoses(self) -> tuple[str, ...]:
        return (self.main_diag, *self.diag_codes) if self.main_diag else self.diag_codes

    def age_on(self, day: dt.date) -> int | None:
        return age_on(self.brdy, day) if self.brdy else self.age


@dataclass(frozen=True)
class History:
    """The person's other visits (any order, the current one is ignored if present) and the
    death date from the death registry, for the cross-visit rules."""

    claims: tuple[Claim, ...] = ()
    die_date: dt.date | None = None


# The flat claim-line table of the post-event batch, in column order (docs/audit-rules.md).
FLAT_COLUMNS = (
    "setl_id", "mdtrt_id", "psn_no", "certno", "gend", "age", "fixmedins_code", "medins_lv",
    "med_type", "insuplc_admdvs", "mdtrtarea_admvs", "begndate", "enddate", "main_diag",
    "diag_codes", "feedetl_sn", "hilist_code", "fee_date", "cnt", "pric", "det_item_fee_sumamt",
    "prd_days", "scenario",
)


def flat_rows(claim: Claim) -> list[dict]:
    """The claim as rows of the flat claim-line table (one per fee line)."""
    visit = {
        "setl_id": claim.setl_id, "mdtrt_id": claim.mdtrt_id, "psn_no": claim.psn_no,
        "certno": claim.certno, "gend": claim.gend, "fixmedins_code": claim.fixmedins_code,
        "medins_lv": claim.medins_lv, "med_type": claim.med_type,
        "insuplc_admdvs": claim.insuplc_admdvs, "mdtrtarea_admvs": claim.region,
        "begndate": claim.begndate, "enddate": claim.enddate, "main_diag": claim.main_diag,
        "diag_codes": ";".join(claim.diag_codes), "scenario": claim.scenario,
    }
    return [
        {**visit, "age": claim.age_on(line.fee_date), "feedetl_sn": line.feedetl_sn,
         "hilist_code": line.hilist_code, "fee_date": line.fee_date, "cnt": line.cnt, "pric": line.pric,
         "det_item_fee_sumamt": line.det_item_fee_sumamt, "prd_days": line.prd_days}
        for line in claim.lines
    ]


def claims_from_rows(rows: Iterable[dict]) -> list[Claim]:
    """Flat rows back to claims, grouped by mdtrt_id (visit fields from the visit's first row;
    the age of that row stands for the visit)."""
    grouped: dict[str, list[dict]] = {}
    for row in rows:
        grouped.setdefault(row["mdtrt_id"], []).append(row)
    claims = []
    for mdtrt_id, visit_rows in grouped.items():
        first = visit_rows[0]
        lines = tuple(
            Line(r["feedetl_sn"], r["hilist_code"], r["fee_date"], Decimal(r["cnt"]), Decimal(r["pric"]),
                 Decimal(r["det_item_fee_sumamt"]), r.get("prd_days"))
            for r in visit_rows
        )
        claims.append(Claim(
            mdtrt_id=mdtrt_id, psn_no=first["psn_no"], certno=first["certno"], gend=first["gend"],
            fixmedins_code=first["fixmedins_code"], medins_lv=first.get("medins_lv") or "",
            med_type=first["med_type"], begndate=first["begndate"], enddate=first.get("enddate"),
            main_diag=first.get("main_diag") or "",
            diag_codes=tuple(code for code in (first.get("diag_codes") or "").split(";") if code),
            lines=lines, setl_id=first.get("setl_id") or "", age=first.get("age"),
            insuplc_admdvs=first.get("insuplc_admdvs") or "", mdtrtarea_admvs=first.get("mdtrtarea_admvs") or "",
            scenario=first.get("scenario") or "",
        ))
    return claims
