"""Supervision workflow (domain-rules §5): cases from findings or shared notices, money
recovered (追回), refunded on self-inspection (自查退款) and penalties, agreement actions on
institutions (suspend / terminate: a suspended institution cannot settle), suspension of a
person's direct settlement (the gateway enforces it), credit records, and case notices shared
with another region (export / import).

The use cases run over a unit of work (app/unit_of_work.py) and reach the store through
``uow.supervision`` (store/repositories/supervision.py, the ``SupervisionRepository`` below).
The gateway enforces a person's suspension at the counter from ``repo.sanctions_in_force``
(cached per worker by a version the database bumps, migration 0008); a decision on an
institution is also a step of its agreement (app/agreements.py), which the gateway enforces."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Protocol

from yibao.domain import ledger as accounts
from yibao.store import repository as repo

from . import agreements
from .error_codes import refusal
from .errors import new_id
from .unit_of_work import UnitOfWork

TRANSITIONS = {
    "suspected": {"investigating", "dismissed"},
    "investigating": {"confirmed", "dismissed"},
    "confirmed": set(),
    "dismissed": set(),
}
MONEY_KINDS = ("recovery", "refund", "penalty")
NOTICE_FORMAT = "yibao-case-notice/1"


class SupervisionRepository(Protocol):
    """What the use cases below need of the store (``uow.supervision``); rows are dicts, fen."""

    def add_case(self, row: dict) -> None: ...

    def case(self, case_id: str, *, lock: bool = False) -> dict | None:
        """``lock``: locked for the transaction and read after the lock."""

    def update_case(self, case_id: str, values: dict) -> None: ...

    def add_event(self, case_id: str, kind: str, detail: str, by: str, amount_fen: int = 0) -> None:
        """One case event at the unit's clock reading."""

    def events_of(self, case_id: str) -> list[dict]:
        """In the order they were written."""

    def findings(self, finding_ids: list[str]) -> list[dict]:
        """The stored findings among the ids (unknown ids are absent)."""

    def add_findings(self, rows: list[dict]) -> None: ...

    def institution(self, fixmedins_code: str) -> dict | None: ...

    def add_sanction(self, row: dict) -> None: ...

    def sanction(self, sanction_id: str, *, lock: bool = False) -> dict | None: ...

    def mark_lifted(self, sanction_id: str) -> None:
        """lifted_at = the unit's clock reading."""

    def add_credit(self, row: dict) -> None: ...

    def credit_points(self, subject_type: str, subject_id: str) -> int: ...

    def cases_by_status(self, start: dt.datetime, stop: dt.datetime, prefix: str | None) -> dict[str, int]:
        """Cases opened in [start, stop) in the regions under the code prefix (all if None), by status."""


def _event(uow: UnitOfWork, case_id: str, kind: str, detail: str, amount_fen: int = 0) -> None:
    # case_events.by is 30 characters: the party; the action log keeps the whole actor
    uow.supervision.add_event(case_id, kind, detail, uow.actor.party[:30], amount_fen)


def open_case(uow: UnitOfWork, *, admdvs: str, subject_type: str, subject_id: str, summary: str, amount_fen: int,
              source: str) -> dict:
    row = _open_case(uow, admdvs=admdvs, subject_type=subject_type, subject_id=subject_id, summary=summary,
                     amount_fen=amount_fen, source=source)
    _record_case(uow, row)
    return row


def _record_case(uow: UnitOfWork, row: dict, **extra) -> None:
    uow.actions.record("case.open", row["case_id"], {"subject_type": row["subject_type"], "subject_id": row["subject_id"],
                                                     "amount_fen": row["amount_fen"], "source": row["source"], **extra})


def _open_case(uow: UnitOfWork, *, admdvs: str, subject_type: str, subject_id: str, summary: str, amount_fen: int,
               source: str, finding_ids: list[str] = ()) -> dict:
    if subject_type not in ("institution", "person"):
        raise refusal("SUPERVISION_BAD_SUBJECT_TYPE")
    row = dict(case_id=new_id("CA"), admdvs=admdvs, subject_type=subject_type, subject_id=subject_id,
               status="suspected", summary=summary[:4000], amount_fen=amount_fen, source=source, opened_at=uow.now)
    uow.supervision.add_case(row)
    _event(uow, row["case_id"], "status", "opened: suspected")
    for finding_id in finding_ids:
        _event(uow, row["case_id"], "finding", finding_id)
    return row


def case_from_findings(uow: UnitOfWork, finding_ids: list[str], *, admdvs: str) -> dict:
    """One case for the institution the findings are about."""
    rows = uow.supervision.findings(finding_ids)
    if len(rows) != len(set(finding_ids)):
        raise refusal("SUPERVISION_FINDINGS_NOT_FOUND")
    institutions = {row["fixmedins_code"] for row in rows}
    if len(institutions) != 1:
        raise refusal("SUPERVISION_FINDINGS_SEVERAL_INSTITUTIONS")
    types = sorted({row["rule_type"] for row in rows})
    amount = sum(row["vola_amt_fen"] for row in rows)
    row = _open_case(uow, admdvs=admdvs, subject_type="institution", subject_id=institutions.pop(),
                     summary=f"{len(rows)} findings ({'、'.join(types)}), {repo.from_fen(amount)} yuan at stake",
                     amount_fen=amount, source="audit", finding_ids=finding_ids)
    _record_case(uow, row, findings=len(rows))
    return row


def get_case(uow: UnitOfWork, case_id: str, *, lock: bool = False) -> dict:
    """``lock``: a change of the case locks its row first and decides on what it reads after the
    lock (docs/locking.md, rank 8), so two moves or a move and a recovery never both pass."""
    row = uow.supervision.case(case_id, lock=lock)
    if row is None:
        raise refusal("SUPERVISION_CASE_NOT_FOUND", case_id=case_id)
    return row


def move(uow: UnitOfWork, case_id: str, status: str, *, note: str = "") -> dict:
    case = get_case(uow, case_id, lock=True)
    if status not in TRANSITIONS.get(case["status"], set()):
        raise refusal("SUPERVISION_CASE_TRANSITION", case_id=case_id, current=case["status"], status=status)
    values = {"status": status}
    if status in ("confirmed", "dismissed"):
        values["closed_at"] = uow.now
    uow.supervision.update_case(case_id, values)
    _event(uow, case_id, "status", f"{case['status']} → {status}" + (f": {note}" if note else ""))
    uow.actions.record("case.status", case_id, {"from": case["status"], "to": status})
    case.update(values)
    if status == "confirmed":
        # a confirmed case is a credit record of its subject (app/credit.py, issue #17 item 6)
        from . import credit

        credit.record_case(uow, case)
    return case


def record_money(uow: UnitOfWork, case_id: str, kind: str, amount: Decimal, *, note: str = "") -> dict:
    """Money back to the fund: recovered (confirmed cases), refunded on self-inspection, or a penalty.
    Posted to the ledger: the region's bank against its fund-recovery income."""
    if kind not in MONEY_KINDS:
        raise refusal("SUPERVISION_BAD_MONEY_KIND", kinds="、".join(MONEY_KINDS))
    case = get_case(uow, case_id, lock=True)
    if case["status"] == "dismissed":
        raise refusal("SUPERVISION_CASE_DISMISSED", case_id=case_id)
    if kind in ("recovery", "penalty") and case["status"] != "confirmed":
        raise refusal("SUPERVISION_CASE_NOT_CONFIRMED", kind=kind, case_id=case_id, status=case["status"])
    fen = repo.to_fen(amount)
    if fen <= 0:
        raise refusal("SUPERVISION_AMOUNT_NOT_POSITIVE")
    _event(uow, case_id, kind, note or kind, fen)
    region = case["admdvs"]
    uow.ledger.post(accounts.Entry(f"supervision_{kind}", case_id, (
        accounts.Posting(f"bank:{region}", fen), accounts.Posting(f"fund_{kind}:{region}", -fen))))
    uow.actions.record("case.money", case_id, {"kind": kind, "amount_fen": fen})
    return {"case_id": case_id, "kind": kind, "amount": repo.from_fen(fen)}


def _checked_sanction(uow: UnitOfWork, subject_type: str, subject_id: str, kind: str, begndate: dt.date,
                      enddate: dt.date | None) -> dt.date | None:
    """The sanction's end date once its subject and kind are checked (a termination has none)."""
    if subject_type == "institution":
        if uow.supervision.institution(subject_id) is None:
            raise refusal("SUPERVISION_INSTITUTION_NOT_FOUND", fixmedins_code=subject_id)
        if kind not in ("suspend", "terminate"):
            raise refusal("SUPERVISION_BAD_AGREEMENT_ACTION")
    elif subject_type == "person":
        if uow.persons.get(subject_id) is None:
            raise refusal("PERSON_UNKNOWN", psn_no=subject_id)
        if kind != "suspend":
            raise refusal("SUPERVISION_PERSON_SUSPEND_ONLY")
    else:
        raise refusal("SUPERVISION_BAD_SUBJECT_TYPE")
    if kind == "suspend" and enddate is None:
        raise refusal("SUPERVISION_SUSPENSION_NEEDS_END")
    if kind == "terminate":
        enddate = None
    if enddate is not None and enddate < begndate:
        raise refusal("INPUT_END_BEFORE_BEGIN", field="处理决定")
    return enddate


def sanction(uow: UnitOfWork, *, subject_type: str, subject_id: str, kind: str, begndate: dt.date,
             enddate: dt.date | None, reason: str, case_id: str | None) -> dict:
    enddate = _checked_sanction(uow, subject_type, subject_id, kind, begndate, enddate)
    row = dict(sanction_id=new_id("SA"), subject_type=subject_type, subject_id=subject_id, kind=kind, begndate=begndate,
               enddate=enddate, reason=reason[:2000], case_id=case_id, created_at=uow.now)
    uow.supervision.add_sanction(row)
    if subject_type == "institution":
        # the agreement is what the gateway enforces: the decision becomes its step (and cascades
        # to the institution's Internet+ supplementary agreements)
        agreements.sanction_institution(uow, subject_id, kind=kind, begndate=begndate, enddate=enddate,
                                        reason=agreements.sanction_reason(row["sanction_id"], reason))
    if case_id:
        _event(uow, case_id, "note", f"{kind} {subject_type} {subject_id} from {begndate}")
    uow.actions.record("sanction.add", row["sanction_id"], {
        "subject_type": subject_type, "subject_id": subject_id, "kind": kind, "begndate": begndate, "enddate": enddate,
        "case_id": case_id})
    return row


def get_sanction(uow: UnitOfWork, sanction_id: str, *, lock: bool = False) -> dict:
    row = uow.supervision.sanction(sanction_id, lock=lock)
    if row is None:
        raise refusal("SUPERVISION_SANCTION_NOT_FOUND", sanction_id=sanction_id)
    return row


def lift(uow: UnitOfWork, sanction_id: str) -> dict:
    row = get_sanction(uow, sanction_id, lock=True)  # two lifts at once: the second sees the first
    if row["lifted_at"] is not None:
        raise refusal("SUPERVISION_SANCTION_LIFTED", sanction_id=sanction_id)
    uow.supervision.mark_lifted(sanction_id)
    if row["subject_type"] == "institution" and row["kind"] == "suspend":
        agreements.lift_sanction(uow, row["subject_id"], sanction_id, day=max(uow.now.date(), row["begndate"]))
    uow.actions.record("sanction.lift", sanction_id, {"subject_type": row["subject_type"], "subject_id": row["subject_id"]})
    return dict(row, lifted_at=uow.now)


def add_credit(uow: UnitOfWork, *, subject_type: str, subject_id: str, points: int, reason: str,
               case_id: str | None) -> dict:
    row = dict(subject_type=subject_type, subject_id=subject_id, points=points, reason=reason[:2000], case_id=case_id,
               at=uow.now)
    uow.supervision.add_credit(row)
    return row


def credit_score(uow: UnitOfWork, subject_type: str, subject_id: str, base: int = 100) -> int:
    return base + uow.supervision.credit_points(subject_type, subject_id)


def _plain(row: dict) -> dict:
    return {k: (v.isoformat() if isinstance(v, (dt.date, dt.datetime)) else v) for k, v in row.items()}


def export_notice(uow: UnitOfWork, case_id: str) -> dict:
    """A case notice for another region (跨区域案件线索): the case, its findings and its events,
    with only what the receiving region needs (issue #17 item 4): the patients' person numbers
    masked (app/authorization.mask_psn_no) and the events without the sending agency's staff."""
    from .authorization import mask_psn_no

    case = get_case(uow, case_id)
    events = uow.supervision.events_of(case_id)
    findings = uow.supervision.findings([e["detail"] for e in events if e["kind"] == "finding"])
    return {"format": NOTICE_FORMAT, "from_admdvs": case["admdvs"], "case": _plain(case),
            "findings": [_plain(dict(f, psn_no=mask_psn_no(f["psn_no"]))) for f in findings],
            "events": [_plain({k: v for k, v in e.items() if k != "by"}) for e in events if e["kind"] != "finding"]}


def import_notice(uow: UnitOfWork, notice: dict, *, admdvs: str) -> dict:
    """A notice from another region becomes a suspected case here, its findings kept as evidence."""
    if not isinstance(notice, dict) or notice.get("format") != NOTICE_FORMAT:
        raise refusal("SUPERVISION_NOT_A_NOTICE", format=NOTICE_FORMAT)
    case = notice.get("case") or {}
    try:
        subject_type, subject_id = case["subject_type"], case["subject_id"]
        amount_fen = int(case.get("amount_fen", 0))
    except (KeyError, TypeError, ValueError):
        raise refusal("SUPERVISION_NOTICE_NO_SUBJECT") from None
    summary = f"notice from {notice.get('from_admdvs', '?')}: {case.get('summary', '')}"
    row = _open_case(uow, admdvs=admdvs, subject_type=subject_type, subject_id=subject_id, summary=summary,
                     amount_fen=amount_fen, source=f"notice:{notice.get('from_admdvs', '')}")
    _event(uow, row["case_id"], "note", json.dumps({"shared_case": case.get("case_id"), "findings": notice.get("findings", [])},
                                                   ensure_ascii=False, default=str)[:20000])
    _record_case(uow, row, shared_case=str(case.get("case_id", ""))[:30])
    return row


def refer_to_police(uow: UnitOfWork, case_id: str, *, note: str = "") -> dict:
    """A case handed to the police as suspected fraud (移交公安机关, seed 004): a ``police`` event,
    which app/statistics counts. Locks the case (docs/locking.md rank 8) and reads it after the lock."""
    case = get_case(uow, case_id, lock=True)
    if case["status"] == "dismissed":
        raise refusal("SUPERVISION_CASE_DISMISSED", case_id=case_id)
    _event(uow, case_id, "police", note or "移交公安机关")
    uow.actions.record("case.police", case_id, {"note": note})
    return {"case_id": case_id, "referred_at": uow.now}


def supervision_stats(uow: UnitOfWork, *, begin: dt.date, end: dt.date, admdvs: str | None = None) -> dict:
    """Kept for the dashboard's names: app/statistics.supervision's figures (scoped to the regions
    under ``admdvs``) with the cases opened in the range by status. ``recovered_total`` is the
    fund loss recovered (追回 + 自查自纠, seed 004), penalties apart."""
    from . import statistics

    figures = statistics.supervision(uow, agency_code=admdvs, begin=begin, end=end)
    start, stop = dt.datetime.combine(begin, dt.time()), dt.datetime.combine(end + dt.timedelta(days=1), dt.time())
    by_status = uow.supervision.cases_by_status(start, stop, statistics.scope_of(admdvs))
    return {**figures, "period": f"{begin}..{end}", "admdvs": admdvs or "all", "cases": sum(by_status.values()),
            "cases_by_status": by_status, "recovered": figures["recovered_amt"],
            "refunded_by_self_inspection": figures["refunded_amt"], "penalties": figures["penalty_amt"],
            "recovered_total": figures["fund_loss_recovered_amt"]}


def finding_rows(findings, *, stage: str, run_id: str, now: dt.datetime, context: dict) -> list[dict]:
    """The audit_findings rows of findings (pre/in/post-event) with their evidence, each with a new id."""
    rows = []
    for finding in findings:
        rows.append(dict(
            finding_id=new_id("FD"), stage=stage, run_id=run_id, rule_id=finding.rule_id, rule_type=finding.rule_type,
            result_type=finding.result_type, sev_deg=str(finding.sev_deg), mdtrt_id=finding.mdtrt_id or "",
            setl_id=finding.setl_id or "", feedetl_sn=finding.feedetl_sn or "",
            psn_no=context.get("psn_no") or getattr(finding, "psn_no", "") or "",
            fixmedins_code=context.get("fixmedins_code") or getattr(finding, "fixmedins_code", "") or "",
            vola_amt_fen=repo.to_fen(Decimal(finding.vola_amt).quantize(Decimal("0.01"))), vola_cont=finding.vola_cont,
            evidence=json.dumps(finding.evidence, ensure_ascii=False, default=str), found_at=now))
    return rows


def record_findings(uow: UnitOfWork, findings, *, stage: str, run_id: str, context: dict) -> list[str]:
    """Keep findings with their evidence; returns their ids."""
    rows = finding_rows(findings, stage=stage, run_id=run_id, now=uow.now, context=context)
    uow.supervision.add_findings(rows)
    return [row["finding_id"] for row in rows]
