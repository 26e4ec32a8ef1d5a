"""What one settlement is asked: catalogue, person, year-to-date state, visit, fee lines."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from .money import ZERO


@dataclass(frozen=True, slots=True)
class CatalogEntry:
    """One item of the treatment place's catalogue (就医地目录), spec §2."""

    code: str
    name: str
    chrgitm_lv: str  # 01 甲 / 02 乙 / 03 丙
    selfpay_prop: Decimal = ZERO
    pric_uplmt_amt: Decimal | None = None
    # "delivery": a delivery service (domain/internet_plus.py), never paid by the funds
    category: str = ""


@dataclass(frozen=True, slots=True)
class Person:
    psn_no: str
    insutype: str | None
    psn_type: str | None
    retired: bool
    cvlserv_flag: bool = False
    assistance_group: str | None = None
    acct_balance: Decimal = ZERO
    mutual_aid_balance: Decimal = ZERO
    # 亲情账户 (domain-rules §2.3): the accounts of the persons this one is bound to, as
    # (psn_no, balance) in the order of their bindings (the earliest pays first). Empty: the
    # single ``mutual_aid_balance`` (a case file's) is the one family account.
    mutual_aid_accounts: tuple[tuple[str, Decimal], ...] = ()
    # Diseases the insured place has qualified the person for (门慢特资格); None = not
    # checked (a case file that does not say).
    qualified_diseases: frozenset[str] | None = None

    @property
    def class_key(self) -> str:
        """The person key of ratio and amount tables (spec §4)."""
        return "retired" if self.retired else "in_service"


@dataclass(frozen=True, slots=True)
class Visit:
    med_type: str
    medins_lv: str
    begndate: dt.date | None
    enddate: dt.date
    insuplc_admdvs: str
    mdtrtarea_admvs: str
    filing: str | None = None
    acct_used_flag: bool = True
    dise_codg: str | None = None  # the visit's disease (门慢特病种) code, for disease benefits
    delivery_type: str | None = None  # 生育: the delivery kind (domain/maternity.py), for 510 benefits


@dataclass(frozen=True, slots=True)
class FeeLine:
    code: str
    cnt: Decimal | None = None
    pric: Decimal | None = None
    det_item_fee_sumamt: Decimal | None = None  # when given, it is the line amount


@dataclass(frozen=True, slots=True)
class YearToDate:
    """A person's accumulators in the insured place's policy year (spec §2, §5.11).

    ``visits``, ``inscp`` and ``deductible_paid`` are keyed by benefit accumulator,
    ``fund_paid`` by cap key, ``layer_base`` by layer fund (and "maf"). Missing keys are 0.
    """

    visits: dict[str, int] = field(default_factory=dict)
    inscp: dict[str, Decimal] = field(default_factory=dict)
    deductible_paid: dict[str, Decimal] = field(default_factory=dict)
    fund_paid: dict[str, Decimal] = field(default_factory=dict)
    layer_base: dict[str, Decimal] = field(default_factory=dict)

    def apply(self, delta: "YearToDate", sign: int = 1) -> "YearToDate":
        """These accumulators plus (sign=1) or minus (sign=-1, a reversal) a delta."""
        return YearToDate(
            visits=_combine(self.visits, delta.visits, sign),
            inscp=_combine(self.inscp, delta.inscp, sign),
            deductible_paid=_combine(self.deductible_paid, delta.deductible_paid, sign),
            fund_paid=_combine(self.fund_paid, delta.fund_paid, sign),
            layer_base=_combine(self.layer_base, delta.layer_base, sign),
        )

    def as_dict(self) -> dict[str, dict]:
        return {
            "visits": dict(self.visits),
            "inscp": dict(self.inscp),
            "deductible_paid": dict(self.deductible_paid),
            "fund_paid": dict(self.fund_paid),
            "layer_base": dict(self.layer_base),
        }


def _combine(base: dict, delta: dict, sign: int) -> dict:
    combined = dict(base)
    for key, value in delta.items():
        combined[key] = combined.get(key, 0) + sign * value
    return combined


@dataclass(frozen=True, slots=True)
class SettlementCase:
    policy: "Policy"  # noqa: F821 - imported lazily to keep this module a leaf
    catalog: dict[str, CatalogEntry]
    person: Person
    ytd: YearToDate
    visit: Visit
    lines: tuple[FeeLine, ...]
