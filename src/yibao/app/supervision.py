"""Supervision workflow (domain-rules §5): cases from findings or shared notices, money
recovered (追回), refunded on self-inspection (自查退款) and penalties, agreement actions on
institutions (suspend / terminate: a suspended institution cannot settle), suspension of a
person's direct settlement (the gateway enforces it), credit records, and case notices shared
with another region (export / import)."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

from sqlalchemy import Connection, func, insert, or_, select, update

from yibao.domain import ledger as accounts
from yibao.store import repository as repo
from yibao.store import tables as t

from . import ledger
from .action_log import record
from .actors import Actor
from .errors import GatewayError, new_id

TRANSITIONS = {
    "suspected": {"investigating", "dismissed"},
    "investigating": {"confirmed", "dismissed"},
    "confirmed": set(),
    "dismissed": set(),
}
MONEY_KINDS = ("recovery", "refund", "penalty")
NOTICE_FORMAT = "yibao-case-notice/1"


def _event(conn: Connection, case_id: str, kind: str, detail: str, actor: Actor, now: dt.datetime,
           amount_fen: int = 0) -> None:
    # case_events.by is 30 characters: the party; the action log keeps the whole actor
    conn.execute(insert(t.case_events).values(case_id=case_id, kind=kind, amount_fen=amount_fen, detail=detail,
                                              by=actor.party[:30], at=now))


def open_case(conn: Connection, *, admdvs: str, subject_type: str, subject_id: str, summary: str, amount_fen: int,
              source: str, actor: Actor, now: dt.datetime) -> dict:
    row = _open_case(conn, admdvs=admdvs, subject_type=subject_type, subject_id=subject_id, summary=summary,
                     amount_fen=amount_fen, source=source, actor=actor, now=now)
    _record_case(conn, actor, row, now)
    return row


def _record_case(conn: Connection, actor: Actor, row: dict, now: dt.datetime, **extra) -> None:
    record(conn, actor, "case.open", row["case_id"], {"subject_type": row["subject_type"], "subject_id": row["subject_id"],
                                                      "amount_fen": row["amount_fen"], "source": row["source"], **extra}, now)


def _open_case(conn: Connection, *, admdvs: str, subject_type: str, subject_id: str, summary: str, amount_fen: int,
               source: str, actor: Actor, now: dt.datetime, finding_ids: list[str] = ()) -> dict:
    if subject_type not in ("institution", "person"):
        raise GatewayError("subject_type is institution or person")
    row = dict(case_id=new_id("CA"), admdvs=admdvs, subject_type=subject_type, subject_id=subject_id,
               status="suspected", summary=summary[:4000], amount_fen=amount_fen, source=source, opened_at=now)
    conn.execute(insert(t.cases).values(**row))
    _event(conn, row["case_id"], "status", "opened: suspected", actor, now)
    for finding_id in finding_ids:
        _event(conn, row["case_id"], "finding", finding_id, actor, now)
    return row


def case_from_findings(conn: Connection, finding_ids: list[str], *, admdvs: str, actor: Actor, now: dt.datetime) -> dict:
    """One case for the institution the findings are about."""
    rows = [dict(r) for r in conn.execute(select(t.audit_findings).where(t.audit_findings.c.finding_id.in_(finding_ids))).mappings()]
    if len(rows) != len(set(finding_ids)):
        raise GatewayError("some findings were not found")
    institutions = {row["fixmedins_code"] for row in rows}
    if len(institutions) != 1:
        raise GatewayError("a case is about one institution: the findings name several")
    types = sorted({row["rule_type"] for row in rows})
    amount = sum(row["vola_amt_fen"] for row in rows)
    row = _open_case(conn, admdvs=admdvs, subject_type="institution", subject_id=institutions.pop(),
                     summary=f"{len(rows)} findings ({'、'.join(types)}), {repo.from_fen(amount)} yuan at stake",
                     amount_fen=amount, source="audit", actor=actor, now=now, finding_ids=finding_ids)
    _record_case(conn, actor, row, now, findings=len(rows))
    return row


def get_case(conn: Connection, case_id: str) -> dict:
    row = conn.execute(select(t.cases).where(t.cases.c.case_id == case_id)).mappings().first()
    if row is None:
        raise GatewayError(f"case {case_id} not found", "not_found")
    return dict(row)


def move(conn: Connection, case_id: str, status: str, *, actor: Actor, now: dt.datetime, note: str = "") -> dict:
    case = get_case(conn, case_id)
    if status not in TRANSITIONS.get(case["status"], set()):
        raise GatewayError(f"case {case_id} cannot go from {case['status']} to {status}")
    values = {"status": status}
    if status in ("confirmed", "dismissed"):
        values["closed_at"] = now
    conn.execute(update(t.cases).where(t.cases.c.case_id == case_id).values(**values))
    _event(conn, case_id, "status", f"{case['status']} → {status}" + (f": {note}" if note else ""), actor, now)
    record(conn, actor, "case.status", case_id, {"from": case["status"], "to": status}, now)
    case.update(values)
    return case


def record_money(conn: Connection, case_id: str, kind: str, amount: Decimal, *, actor: Actor, now: dt.datetime,
                 note: str = "") -> dict:
    """Money back to the fund: recovered (confirmed cases), refunded on self-inspection, or a penalty.
    Posted to the ledger: the region's bank against its fund-recovery income."""
    if kind not in MONEY_KINDS:
        raise GatewayError(f"kind is one of {', '.join(MONEY_KINDS)}")
    case = get_case(conn, case_id)
    if case["status"] == "dismissed":
        raise GatewayError(f"case {case_id} is dismissed")
    if kind in ("recovery", "penalty") and case["status"] != "confirmed":
        raise GatewayError(f"a {kind} needs a confirmed case; {case_id} is {case['status']}")
    fen = repo.to_fen(amount)
    if fen <= 0:
        raise GatewayError("the amount must be positive")
    _event(conn, case_id, kind, note or kind, actor, now, fen)
    region = case["admdvs"]
    ledger.post(conn, accounts.Entry(f"supervision_{kind}", case_id, (
        accounts.Posting(f"bank:{region}", fen), accounts.Posting(f"fund_{kind}:{region}", -fen))), now)
    record(conn, actor, "case.money", case_id, {"kind": kind, "amount_fen": fen}, now)
    return {"case_id": case_id, "kind": kind, "amount": repo.from_fen(fen)}


def sanction(conn: Connection, *, subject_type: str, subject_id: str, kind: str, begndate: dt.date,
             enddate: dt.date | None, reason: str, case_id: str | None, now: dt.datetime, actor: Actor) -> dict:
    if subject_type == "institution":
        if repo.institution(conn, subject_id) is None:
            raise GatewayError(f"institution {subject_id} not found", "not_found")
        if kind not in ("suspend", "terminate"):
            raise GatewayError("an agreement action is suspend or terminate")
    elif subject_type == "person":
        if repo.person(conn, subject_id) is None:
            raise GatewayError(f"person {subject_id} not found", "not_found")
        if kind != "suspend":
            raise GatewayError("a person's direct settlement can be suspended (kind suspend)")
    else:
        raise GatewayError("subject_type is institution or person")
    if kind == "suspend" and enddate is None:
        raise GatewayError("a suspension needs an end date")
    if kind == "terminate":
        enddate = None
    if enddate is not None and enddate < begndate:
        raise GatewayError("enddate is before begndate")
    row = dict(sanction_id=new_id("SA"), subject_type=subject_type, subject_id=subject_id, kind=kind, begndate=begndate,
               enddate=enddate, reason=reason[:2000], case_id=case_id, created_at=now)
    conn.execute(insert(t.sanctions).values(**row))
    if case_id:
        _event(conn, case_id, "note", f"{kind} {subject_type} {subject_id} from {begndate}", actor, now)
    record(conn, actor, "sanction.add", row["sanction_id"], {
        "subject_type": subject_type, "subject_id": subject_id, "kind": kind, "begndate": begndate, "enddate": enddate,
        "case_id": case_id}, now)
    return row


def get_sanction(conn: Connection, sanction_id: str) -> dict:
    row = conn.execute(select(t.sanctions).where(t.sanctions.c.sanction_id == sanction_id)).mappings().first()
    if row is None:
        raise GatewayError(f"sanction {sanction_id} not found")
    return dict(row)


def lift(conn: Connection, sanction_id: str, now: dt.datetime, *, actor: Actor) -> dict:
    row = get_sanction(conn, sanction_id)
    if row["lifted_at"] is not None:
        raise GatewayError(f"sanction {sanction_id} is already lifted")
    conn.execute(update(t.sanctions).where(t.sanctions.c.sanction_id == sanction_id).values(lifted_at=now))
    record(conn, actor, "sanction.lift", sanction_id, {"subject_type": row["subject_type"], "subject_id": row["subject_id"]},
           now)
    return dict(row, lifted_at=now)


def active_sanctions(conn: Connection, subjects: list[tuple[str, str]], day: dt.date) -> dict[tuple[str, str], dict]:
    """The sanctions in force on ``day`` for the given (subject_type, subject_id), in one query."""
    s = t.sanctions
    rows = conn.execute(select(s).where(
        s.c.subject_id.in_([subject_id for _, subject_id in subjects]), s.c.lifted_at.is_(None),
        s.c.begndate <= day, or_(s.c.enddate.is_(None), s.c.enddate >= day))).mappings()
    wanted = set(subjects)
    return {(row["subject_type"], row["subject_id"]): dict(row) for row in rows
            if (row["subject_type"], row["subject_id"]) in wanted}


def active_sanction(conn: Connection, subject_type: str, subject_id: str, day: dt.date) -> dict | None:
    return active_sanctions(conn, [(subject_type, subject_id)], day).get((subject_type, subject_id))


def add_credit(conn: Connection, *, subject_type: str, subject_id: str, points: int, reason: str, case_id: str | None,
               now: dt.datetime) -> dict:
    row = dict(subject_type=subject_type, subject_id=subject_id, points=points, reason=reason[:2000], case_id=case_id, at=now)
    conn.execute(insert(t.credit_records).values(**row))
    return row


def credit_score(conn: Connection, subject_type: str, subject_id: str, base: int = 100) -> int:
    total = conn.execute(select(func.coalesce(func.sum(t.credit_records.c.points), 0)).where(
        t.credit_records.c.subject_type == subject_type, t.credit_records.c.subject_id == subject_id)).scalar_one()
    return base + int(total)


def export_notice(conn: Connection, case_id: str) -> dict:
    """A case notice for another region (跨区域案件线索): the case, its findings and its events."""
    case = get_case(conn, case_id)
    events = [dict(r) for r in conn.execute(select(t.case_events).where(t.case_events.c.case_id == case_id)
                                            .order_by(t.case_events.c.event_id)).mappings()]
    finding_ids = [e["detail"] for e in events if e["kind"] == "finding"]
    findings = [dict(r) for r in conn.execute(select(t.audit_findings).where(t.audit_findings.c.finding_id.in_(finding_ids))).mappings()]

    def plain(row: dict) -> dict:
        return {k: (v.isoformat() if isinstance(v, (dt.date, dt.datetime)) else v) for k, v in row.items()}

    return {"format": NOTICE_FORMAT, "from_admdvs": case["admdvs"], "case": plain(case),
            "findings": [plain(f) for f in findings], "events": [plain(e) for e in events if e["kind"] != "finding"]}


def import_notice(conn: Connection, notice: dict, *, admdvs: str, actor: Actor, now: dt.datetime) -> dict:
    """A notice from another region becomes a suspected case here, its findings kept as evidence."""
    if not isinstance(notice, dict) or notice.get("format") != NOTICE_FORMAT:
        raise GatewayError(f"not a case notice (format {NOTICE_FORMAT})")
    case = notice.get("case") or {}
    try:
        subject_type, subject_id = case["subject_type"], case["subject_id"]
        amount_fen = int(case.get("amount_fen", 0))
    except (KeyError, TypeError, ValueError):
        raise GatewayError("the notice lacks the case's subject") from None
    summary = f"notice from {notice.get('from_admdvs', '?')}: {case.get('summary', '')}"
    row = _open_case(conn, admdvs=admdvs, subject_type=subject_type, subject_id=subject_id, summary=summary,
                     amount_fen=amount_fen, source=f"notice:{notice.get('from_admdvs', '')}", actor=actor, now=now)
    _event(conn, row["case_id"], "note", json.dumps({"shared_case": case.get("case_id"), "findings": notice.get("findings", [])},
                                                    ensure_ascii=False, default=str)[:20000], actor, now)
    _record_case(conn, actor, row, now, shared_case=str(case.get("case_id", ""))[:30])
    return row


def supervision_stats(conn: Connection, *, begin: dt.date, end: dt.date, admdvs: str | None = None) -> dict:
    """Figures like the seeds report: cases, money recovered, penalties, suspensions, terminations."""
    start, stop = dt.datetime.combine(begin, dt.time()), dt.datetime.combine(end + dt.timedelta(days=1), dt.time())
    c, e, s = t.cases, t.case_events, t.sanctions
    case_filter = [c.c.opened_at >= start, c.c.opened_at < stop] + ([c.c.admdvs == admdvs] if admdvs else [])
    by_status = dict(conn.execute(select(c.c.status, func.count()).where(*case_filter).group_by(c.c.status)).all())
    money_query = select(e.c.kind, func.coalesce(func.sum(e.c.amount_fen), 0)).where(
        e.c.kind.in_(MONEY_KINDS), e.c.at >= start, e.c.at < stop)
    if admdvs:
        money_query = money_query.join(c, c.c.case_id == e.c.case_id).where(c.c.admdvs == admdvs)
    money = {kind: int(total) for kind, total in conn.execute(money_query.group_by(e.c.kind)).all()}
    sanction_counts = dict(((subject, kind), n) for subject, kind, n in conn.execute(
        select(s.c.subject_type, s.c.kind, func.count()).where(s.c.created_at >= start, s.c.created_at < stop)
        .group_by(s.c.subject_type, s.c.kind)).all())
    findings = dict(conn.execute(select(t.audit_findings.c.rule_type, func.count())
                                 .where(t.audit_findings.c.found_at >= start, t.audit_findings.c.found_at < stop)
                                 .group_by(t.audit_findings.c.rule_type)).all())
    return {
        "period": f"{begin}..{end}", "admdvs": admdvs or "all",
        "cases": sum(by_status.values()), "cases_by_status": by_status,
        "recovered": repo.from_fen(money.get("recovery", 0)), "refunded_by_self_inspection": repo.from_fen(money.get("refund", 0)),
        "penalties": repo.from_fen(money.get("penalty", 0)),
        "recovered_total": repo.from_fen(sum(money.values())),
        "institutions_suspended": sanction_counts.get(("institution", "suspend"), 0),
        "institutions_terminated": sanction_counts.get(("institution", "terminate"), 0),
        "persons_suspended": sanction_counts.get(("person", "suspend"), 0),
        "findings_by_rule_type": findings,
    }


def store_findings(conn: Connection, findings, *, stage: str, run_id: str, now: dt.datetime, context: dict) -> list[str]:
    """Keep findings (pre/in/post-event) with their evidence; returns their ids."""
    ids = []
    rows = []
    for finding in findings:
        finding_id = new_id("FD")
        ids.append(finding_id)
        rows.append(dict(
            finding_id=finding_id, stage=stage, run_id=run_id, rule_id=finding.rule_id, rule_type=finding.rule_type,
            result_type=finding.result_type, sev_deg=str(finding.sev_deg), mdtrt_id=finding.mdtrt_id or "",
            setl_id=finding.setl_id or "", feedetl_sn=finding.feedetl_sn or "",
            psn_no=context.get("psn_no") or getattr(finding, "psn_no", "") or "",
            fixmedins_code=context.get("fixmedins_code") or getattr(finding, "fixmedins_code", "") or "",
            vola_amt_fen=repo.to_fen(Decimal(finding.vola_amt).quantize(Decimal("0.01"))), vola_cont=finding.vola_cont,
            evidence=json.dumps(finding.evidence, ensure_ascii=False, default=str), found_at=now))
    if rows:
        conn.execute(insert(t.audit_findings), rows)
    return ids

