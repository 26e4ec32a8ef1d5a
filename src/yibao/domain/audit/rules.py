"""The rule base (规则库) as data: typed rules with the template attributes of the national
framework (domain-rules §5.1): category, result type, stages, scenarios, parameters, version
and provenance. The logic of each rule type is fixed in code (once in Python, once in SQL);
everything a region may tune is a field or parameter here.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from ..money import decimal_of
from .claims import INPATIENT, INTERNET, OUTPATIENT, PHARMACY, REMOTE, SCENARIOS

GENDER = "限性别"
AGE = "限年龄"
HOSPITAL_LEVEL = "限医院等级"
MED_TYPE = "限就医方式"
INDICATION = "限适应症"
OVER_PRICE = "超标准收费"
DUPLICATE = "重复收费"
UNBUNDLING = "分解收费"
OVER_QUANTITY = "超量开药"
FREQUENCY = "频次超限"
SPLIT_ADMISSION = "分解住院"
OUTPATIENT_IN_STAY = "住院期间门诊结算"
AFTER_DEATH = "死亡后就医"
EXCLUSIVE = "互斥项目"

POLICY, MANAGEMENT, MEDICAL = "政策", "管理", "医疗"
CATEGORIES = (POLICY, MANAGEMENT, MEDICAL)
DEFINITE, SUSPICIOUS = "明确违规", "可疑"
RESULT_TYPES = (DEFINITE, SUSPICIOUS)
PRE, IN, POST = "事前", "事中", "事后"
STAGES = (PRE, IN, POST)


class RuleError(ValueError):
    """An invalid rule; the message starts with the offending field's path."""


def _int(value: Any) -> int:
    if isinstance(value, bool) or not (isinstance(value, int) or (isinstance(value, str) and value.isdigit())):
        raise ValueError("must be a whole number")
    if int(value) < 0:
        raise ValueError("must not be negative")
    return int(value)


def _bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError("must be true or false")
    return value


def _amount(value: Any) -> Decimal:
    try:
        number = decimal_of(value)
    except Exception:
        raise ValueError("must be a number") from None
    if not number.is_finite() or number < 0:
        raise ValueError("must be a non-negative number")
    return number


def _prefixes(value: Any) -> tuple[str, ...]:
    # These go into SQL LIKE patterns: letters, digits and '.' only.
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) and re.fullmatch(r"[A-Za-z0-9.]+", v) for v in value):
        raise ValueError("must be a list of diagnosis-code prefixes (letters, digits, '.')")
    return tuple(value)


@dataclass(frozen=True)
class RuleType:
    name: str
    level: str  # "line": a finding per fee line; "visit": a finding per visit
    category: str
    result_type: str
    scenarios: tuple[str, ...] = SCENARIOS
    parameters: dict[str, tuple[Any, Any]] = field(default_factory=dict)  # name → (parser, default)


RULE_TYPES = {spec.name: spec for spec in (
    RuleType(GENDER, "line", MEDICAL, DEFINITE),
    RuleType(AGE, "line", MEDICAL, DEFINITE),
    RuleType(HOSPITAL_LEVEL, "line", POLICY, DEFINITE),
    RuleType(MED_TYPE, "line", POLICY, DEFINITE),
    RuleType(INDICATION, "line", POLICY, SUSPICIOUS),
    # tolerance: a price up to ceiling + tolerance passes (rounding in HIS price tables).
    RuleType(OVER_PRICE, "line", POLICY, DEFINITE, parameters={"tolerance": (_amount, Decimal("0"))}),
    RuleType(DUPLICATE, "line", MANAGEMENT, SUSPICIOUS),
    RuleType(UNBUNDLING, "line", MANAGEMENT, DEFINITE),
    RuleType(OVER_QUANTITY, "line", MEDICAL, DEFINITE),
    RuleType(FREQUENCY, "line", MEDICAL, DEFINITE),
    # days: readmission window after discharge; exempt_diag_prefixes: planned readmissions
    # (e.g. Z51 chemotherapy cycles) that are not split admissions.
    RuleType(SPLIT_ADMISSION, "visit", MANAGEMENT, SUSPICIOUS, (INPATIENT, REMOTE), parameters={
        "days": (_int, 15), "same_institution": (_bool, False), "exempt_diag_prefixes": (_prefixes, ()),
    }),
    RuleType(OUTPATIENT_IN_STAY, "visit", MANAGEMENT, SUSPICIOUS, (OUTPATIENT, PHARMACY, INTERNET, REMOTE)),
    RuleType(AFTER_DEATH, "line", MANAGEMENT, DEFINITE),
    RuleType(EXCLUSIVE, "line", MEDICAL, DEFINITE),
)}


@dataclass(frozen=True)
class Provenance:
    """Who wrote a rule or package, for which region, when (shared across regions)."""

    author: str
    region: str
    date: dt.date | None = None


@dataclass(frozen=True)
class Rule:
    """One configured rule. ``sev_deg`` (3101 严重程度) defaults to the result type's name;
    ``basis`` is the 违规依据 shown in 3101 (the policy the rule enforces)."""

    rule_id: str
    rule_name: str
    rule_type: str
    category: str
    result_type: str
    stages: tuple[str, ...]
    scenarios: tuple[str, ...]
    version: str
    provenance: Provenance
    parameters: dict[str, Any] = field(default_factory=dict)
    sev_deg: str = ""
    basis: str = ""

    def __post_init__(self) -> None:
        def fail(path: str, message: str) -> None:
            raise RuleError(f"{path}: {message}")

        if not self.rule_id:
            fail("rule_id", "required")
        spec = RULE_TYPES.get(self.rule_type)
        if spec is None:
            fail("rule_type", f"unknown rule type {self.rule_type!r} (one of {', '.join(RULE_TYPES)})")
        if self.category not in CATEGORIES:
            fail("category", f"must be one of {', '.join(CATEGORIES)}")
        if self.result_type not in RESULT_TYPES:
            fail("result_type", f"must be one of {', '.join(RESULT_TYPES)}")
        for name, allowed, values in (("stages", STAGES, self.stages), ("scenarios", SCENARIOS, self.scenarios)):
            if not values or any(value not in allowed for value in values):
                fail(name, f"must be a non-empty list drawn from {', '.join(allowed)}")
        parameters = {}
        for name, value in self.parameters.items():
            if name not in spec.parameters:
                fail(f"parameters.{name}", f"not a parameter of {self.rule_type}")
            try:
                parameters[name] = spec.parameters[name][0](value)
            except ValueError as exc:
                fail(f"parameters.{name}", str(exc))
        for name, (_, default) in spec.parameters.items():
            parameters.setdefault(name, default)
        object.__setattr__(self, "parameters", parameters)
        object.__setattr__(self, "stages", tuple(self.stages))
        object.__setattr__(self, "scenarios", tuple(self.scenarios))
        object.__setattr__(self, "sev_deg", self.sev_deg or self.result_type)

    @property
    def spec(self) -> RuleType:
        return RULE_TYPES[self.rule_type]

    def applies(self, stage: str, scenarios: frozenset[str]) -> bool:
        return stage in self.stages and not scenarios.isdisjoint(self.scenarios)


_STANDARD = (
    ("GEND-01", GENDER, "限性别项目"),
    ("AGE-01", AGE, "限年龄项目"),
    ("HOSPLV-01", HOSPITAL_LEVEL, "限医院等级项目"),
    ("MEDTYPE-01", MED_TYPE, "限就医方式项目"),
    ("INDIC-01", INDICATION, "限适应症用药无相应诊断"),
    ("PRICE-01", OVER_PRICE, "超限价收费"),
    ("DUP-01", DUPLICATE, "同日重复收费"),
    ("BUNDLE-01", UNBUNDLING, "打包项目分解收费"),
    ("QTY-01", OVER_QUANTITY, "超量开药或超天数"),
    ("FREQ-01", FREQUENCY, "项目频次超限"),
    ("READMIT-01", SPLIT_ADMISSION, "同病种短期再入院（分解住院）"),
    ("OPSTAY-01", OUTPATIENT_IN_STAY, "住院期间门诊或购药结算"),
    ("DEATH-01", AFTER_DEATH, "死亡后发生医疗费用"),
    ("EXCL-01", EXCLUSIVE, "互斥项目同日收费"),
)


def standard_rules(provenance: Provenance, version: str = "1") -> tuple[Rule, ...]:
    """One rule of every type with the defaults of its type: a starting rule base."""
    return tuple(
        Rule(rule_id=rule_id, rule_name=name, rule_type=rule_type, category=RULE_TYPES[rule_type].category,
             result_type=RULE_TYPES[rule_type].result_type, stages=STAGES, scenarios=RULE_TYPES[rule_type].scenarios,
             version=version, provenance=provenance)
        for rule_id, rule_type, name in _STANDARD
    )
