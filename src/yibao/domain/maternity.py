"""生育保险 (maternity insurance, insutype 510): the kinds of delivery a benefit may be limited
to, the visit's kind from the national fields, and the maternity allowance (生育津贴).

- A visit's kind comes from 2203/2401 ``matn_type`` 生育类别 and ``birctrl_type`` 计划生育手术类别
  (nhsa-interface §3.5, §3.6): any ``birctrl_type`` is family planning (计划生育手术); else
  ``matn_type`` names the delivery. The national dictionary of ``matn_type`` is not in the
  specification; ``MATN_TYPE_KINDS`` is illustrative (a region maps its own codes in its HIS
  dictionary), and the kind's own name is accepted as well.
- The allowance (社会保险法 第五十六条; 女职工劳动保护特别规定, 国务院令第619号): the employer's
  average monthly wage of the previous year ÷ 30 × the days of leave of the delivery type, the
  days being policy parameters (docs/maternity.md). Computed exactly and rounded once to the fen.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from .money import FEN

DELIVERY_KINDS = {
    "natural": "顺产",
    "caesarean": "剖宫产",
    "difficult": "难产",
    "miscarriage_early": "流产（不满4个月）",
    "miscarriage_late": "流产（满4个月）",
    "family_planning": "计划生育手术",
}
# Illustrative codes for matn_type (not in the national specification we hold).
MATN_TYPE_KINDS = {"1": "natural", "2": "caesarean", "3": "difficult", "4": "miscarriage_early",
                   "5": "miscarriage_late"}
MATERNITY_MED_TYPES = frozenset({"51", "52"})
DAYS_PER_MONTH = 30  # 生育津贴 = 月平均工资 ÷ 30 × 天数


@dataclass(frozen=True, slots=True)
class MaternityRules:
    """A maternity policy's own parameters (policy document block ``maternity``)."""

    filing_required: bool = False  # 生育登记 before a 51/52 visit settles
    allowance_days: dict[str, int] = field(default_factory=dict)  # delivery kind -> days of leave
    extra_days_per_extra_baby: int = 0  # 多胞胎: each further baby adds these days

    def days(self, kind: str, babies: int = 1) -> int | None:
        """Days of allowance for the kind and number of babies; None if the policy pays none."""
        base = self.allowance_days.get(kind)
        if base is None:
            return None
        return base + self.extra_days_per_extra_baby * max(babies - 1, 0)


def visit_kind(matn_type: str | None, birctrl_type: str | None) -> str | None:
    """The visit's delivery kind, or None (a prenatal check, or not a maternity visit)."""
    if birctrl_type:
        return "family_planning"
    if not matn_type:
        return None
    if matn_type in DELIVERY_KINDS:
        return matn_type
    return MATN_TYPE_KINDS.get(matn_type)


def allowance(avg_monthly_wage: Decimal, days: int) -> Decimal:
    """生育津贴 in yuan: wage ÷ 30 × days, rounded half up to the fen once, at the end."""
    return (avg_monthly_wage * days / DAYS_PER_MONTH).quantize(FEN, rounding=ROUND_HALF_UP)
