"""The insured place's policy (参保地政策) as plain immutable data (settlement-spec §4).

Documents are validated and converted at the edge (``yibao.documents``); this module
only holds the shape and the table lookup the algorithm needs.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Union

from .errors import bad_input
from .maternity import MaternityRules

# A ratio or amount table: a plain number for everyone, or keyed by person class
# ("in_service" / "retired", "*" fallback) and then by hospital level ("0".."3", "*").
Table = Union[Decimal, dict]

PERSON_KEYS = frozenset({"in_service", "retired"})
LEVEL_KEYS = frozenset({"0", "1", "2", "3"})
FALLBACK = "*"


def lookup(table: Table, path: str, person_key: str, level: str) -> Decimal:
    """Resolve a table for one person class and hospital level (spec §4).

    A missing key is a policy error: E_BAD_INPUT naming the table's path.
    """
    value = table
    if isinstance(value, dict) and (PERSON_KEYS & value.keys() or value.keys() == {FALLBACK}):
        if person_key in value:
            value, path = value[person_key], f"{path}.{person_key}"
        elif FALLBACK in value:
            value, path = value[FALLBACK], f"{path}.{FALLBACK}"
        else:
            raise bad_input(path, f"没有人员类别 '{person_key}' 的条目，也没有 '*'（no entry for person class '{person_key}' and no '*'）")
    if isinstance(value, dict):
        if level in value:
            value = value[level]
        elif FALLBACK in value:
            value = value[FALLBACK]
        else:
            raise bad_input(path, f"没有医院等级 '{level}' 的条目，也没有 '*'（no entry for hospital level '{level}' and no '*'）")
    return value


@dataclass(frozen=True, slots=True)
class Cap:
    key: str
    amount: Decimal


@dataclass(frozen=True, slots=True)
class Band:
    upto: Decimal | None  # absolute position on the axis; None = no end
    ratio: Table
    path: str


@dataclass(frozen=True, slots=True)
class Deductible:
    basis: str  # "per_visit" | "annual"
    amount: Table
    nth_visit_factor: tuple[Decimal, ...]
    waived_groups: frozenset[str]
    path: str


@dataclass(frozen=True, slots=True)
class Benefit:
    name: str
    med_types: frozenset[str]
    accumulator: str
    deductible: Deductible | None
    bands_basis: str  # "per_visit" | "annual"
    bands: tuple[Band, ...]
    cap: Cap | None
    path: str
    # 门慢门特: a benefit that lists disease codes applies only to visits for one of them
    # (a listed code matches the visit's code or is a prefix of it) and needs the person's
    # qualification (资格认定) by the insured place for that disease.
    diseases: frozenset[str] | None = None
    # 生育 (insutype 510): a benefit that lists delivery kinds (domain/maternity.py) applies only
    # to visits of one of them (delivery by type, family planning); one without applies to any.
    delivery_types: frozenset[str] | None = None

    def covers_disease(self, dise_codg: str | None) -> bool:
        if self.diseases is None:
            return True
        return bool(dise_codg) and any(dise_codg.startswith(code) for code in self.diseases)

    def covers_delivery(self, delivery_type: str | None) -> bool:
        return self.delivery_types is None or delivery_type in self.delivery_types


@dataclass(frozen=True, slots=True)
class Layer:
    fund: str  # hifob | hifmi | hifes | oth
    benefits: frozenset[str] | None  # None = every benefit
    base: str  # "beyond_bands" | "inscp_burden"
    threshold: Decimal
    bands: tuple[Band, ...]
    cap: Cap | None
    path: str


@dataclass(frozen=True, slots=True)
class CivilServant:
    base: str  # "coinsurance" | "inscp_burden"
    ratio: Table
    cap: Cap | None
    path: str


@dataclass(frozen=True, slots=True)
class LayerAdjust:
    threshold_factor: Decimal
    ratio_bonus: Decimal
    no_cap: bool


@dataclass(frozen=True, slots=True)
class AssistanceGroup:
    name: str
    ratio: Table  # any ratio may be a table (spec §5.12)
    threshold: Decimal
    cap: Cap | None
    layer_adjust: dict[str, LayerAdjust]
    path: str


@dataclass(frozen=True, slots=True)
class PersonalAccount:
    payable: frozenset[str]  # inscp_burden | preselfpay | overlmt | fulamt
    family_mutual_aid: bool


# Spec §5.12: a policy without a personal_account block lets the account pay all four parts
# but allows no family mutual aid (共济 must be granted explicitly).
DEFAULT_PERSONAL_ACCOUNT = PersonalAccount(frozenset({"inscp_burden", "preselfpay", "overlmt", "fulamt"}), False)


@dataclass(frozen=True, slots=True)
class Adjustment:
    mode: str  # none | subtract_points | multiply | extra_preselfpay
    value: Decimal


NO_ADJUSTMENT = Adjustment("none", Decimal(0))


@dataclass(frozen=True, slots=True)
class ScopeRules:
    """One cross-region scope block: an adjustment per filing type, and the unfiled rule."""

    by_filing: dict[str, Adjustment]
    unfiled: Adjustment | None  # None = "reject"


@dataclass(frozen=True, slots=True)
class CrossRegion:
    cross_province: ScopeRules | None
    in_province: ScopeRules | None


@dataclass(frozen=True, slots=True)
class Policy:
    admdvs: str
    name: str
    insutype: str
    valid_from: dt.date
    valid_to: dt.date | None
    benefits: tuple[Benefit, ...]
    layers: tuple[Layer, ...] = ()
    civil_servant: CivilServant | None = None
    assistance_groups: dict[str, AssistanceGroup] = field(default_factory=dict)
    personal_account: PersonalAccount = DEFAULT_PERSONAL_ACCOUNT
    cross_region: CrossRegion = CrossRegion(None, None)
    internet_revisit_days: int = 180  # docs/internet-plus.md: 复诊 within this many days of an offline visit
    maternity: MaternityRules | None = None  # insutype 510 (docs/maternity.md)

    def benefit_for(self, med_type: str, dise_codg: str | None = None, delivery_type: str | None = None) -> Benefit | None:
        """Spec §5.1: the first benefit whose med_types contains the visit's med_type and, for
        a disease-specific benefit, whose diseases cover the visit's disease code (and, for a
        benefit of some delivery kinds, whose kinds hold the visit's)."""
        for benefit in self.benefits:
            if (med_type in benefit.med_types and benefit.covers_disease(dise_codg)
                    and benefit.covers_delivery(delivery_type)):
                return benefit
        return None

    def is_valid_on(self, day: dt.date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)
