"""The ``payment_methods`` block of a policy document (docs/payment-methods.md): total budget
and DIP parameters, every field optional with the defaults of ``domain.budget``."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from yibao.domain.budget import DEFAULT_RULES, BudgetRules, DipRules, PaymentRules
from yibao.domain.errors import bad_input

from .validation import NonNegative, Ratio, refusal_from

_BUDGET, _DIP = DEFAULT_RULES.total_budget, DEFAULT_RULES.dip


class _Doc(BaseModel):
    model_config = ConfigDict(extra="ignore", coerce_numbers_to_str=True, frozen=True)


class TotalBudgetDoc(_Doc):
    advance_share: Ratio = _BUDGET.advance_share
    quality_deposit_share: Ratio = _BUDGET.quality_deposit_share
    savings_kept_share: Ratio = _BUDGET.savings_kept_share
    savings_kept_cap: Ratio = _BUDGET.savings_kept_cap
    overspend_shared_share: Ratio = _BUDGET.overspend_shared_share
    overspend_shared_cap: Ratio = _BUDGET.overspend_shared_cap
    deposit_full_score: int = Field(default=_BUDGET.deposit_full_score, ge=0, le=100)
    deposit_zero_score: int = Field(default=_BUDGET.deposit_zero_score, ge=0, le=100)


class DipDoc(_Doc):
    core_case_threshold: int = Field(default=_DIP.core_case_threshold, ge=1)
    high_cost_factor: NonNegative = _DIP.high_cost_factor
    low_cost_factor: NonNegative = _DIP.low_cost_factor
    level_coefficients: dict[str, NonNegative] = Field(default_factory=dict)


class PaymentMethodsDoc(_Doc):
    total_budget: TotalBudgetDoc = TotalBudgetDoc()
    dip: DipDoc = DipDoc()


def build(doc: PaymentMethodsDoc, prefix: str = "payment_methods") -> PaymentRules:
    budget, dip = doc.total_budget, doc.dip
    if budget.deposit_zero_score >= budget.deposit_full_score:
        raise bad_input(f"{prefix}.total_budget.deposit_zero_score", "must be below deposit_full_score")
    if dip.low_cost_factor >= dip.high_cost_factor:
        raise bad_input(f"{prefix}.dip.low_cost_factor", "must be below high_cost_factor")
    return PaymentRules(
        BudgetRules(**{name: getattr(budget, name) for name in TotalBudgetDoc.model_fields}),
        DipRules(core_case_threshold=dip.core_case_threshold, high_cost_factor=Decimal(dip.high_cost_factor),
                 low_cost_factor=Decimal(dip.low_cost_factor), level_coefficients=dict(dip.level_coefficients)))


def parse_payment_methods(data: Any, prefix: str = "payment_methods") -> PaymentRules:
    """The block as domain rules; absent (None) gives the defaults; E_BAD_INPUT names the path."""
    if data is None:
        return DEFAULT_RULES
    try:
        doc = PaymentMethodsDoc.model_validate(data)
    except ValidationError as exc:
        raise refusal_from(exc, prefix) from None
    return build(doc, prefix)
