"""Enrollment rules, pure: when benefits begin, contribution years, the transfer's waiting period
(医保办发〔2021〕43号, domain-rules.md §8), the 川渝 pooled-fund extension, the monthly crediting
of personal accounts (个人账户划入), and whether a visit's day is covered.

The parameters come from the ``enrollment`` block of the insured region's policy document
(docs/enrollment.md); every field has a default, so a policy document without the block keeps
working: residents enrolled outside the enrollment window wait 3 months (国办发〔2024〕38号),
newborns and students enrolled at school start are exempt, nothing is credited to accounts and
no pooled-fund money moves.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from .money import round_fen, to_fen

KINDS = ("employee", "resident", "student", "newborn")
RETIREE_PSN_TYPE_PREFIX = "12"  # 1201/1202: 退休 (dictionary psn_type)


class RuleError(ValueError):
    """A parameter of the ``enrollment`` block that cannot be read (path, why)."""

    def __init__(self, path: str, why: str):
        super().__init__(f"{path}: {why}")
        self.path, self.why = path, why


@dataclass(frozen=True)
class PooledFundRule:
    """川渝 extension (seed 000, item 10): pooled-fund money moves with a transfer from regions
    whose code starts with ``from_prefix``, from ``effective_from``, per recognised full year."""

    from_prefix: str
    effective_from: dt.date
    amount_per_year_fen: int
    max_years: int = 0  # 0: no cap


@dataclass(frozen=True)
class EnrollmentRules:
    window_from: tuple[int, int] = (9, 1)  # 集中参保期 of residents (month, day) … 
    window_to: tuple[int, int] = (12, 31)  # … enrolled in it: benefits from the next 1 January
    waiting_months: int = 3  # residents enrolled outside the window (国办发〔2024〕38号)
    employee_waiting_months: int = 0
    newborn_grace_days: int = 90  # enrolled within these days of birth: benefits from birth
    school_start_months: tuple[int, ...] = (9,)  # students enrolled then: benefits at once
    transfer_gap_months: int = 3  # §8 ①②: a gap up to this keeps benefits continuous
    transfer_waiting_months: int = 6  # §8 ③: a longer gap waits this long (at most 6)
    credit_share: Decimal = Decimal(0)  # share of the employee's own contribution credited
    retiree_monthly_fen: int = 0  # fixed monthly credit of a retiree's account
    pooled_fund: tuple[PooledFundRule, ...] = field(default=())


DEFAULT_RULES = EnrollmentRules()


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` later, the month's last day when it has fewer days."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def benefit_begndate(kind: str, enroll_date: dt.date, rules: EnrollmentRules, *, brdy: dt.date | None = None) -> dt.date:
    """The first day a visit is paid for a new enrollment of ``kind`` on ``enroll_date``."""
    if kind == "newborn" and brdy is not None and (enroll_date - brdy).days <= rules.newborn_grace_days:
        return brdy
    if kind == "student" and enroll_date.month in rules.school_start_months:
        return enroll_date
    if kind == "employee":
        return add_months(enroll_date, rules.employee_waiting_months)
    if in_window(enroll_date, rules):
        return dt.date(enroll_date.year + 1, 1, 1)
    return add_months(enroll_date, rules.waiting_months)


def in_window(day: dt.date, rules: EnrollmentRules) -> bool:
    return rules.window_from <= (day.month, day.day) <= rules.window_to


def months_between(earlier: str, later: str) -> int:
    """Whole months from YYYY-MM ``earlier`` to ``later`` (2024-01 → 2024-04: 3)."""
    return (int(later[:4]) - int(earlier[:4])) * 12 + int(later[5:7]) - int(earlier[5:7])


def transfer_benefit_begndate(begndate: dt.date, last_contribution_month: str | None,
                              rules: EnrollmentRules) -> dt.date:
    """§8: months not paid between the last contribution and the month before the transfer-in;
    up to ``transfer_gap_months`` benefits continue from ``begndate``, beyond that they wait."""
    if last_contribution_month is None:
        return add_months(begndate, rules.transfer_waiting_months)
    gap = months_between(last_contribution_month, begndate.strftime("%Y-%m")) - 1
    if gap <= rules.transfer_gap_months:
        return begndate
    return add_months(begndate, rules.transfer_waiting_months)


def contribution_years(months: int) -> tuple[int, int]:
    """Recognised contribution months as (years, months)."""
    return divmod(months, 12)


def pooled_fund_amount_fen(rules: EnrollmentRules, from_admdvs: str, day: dt.date, months: int) -> int:
    """The pooled-fund money a transfer-in from ``from_admdvs`` brings (0: the national rule)."""
    for rule in rules.pooled_fund:
        if from_admdvs.startswith(rule.from_prefix) and day >= rule.effective_from:
            years = months // 12
            if rule.max_years:
                years = min(years, rule.max_years)
            return years * rule.amount_per_year_fen
    return 0


def is_retiree(psn_type: str) -> bool:
    """data-formats.md: 12xx and 1300 count as retired."""
    return psn_type.startswith(RETIREE_PSN_TYPE_PREFIX) or psn_type == "1300"


def credit_amount_fen(rules: EnrollmentRules, psn_type: str, psn_amt_fen: int | None) -> tuple[str, int]:
    """This month's 个人账户划入: (basis, fen). Retirees a fixed amount; employees a share of
    their own contribution of the month (0 without one)."""
    if is_retiree(psn_type):
        return "retiree", rules.retiree_monthly_fen
    if psn_amt_fen is None:
        return "share", 0
    return "share", to_fen(round_fen(Decimal(psn_amt_fen) * rules.credit_share / 100))


def uncovered_code(insurance: dict, day: dt.date) -> tuple[str, dict] | None:
    """Why a visit beginning on ``day`` is not paid by this insurance (a registry code and its
    parameters), or None. No dates (a person imported without them): covered as before."""
    begins, ends = insurance.get("benefit_begndate"), insurance.get("insu_enddate")
    if begins is not None and day < begins:
        return "ENROLL_WAITING_PERIOD", {"day": day, "begins": begins}
    if ends is not None and day > ends:
        return "ENROLL_INSURANCE_ENDED", {"day": day, "ended": ends}
    return None


# --- the policy document's ``enrollment`` block ----------------------------------------------------

def rules_from_document(document: dict | None) -> EnrollmentRules:
    """Read the block; a document without it gets the defaults. RuleError names a bad field."""
    block = (document or {}).get("enrollment") or {}
    if not isinstance(block, dict):
        raise RuleError("enrollment", "an object")
    values: dict = {}
    for name in ("waiting_months", "employee_waiting_months", "newborn_grace_days", "transfer_gap_months"):
        if name in block:
            values[name] = _whole(block[name], f"enrollment.{name}", 0, 366)
    if "transfer_waiting_months" in block:  # §8 ③: at most 6 months
        values["transfer_waiting_months"] = _whole(block["transfer_waiting_months"], "enrollment.transfer_waiting_months", 0, 6)
    if "school_start_months" in block:
        values["school_start_months"] = tuple(_whole(m, "enrollment.school_start_months", 1, 12)
                                              for m in _list(block["school_start_months"], "enrollment.school_start_months"))
    if "window" in block:
        values["window_from"], values["window_to"] = _window(block["window"])
    crediting = block.get("account_crediting") or {}
    if "share_of_personal_contribution" in crediting:
        values["credit_share"] = _amount(crediting["share_of_personal_contribution"],
                                         "enrollment.account_crediting.share_of_personal_contribution")
    if "retiree_monthly" in crediting:
        values["retiree_monthly_fen"] = to_fen(_amount(crediting["retiree_monthly"],
                                                       "enrollment.account_crediting.retiree_monthly"))
    values["pooled_fund"] = tuple(_pooled(rule, f"enrollment.pooled_fund_transfer_in[{i}]") for i, rule in
                                  enumerate(_list(block.get("pooled_fund_transfer_in", []), "enrollment.pooled_fund_transfer_in")))
    return EnrollmentRules(**values)


def _pooled(rule: object, path: str) -> PooledFundRule:
    if not isinstance(rule, dict) or not str(rule.get("from_admdvs", "")).isdigit():
        raise RuleError(path, "needs from_admdvs (a code or its leading digits)")
    try:
        since = dt.date.fromisoformat(str(rule.get("effective_from", "")))
    except ValueError:
        raise RuleError(f"{path}.effective_from", "a date YYYY-MM-DD") from None
    per_year = to_fen(_amount(rule.get("amount_per_year"), f"{path}.amount_per_year"))
    return PooledFundRule(_region_prefix(str(rule["from_admdvs"])), since, per_year,
                          _whole(rule.get("max_years", 0), f"{path}.max_years", 0, 100))


def _region_prefix(code: str) -> str:
    """500000 → 50 (the province), 510100 → 5101 (the city): trailing "00" levels name all below."""
    while len(code) > 2 and code.endswith("00"):
        code = code[:-2]
    return code


def _window(value: object) -> tuple[tuple[int, int], tuple[int, int]]:
    if not isinstance(value, dict):
        raise RuleError("enrollment.window", 'an object {"from": "MM-DD", "to": "MM-DD"}')
    ends = []
    for name in ("from", "to"):
        try:
            month, day = (int(part) for part in str(value.get(name, "")).split("-"))
            dt.date(2024, month, day)  # a leap year: 02-29 is a day
        except ValueError:
            raise RuleError(f"enrollment.window.{name}", "MM-DD") from None
        ends.append((month, day))
    return ends[0], ends[1]


def _whole(value: object, path: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise RuleError(path, f"a whole number from {low} to {high}")
    return value


def _list(value: object, path: str) -> list:
    if not isinstance(value, list):
        raise RuleError(path, "a list")
    return value


def _amount(value: object, path: str) -> Decimal:
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        raise RuleError(path, "a decimal amount") from None
    if not amount.is_finite() or amount < 0 or amount != round_fen(amount) or amount > 10**9:
        raise RuleError(path, "a decimal amount ≥ 0 with at most two decimals")
    return amount
