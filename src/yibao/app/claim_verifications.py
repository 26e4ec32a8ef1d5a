"""Cross-region verification of manual claims (协查, issue #13 item 4).

The insured place's agency asks the treatment place's agency to verify a claim: the items to
check (the whole claim or a line) and a due date. The treatment agency sees the requests
addressed to its regions and answers once with its findings (``confirmed``, or
``discrepancies`` with a text and optionally a finding per line); the insured agency closes the
request, answered or not. Every step is a dated row with its actor (migration 0017), shown on
the claim. A claim with a request neither answered nor closed is not paid (``VERIFY_OPEN``,
checked by app/claims.pay_claim after the claim's lock).

Locks (docs/locking.md): asking locks the claim row; answering and closing lock the claim row,
then the request row, and decide on the steps read after them. Who may act (the claim's insured
region asks and closes, its treatment region answers) is the agencies' scope, checked by the
routes with ``require_side``.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Protocol

from yibao.domain import claim_verifications as rules
from yibao.domain.money import from_fen

from . import agencies
from .error_codes import refusal
from .errors import new_id
from .unit_of_work import UnitOfWork

ASKING_STATUSES = ("submitted", "reviewed")  # a claim not yet paid, rejected or reversed
SIDE_COLUMN = {"requested": "insuplc_admdvs", "incoming": "mdtrtarea_admvs"}


class VerificationsRepository(Protocol):
    """``uow.claim_verifications`` (store/repositories/claim_verifications.py)."""

    def add_request(self, row: dict) -> None: ...

    def add_step(self, row: dict) -> None:
        """An answer or a close; the database refuses a second of either (primary key)."""

    def request(self, verification_id: str) -> dict | None: ...

    def lock_request(self, verification_id: str) -> dict | None:
        """After the claim row's lock: the request read after the lock."""

    def steps(self, verification_ids: list[str]) -> dict[str, list[dict]]: ...

    def of_claim(self, claim_id: str) -> list[dict]: ...

    def requests(self, *, side: str, regions: list[str], status: str | None, limit: int, offset: int) -> list[dict]:
        """Rows joined with their claim's summary (psn_no, fixmedins_name, invoice_no, dates, amount)."""


def request_verification(uow: UnitOfWork, claim_id: str, items: list[dict], due_date: dt.date) -> dict:
    """Ask the claim's treatment region to verify it; the claim is not paid until the request is
    answered or closed."""
    claim = _locked_claim(uow, claim_id)
    if claim["status"] not in ASKING_STATUSES:
        raise refusal("VERIFY_CLAIM_STATUS", claim_id=claim_id, status=claim["status"])
    line_nos = {row["line_no"] for row in uow.claims.lines(claim_id)}
    try:
        checked = rules.checked_items(items, line_nos)
        due = rules.checked_due_date(due_date, uow.now.date())
    except rules.VerificationRefused as exc:
        raise refusal(exc.code, **exc.params) from None
    row = {"verification_id": new_id("VR"), "claim_id": claim_id, "insuplc_admdvs": claim["insuplc_admdvs"],
           "mdtrtarea_admvs": claim["mdtrtarea_admvs"], "items": json.dumps(checked, ensure_ascii=False),
           "due_date": due, "requested_at": uow.now, "requested_by": uow.actor.label()[:200]}
    uow.claim_verifications.add_request(row)
    uow.actions.record("claim.verify_request", row["verification_id"],
                       {"claim_id": claim_id, "items": len(checked), "due_date": due.isoformat()})
    return verification_view(row, [], uow.now.date())


def answer_verification(uow: UnitOfWork, verification_id: str, outcome: str, text: str, lines: list[dict]) -> dict:
    """The treatment agency's findings, once; a closed request is not answered any more."""
    claim, row, steps = _locked(uow, verification_id)
    status = rules.status_of(steps)
    if status == "closed":
        raise refusal("VERIFY_CLOSED", verification_id=verification_id)
    if status == "answered":
        raise refusal("VERIFY_ANSWERED", verification_id=verification_id)
    line_nos = {line["line_no"] for line in uow.claims.lines(claim["claim_id"])}
    try:
        outcome, text, findings = rules.checked_answer(outcome, text, lines, line_nos)
    except rules.VerificationRefused as exc:
        raise refusal(exc.code, **exc.params) from None
    step = {"verification_id": verification_id, "step": "answer", "outcome": outcome, "text": text[:2000],
            "line_findings": json.dumps(findings, ensure_ascii=False), "recorded_at": uow.now,
            "recorded_by": uow.actor.label()[:200]}
    uow.claim_verifications.add_step(step)
    uow.actions.record("claim.verify_answer", verification_id, {"claim_id": claim["claim_id"], "outcome": outcome,
                                                                "line_findings": len(findings)})
    return _full_view(uow, row, claim, steps + [step])


def close_verification(uow: UnitOfWork, verification_id: str, reason: str) -> dict:
    """The insured agency ends the request, answered (findings taken) or not (withdrawn)."""
    reason = (reason or "").strip()
    if not reason:
        raise refusal("VERIFY_CLOSE_REASON")
    claim, row, steps = _locked(uow, verification_id)
    if rules.status_of(steps) == "closed":
        raise refusal("VERIFY_CLOSED", verification_id=verification_id)
    step = {"verification_id": verification_id, "step": "close", "outcome": None, "text": reason[:2000],
            "line_findings": "[]", "recorded_at": uow.now, "recorded_by": uow.actor.label()[:200]}
    uow.claim_verifications.add_step(step)
    uow.actions.record("claim.verify_close", verification_id, {"claim_id": claim["claim_id"], "reason": reason[:200]})
    return _full_view(uow, row, claim, steps + [step])


def _locked_claim(uow: UnitOfWork, claim_id: str) -> dict:
    claim = uow.claims.lock_claim(claim_id)
    if claim is None:
        raise refusal("CLAIM_NOT_FOUND", claim_id=claim_id)
    return claim


def _locked(uow: UnitOfWork, verification_id: str) -> tuple[dict, dict, list[dict]]:
    """The claim row, then the request row (docs/locking.md), and the steps read after them."""
    before = get_request(uow, verification_id)
    claim = _locked_claim(uow, before["claim_id"])
    row = uow.claim_verifications.lock_request(verification_id)
    return claim, row, uow.claim_verifications.steps([verification_id])[verification_id]


def get_request(uow: UnitOfWork, verification_id: str) -> dict:
    row = uow.claim_verifications.request(verification_id)
    if row is None:
        raise refusal("VERIFY_NOT_FOUND", verification_id=verification_id)
    return row


def require_side(agency: dict, row: dict, side: str) -> None:
    """``requested``: only the claim's insured region asks and closes; ``incoming``: only its
    treatment region answers; ``either``: both read."""
    insured = agencies.administers(agency, row["insuplc_admdvs"])
    treatment = agencies.administers(agency, row["mdtrtarea_admvs"])
    if side == "requested" and not insured:
        raise refusal("VERIFY_NOT_REQUESTER", verification_id=row["verification_id"], agency=agency["agency_code"])
    if side == "incoming" and not treatment:
        raise refusal("VERIFY_NOT_TREATMENT_AGENCY", verification_id=row["verification_id"],
                      region=row["mdtrtarea_admvs"], agency=agency["agency_code"])
    if side == "either" and not (insured or treatment):
        raise refusal("VERIFY_NOT_A_PARTY", verification_id=row["verification_id"], agency=agency["agency_code"])


# --- reads ---------------------------------------------------------------------------------------

def open_requests(uow: UnitOfWork, claim_id: str) -> list[str]:
    """The claim's requests that hold its payment (neither answered nor closed)."""
    rows = uow.claim_verifications.of_claim(claim_id)
    steps = uow.claim_verifications.steps([row["verification_id"] for row in rows])
    return [row["verification_id"] for row in rows if rules.blocks_payment(steps[row["verification_id"]])]


def views_of_claim(uow: UnitOfWork, claim_id: str) -> list[dict]:
    rows = uow.claim_verifications.of_claim(claim_id)
    steps = uow.claim_verifications.steps([row["verification_id"] for row in rows])
    return [verification_view(row, steps[row["verification_id"]], uow.now.date()) for row in rows]


def show_verification(uow: UnitOfWork, verification_id: str) -> dict:
    row = get_request(uow, verification_id)
    claim = uow.claims.claim(row["claim_id"])
    return _full_view(uow, row, claim, uow.claim_verifications.steps([verification_id])[verification_id])


def list_verifications(uow: UnitOfWork, *, role: str, regions: list[str], status: str | None = None,
                       limit: int = 50, offset: int = 0) -> list[dict]:
    """``requested``: made by the regions given (insured side); ``incoming``: addressed to them."""
    if role not in SIDE_COLUMN:
        raise refusal("VERIFY_BAD_ROLE", roles=", ".join(SIDE_COLUMN))
    if status is not None and status not in rules.STATUSES:
        raise refusal("VERIFY_BAD_STATUS", statuses=", ".join(rules.STATUSES))
    rows = uow.claim_verifications.requests(side=SIDE_COLUMN[role], regions=regions, status=status, limit=limit,
                                            offset=offset)
    steps = uow.claim_verifications.steps([row["verification_id"] for row in rows])
    today = uow.now.date()
    return [dict(verification_view(row, steps[row["verification_id"]], today), claim=_claim_summary(row)) for row in rows]


def _full_view(uow: UnitOfWork, row: dict, claim: dict, steps: list[dict]) -> dict:
    """A request with its claim's summary and lines, for the agency asked to check them."""
    view = verification_view(row, steps, uow.now.date())
    view["claim"] = dict(_claim_summary(claim), lines=[
        {"line_no": line["line_no"], "med_list_codg": line["med_list_codg"], "cnt": line["cnt"], "pric": line["pric"],
         "det_item_fee_sumamt": from_fen(line["det_item_fee_sumamt_fen"])} for line in uow.claims.lines(claim["claim_id"])])
    return view


def _claim_summary(row: dict) -> dict:
    return {"psn_no": row["psn_no"], "fixmedins_code": row["fixmedins_code"], "fixmedins_name": row["fixmedins_name"],
            "invoice_no": row["invoice_no"], "begndate": row["begndate"], "enddate": row["enddate"],
            "medfee_sumamt": from_fen(row["medfee_sumamt_fen"]), "status": row.get("claim_status", row.get("status"))}


def verification_view(row: dict, steps: list[dict], today: dt.date) -> dict:
    """A request and its steps for people and programs; ``overdue`` while open after its due date."""
    status = rules.status_of(steps)
    answer = next((s for s in steps if s["step"] == "answer"), None)
    close = next((s for s in steps if s["step"] == "close"), None)
    return {
        "verification_id": row["verification_id"], "claim_id": row["claim_id"], "status": status,
        "status_name": rules.STATUS_NAMES[status], "insuplc_admdvs": row["insuplc_admdvs"],
        "mdtrtarea_admvs": row["mdtrtarea_admvs"], "items": json.loads(row["items"]), "due_date": row["due_date"],
        "overdue": status == "open" and row["due_date"] < today, "requested_at": row["requested_at"],
        "requested_by": row["requested_by"],
        "answer": None if answer is None else {
            "outcome": answer["outcome"], "outcome_name": rules.OUTCOME_NAMES[answer["outcome"]], "text": answer["text"],
            "lines": json.loads(answer["line_findings"]), "answered_at": answer["recorded_at"],
            "answered_by": answer["recorded_by"]},
        "close": None if close is None else {"reason": close["text"], "closed_at": close["recorded_at"],
                                             "closed_by": close["recorded_by"]},
    }
