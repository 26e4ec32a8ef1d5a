"""DIP and DRG (domain/dip.py, domain/drg.py): groups, scores, points, the allocation that sums to
the budget to the fen, the rule-table grouper and weights, with exact numbers and properties."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from yibao.domain import dip, drg
from yibao.domain.budget import DipRules

RULES = DipRules(core_case_threshold=3, level_coefficients={"1": Decimal("0.8")})


def case(n, code="H1", diag="K35.800", oprn="47.0901", total=10_000_00, fund=7_000_00, lv="3", age=40, secondary=0):
    return dip.Case(f"S{n}", code, lv, diag, oprn, age, 5, total, fund, secondary)


def history():
    appendicitis = [case(i, total=fee) for i, fee in enumerate([8_000_00, 10_000_00, 12_000_00])]
    pneumonia = [case(10, diag="J18.900", oprn="", total=6_000_00), case(11, diag="J15.000", oprn="", total=4_000_00)]
    return appendicitis + pneumonia


def test_core_groups_need_the_threshold_and_the_rest_fold_by_chapter():
    catalogue = dip.build(history(), RULES)
    assert catalogue.overall_average_fen == Decimal(8_000_00)  # 40 000 yuan / 5 cases
    core = catalogue.groups["K35.8|47.0901"]
    assert (core.core, core.cases, core.average_fen, core.score) == (True, 3, Decimal(10_000_00), Decimal("125.0000"))
    folded = catalogue.groups["综合:J"]
    assert (folded.core, folded.cases, folded.score) == (False, 2, Decimal("62.5000"))  # 5 000 / 8 000 × 100


def test_points_adjust_high_and_low_cost_cases_and_the_level():
    catalogue = dip.build(history(), RULES)
    assert dip.case_points(case(1), catalogue, RULES) == Decimal("125.0000")
    assert dip.case_points(case(2, total=25_000_00), catalogue, RULES) == Decimal("187.5000")  # 125 × (2.5 − 2 + 1)
    assert dip.case_points(case(3, total=4_000_00), catalogue, RULES) == Decimal("50.0000")  # × 0.4
    assert dip.case_points(case(4, lv="1"), catalogue, RULES) == Decimal("100.0000")  # × 0.8


def test_the_year_end_settlement_allocates_the_budget_by_points_to_the_fen():
    catalogue = dip.build(history(), RULES)
    cases = [case(1, "H1"), case(2, "H1"), case(3, "H2", diag="J18.900", oprn="", total=5_000_00, fund=3_000_00)]
    settled = {s.fixmedins_code: s for s in dip.settle(cases, catalogue, 1_000_000_01, RULES)}
    assert settled["H1"].points == Decimal("250.0000") and settled["H2"].points == Decimal("62.5000")
    # exact shares 800 000.008 and 200 000.002 yuan: floors 80000000 and 20000000 fen, the fen
    # left over goes to the larger remainder (H1's 0.8 fen)
    assert (settled["H1"].allocated_fen, settled["H2"].allocated_fen) == (80_000_001, 20_000_000)
    assert settled["H1"].amount_fen == 80_000_001 - 14_000_00
    assert dip.point_value(1_000_000_01, Decimal("312.5")) == Decimal("3200.0000")


@given(budget=st.integers(0, 10**13),
       points=st.dictionaries(st.text("ABCDEFGH", min_size=1, max_size=3),
                              st.decimals(min_value=0, max_value=10**6, places=4), min_size=1, max_size=30))
def test_the_allocation_always_sums_to_the_budget_and_stays_within_a_fen(budget, points):
    shares = dip.allocate(budget, points)
    total = sum(points.values())
    if not total:
        assert set(shares.values()) == {0}
        return
    assert sum(shares.values()) == budget
    for code, share in shares.items():
        assert abs(Decimal(share) - Decimal(budget) * points[code] / total) < 1


def test_the_catalogue_survives_its_data_form():
    catalogue = dip.build(history(), RULES)
    assert dip.catalogue_from_data(dip.catalogue_as_data(catalogue)) == catalogue


def test_the_rule_table_grouper_assigns_mdc_adrg_and_the_severity_digit():
    grouper = drg.RuleTableGrouper()
    assert grouper.group(case(1)) == drg.Assignment("MDCG", "GB1", "GB15")
    assert grouper.group(case(2, secondary=1)).drg == "GB13"
    assert grouper.group(case(3, secondary=2, age=70)).drg == "GB11"
    assert grouper.group(case(4, diag="J18.900", oprn="", age=80)).drg == "ES13"
    assert grouper.group(case(5, diag="K80.100", oprn="")).drg == "GMD5"  # medical fallback in MDC G
    assert grouper.group(case(6, diag="K80.100", oprn="99.9")).drg == "GOP5"  # unlisted procedure


def test_weights_are_the_drg_average_over_the_overall_average():
    cases = [case(1, total=10_000_00), case(2, total=14_000_00), case(3, diag="J18.900", oprn="", total=3_000_00)]
    weights = drg.weights(cases, drg.RuleTableGrouper())
    assert weights["GB15"].weight == Decimal("1.3333")  # 12 000 / 9 000
    assert weights["ES15"].weight == Decimal("0.3333")
    assert weights["GB15"].cases == 2
