"""Manual claims (零星报销 / 手工报销), the pure part: what a claim's lines and a reviewer's line
decisions become for the settlement engine, and which decisions are acceptable.

A visit not settled on the spot is paid in full by the insured person, who claims afterwards at
the insured place. The money is computed by the same engine as a direct settlement
(settlement-spec §5): approved amounts are priced as fee lines of the treatment place's
catalogue; what the reviewer cut (a reduced line's difference, a rejected line) stays on the
invoice total as the person's own (全自费), so ``medfee_sumamt`` is always what was billed.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from .case import FeeLine
from .errors import RuleRefused
from .money import ZERO, round_fen

DECISIONS = ("approve", "reduce", "reject")
REASONS = ("not_filed", "not_networked", "outage", "emergency", "other")
REASON_NAMES = {
    "not_filed": "未备案（异地就医未办理备案，就医地拒绝直接结算）",
    "not_networked": "非联网定点医药机构（未开通异地直接结算）",
    "outage": "网络或系统故障，未能直接结算",
    "emergency": "异地急诊抢救，未能直接结算",
    "other": "其他原因",
}
# A part the reviewer cut is priced as a line outside any catalogue: the engine makes it 全自费.
CUT_SUFFIX = "#审核扣减"
# The policy's unfiled entry rejects at the counter (E_NOT_FILED): a claim is then priced as a
# filed temporary visit (其他临时外出), the lowest filed level of 医保发〔2022〕22号.
UNFILED_AS = "temporary_other"


# The claim rules' refusals: (Chinese template, English gloss, when), by stable code; listed with
# every other refusal in app/error_codes.py (docs/his/error-codes.md).
CLAIM_MESSAGES = {
    "CLAIM_DUPLICATE": ("该发票或就诊已有在办或已支付的报销申请", "already claimed",
                        "Two claims of one invoice or visit submitted at once: the database keeps the first."),
    "CLAIM_LINE_INVALID": ("第 {line_no} 行：数量应大于 0、单价不应为负、明细金额应大于 0（cnt {cnt}，pric {pric}）",
                           "cnt must be above 0, pric not negative and the line's amount above 0",
                           "A claim line of no quantity, a negative price or an amount of 0."),
    "CLAIM_LINE_AMOUNT": ("第 {line_no} 行：明细金额 {given} 与数量×单价 {computed} 不符", "det_item_fee_sumamt ≠ cnt × pric",
                          "A claim line's amount is not round(cnt × pric)."),
    "CLAIM_DECISION_LINES": ("第 {line_nos} 行{problem}：每行明细须审核且只审核一次", "every line needs exactly one decision",
                             "Review decisions naming a line that does not exist, a line twice, or leaving lines out."),
    "CLAIM_DECISION_INVALID": ("第 {line_no} 行的审核结论应为 approve、reduce 或 reject",
                               "decision must be approve, reduce or reject", "A decision of another kind."),
    "CLAIM_DECISION_AMOUNT": ("第 {line_no} 行的核准金额 approved_amt 有误：{rule}", "approved_amt does not fit the decision",
                              "approved_amt negative or of part fen, not the billed amount for approve, not 0 for "
                              "reject, or missing or not below the billed amount for reduce."),
    "CLAIM_OVER_BILLED": ("第 {line_no} 行核准 {approved} 元，超过发票金额 {billed} 元", "cannot approve more than was billed",
                          "approved_amt above the line's billed amount."),
    "CLAIM_DECISION_REASON": ("第 {line_no} 行扣减或拒付须注明理由", "a reason is required", "reduce or reject without a reason."),
}


class ClaimRefused(RuleRefused):
    """A claim rule broken: ``code`` is a key of CLAIM_MESSAGES, ``params`` fill its templates."""

    MESSAGES = CLAIM_MESSAGES


@dataclass(frozen=True)
class ClaimLine:
    line_no: int
    code: str
    cnt: Decimal
    pric: Decimal
    amount: Decimal  # det_item_fee_sumamt as billed


@dataclass(frozen=True)
class Decision:
    line_no: int
    decision: str  # approve | reduce | reject
    approved: Decimal  # the amount priced by the engine
    reason: str = ""


def line_amount(line_no: int, cnt: Decimal, pric: Decimal, given: Decimal | None) -> Decimal:
    """The billed amount of line ``line_no``: ``det_item_fee_sumamt`` when given, which must then be
    round(cnt × pric) (settlement-spec §5.3: the line amount a counter would compute)."""
    if cnt <= ZERO or pric < ZERO:
        raise ClaimRefused("CLAIM_LINE_INVALID", line_no=line_no, cnt=cnt, pric=pric)
    computed = round_fen(cnt * pric)
    if given is not None and given != computed:
        raise ClaimRefused("CLAIM_LINE_AMOUNT", line_no=line_no, given=given, computed=computed)
    if computed <= ZERO:
        raise ClaimRefused("CLAIM_LINE_INVALID", line_no=line_no, cnt=cnt, pric=pric)
    return computed


def checked_decisions(lines: list[ClaimLine], given: list[dict]) -> list[Decision]:
    """Every line decided once; ``approve`` takes the billed amount, ``reduce`` a smaller one
    with a reason, ``reject`` 0 with a reason; nothing above what was billed."""
    billed = {line.line_no: line.amount for line in lines}
    seen: set[int] = set()
    decisions = []
    for item in given:
        line_no, kind = item["line_no"], item["decision"]
        if line_no not in billed:
            raise ClaimRefused("CLAIM_DECISION_LINES", line_nos=line_no, problem="不存在")
        if line_no in seen:
            raise ClaimRefused("CLAIM_DECISION_LINES", line_nos=line_no, problem="重复审核")
        seen.add(line_no)
        decisions.append(_decision(line_no, kind, billed[line_no], item.get("approved_amt"), (item.get("reason") or "").strip()))
    missing = sorted(set(billed) - seen)
    if missing:
        raise ClaimRefused("CLAIM_DECISION_LINES", line_nos="、".join(map(str, missing)), problem="未审核")
    return sorted(decisions, key=lambda d: d.line_no)


def _decision(line_no: int, kind: str, billed: Decimal, approved: Decimal | None, reason: str) -> Decision:
    if kind not in DECISIONS:
        raise ClaimRefused("CLAIM_DECISION_INVALID", line_no=line_no)
    if approved is not None and (approved < ZERO or approved != round_fen(approved)):
        raise ClaimRefused("CLAIM_DECISION_AMOUNT", line_no=line_no, rule="应为不小于 0 的整分金额")
    if approved is not None and approved > billed:
        raise ClaimRefused("CLAIM_OVER_BILLED", line_no=line_no, approved=approved, billed=billed)
    if kind != "approve" and not reason:
        raise ClaimRefused("CLAIM_DECISION_REASON", line_no=line_no)
    if kind == "approve":
        if approved is not None and approved != billed:
            raise ClaimRefused("CLAIM_DECISION_AMOUNT", line_no=line_no,
                               rule=f"全额核准应为发票金额 {billed} 元；部分核准请用 reduce")
        return Decision(line_no, kind, billed, reason)
    if kind == "reject":
        if approved not in (None, ZERO):
            raise ClaimRefused("CLAIM_DECISION_AMOUNT", line_no=line_no, rule="拒付的核准金额应为 0")
        return Decision(line_no, kind, ZERO.quantize(Decimal("0.01")), reason)
    if approved is None or approved >= billed:
        raise ClaimRefused("CLAIM_DECISION_AMOUNT", line_no=line_no, rule=f"扣减须给出小于发票金额 {billed} 元的核准金额")
    return Decision(line_no, kind, approved, reason)


def fee_lines(lines: list[ClaimLine], decisions: list[Decision]) -> tuple[FeeLine, ...]:
    """The engine's fee lines: each line at its approved amount (the billed quantity stays, so a
    price ceiling still applies to it), and the part cut as a line outside every catalogue."""
    by_line = {d.line_no: d for d in decisions}
    result = []
    for line in lines:
        approved = by_line[line.line_no].approved
        if approved > ZERO:
            result.append(FeeLine(line.code, line.cnt, line.pric, approved))
        cut = line.amount - approved
        if cut > ZERO:
            result.append(FeeLine(cut_code(line.code), None, None, cut))
    return tuple(result)


def cut_code(code: str) -> str:
    return code + CUT_SUFFIX


def approved_total(decisions: list[Decision]) -> Decimal:
    return sum((d.approved for d in decisions), ZERO)
