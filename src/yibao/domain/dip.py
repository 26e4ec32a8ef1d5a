"""DIP (按病种分值付费, Diagnosis-Intervention Packet): groups from a region's own history, scores
from average cost, the point value from the year's budget, and the year-end allocation per
institution that sums to the budget to the fen (docs/payment-methods.md, "DIP").

Pure: cases in, groups, points and allocations out; amounts in integer fen, scores and points as
Decimal rounded half up to four places.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from .budget import DipRules

PLACES = Decimal("0.0001")
NO_PROCEDURE = "-"


@dataclass(frozen=True)
class Case:
    """One discharged inpatient settlement (the input of DIP and DRG)."""

    setl_id: str
    fixmedins_code: str
    medins_lv: str
    main_diagnosis: str
    main_procedure: str  # "" when none
    age: int
    los_days: int
    total_fen: int
    fund_fen: int
    secondary_diagnoses: int = 0
    source: str = "visit"  # setl_list (4101) | visit (the stored discharge diagnoses)


def q4(value: Decimal) -> Decimal:
    return value.quantize(PLACES, rounding=ROUND_HALF_UP)


def diagnosis_key(code: str) -> str:
    """The ICD-10 subcategory (亚目) a core group is keyed by: "K35.800" → "K35.8"."""
    return code.strip().upper()[:5]


def chapter(code: str) -> str:
    """The ICD-10 chapter letter (comprehensive groups fold by it; A/B and C/D share a chapter)."""
    letter = code.strip().upper()[:1] or "?"
    return {"B": "A", "D": "C"}.get(letter, letter)


def core_key(case: Case) -> str:
    return f"{diagnosis_key(case.main_diagnosis)}|{case.main_procedure.strip().upper() or NO_PROCEDURE}"


def comprehensive_key(case: Case) -> str:
    return f"综合:{chapter(case.main_diagnosis)}"


@dataclass(frozen=True)
class Group:
    key: str
    core: bool
    cases: int
    average_fen: Decimal  # the group's average total fee, fen (4 places)
    score: Decimal  # average / overall average × 100 (4 places)


@dataclass(frozen=True)
class Catalogue:
    """A region's DIP groups for a year (shared between regions as data)."""

    groups: dict[str, Group]
    overall_average_fen: Decimal
    threshold: int

    def group_of(self, case: Case) -> Group | None:
        return self.groups.get(core_key(case)) or self.groups.get(comprehensive_key(case))


def build(cases: list[Case], rules: DipRules) -> Catalogue:
    """Core groups where a diagnosis + procedure has at least the threshold's cases; the rest fold
    into one comprehensive group per diagnosis chapter. Score = group average / overall × 100."""
    if not cases:
        return Catalogue({}, Decimal(0), rules.core_case_threshold)
    by_core: dict[str, list[Case]] = {}
    for case in cases:
        by_core.setdefault(core_key(case), []).append(case)
    members: dict[tuple[str, bool], list[Case]] = {}
    for key, group_cases in by_core.items():
        if len(group_cases) >= rules.core_case_threshold:
            members[(key, True)] = group_cases
        else:
            for case in group_cases:
                members.setdefault((comprehensive_key(case), False), []).append(case)
    overall = q4(Decimal(sum(c.total_fen for c in cases)) / len(cases))
    groups = {}
    for (key, core), group_cases in sorted(members.items()):
        average = q4(Decimal(sum(c.total_fen for c in group_cases)) / len(group_cases))
        score = q4(average / overall * 100) if overall else Decimal(0)
        groups[key] = Group(key, core, len(group_cases), average, score)
    return Catalogue(groups, overall, rules.core_case_threshold)


def case_points(case: Case, catalogue: Catalogue, rules: DipRules) -> Decimal:
    """A case's points: its group's score × the level coefficient, adjusted for high-cost cases
    (score × (fee / average − high factor + 1)) and low-cost cases (score × fee / average)."""
    group = catalogue.group_of(case)
    if group is None or not group.average_fen:
        return Decimal(0)
    ratio = Decimal(case.total_fen) / group.average_fen
    if ratio > rules.high_cost_factor:
        base = group.score * (ratio - rules.high_cost_factor + 1)
    elif ratio < rules.low_cost_factor:
        base = group.score * ratio
    else:
        base = group.score
    return q4(base * rules.level_coefficients.get(case.medins_lv, Decimal(1)))


def points_by_institution(cases: list[Case], catalogue: Catalogue, rules: DipRules) -> dict[str, Decimal]:
    totals: dict[str, Decimal] = {}
    for case in cases:
        totals[case.fixmedins_code] = totals.get(case.fixmedins_code, Decimal(0)) + case_points(case, catalogue, rules)
    return totals


def point_value(budget_fen: int, total_points: Decimal) -> Decimal:
    """Yuan per point, for display and sharing (4 places); the allocation uses the exact ratio."""
    if not total_points:
        return Decimal(0)
    return q4(Decimal(budget_fen) / total_points / 100)


def allocate(budget_fen: int, points: dict[str, Decimal]) -> dict[str, int]:
    """The budget shared by points, to the fen, summing to the budget exactly (largest remainder):
    each institution gets floor(budget × its points / all points); the fen left over go one each
    to the largest remainders, ties to the smaller institution code."""
    total = sum(points.values(), Decimal(0))
    if not total or not points:
        return {code: 0 for code in points}
    exact = {code: Fraction(budget_fen) * Fraction(p) / Fraction(total) for code, p in points.items()}
    shares = {code: value.numerator // value.denominator for code, value in exact.items()}
    left = budget_fen - sum(shares.values())
    order = sorted(exact, key=lambda code: (-(exact[code] - shares[code]), code))
    for code in order[:left]:
        shares[code] += 1
    return shares


@dataclass(frozen=True)
class Settlement:
    fixmedins_code: str
    points: Decimal
    allocated_fen: int  # points × point value (the budget's share)
    paid_fen: int  # what the fund paid per visit for the institution's cases
    cases: int

    @property
    def amount_fen(self) -> int:
        """The year-end settlement: allocated − paid (negative: the institution owes it back)."""
        return self.allocated_fen - self.paid_fen


def settle(cases: list[Case], catalogue: Catalogue, budget_fen: int, rules: DipRules) -> list[Settlement]:
    points = points_by_institution(cases, catalogue, rules)
    allocated = allocate(budget_fen, points)
    paid: dict[str, int] = {}
    counts: dict[str, int] = {}
    for case in cases:
        paid[case.fixmedins_code] = paid.get(case.fixmedins_code, 0) + case.fund_fen
        counts[case.fixmedins_code] = counts.get(case.fixmedins_code, 0) + 1
    return [Settlement(code, points[code], allocated[code], paid[code], counts[code]) for code in sorted(points)]


def catalogue_as_data(catalogue: Catalogue) -> dict:
    return {"overall_average_fen": str(catalogue.overall_average_fen), "threshold": catalogue.threshold,
            "groups": [{"key": g.key, "core": g.core, "cases": g.cases, "average_fen": str(g.average_fen),
                        "score": str(g.score)} for g in catalogue.groups.values()]}


def catalogue_from_data(data: dict) -> Catalogue:
    groups = {g["key"]: Group(str(g["key"]), bool(g["core"]), int(g["cases"]), Decimal(str(g["average_fen"])),
                              Decimal(str(g["score"]))) for g in data["groups"]}
    return Catalogue(groups, Decimal(str(data["overall_average_fen"])), int(data["threshold"]))
