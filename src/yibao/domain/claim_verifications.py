"""Cross-region verification of a manual claim (协查), the pure part: what a request and an
answer must hold, and a request's state folded from its dated steps.

The insured place's agency, before paying a claim of a visit elsewhere, may ask the treatment
place's agency to verify it (issue #13 item 4; the seeds' "强化省内异地就医零星报销协同办理"):
the request names the items to check (the whole claim, or a line) and a due date; the treatment
agency answers once with its findings (``confirmed``, or ``discrepancies`` with a text and,
optionally, a finding per line); the insured agency closes the request, answered or not. Every
step is its own row with its date and actor; nothing is changed afterwards.
"""

from __future__ import annotations

import datetime as dt

from .errors import RuleRefused

OUTCOMES = ("confirmed", "discrepancies")
STATUSES = ("open", "answered", "closed")
ROLES = ("requested", "incoming")
STATUS_NAMES = {"open": "待答复", "answered": "已答复", "closed": "已办结"}
OUTCOME_NAMES = {"confirmed": "核实无误", "discrepancies": "存在疑点"}

VERIFY_MESSAGES = {
    "VERIFY_NO_ITEMS": ("协查申请须至少列明一项核查事项", "at least one item to check",
                        "A verification request without items, or with an item of empty text."),
    "VERIFY_BAD_LINE": ("报销申请没有第 {line_no} 行明细", "no such line on the claim",
                        "An item or a line finding naming a line the claim does not have."),
    "VERIFY_BAD_DUE_DATE": ("协查答复期限 {due_date} 不应早于今天 {today}", "the due date is in the past",
                            "A verification request due before the day it is made."),
    "VERIFY_BAD_OUTCOME": ("协查结论应为 confirmed（核实无误）或 discrepancies（存在疑点）",
                           "outcome must be confirmed or discrepancies", "An answer with another outcome."),
    "VERIFY_TEXT_REQUIRED": ("协查存在疑点时须写明核查情况", "discrepancies need a text",
                             "An answer of discrepancies without text."),
}


class VerificationRefused(RuleRefused):
    """A verification rule broken: ``code`` is a key of VERIFY_MESSAGES."""

    MESSAGES = VERIFY_MESSAGES


def checked_items(items: list[dict], line_nos: set[int]) -> list[dict]:
    """The items to check, each ``{line_no or None, question}``; a line must be the claim's."""
    checked = []
    for item in items:
        question = (item.get("question") or "").strip()
        if not question:
            raise VerificationRefused("VERIFY_NO_ITEMS")
        line_no = item.get("line_no")
        if line_no is not None and line_no not in line_nos:
            raise VerificationRefused("VERIFY_BAD_LINE", line_no=line_no)
        checked.append({"line_no": line_no, "question": question})
    if not checked:
        raise VerificationRefused("VERIFY_NO_ITEMS")
    return checked


def checked_due_date(due_date: dt.date, today: dt.date) -> dt.date:
    if due_date < today:
        raise VerificationRefused("VERIFY_BAD_DUE_DATE", due_date=due_date, today=today)
    return due_date


def checked_answer(outcome: str, text: str, lines: list[dict], line_nos: set[int]) -> tuple[str, str, list[dict]]:
    """The answer's outcome, text and per-line findings ``{line_no, finding}``."""
    if outcome not in OUTCOMES:
        raise VerificationRefused("VERIFY_BAD_OUTCOME")
    text = (text or "").strip()
    if outcome == "discrepancies" and not text:
        raise VerificationRefused("VERIFY_TEXT_REQUIRED")
    findings = []
    for item in lines:
        if item["line_no"] not in line_nos:
            raise VerificationRefused("VERIFY_BAD_LINE", line_no=item["line_no"])
        finding = (item.get("finding") or "").strip()
        if finding:
            findings.append({"line_no": item["line_no"], "finding": finding})
    return outcome, text, findings


def status_of(steps: list[dict]) -> str:
    """``closed`` once closed, else ``answered`` once answered, else ``open``."""
    kinds = {step["step"] for step in steps}
    return "closed" if "close" in kinds else "answered" if "answer" in kinds else "open"


def blocks_payment(steps: list[dict]) -> bool:
    """A request neither answered nor closed holds the claim's payment: the insured place asked
    a question and pays only once it is answered or it withdraws it."""
    return status_of(steps) == "open"
