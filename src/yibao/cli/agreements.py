"""``yibao agreement …``: agreement management (协议管理) from the command line, each step
recorded with the operator as its actor (app/agreements.py)."""

from __future__ import annotations

import json

import typer

from .common import DB_OPTION, FORMAT_OPTION, NOW_OPTION, OPERATOR_OPTION, _date, _fail, _operator, _print_rows, _setup, app

agreement_app = typer.Typer(help="Agreements (协议管理): designation and Internet+ supplementary.", no_args_is_help=True)
app.add_typer(agreement_app, name="agreement")


def _run(database, actor, now, action, *, write: bool = True):
    from yibao.app.errors import GatewayError
    from yibao.store.unit_of_work import SqlUnitOfWork

    from .common import _refused

    try:
        with SqlUnitOfWork(database, actor, now, write=write) as uow:
            return action(uow)
    except GatewayError as exc:
        _refused(exc)


def _step(operator: str | None, db: str | None, now: str | None, action) -> None:
    from yibao.documents.render import dumps

    actor = _operator(operator)
    database, clock = _setup(db, now)
    typer.echo(dumps(_run(database, actor, clock(), action)))


@agreement_app.command("apply")
def apply_command(fixmedins_code: str, services: str = typer.Option(..., "--services", help="inpatient;outpatient;…"),
                  internet_of: str = typer.Option("", "--internet-of", help="Internet+: the physical institution"),
                  reason: str = typer.Option("", "--reason"), operator: str = OPERATOR_OPTION,
                  db: str = DB_OPTION, now: str = NOW_OPTION) -> None:
    """An institution's application (with --internet-of: for an Internet+ supplementary agreement)."""
    from yibao.app import agreements

    _step(operator, db, now, lambda uow: agreements.apply(uow, fixmedins_code=fixmedins_code, services=services,
                                                          internet_of=internet_of, reason=reason))


@agreement_app.command("evaluate")
def evaluate_command(agreement_id: str, score: int = typer.Option(..., "--score"),
                     checklist: str = typer.Option("{}", "--checklist", help='JSON: {"item": true}'),
                     reason: str = typer.Option("", "--reason"), operator: str = OPERATOR_OPTION,
                     db: str = DB_OPTION, now: str = NOW_OPTION) -> None:
    """The evaluation of an application: a score of 0–100 and the checklist."""
    from yibao.app import agreements

    try:
        items = json.loads(checklist)
    except json.JSONDecodeError:
        _fail("--checklist is not JSON", 2)
    _step(operator, db, now, lambda uow: agreements.evaluate(uow, agreement_id, score=score, checklist=items, reason=reason))


@agreement_app.command("sign")
def sign_command(agreement_id: str, begin: str = typer.Option(..., "--from"), end: str = typer.Option(None, "--to"),
                 services: str = typer.Option("", "--services"),
                 prices: str = typer.Option("[]", "--prices", help='Internet+: [{"item": …, "price": "yuan"}]'),
                 reason: str = typer.Option("", "--reason"), operator: str = OPERATOR_OPTION,
                 db: str = DB_OPTION, now: str = NOW_OPTION) -> None:
    """Sign an evaluated application for a period."""
    from yibao.app import agreements

    try:
        listed = json.loads(prices)
    except json.JSONDecodeError:
        _fail("--prices is not JSON", 2)
    _step(operator, db, now, lambda uow: agreements.sign(
        uow, agreement_id, begndate=_date(begin, "--from"), enddate=_date(end, "--to"), services=services,
        prices=listed, reason=reason))


@agreement_app.command("renew")
def renew_command(agreement_id: str, end: str = typer.Option(None, "--to", help="the new end (none: open)"),
                  services: str = typer.Option("", "--services"), reason: str = typer.Option("", "--reason"),
                  operator: str = OPERATOR_OPTION, db: str = DB_OPTION, now: str = NOW_OPTION) -> None:
    """Renew a designation agreement (its supplementary agreements follow it)."""
    from yibao.app import agreements

    _step(operator, db, now, lambda uow: agreements.renew(uow, agreement_id, enddate=_date(end, "--to"),
                                                          services=services, reason=reason))


@agreement_app.command("suspend")
def suspend_command(agreement_id: str, begin: str = typer.Option(..., "--from"), end: str = typer.Option(..., "--to"),
                    reason: str = typer.Option(..., "--reason"), operator: str = OPERATOR_OPTION,
                    db: str = DB_OPTION, now: str = NOW_OPTION) -> None:
    """Suspend an agreement for a period (its Internet+ supplements with it)."""
    from yibao.app import agreements

    _step(operator, db, now, lambda uow: agreements.suspend(
        uow, agreement_id, begndate=_date(begin, "--from"), enddate=_date(end, "--to"), reason=reason))


@agreement_app.command("resume")
def resume_command(agreement_id: str, suspension_id: int = typer.Option(..., "--suspension"),
                   begin: str = typer.Option(..., "--from"), reason: str = typer.Option(..., "--reason"),
                   operator: str = OPERATOR_OPTION, db: str = DB_OPTION, now: str = NOW_OPTION) -> None:
    """End a suspension early: in force again from --from."""
    from yibao.app import agreements

    _step(operator, db, now, lambda uow: agreements.resume(
        uow, agreement_id, suspension_id=suspension_id, begndate=_date(begin, "--from"), reason=reason))


@agreement_app.command("terminate")
def terminate_command(agreement_id: str, begin: str = typer.Option(..., "--from"), reason: str = typer.Option(..., "--reason"),
                      operator: str = OPERATOR_OPTION, db: str = DB_OPTION, now: str = NOW_OPTION) -> None:
    """Terminate an agreement from a day (its Internet+ supplements with it)."""
    from yibao.app import agreements

    _step(operator, db, now, lambda uow: agreements.terminate(uow, agreement_id, begndate=_date(begin, "--from"),
                                                              reason=reason))


@agreement_app.command("list")
def list_command(region: str = typer.Option("", "--region", help="regions starting with this code"),
                 day: str = typer.Option(None, "--day"), db: str = DB_OPTION, fmt: str = FORMAT_OPTION) -> None:
    """The agreements with their status on a day (default: today)."""
    from yibao.app import actors, agreements

    database, clock = _setup(db, None)
    now = clock()
    rows = _run(database, actors.SYSTEM, now, lambda uow: agreements.list_agreements(
        uow, admdvs_prefix=region, day=_date(day, "--day") or now.date()), write=False)
    _print_rows(rows, fmt, "agreements")


@agreement_app.command("history")
def history_command(fixmedins_code: str, db: str = DB_OPTION, fmt: str = FORMAT_OPTION) -> None:
    """Every step of an institution's agreements."""
    from yibao.app import actors, agreements

    database, clock = _setup(db, None)
    rows = _run(database, actors.SYSTEM, clock(), lambda uow: agreements.history(uow, fixmedins_code), write=False)
    keep = ("record_id", "agreement_id", "kind", "step", "begndate", "enddate", "services", "score", "refers_to",
            "reason", "actor", "recorded_at")
    _print_rows([{k: row[k] for k in keep} for row in rows], fmt, f"agreements of {fixmedins_code}")
