"""DRG (疾病诊断相关分组): a grouper interface, one open implementation reading a rule table, and
relative weights from history (docs/payment-methods.md, "DRG", says which parts follow CHS-DRG
and which are placeholders).

The rule table: MDC by the main diagnosis's ICD-10 code range (CHS-DRG's MDC are by body
system; the ranges below are a simplified placeholder of its main-diagnosis table), ADRG by the
main procedure (surgical, by ICD-9-CM-3 prefix) or else the main diagnosis (medical), and the
DRG's last digit by complications and age: 1 with complications and an age at risk, 3 with
either, 5 with neither (CHS-DRG: 1 严重并发症或合并症, 3 一般并发症或合并症, 5 不伴).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from .dip import Case, q4

DEFAULT_RULES: dict = {
    "name": "yibao open rule table 1 (placeholder of CHS-DRG 1.1)",
    "mdc": [  # first match of the main diagnosis's code between from and to (inclusive, on 3 characters)
        {"mdc": "MDCA", "from": "A00", "to": "B99", "name": "感染及寄生虫病"},
        {"mdc": "MDCR", "from": "C00", "to": "D48", "name": "骨髓增生疾患、低分化肿瘤"},
        {"mdc": "MDCQ", "from": "D50", "to": "D89", "name": "血液、造血器官及免疫疾病"},
        {"mdc": "MDCK", "from": "E00", "to": "E90", "name": "内分泌、营养、代谢疾病"},
        {"mdc": "MDCT", "from": "F00", "to": "F99", "name": "精神疾病及功能障碍"},
        {"mdc": "MDCB", "from": "G00", "to": "G99", "name": "神经系统疾病"},
        {"mdc": "MDCC", "from": "H00", "to": "H59", "name": "眼疾病"},
        {"mdc": "MDCD", "from": "H60", "to": "H95", "name": "耳鼻咽喉疾病"},
        {"mdc": "MDCF", "from": "I00", "to": "I99", "name": "循环系统疾病"},
        {"mdc": "MDCE", "from": "J00", "to": "J99", "name": "呼吸系统疾病"},
        {"mdc": "MDCG", "from": "K00", "to": "K93", "name": "消化系统疾病"},
        {"mdc": "MDCJ", "from": "L00", "to": "L99", "name": "皮肤、皮下组织疾病"},
        {"mdc": "MDCI", "from": "M00", "to": "M99", "name": "肌肉、骨骼疾病"},
        {"mdc": "MDCL", "from": "N00", "to": "N39", "name": "肾脏及泌尿系统疾病"},
        {"mdc": "MDCM", "from": "N40", "to": "N51", "name": "男性生殖系统疾病"},
        {"mdc": "MDCN", "from": "N60", "to": "N99", "name": "女性生殖系统疾病"},
        {"mdc": "MDCO", "from": "O00", "to": "O99", "name": "妊娠、分娩及产褥期"},
        {"mdc": "MDCP", "from": "P00", "to": "P96", "name": "新生儿疾病"},
        {"mdc": "MDCX", "from": "Q00", "to": "Z99", "name": "其他（影响健康状态的因素等）"},
    ],
    "adrg": [  # first match within the MDC: a procedure prefix (surgical) or a diagnosis prefix (medical)
        {"adrg": "GB1", "mdc": "MDCG", "procedure": "47.0", "name": "阑尾切除术"},
        {"adrg": "GC1", "mdc": "MDCG", "procedure": "51.2", "name": "胆囊切除术"},
        {"adrg": "FM1", "mdc": "MDCF", "procedure": "36.0", "name": "经皮冠状动脉支架植入"},
        {"adrg": "IC1", "mdc": "MDCI", "procedure": "81.5", "name": "髋、膝关节置换术"},
        {"adrg": "OB1", "mdc": "MDCO", "procedure": "74.1", "name": "剖宫产术"},
        {"adrg": "ES1", "mdc": "MDCE", "diagnosis": "J18", "name": "呼吸系统感染/炎症"},
        {"adrg": "FR1", "mdc": "MDCF", "diagnosis": "I21", "name": "急性心肌梗死"},
        {"adrg": "BR1", "mdc": "MDCB", "diagnosis": "I63", "name": "脑梗死"},
        {"adrg": "KS1", "mdc": "MDCK", "diagnosis": "E11", "name": "糖尿病"},
    ],
    "surgical_fallback": "OP",  # within an MDC, a case with an unlisted procedure: {mdc letter}{this}
    "medical_fallback": "MD",  # a case without procedure or with an unlisted diagnosis
    "age_at_risk": {"under": 17, "from": 65},
}


@dataclass(frozen=True)
class Assignment:
    mdc: str
    adrg: str
    drg: str


class Grouper(Protocol):
    """Anything that puts a case into an MDC, an ADRG and a DRG (a national grouper may replace it)."""

    def group(self, case: Case) -> Assignment: ...


def _at_risk(age: int, rules: dict) -> bool:
    limits = rules.get("age_at_risk") or {}
    return age < int(limits.get("under", 0)) or age >= int(limits.get("from", 200))


class RuleTableGrouper:
    """The open grouper: reads the rule table above (or one imported from another region)."""

    def __init__(self, rules: dict | None = None):
        self.rules = rules or DEFAULT_RULES

    def mdc_of(self, diagnosis: str) -> str:
        head = diagnosis.strip().upper()[:3]
        for row in self.rules["mdc"]:
            if row["from"] <= head <= row["to"]:
                return row["mdc"]
        return "MDCX"

    def adrg_of(self, mdc: str, case: Case) -> str:
        procedure, diagnosis = case.main_procedure.strip(), case.main_diagnosis.strip().upper()
        for row in self.rules["adrg"]:
            if row["mdc"] != mdc:
                continue
            if procedure and "procedure" in row and procedure.startswith(row["procedure"]):
                return row["adrg"]
            if not procedure and "diagnosis" in row and diagnosis.startswith(row["diagnosis"]):
                return row["adrg"]
        fallback = self.rules["surgical_fallback"] if procedure else self.rules["medical_fallback"]
        return f"{mdc[-1]}{fallback}"

    def group(self, case: Case) -> Assignment:
        mdc = self.mdc_of(case.main_diagnosis)
        adrg = self.adrg_of(mdc, case)
        complications, at_risk = case.secondary_diagnoses > 0, _at_risk(case.age, self.rules)
        suffix = "1" if complications and at_risk else "3" if complications or at_risk else "5"
        return Assignment(mdc, adrg, adrg + suffix)


@dataclass(frozen=True)
class Weight:
    drg: str
    cases: int
    average_fen: Decimal
    weight: Decimal  # group average / overall average (4 places; CHS-DRG's RW)


def weights(cases: list[Case], grouper: Grouper) -> dict[str, Weight]:
    """Relative weights from history: each DRG's average total fee over all cases' average."""
    if not cases:
        return {}
    by_drg: dict[str, list[Case]] = {}
    for case in cases:
        by_drg.setdefault(grouper.group(case).drg, []).append(case)
    overall = Decimal(sum(c.total_fen for c in cases)) / len(cases)
    found = {}
    for drg, members in sorted(by_drg.items()):
        average = Decimal(sum(c.total_fen for c in members)) / len(members)
        found[drg] = Weight(drg, len(members), q4(average), q4(average / overall) if overall else Decimal(0))
    return found


def weights_as_data(found: dict[str, Weight]) -> list[dict]:
    return [{"drg": w.drg, "cases": w.cases, "average_fen": str(w.average_fen), "weight": str(w.weight)}
            for w in found.values()]
