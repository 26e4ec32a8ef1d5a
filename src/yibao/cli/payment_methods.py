"""``yibao payment-method …``, ``yibao budget …``, ``yibao dip …``, ``yibao drg …``: payment
methods per institution and year, total budgets, DIP and DRG (docs/payment-methods.md); each
write recorded with the operator as its actor."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import typer

from .common import DB_OPTION, NOW_OPTION, OPERATOR_OPTION, _fail, _operator, _setup, app

method_app = typer.Typer(help="The payment method of an institution for a year (支付方式).", no_args_is_help=True)
budget_app = typer.Typer(help="Total budgets (总额预算): budget, monthly advances, year-end settlement.",
                         no_args_is_help=True)
dip_app = typer.Typer(help="DIP (按病种分值付费): groups from history, year-end settlement, sharing.", no_args_is_help=True)
drg_app = typer.Typer(help="DRG: rule-table grouping, weights from history, sharing.", no_args_is_help=True)
app.add_typer(method_app, name="payment-method")
app.add_typer(budget_app, name="budget")
app.add_typer(dip_app, name="dip")
app.add_typer(drg_app, name="drg")

YEAR = typer.Option(..., "--year", help="the calendar year")


def plain(value):
    """Rows as JSON: dates as ISO text, Decimals kept exact by documents.render.dumps."""
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(item) for item in value]
    return value


def _run(operator: str | None, db: str | None, now: str | None, action, *, write: bool = True):
    from yibao.app.errors import GatewayError
    from yibao.documents.render import dumps
    from yibao.store.unit_of_work import SqlUnitOfWork

    from .common import _refused

    actor = _operator(operator) if write else _operator(operator or "reader")
    database, clock = _setup(db, now)
    try:
        with SqlUnitOfWork(database, actor, clock(), write=write) as uow:
            result = action(uow)
    except GatewayError as exc:
        _refused(exc)
    typer.echo(dumps(plain(result)))
    return result


def _fen(amount: str) -> int:
    from yibao.app.payment_methods import amount_fen
    from yibao.app.errors import GatewayError

    try:
        return amount_fen(amount)
    except GatewayError as exc:
        from .common import _refused

        _refused(exc)


@method_app.command("set")
def method_set(fixmedins_code: str, method: str, year: int = YEAR, reason: str = typer.Option("", "--reason"),
               operator: str = OPERATOR_OPTION, db: str = DB_OPTION, now: str = NOW_OPTION) -> None:
    """Name the institution's payment method for the year: total_budget, dip, drg, per_diem, fee_for_service."""
    from yibao.app import payment_methods

    _run(operator, db, now, lambda uow: payment_methods.set_method(uow, fixmedins_code, year, method, reason=reason))


@method_app.command("show")
def method_show(fixmedins_code: str, year: int = YEAR, db: str = DB_OPTION) -> None:
    """Every record of the institution's payment method for the year (the last is in force)."""
    from yibao.app import payment_methods

    _run(None, db, None, lambda uow: payment_methods.method_history(uow, fixmedins_code, year), write=False)


@budget_app.command("set")
def budget_set(fixmedins_code: str, amount: str = typer.Argument(..., help="yuan, two decimals"), year: int = YEAR,
               reason: str = typer.Option("", "--reason"), operator: str = OPERATOR_OPTION, db: str = DB_OPTION,
               now: str = NOW_OPTION) -> None:
    """The institution's total budget for the year (a new amount before the first advance)."""
    from yibao.app import budgets

    fen = _fen(amount)
    _run(operator, db, now, lambda uow: budgets.set_budget(uow, fixmedins_code, year, fen, reason=reason))


@budget_app.command("advance")
def budget_advance(fixmedins_code: str, year: int = YEAR, month: int = typer.Option(..., "--month"),
                   operator: str = OPERATOR_OPTION, db: str = DB_OPTION, now: str = NOW_OPTION) -> None:
    """The month's advance (预拨), the quality deposit withheld; posted in the ledger."""
    from yibao.app import budgets

    _run(operator, db, now, lambda uow: budgets.advance(uow, fixmedins_code, year, month))


@budget_app.command("settle")
def budget_settle(fixmedins_code: str, year: int = YEAR,
                  score: int = typer.Option(None, "--score", help="the year's evaluation score (else the agreement's)"),
                  correct: str = typer.Option("", "--correct", help="reverse the year's settlement, with this reason"),
                  operator: str = OPERATOR_OPTION, db: str = DB_OPTION, now: str = NOW_OPTION) -> None:
    """The year-end settlement (once per institution and year), or with --correct its correction."""
    from yibao.app import budgets, year_end

    if correct:
        _run(operator, db, now, lambda uow: year_end.correct(uow, fixmedins_code, year, reason=correct))
        return
    _run(operator, db, now, lambda uow: budgets.settle_year(uow, fixmedins_code, year, score=score))


@budget_app.command("show")
def budget_show(fixmedins_code: str, year: int = YEAR, db: str = DB_OPTION) -> None:
    """The year's method, budgets, advances, results and ledger balances."""
    from yibao.app import budgets

    _run(None, db, None, lambda uow: budgets.show(uow, fixmedins_code, year), write=False)


@dip_app.command("build")
def dip_build(region: str, year: int = YEAR, operator: str = OPERATOR_OPTION, db: str = DB_OPTION,
              now: str = NOW_OPTION) -> None:
    """Groups and scores from the region's inpatient cases of the year."""
    from yibao.app import dip

    _run(operator, db, now, lambda uow: dip.build(uow, region, year))


@dip_app.command("settle")
def dip_settle(region: str, budget: str = typer.Option(..., "--budget", help="the year's DIP budget, yuan"),
               year: int = YEAR, operator: str = OPERATOR_OPTION, db: str = DB_OPTION, now: str = NOW_OPTION) -> None:
    """The year-end settlement of the region's DIP institutions: points × point value − paid per visit."""
    from yibao.app import dip

    fen = _fen(budget)
    _run(operator, db, now, lambda uow: dip.settle(uow, region, year, fen))


@dip_app.command("show")
def dip_show(region: str, year: int = YEAR, db: str = DB_OPTION) -> None:
    """The region's DIP groups, scores and point value for the year."""
    from yibao.app import dip

    _run(None, db, None, lambda uow: dip.show(uow, region, year), write=False)


@drg_app.command("group")
def drg_group(region: str, year: int = YEAR, db: str = DB_OPTION) -> None:
    """The region's inpatient cases of the year by MDC, ADRG and DRG."""
    from yibao.app import drg

    _run(None, db, None, lambda uow: drg.group(uow, region, year), write=False)


@drg_app.command("weights")
def drg_weights(region: str, year: int = YEAR, operator: str = OPERATOR_OPTION, db: str = DB_OPTION,
                now: str = NOW_OPTION) -> None:
    """Weights from the year's cases (DRG average / overall average), stored as the region's DRG table."""
    from yibao.app import drg

    _run(operator, db, now, lambda uow: drg.build_weights(uow, region, year))


def _export(method: str, region: str, year: int, output: Path, db: str | None) -> None:
    from yibao.app import payment_tables
    from yibao.app.errors import GatewayError
    from yibao.store.unit_of_work import SqlUnitOfWork

    from .common import _refused

    database, clock = _setup(db, None)
    try:
        with SqlUnitOfWork(database, _operator("reader"), clock(), write=False) as uow:
            document = payment_tables.export(uow, method, region, year)
    except GatewayError as exc:
        _refused(exc)
    output.write_text(json.dumps(document, ensure_ascii=False, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    typer.echo(f"{output}")


def _import(method: str, region: str, year: int, source: Path, operator, db, now) -> None:
    from yibao.app import payment_tables

    try:
        document = json.loads(source.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        _fail(f"{source}: {exc}", 2)
    _run(operator, db, now, lambda uow: payment_tables.import_table(uow, method, region, year, document))


OUTPUT = typer.Option(..., "--output", "-o", help="the JSON file to write")


@dip_app.command("export")
def dip_export(region: str, year: int = YEAR, output: Path = OUTPUT, db: str = DB_OPTION) -> None:
    """The region's DIP groups, scores and point value as one JSON file, for another region."""
    _export("dip", region, year, output, db)


@dip_app.command("import")
def dip_import(region: str, file: Path, year: int = YEAR, operator: str = OPERATOR_OPTION, db: str = DB_OPTION,
               now: str = NOW_OPTION) -> None:
    """Another region's exported DIP table as this region's table for the year."""
    _import("dip", region, year, file, operator, db, now)


@drg_app.command("export")
def drg_export(region: str, year: int = YEAR, output: Path = OUTPUT, db: str = DB_OPTION) -> None:
    """The region's DRG rule table and weights as one JSON file."""
    _export("drg", region, year, output, db)


@drg_app.command("import")
def drg_import(region: str, file: Path, year: int = YEAR, operator: str = OPERATOR_OPTION, db: str = DB_OPTION,
               now: str = NOW_OPTION) -> None:
    """Another region's exported DRG table as this region's table for the year."""
    _import("drg", region, year, file, operator, db, now)
