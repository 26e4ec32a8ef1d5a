"""Joint supervision between regions and the credit system, as pure rules (seed 004: 异地协查,
联合检查, 专家库, 举报奖励, 信用管理, 黑名单; seed 000: experts sent on the other region's request).

- An on-site check request (异地协查) is a chain of dated steps: ``request`` (by the requesting
  agency, with the items to check) → ``assign`` (the addressed agency names an inspector) →
  ``result`` (the addressed agency's findings with evidence) → ``conclude`` (the requesting
  agency's conclusion). Each step once, in that order; ``status_of`` folds the steps.
- A joint inspection (联合检查): ``plan`` → ``start`` → ``close`` (with its conclusion); agencies
  and experts join while it is planned or under way.
- An expert may be assigned when available on the day and when not employed by the inspected
  institution (回避).
- Credit: a score is 100 plus the points of the subject's records; the level follows the score;
  a region's policy names the score under which every in-event finding blocks the settlement
  and the score under which direct settlement is refused.
- A report's reward: a share of the money recovered on the case it led to, with a floor and a
  cap (the region's rule), in fen.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

CHECK_STEPS = ("request", "assign", "result", "conclude")
CHECK_STATUS_AFTER = {"request": "requested", "assign": "assigned", "result": "answered", "conclude": "concluded"}
# which side of the request takes each step: the requesting agency or the addressed one
CHECK_STEP_SIDE = {"request": "from", "assign": "to", "result": "to", "conclude": "from"}

INSPECTION_STEPS = {"plan": "planned", "start": "in_progress", "close": "closed"}
INSPECTION_NEXT = {None: "plan", "planned": "start", "in_progress": "close"}
INSPECTION_OPEN = ("planned", "in_progress")

ASSIGNMENT_TARGETS = ("inspection", "case", "review", "check_request")
CREDIT_SUBJECTS = ("institution", "practitioner", "person")
BASE_SCORE = 100
LEVELS = (("A", 90), ("B", 75), ("C", 60), ("D", -10**9))  # lowest score of each level


class RuleBroken(ValueError):
    """A step the rules refuse; ``code`` is the refusal's registry code, ``params`` its fields."""

    def __init__(self, code: str, **params):
        super().__init__(code)
        self.code, self.params = code, params


def check_status(steps: list[str]) -> str | None:
    """The status of a check request from its steps in order (None: no step yet)."""
    return CHECK_STATUS_AFTER[steps[-1]] if steps else None


def next_check_step(steps: list[str], step: str) -> None:
    """Refuses ``step`` unless it is the next one of the chain."""
    if step not in CHECK_STEPS:
        raise RuleBroken("JOINT_BAD_STEP", step=step, steps="、".join(CHECK_STEPS))
    expected = CHECK_STEPS[len(steps)] if len(steps) < len(CHECK_STEPS) else None
    if step != expected:
        raise RuleBroken("JOINT_CHECK_TRANSITION", status=check_status(steps) or "无", step=step)


def next_inspection_step(status: str | None, step: str) -> str:
    """The inspection's status after ``step``, refused unless the step follows ``status``."""
    if INSPECTION_NEXT.get(status) != step:
        raise RuleBroken("JOINT_INSPECTION_TRANSITION", status=status or "无", step=step)
    return INSPECTION_STEPS[step]


@dataclass(frozen=True)
class Availability:
    """One dated availability record of an expert: from ``begndate`` on (to ``enddate``, open if
    None), available or not. The latest record covering a day decides."""

    begndate: dt.date
    enddate: dt.date | None
    available: bool


def available_on(records: list[Availability], day: dt.date) -> bool:
    """An expert with no record is available; otherwise the last record covering the day decides."""
    answer = True
    for record in records:
        if record.begndate <= day and (record.enddate is None or day <= record.enddate):
            answer = record.available
    return answer


def check_assignment(*, target: str, available: bool, employer_code: str | None, inspected_code: str | None) -> None:
    """An expert's assignment: a known target, available, and not judging their own employer (回避)."""
    if target not in ASSIGNMENT_TARGETS:
        raise RuleBroken("JOINT_BAD_TARGET", target=target, targets="、".join(ASSIGNMENT_TARGETS))
    if not available:
        raise RuleBroken("JOINT_EXPERT_UNAVAILABLE")
    if employer_code and inspected_code and employer_code == inspected_code:
        raise RuleBroken("JOINT_EXPERT_CONFLICT", fixmedins_code=inspected_code)


def credit_score(points: int) -> int:
    return BASE_SCORE + points


def credit_level(score: int) -> str:
    for level, lowest in LEVELS:
        if score >= lowest:
            return level
    return LEVELS[-1][0]


@dataclass(frozen=True)
class CreditPolicy:
    """A region's credit and report rules (table ``supervision_policies``); scores, fen, a share."""

    strict_audit_below: int = 75  # under this score every in-event finding blocks the settlement
    no_direct_below: int = 60  # under this score no direct settlement at the gateway
    negative_list_below: int = 60  # under this score the subject is on the negative list
    points_per_case: int = -20  # a confirmed case against the subject
    points_per_10k_yuan: int = -5  # more per full 10 000 yuan at stake
    reward_share: Decimal = Decimal("0.05")  # of the money recovered on the reported case
    reward_floor_fen: int = 20_000  # 200 yuan
    reward_cap_fen: int = 10_000_000  # 100 000 yuan


DEFAULT_POLICY = CreditPolicy()


def case_points(policy: CreditPolicy, amount_fen: int) -> int:
    """Points a confirmed case deducts: the per-case points plus more per full 10 000 yuan at stake."""
    return policy.points_per_case + policy.points_per_10k_yuan * (max(amount_fen, 0) // 1_000_000)


def restriction(policy: CreditPolicy, score: int) -> str | None:
    """What the score costs at the gateway: ``no_direct``, ``strict_audit`` or nothing."""
    if score < policy.no_direct_below:
        return "no_direct"
    if score < policy.strict_audit_below:
        return "strict_audit"
    return None


def report_reward_fen(policy: CreditPolicy, recovered_fen: int) -> int:
    """The reporter's reward: ``share`` of the money recovered, at least the floor, at most the cap;
    nothing when nothing was recovered (a report that recovered nothing earns no reward)."""
    if recovered_fen <= 0:
        return 0
    share = (Decimal(recovered_fen) * policy.reward_share).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return int(min(max(share, policy.reward_floor_fen), policy.reward_cap_fen))
