"""Claim verifications (协查) for an agency's operator: ``yibao claims verify-request|verifications|
verify-answer|verify-close`` (app/claim_verifications.py; the admin API's twins)."""

from __future__ import annotations

import re

import typer

from .claims import _json_out, claims_app
from .common import DB_OPTION, FORMAT_OPTION, NOW_OPTION, OPERATOR_OPTION, _date, _fail, _operator, _print_rows, _setup
from .fund_flows import _run

_LINE_PREFIX = re.compile(r"^(\d+)[:：](.*)$", re.S)


def _split(value: str) -> tuple[int | None, str]:
    """``3:text`` names line 3; anything else is about the whole claim."""
    found = _LINE_PREFIX.match(value.strip())
    return (int(found.group(1)), found.group(2).strip()) if found else (None, value.strip())


def _show(view: dict, fmt: str) -> None:
    if fmt == "json":
        _json_out(view)
        return
    typer.echo(f"verification {view['verification_id']} of claim {view['claim_id']}: {view['status']} "
               f"({view['insuplc_admdvs']} → {view['mdtrtarea_admvs']}), due {view['due_date']}"
               f"{'  OVERDUE' if view['overdue'] else ''}")
    for item in view["items"]:
        typer.echo(f"  {'line ' + str(item['line_no']) if item['line_no'] else 'claim'}: {item['question']}")
    if view["answer"]:
        typer.echo(f"answer {view['answer']['outcome']} by {view['answer']['answered_by']}: {view['answer']['text']}")
    if view["close"]:
        typer.echo(f"closed by {view['close']['closed_by']}: {view['close']['reason']}")


@claims_app.command("verify-request")
def verify_request(claim_id: str,
                   item: list[str] = typer.Option(..., "--item", help="what to check; '3:…' names line 3 (repeatable)"),
                   due: str = typer.Option(..., "--due", help="YYYY-MM-DD, the answer's due date"),
                   db: str = DB_OPTION, fmt: str = FORMAT_OPTION, operator: str = OPERATOR_OPTION,
                   now: str = NOW_OPTION) -> None:
    """Ask the claim's treatment region to verify it (协查); the claim is not paid meanwhile."""
    from yibao.app.claim_verifications import request_verification

    items = [{"line_no": line_no, "question": text} for line_no, text in map(_split, item)]
    due_date = _date(due, "--due")
    actor = _operator(operator)
    database, clock = _setup(db, now)
    _show(_run(database, actor, clock(), lambda uow: request_verification(uow, claim_id, items, due_date)), fmt)


@claims_app.command("verifications")
def verifications(region: str = typer.Option(..., "--region", help="the agency's region code"),
                  role: str = typer.Option("incoming", "--role", help="requested (made by) | incoming (addressed to)"),
                  status: str = typer.Option(None, "--status", help="open | answered | closed"),
                  limit: int = typer.Option(50, "--limit"), db: str = DB_OPTION, fmt: str = FORMAT_OPTION) -> None:
    """Verification requests a region made or received, newest first."""
    from yibao.app import actors
    from yibao.app.claim_verifications import list_verifications
    from yibao.app.claims import region_prefix

    database, clock = _setup(db, None)
    rows = _run(database, actors.SYSTEM, clock(), lambda uow: list_verifications(
        uow, role=role, regions=[region_prefix(region)], status=status, limit=limit), write=False)
    if fmt == "json":
        _json_out(rows)
        return
    _print_rows([{"verification_id": v["verification_id"], "claim_id": v["claim_id"], "status": v["status"],
                  "from": v["insuplc_admdvs"], "to": v["mdtrtarea_admvs"], "institution": v["claim"]["fixmedins_name"],
                  "invoice_no": v["claim"]["invoice_no"], "due_date": v["due_date"], "overdue": v["overdue"]}
                 for v in rows], fmt, f"verifications {role} of {region}")


@claims_app.command("verify-answer")
def verify_answer(verification_id: str,
                  outcome: str = typer.Option(..., "--outcome", help="confirmed | discrepancies"),
                  text: str = typer.Option("", "--text", help="the findings (required for discrepancies)"),
                  line: list[str] = typer.Option([], "--line", help="'3:…' a finding on line 3 (repeatable)"),
                  db: str = DB_OPTION, fmt: str = FORMAT_OPTION, operator: str = OPERATOR_OPTION,
                  now: str = NOW_OPTION) -> None:
    """The treatment region's answer, once."""
    from yibao.app.claim_verifications import answer_verification

    findings = []
    for value in line:
        line_no, finding = _split(value)
        if line_no is None:
            _fail(f"--line must be LINE_NO:finding, got {value[:40]!r}", 2)
        findings.append({"line_no": line_no, "finding": finding})
    actor = _operator(operator)
    database, clock = _setup(db, now)
    _show(_run(database, actor, clock(), lambda uow: answer_verification(uow, verification_id, outcome, text, findings)),
          fmt)


@claims_app.command("verify-close")
def verify_close(verification_id: str, reason: str = typer.Option(..., "--reason"), db: str = DB_OPTION,
                 fmt: str = FORMAT_OPTION, operator: str = OPERATOR_OPTION, now: str = NOW_OPTION) -> None:
    """The insured region ends the request, answered or not."""
    from yibao.app.claim_verifications import close_verification

    actor = _operator(operator)
    database, clock = _setup(db, now)
    _show(_run(database, actor, clock(), lambda uow: close_verification(uow, verification_id, reason)), fmt)
