"""Access checks: an institution acts on its own visits and settlements, within its agreements."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Connection

from yibao.domain import agreements as agreement_rules
from yibao.store import repository as repo

from yibao.app import evouchers, visits
from yibao.app.credit import policy_for
from yibao.app.error_codes import refusal
from yibao.domain import joint_supervision as credit_rules
from yibao.store.repository.credit import credit_standings
from yibao.domain.evoucher import TOKEN_MAX
from .readers import text
from .registry import Request

EVOUCHER = "01"  # mdtrt_cert_type 医保电子凭证 (nhsa-interface §4.1)


def own_visit(conn: Connection, request: Request, mdtrt_id: str, psn_no: str | None = None, *,
              lock: bool = False) -> dict:
    """A visit of the calling institution (an institution sees only its own visits).

    ``lock``: every state change of a visit takes the visit row's lock first and decides on
    the row read after it (docs/locking.md, rank 2), so a cancellation and a settlement of
    one visit never both succeed."""
    visit = repo.lock_visit(conn, mdtrt_id) if lock else repo.visit(conn, mdtrt_id)
    return _owned(request, visit, mdtrt_id, psn_no)


def own_visit_to_settle(conn: Connection, request: Request, mdtrt_id: str, psn_no: str | None) -> tuple[dict, str | None]:
    """``own_visit(lock=True)`` and the family account owner linked to the visit's person, read
    in the same round trip (the settlement locks that owner next, docs/locking.md)."""
    visit, family_psn_no = repo.lock_visit_and_family_link(conn, mdtrt_id)
    return _owned(request, visit, mdtrt_id, psn_no), family_psn_no


def _owned(request: Request, visit: dict | None, mdtrt_id: str, psn_no: str | None) -> dict:
    return visits.owned(visit, request.institution["fixmedins_code"], mdtrt_id, psn_no)


def own_settlement(conn: Connection, request: Request, setl_id: str) -> dict:
    row = repo.settlement(conn, setl_id)
    if row is None or row["fixmedins_code"] != request.institution["fixmedins_code"]:
        raise refusal("SETTLE_NOT_FOUND", setl_id=setl_id, fixmedins_code=request.institution["fixmedins_code"])
    return row


def check_sanctions(conn: Connection, request: Request, psn_no: str, day: dt.date) -> None:
    """Personal sanctions of fund supervision, enforced at the counter (an institution's
    suspension or termination is a step of its agreement: ``check_agreement``)."""
    held = repo.sanctions_in_force(conn, day).get(("person", psn_no))
    if held is not None:
        raise refusal("SUPERVISION_PERSON_SUSPENDED", psn_no=psn_no, enddate=held["enddate"], reason=held["reason"][:80])


def check_credit(conn: Connection, request: Request, visit: dict) -> str | None:
    """The credit system at the counter (app/credit.py): under the region's no-direct threshold
    the institution, or the person, settles nothing directly; under the strict-audit threshold the
    institution's in-event findings all block (returns "strict_audit"). The institution is judged
    by its treatment region's rules, the person by their insured region's. Read from the worker's
    copy under the ``sanctions`` cache version: no statement in the steady state."""
    points, policies = credit_standings(conn)
    if not points:
        return None
    day, found = request.now.date(), None
    subjects = (("institution", request.institution["fixmedins_code"], request.institution["admdvs"], "定点医药机构"),
                ("person", visit["psn_no"], visit.get("insuplc_admdvs") or "", "参保人"))
    for subject_type, subject_id, region, label in subjects:
        if (subject_type, subject_id) not in points:
            continue
        policy = policy_for(policies, region, day)
        score = credit_rules.credit_score(points[(subject_type, subject_id)])
        restriction = credit_rules.restriction(policy, score)
        if restriction == "no_direct":
            raise refusal("CREDIT_NO_DIRECT_SETTLEMENT", subject=label, level=credit_rules.credit_level(score),
                          score=score, threshold=policy.no_direct_below)
        if restriction == "strict_audit" and subject_type == "institution":
            found = credit_rules.credit_level(score)
    return found


def check_agreement(conn: Connection, request: Request, visit: dict, action: str) -> frozenset[str]:
    """No registration, admission or settlement without an agreement in force on the visit's
    registration or admission date (``begntime``) that covers the visit's service, and
    ``cross_region`` for a person insured elsewhere (domain/agreements.py). Read from the
    worker's copy kept under the ``agreements`` cache version (migration 0014): no statement
    in the steady state. Returns what the agreements cover (the settlement asks ``account``)."""
    code = request.institution["fixmedins_code"]
    day = visit["begntime"].date()
    covered = repo.agreement_coverage(conn, code, day)
    if not covered:
        raise refusal("AGREEMENT_NOT_IN_FORCE", fixmedins_code=code, day=day, status=_why_not(conn, code, day),
                      action=action)
    cross_region = visit["insuplc_admdvs"] != request.institution["admdvs"]
    missing = agreement_rules.missing_services(covered, kind=visit["kind"], med_type=visit["med_type"] or "",
                                               cross_region=cross_region)
    if missing:
        raise refusal("AGREEMENT_SERVICE_NOT_COVERED", fixmedins_code=code, day=day, action=action,
                      services="、".join(agreement_rules.SERVICE_NAMES[name] for name in missing))
    return covered


def check_not_halted(conn: Connection, request: Request, visit: dict) -> None:
    """At settlement: the agreement that applied on the registration or admission day must not
    be suspended or terminated today (暂停结算). A halt from a supervision decision keeps its
    supervision code (the decision's reason names it, app/agreements.sanction_reason)."""
    code = request.institution["fixmedins_code"]
    halt = agreement_rules.halted_since(repo.agreements_now(conn), code, visit["begntime"].date(), request.now.date())
    if halt is None:
        return
    terminated = halt["action"] == "terminate"
    until = f"至 {halt['until']}" if halt["until"] else ""
    if halt["reason"].startswith("基金监管处理决定"):
        raise refusal("SUPERVISION_INSTITUTION_SANCTIONED", fixmedins_code=code, action="解除" if terminated else "暂停",
                      action_en="terminated" if terminated else "suspended", until=until,
                      reason=halt["reason"].partition("：")[2][:80])
    raise refusal("AGREEMENT_HALTED", fixmedins_code=code, action="解除" if terminated else "暂停", until=until,
                  reason=halt["reason"][:80])


def _why_not(conn: Connection, code: str, day: dt.date) -> str:
    """The status of the institution's designation agreement on the day, in Chinese (for the refusal)."""
    agreements = repo.agreements_now(conn)
    statuses = {agreement_rules.status_on(agreements, a, day) for a in agreements.values() if a.fixmedins_code == code}
    for status, chinese in (("suspended", "已暂停"), ("terminated", "已解除"), ("expired", "已到期"),
                            ("not_begun", "尚未生效")):
        if status in statuses:
            return chinese
    return "未签订"


def check_envelope_region(request: Request, insurance: dict) -> None:
    claimed = request.envelope.get("insuplc_admdvs")
    if claimed and claimed != insurance["insuplc_admdvs"]:
        raise refusal("ENVELOPE_INSUPLC_MISMATCH", claimed=claimed, actual=insurance["insuplc_admdvs"])




def evoucher_token(data: dict, where: str) -> str | None:
    """The token of a request identifying the person by e-voucher (mdtrt_cert_type 01), else None.

    Types 02 and 03 (ID card, social security card) are read as before: a registration names
    its person by psn_no, which 1101 returned from the card."""
    if text(data, "mdtrt_cert_type", where, required=False) != EVOUCHER:
        return None
    return text(data, "mdtrt_cert_no", where, limit=TOKEN_MAX)


def check_evoucher(platform, request: Request, data: dict, where: str, psn_no: str) -> None:
    """A visit begun with an e-voucher (2201, 2401, 2101/2102) needs a fresh token of the person
    it names; later transactions of the visit go by mdtrt_id (docs/evoucher.md)."""
    token = evoucher_token(data, where)
    if token is not None:
        evouchers.verified_holder(request.uow, platform.tokens, token, request.now, psn_no)
