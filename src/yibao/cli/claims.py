"""Manual claims (零星报销) for an agency's operator: ``yibao claims submit|list|show|review|pay|reject|reverse``
(their statistics are ``yibao stats settlements``, cli/statistics.py)."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from .common import DB_OPTION, FORMAT_OPTION, NOW_OPTION, OPERATOR_OPTION, _date, _fail, _operator, _print_rows, _setup, app
from .fund_flows import _run

claims_app = typer.Typer(help="Manual claims (零星报销): intake, line review, payment.", no_args_is_help=True)
app.add_typer(claims_app, name="claims")


def _json_out(value) -> None:
    from yibao.documents.claim_document import plain

    typer.echo(json.dumps(plain(value), ensure_ascii=False, indent=2))


def _read_json(path: Path) -> dict | list:
    from yibao.documents.validation import parse_json
    from yibao.domain.errors import SettlementRefused

    try:
        return parse_json(path.read_text(encoding="utf-8"))
    except OSError as exc:
        _fail(f"{path}: {exc}", 2)
    except SettlementRefused as exc:
        _fail(f"{path}: {exc.message}", 2)


def _show(view: dict, fmt: str) -> None:
    if fmt == "json":
        _json_out(view)
        return
    typer.echo(f"claim {view['claim_id']}: {view['status']}  {view['psn_no']}  {view['fixmedins_name']}  "
               f"{view['begndate']}..{view['enddate']}  invoice {view['invoice_no']}  {view['medfee_sumamt']} 元")
    rows = [{"line_no": line["line_no"], "code": line["med_list_codg"], "amount": line["det_item_fee_sumamt"],
             "chrgitm_lv": (line["precheck"] or {}).get("chrgitm_lv"),
             "findings": len((line["precheck"] or {}).get("findings", [])),
             "decision": (line["decision"] or {}).get("decision"), "approved": (line["decision"] or {}).get("approved_amt")}
            for line in view["lines"]]
    _print_rows(rows, fmt, "lines")
    if view["review"]:
        info = view["review"]["setlinfo"]
        typer.echo(f"funds {info['fund_pay_sumamt']} (basic {info['hifp_pay']}), person {info['psn_part_amt']}; "
                   f"{view['review']['filing_note'] or ''}")
    for check in view.get("verifications", []):
        answer = check["answer"] or {}
        typer.echo(f"协查 {check['verification_id']}: {check['status']} → {check['mdtrtarea_admvs']}, due {check['due_date']}"
                   f"{'  (' + answer['outcome'] + ': ' + answer['text'] + ')' if answer else ''}")


@claims_app.command("submit")
def submit(file: Path = typer.Argument(..., help="the claim as JSON (the admin API's POST /claims body)"),
           lines: Path = typer.Option(None, "--lines", help="fee lines from a CSV file: med_list_codg, cnt, pric"
                                                             "[, det_item_fee_sumamt]"),
           db: str = DB_OPTION, fmt: str = FORMAT_OPTION, operator: str = OPERATOR_OPTION, now: str = NOW_OPTION) -> None:
    """Take a claim; prints it with the automatic pre-check."""
    from pydantic import ValidationError

    from yibao.app.claims import ClaimForm, submit_claim
    from yibao.documents.claim_document import ClaimIn, LineFileError, read_claim_lines

    body = _read_json(file)
    if lines is not None:
        try:
            body["lines"] = read_claim_lines(lines)
        except LineFileError as exc:
            _fail(str(exc), 2)
    try:
        form = ClaimForm.from_fields(ClaimIn.model_validate(body).model_dump())
    except ValidationError as exc:
        _fail(f"{file}: {exc.errors()[0]['loc']}: {exc.errors()[0]['msg']}", 2)
    actor = _operator(operator)
    database, clock = _setup(db, now)
    _show(_run(database, actor, clock(), lambda uow: submit_claim(uow, form)), fmt)


@claims_app.command("list")
def list_command(region: str = typer.Option(..., "--region", help="the insured region administered"),
                 status: str = typer.Option(None, "--status"), begin: str = typer.Option(None, "--from"),
                 end: str = typer.Option(None, "--to"), limit: int = typer.Option(50, "--limit"),
                 db: str = DB_OPTION, fmt: str = FORMAT_OPTION) -> None:
    """The claims queue of an insured region, newest first."""
    from yibao.app import actors
    from yibao.app.claims import list_claims, region_prefix

    database, clock = _setup(db, None)
    rows = _run(database, actors.SYSTEM, clock(), lambda uow: list_claims(
        uow, regions=[region_prefix(region)], status=status, begin=_date(begin, "--from"), end=_date(end, "--to"),
        limit=limit), write=False)
    _json_out(rows) if fmt == "json" else _print_rows(rows, fmt, f"claims of {region}")


@claims_app.command("show")
def show(claim_id: str, db: str = DB_OPTION, fmt: str = FORMAT_OPTION) -> None:
    """A claim with its lines, pre-check, decisions, settlement and payments."""
    from yibao.app import actors
    from yibao.app.claims import claim_view, get_claim

    database, clock = _setup(db, None)
    _show(_run(database, actors.SYSTEM, clock(), lambda uow: claim_view(uow, get_claim(uow, claim_id)), write=False), fmt)


@claims_app.command("review")
def review(claim_id: str, decisions: Path = typer.Argument(..., help='JSON: [{"line_no", "decision", "approved_amt"?, "reason"}]'),
           db: str = DB_OPTION, fmt: str = FORMAT_OPTION, operator: str = OPERATOR_OPTION, now: str = NOW_OPTION) -> None:
    """Decide every line (approve | reduce | reject); prints the computed settlement."""
    from pydantic import ValidationError

    from yibao.documents.claim_document import ReviewIn
    from yibao.app.claims import review_claim
    from yibao.app.platform import Platform

    given = _read_json(decisions)
    try:
        checked = ReviewIn.model_validate({"decisions": given} if isinstance(given, list) else given)
    except ValidationError as exc:
        _fail(f"{decisions}: {exc.errors()[0]['loc']}: {exc.errors()[0]['msg']}", 2)
    actor = _operator(operator)
    database, clock = _setup(db, now)
    platform = Platform(database, clock)
    _show(_run(database, actor, clock(), lambda uow: review_claim(
        uow, platform, claim_id, [item.model_dump() for item in checked.decisions])), fmt)


@claims_app.command("pay")
def pay(claim_id: str, db: str = DB_OPTION, fmt: str = FORMAT_OPTION, operator: str = OPERATOR_OPTION,
        now: str = NOW_OPTION) -> None:
    """Pay a reviewed claim to the person (computed again with the accumulators as they stand)."""
    from yibao.app.claims import pay_claim
    from yibao.app.platform import Platform

    actor = _operator(operator)
    database, clock = _setup(db, now)
    _show(_run(database, actor, clock(), lambda uow: pay_claim(uow, Platform(database, clock), claim_id)), fmt)


@claims_app.command("reject")
def reject(claim_id: str, reason: str = typer.Option(..., "--reason"), db: str = DB_OPTION, fmt: str = FORMAT_OPTION,
           operator: str = OPERATOR_OPTION, now: str = NOW_OPTION) -> None:
    """Refuse a claim not yet paid."""
    from yibao.app.claims import reject_claim

    actor = _operator(operator)
    database, clock = _setup(db, now)
    _show(_run(database, actor, clock(), lambda uow: reject_claim(uow, claim_id, reason)), fmt)


@claims_app.command("reverse")
def reverse(claim_id: str, reason: str = typer.Option(..., "--reason"), db: str = DB_OPTION, fmt: str = FORMAT_OPTION,
            operator: str = OPERATOR_OPTION, now: str = NOW_OPTION) -> None:
    """Correct a paid claim by an opposite payment."""
    from yibao.app.claims import reverse_payment

    actor = _operator(operator)
    database, clock = _setup(db, now)
    _show(_run(database, actor, clock(), lambda uow: reverse_payment(uow, claim_id, reason)), fmt)
