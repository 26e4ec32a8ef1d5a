"""Total budgets (domain/budget.py): advances, the year-end settlement and its ledger entries,
exact numbers and the balancing identities as properties."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from yibao.domain import budget as rules
from yibao.domain import ledger

RULES = rules.BudgetRules()


def test_twelve_advances_sum_to_the_budget_with_the_deposit_withheld():
    advances = [rules.monthly_advance(1_000_000_07, month, RULES) for month in range(1, 13)]
    # cumulative floors of 100000007 × m / 12: 8333333, 16666667, 25000001 fen
    assert [a.amount_fen for a in advances[:3]] == [8_333_333, 8_333_334, 8_333_334]
    assert sum(a.amount_fen for a in advances) == 1_000_000_07
    assert sum(a.withheld_fen for a in advances) == 50_000_00  # floor(100000007 × 0.05)
    assert all(a.paid_fen == a.amount_fen - a.withheld_fen for a in advances)


def test_an_advance_share_advances_less_than_the_budget():
    share = rules.BudgetRules(advance_share=Decimal("0.9"))
    assert sum(rules.monthly_advance(12_000_00, m, share).amount_fen for m in range(1, 13)) == 10_800_00


def test_savings_are_kept_by_the_share_up_to_the_cap():
    result = rules.year_end(budget_fen=1_000_000_00, cost_fen=900_000_00, advanced_fen=1_000_000_00,
                            withheld_fen=50_000_00, score=95, rules=RULES)
    assert result.savings_kept_fen == 50_000_00  # half of 100 000 yuan saved, under the cap of 100 000
    assert result.recognised_fen == 950_000_00
    assert (result.released_fen, result.forfeited_fen) == (50_000_00, 0)
    assert result.final_payment_fen == 950_000_00 - 950_000_00  # paid during the year: 1 000 000 − 50 000
    big_savings = rules.year_end(budget_fen=1_000_000_00, cost_fen=600_000_00, advanced_fen=0, withheld_fen=0,
                                 score=95, rules=RULES)
    assert big_savings.savings_kept_fen == 100_000_00  # capped at 10 % of the budget


def test_overspend_is_shared_up_to_the_cap_and_the_deposit_follows_the_score():
    result = rules.year_end(budget_fen=1_000_000_00, cost_fen=1_100_000_00, advanced_fen=1_000_000_00,
                            withheld_fen=50_000_00, score=75, rules=RULES)
    assert result.overspend_shared_fen == 50_000_00
    assert result.recognised_fen == 1_050_000_00
    assert result.released_fen == 25_000_00  # (75 − 60) / (90 − 60) = half
    assert result.forfeited_fen == 25_000_00
    assert result.final_payment_fen == 1_050_000_00 - 25_000_00 - 950_000_00
    assert rules.release_share(59, RULES) == 0 and rules.release_share(90, RULES) == 1


def test_the_advance_and_year_end_entries_post_the_documented_accounts():
    step = rules.monthly_advance(1_200_00, 1, RULES)
    entry = rules.advance_entry(ref="H1/2026-01", region="440300", fixmedins_code="H1", year=2026, advance=step)
    assert {p.account: p.amount_fen for p in entry.postings} == {
        "budget_advance:H1:2026": 100_00, "bank:440300": -95_00, "quality_deposit:H1:2026": -5_00}
    result = rules.year_end(budget_fen=1_200_00, cost_fen=1_000_00, advanced_fen=1_200_00, withheld_fen=60_00,
                            score=100, rules=RULES)
    closing = rules.year_end_entry(ref="BS1", region="440300", fixmedins_code="H1", year=2026, result=result)
    assert {p.account: p.amount_fen for p in closing.postings} == {
        "payment_adjust:440300:total_budget": 100_00, "budget_advance:H1:2026": -1_200_00,
        "quality_deposit:H1:2026": 60_00, "payable:H1": 1_000_00, "bank:440300": 40_00}


fen = st.integers(min_value=0, max_value=10**12)
ratio = st.decimals(min_value=0, max_value=1, places=4)


@given(budget=fen, share=ratio, deposit=ratio)
def test_advances_always_sum_to_the_advanced_share(budget, share, deposit):
    budget_rules = rules.BudgetRules(advance_share=share, quality_deposit_share=deposit)
    advances = [rules.monthly_advance(budget, m, budget_rules) for m in range(1, 13)]
    total = sum(a.amount_fen for a in advances)
    assert total == rules.floor_fen(Decimal(budget) * share)
    assert sum(a.withheld_fen for a in advances) == rules.floor_fen(Decimal(total) * deposit)
    assert all(0 <= a.withheld_fen <= a.amount_fen for a in advances)


@given(budget=fen, cost=fen, score=st.integers(0, 100), share=ratio, deposit=ratio, kept=ratio, shared=ratio)
def test_every_year_end_entry_balances_and_closes_the_advances_and_the_deposit(budget, cost, score, share, deposit,
                                                                               kept, shared):
    budget_rules = rules.BudgetRules(advance_share=share, quality_deposit_share=deposit, savings_kept_share=kept,
                                     overspend_shared_share=shared)
    advances = [rules.monthly_advance(budget, m, budget_rules) for m in range(1, 13)]
    entries = [rules.advance_entry(ref=str(a.month), region="R", fixmedins_code="H", year=2026, advance=a)
               for a in advances]
    result = rules.year_end(budget_fen=budget, cost_fen=cost, advanced_fen=sum(a.amount_fen for a in advances),
                            withheld_fen=sum(a.withheld_fen for a in advances), score=score, rules=budget_rules)
    entries.append(rules.year_end_entry(ref="Y", region="R", fixmedins_code="H", year=2026, result=result))
    assert ledger.check([e for e in entries if e.postings]) == []
    totals: dict[str, int] = {}
    for entry in entries:
        for posting in entry.postings:
            totals[posting.account] = totals.get(posting.account, 0) + posting.amount_fen
    assert totals.get("budget_advance:H:2026", 0) == 0 and totals.get("quality_deposit:H:2026", 0) == 0
    # the institution received, in all, what was recognised less the forfeited deposit
    assert -totals.get("bank:R", 0) == result.recognised_fen - result.forfeited_fen
    assert result.released_fen + result.forfeited_fen == result.withheld_fen
