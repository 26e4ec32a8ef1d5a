"""Clearing and prepayments between regions."""

from __future__ import annotations

import typer
from .common import DB_OPTION, FORMAT_OPTION, NOW_OPTION, OPERATOR_OPTION, _fail, _refused, _operator, _print_rows, _setup, app


clearing_app = typer.Typer(help="Clearing statements: confirm and pay.", no_args_is_help=True)
prepay_app = typer.Typer(help="Prepayments (预付金) between regions.", no_args_is_help=True)
app.add_typer(clearing_app, name="clearing")
app.add_typer(prepay_app, name="prepay")


def _run(database, actor, now, action, *, write: bool = True):
    """One use case in one unit of work; a refusal exits 2 with its message."""
    from yibao.app.errors import GatewayError
    from yibao.store.unit_of_work import SqlUnitOfWork

    try:
        with SqlUnitOfWork(database, actor, now, write=write) as uow:
            return action(uow)
    except GatewayError as exc:
        _refused(exc)


@app.command()
def clear(month: str = typer.Option(..., "--month", help="YYYY-MM"), db: str = DB_OPTION, fmt: str = FORMAT_OPTION,
          operator: str = OPERATOR_OPTION, now: str = NOW_OPTION,
          provisional: bool = typer.Option(False, "--provisional", help="a trial run of a month not yet ended")) -> None:
    """Monthly clearing of an ended month: statements per (insured region, treatment region),
    supplementary statements for late settlements; re-running changes nothing."""
    from rich.console import Console

    from yibao.app.clearing import province_positions, run_clearing, statement_view
    from yibao.app.errors import GatewayError
    from yibao.store.unit_of_work import SqlUnitOfWork

    actor = _operator(operator)
    database, clock = _setup(db, now)
    console = Console(stderr=True)
    try:
        with console.status("clearing") as status:
            with SqlUnitOfWork(database, actor, clock()) as uow:
                rows = run_clearing(uow, month, provisional=provisional, progress=lambda step: status.update(f"{month}: {step}"))
    except ValueError as exc:
        _fail(str(exc), 2)
    except GatewayError as exc:
        _refused(exc)
    _print_rows([statement_view(row) for row in rows], fmt, f"clearing statements {month}")
    if fmt == "table":
        with SqlUnitOfWork(database, actor, clock(), write=False) as uow:
            _print_rows(province_positions(uow, month), "table", "positions against prepayment")


@clearing_app.command("confirm")
def clearing_confirm(statement_id: str = typer.Argument(...), side: str = typer.Option(..., "--side", help="insured | treatment"),
                     db: str = DB_OPTION, operator: str = OPERATOR_OPTION, now: str = NOW_OPTION) -> None:
    """Confirm a statement for one side."""
    from yibao.app.clearing import confirm

    actor = _operator(operator)
    database, clock = _setup(db, now)
    row = _run(database, actor, clock(), lambda uow: confirm(uow, statement_id, side))
    typer.echo(f"statement {statement_id}: {row['status']}")


@clearing_app.command("pay")
def clearing_pay(statement_id: str = typer.Argument(...), db: str = DB_OPTION, operator: str = OPERATOR_OPTION,
                 now: str = NOW_OPTION) -> None:
    """Pay a confirmed statement (first from the prepayment, then cash)."""
    from yibao.app.clearing import pay
    from yibao.store.repository import from_fen

    actor = _operator(operator)
    database, clock = _setup(db, now)
    row = _run(database, actor, clock(), lambda uow: pay(uow, statement_id))
    typer.echo(f"statement {statement_id} paid: {from_fen(row['drawn_from_prepayment_fen'])} from prepayment, "
               f"{from_fen(row['paid_in_cash_fen'])} in cash")


@prepay_app.command("plan")
def prepay_plan(year: int = typer.Option(..., "--year"), months: str = typer.Option("2", "--months", help="months' worth of the prior year"),
                db: str = DB_OPTION, fmt: str = FORMAT_OPTION, operator: str = OPERATOR_OPTION,
                now: str = NOW_OPTION) -> None:
    """Approve the year's prepayments from the prior year's cross-province payments."""
    from decimal import Decimal, InvalidOperation

    from yibao.app.prepayment import plan_year
    from yibao.store.repository import from_fen

    try:
        months_value = Decimal(months)
    except InvalidOperation:
        _fail("--months must be a number", 2)
    actor = _operator(operator)
    database, clock = _setup(db, now)
    rows = _run(database, actor, clock(), lambda uow: plan_year(uow, year, months=months_value))
    _print_rows([{"prepay_id": r["prepay_id"], "insured_admdvs": r["insured_admdvs"], "treatment_prov": r["treatment_prov"],
                  "basis": from_fen(r["basis_fen"]), "amount": from_fen(r["amount_fen"]), "status": r["status"]} for r in rows],
                fmt, f"prepayments approved for {year}")


@prepay_app.command("pay")
def prepay_pay(prepay_id: str = typer.Argument(...), db: str = DB_OPTION, operator: str = OPERATOR_OPTION,
               now: str = NOW_OPTION) -> None:
    """The insured region pays an approved prepayment."""
    from yibao.app.prepayment import mark_paid

    actor = _operator(operator)
    database, clock = _setup(db, now)
    _run(database, actor, clock(), lambda uow: mark_paid(uow, prepay_id))
    typer.echo(f"prepayment {prepay_id} paid")


@prepay_app.command("receive")
def prepay_receive(prepay_id: str = typer.Argument(...), db: str = DB_OPTION, operator: str = OPERATOR_OPTION,
                   now: str = NOW_OPTION) -> None:
    """The treatment province receives a paid prepayment."""
    from yibao.app.prepayment import mark_received

    actor = _operator(operator)
    database, clock = _setup(db, now)
    _run(database, actor, clock(), lambda uow: mark_received(uow, prepay_id))
    typer.echo(f"prepayment {prepay_id} received")


@prepay_app.command("top-up")
def prepay_top_up(insured: str = typer.Option(..., "--insured"), province: str = typer.Option(..., "--province"),
                  amount: str = typer.Option(..., "--amount", help="yuan"), year: int = typer.Option(..., "--year"),
                  db: str = DB_OPTION, operator: str = OPERATOR_OPTION, now: str = NOW_OPTION) -> None:
    """Approve an emergency top-up when usage crosses the warning line."""
    from decimal import Decimal, InvalidOperation

    from yibao.app.prepayment import top_up
    from yibao.store.repository import to_fen

    try:
        fen = to_fen(Decimal(amount))
    except (InvalidOperation, AssertionError):
        _fail("--amount must be yuan with at most two decimals", 2)
    actor = _operator(operator)
    database, clock = _setup(db, now)
    row = _run(database, actor, clock(), lambda uow: top_up(uow, year=year, insured=insured, prov=province, amount_fen=fen))
    typer.echo(f"top-up {row['prepay_id']} approved")


@prepay_app.command("status")
def prepay_status(year: int = typer.Option(..., "--year"), warning_line: str = typer.Option("0.7", "--warning-line"),
                  db: str = DB_OPTION, fmt: str = FORMAT_OPTION) -> None:
    """Prepaid, available, outstanding and usage per pair; warnings call for a top-up."""
    from decimal import Decimal

    from yibao.app.actors import SYSTEM
    from yibao.app.prepayment import usage

    database, clock = _setup(db, None)
    rows = _run(database, SYSTEM, clock(), lambda uow: usage(uow, year, Decimal(warning_line)), write=False)
    _print_rows(rows, fmt, f"prepayment usage {year}")
