"""生育保险 for an agency's operator: ``yibao maternity filing|allowance`` (app/maternity.py)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

import typer

from .common import DB_OPTION, NOW_OPTION, OPERATOR_OPTION, app
from .evouchers import _write

maternity_app = typer.Typer(help="Maternity insurance (生育保险): filings and the allowance.", no_args_is_help=True)
app.add_typer(maternity_app, name="maternity")


def _day(text: str, option: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(f"{option} is a date YYYY-MM-DD, not {text!r}") from None


@maternity_app.command("filing")
def filing(psn_no: str, begndate: str = typer.Option(..., "--begndate", help="YYYY-MM-DD"),
           enddate: str = typer.Option(None, "--enddate", help="YYYY-MM-DD (default: 12 months on)"),
           db: str = DB_OPTION, operator: str = OPERATOR_OPTION, now: str = NOW_OPTION) -> None:
    """Register a maternity filing (生育登记)."""
    from yibao.app import maternity

    begin, end = _day(begndate, "--begndate"), _day(enddate, "--enddate") if enddate else None
    _write(db, now, operator, lambda uow, _: maternity.public_filing(maternity.register_filing(uow, psn_no, begin, end)))


@maternity_app.command("allowance")
def allowance(psn_no: str,
              delivery_type: str = typer.Option(..., "--delivery-type", help="natural|caesarean|difficult|miscarriage_early|miscarriage_late"),
              delivery_date: str = typer.Option(..., "--delivery-date", help="YYYY-MM-DD"),
              avg_wage: str = typer.Option(..., "--avg-wage", help="the employer's average monthly wage of the previous year, yuan"),
              babies: int = typer.Option(1, "--babies"),
              db: str = DB_OPTION, operator: str = OPERATOR_OPTION, now: str = NOW_OPTION) -> None:
    """Compute and pay the maternity allowance (生育津贴) of one delivery."""
    from yibao.app import maternity

    try:
        wage = Decimal(avg_wage)
    except InvalidOperation:
        raise typer.BadParameter(f"--avg-wage is an amount in yuan, not {avg_wage!r}") from None
    day = _day(delivery_date, "--delivery-date")
    _write(db, now, operator, lambda uow, _: maternity.public_allowance(maternity.pay_allowance(
        uow, psn_no, delivery_type=delivery_type, delivery_date=day, avg_monthly_wage=wage, babies=babies)))
