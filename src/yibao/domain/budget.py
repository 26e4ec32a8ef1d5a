"""Payment methods per institution and year, and the total budget (总额预算): monthly advances
(预拨) with a quality deposit (质量保证金) withheld, and the year-end settlement with savings kept
(结余留用), overspend shared (超支分担) and the deposit released by the evaluation score.

Pure arithmetic in integer fen (docs/payment-methods.md gives the formulas and the rounding);
the ledger entries of an advance and of a year-end settlement are built here and balance by
construction.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal

from . import ledger as ledger_rules

METHODS = ("total_budget", "dip", "drg", "per_diem", "fee_for_service")
MONTHS = 12


@dataclass(frozen=True)
class BudgetRules:
    """The ``payment_methods.total_budget`` block of the region's policy document."""

    advance_share: Decimal = Decimal("1")  # of the budget advanced over the twelve months
    quality_deposit_share: Decimal = Decimal("0.05")  # of each advance withheld as the quality deposit
    savings_kept_share: Decimal = Decimal("0.5")  # of the savings the institution keeps (结余留用)
    savings_kept_cap: Decimal = Decimal("0.1")  # the kept savings are at most this share of the budget
    overspend_shared_share: Decimal = Decimal("0.5")  # of the overspend the fund bears (超支分担)
    overspend_shared_cap: Decimal = Decimal("0.1")  # the shared overspend is at most this share of the budget
    deposit_full_score: int = 90  # evaluation score from which the whole deposit is released
    deposit_zero_score: int = 60  # evaluation score below which none is released


@dataclass(frozen=True)
class DipRules:
    """The ``payment_methods.dip`` block."""

    core_case_threshold: int = 15  # cases of a diagnosis + procedure for a core group (核心病种)
    high_cost_factor: Decimal = Decimal("2")  # above this multiple of the group average: a high-cost case
    low_cost_factor: Decimal = Decimal("0.5")  # below this multiple: a low-cost case
    level_coefficients: dict[str, Decimal] = field(default_factory=dict)  # medins_lv → coefficient, default 1


@dataclass(frozen=True)
class PaymentRules:
    total_budget: BudgetRules = BudgetRules()
    dip: DipRules = DipRules()


DEFAULT_RULES = PaymentRules()


def floor_fen(amount: Decimal) -> int:
    return int(amount.to_integral_value(rounding=ROUND_FLOOR))


def half_up_fen(amount: Decimal) -> int:
    return int(amount.to_integral_value(rounding=ROUND_HALF_UP))


def cumulative_share(total_fen: int, share: Decimal, month: int) -> int:
    """What months 1…month advance together: floor(total × share × month / 12)."""
    return floor_fen(Decimal(total_fen) * share * month / MONTHS)


@dataclass(frozen=True)
class Advance:
    month: int
    amount_fen: int  # the month's advance (gross)
    withheld_fen: int  # of it, held as the quality deposit
    paid_fen: int  # of it, paid to the institution


def monthly_advance(budget_fen: int, month: int, rules: BudgetRules) -> Advance:
    """Month ``month``'s advance: the difference of cumulative floors, so the twelve advances sum
    to floor(budget × advance_share) exactly and the withheld parts to floor(that × deposit share)."""
    if not 1 <= month <= MONTHS:
        raise ValueError(f"month {month} is not 1–12")
    amount = cumulative_share(budget_fen, rules.advance_share, month) - cumulative_share(
        budget_fen, rules.advance_share, month - 1)
    advanced_before = cumulative_share(budget_fen, rules.advance_share, month - 1)
    advanced_after = advanced_before + amount
    withheld = (floor_fen(Decimal(advanced_after) * rules.quality_deposit_share)
                - floor_fen(Decimal(advanced_before) * rules.quality_deposit_share))
    return Advance(month, amount, withheld, amount - withheld)


def release_share(score: int, rules: BudgetRules) -> Decimal:
    """The share of the deposit released for an evaluation score: none below the zero score, all
    from the full score, linear in between."""
    if score >= rules.deposit_full_score:
        return Decimal(1)
    if score < rules.deposit_zero_score:
        return Decimal(0)
    return Decimal(score - rules.deposit_zero_score) / Decimal(rules.deposit_full_score - rules.deposit_zero_score)


@dataclass(frozen=True)
class YearEnd:
    """A year-end settlement of a total budget, in fen."""

    budget_fen: int
    cost_fen: int  # what the institution's local settlements of the year cost the fund
    advanced_fen: int
    withheld_fen: int
    savings_kept_fen: int  # ≥ 0: the part of the savings the institution keeps
    overspend_shared_fen: int  # ≥ 0: the part of the overspend the fund bears
    recognised_fen: int  # what the fund owes the institution for the year before the deposit
    released_fen: int  # of the deposit, released by the score
    forfeited_fen: int  # of the deposit, kept by the fund
    final_payment_fen: int  # paid at year end (negative: the institution pays back)
    score: int

    @property
    def adjustment_fen(self) -> int:
        """The fund's expense beyond the per-visit payments: recognised − cost − forfeited."""
        return self.recognised_fen - self.cost_fen - self.forfeited_fen


def year_end(*, budget_fen: int, cost_fen: int, advanced_fen: int, withheld_fen: int, score: int,
             rules: BudgetRules) -> YearEnd:
    """结余留用、超支分担: under budget the institution is recognised its cost plus the kept part of
    the savings; over budget, the budget plus the fund's share of the overspend. The deposit
    withheld from the advances is released by the score; the final payment is what is left."""
    savings = max(budget_fen - cost_fen, 0)
    overspend = max(cost_fen - budget_fen, 0)
    kept = min(half_up_fen(savings * rules.savings_kept_share), half_up_fen(budget_fen * rules.savings_kept_cap))
    shared = min(half_up_fen(overspend * rules.overspend_shared_share),
                 half_up_fen(budget_fen * rules.overspend_shared_cap))
    recognised = cost_fen + kept if overspend == 0 else budget_fen + shared
    released = half_up_fen(withheld_fen * release_share(score, rules))
    forfeited = withheld_fen - released
    paid_during_year = advanced_fen - withheld_fen
    final = recognised - forfeited - paid_during_year
    return YearEnd(budget_fen, cost_fen, advanced_fen, withheld_fen, kept, shared, recognised, released, forfeited,
                   final, score)


def bank(region: str) -> str:
    return f"bank:{region}"


def advance_account(fixmedins_code: str, year: int) -> str:
    return f"budget_advance:{fixmedins_code}:{year}"


def deposit_account(fixmedins_code: str, year: int) -> str:
    return f"quality_deposit:{fixmedins_code}:{year}"


def adjustment_account(region: str, method: str) -> str:
    """The fund's expense (or recovery) from a payment method's year-end settlement, kept apart
    from ``fund:`` accounts, which agree with the per-visit settlements (C_LEDGER_FUND)."""
    return f"payment_adjust:{region}:{method}"


def advance_entry(*, ref: str, region: str, fixmedins_code: str, year: int, advance: Advance) -> ledger_rules.Entry:
    """Fund → institution: the advance is a claim on the institution's year; the paid part leaves
    the bank, the withheld part is held as its deposit."""
    postings = [ledger_rules.Posting(advance_account(fixmedins_code, year), advance.amount_fen),
                ledger_rules.Posting(bank(region), -advance.paid_fen),
                ledger_rules.Posting(deposit_account(fixmedins_code, year), -advance.withheld_fen)]
    return ledger_rules.Entry("budget_advance", ref, tuple(p for p in postings if p.amount_fen))


def year_end_entry(*, ref: str, region: str, fixmedins_code: str, year: int, result: YearEnd) -> ledger_rules.Entry:
    """The year-end settlement: the advances and the deposit are closed, the per-visit payables
    the budget replaces are settled, the fund bears the adjustment, the bank pays the rest."""
    postings = [
        ledger_rules.Posting(adjustment_account(region, "total_budget"), result.adjustment_fen),
        ledger_rules.Posting(advance_account(fixmedins_code, year), -result.advanced_fen),
        ledger_rules.Posting(deposit_account(fixmedins_code, year), result.withheld_fen),
        ledger_rules.Posting(ledger_rules.payable(fixmedins_code), result.cost_fen),
        ledger_rules.Posting(bank(region), -result.final_payment_fen),
    ]
    return ledger_rules.Entry("budget_settlement", ref, tuple(p for p in postings if p.amount_fen))


def settlement_entry(*, ref: str, region: str, fixmedins_code: str, method: str, amount_fen: int) -> ledger_rules.Entry:
    """A DIP/DRG year-end settlement: the fund bears (or recovers) the difference, which the
    agency owes (or claims from) the institution."""
    postings = (ledger_rules.Posting(adjustment_account(region, method), amount_fen),
                ledger_rules.Posting(ledger_rules.payable(fixmedins_code), -amount_fen))
    return ledger_rules.Entry(f"{method}_settlement", ref, postings if amount_fen else ())
