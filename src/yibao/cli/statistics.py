"""``yibao stats settlements|supervision|prepayments|clearing|internet``: the figures of app/statistics.py
for the platform's operator, every region unless ``--agency`` names the agency whose regions
(its code and the codes under it) to scope them to, as the admin API does for that agency.
JSON keeps the contract's shape (amounts as decimal strings, undefined rates null); the table
shows rates as percentages and an undefined one as "—"."""

from __future__ import annotations

import json
from decimal import Decimal

import typer

from .common import DB_OPTION, FORMAT_OPTION, _date, _open, _print_rows, _settings
from .fund_flows import _run
from .registry import stats_app

AGENCY_OPTION = typer.Option(None, "--agency", help="Scope to this agency's regions (e.g. 441500); else every region.")
RATES = ("fund_ratio", "direct_rate", "prev_year_direct_rate", "setl_cnt_yoy", "direct_rate_change")
UNDEFINED = "—"


def _query(db: str | None, action):
    from yibao.app import actors

    from yibao.store.reports import reports_database

    settings = _settings(db)
    database = _open(settings)
    # a report writes nothing and names nobody in the action log: the system reads it, from the
    # replica when YIBAO_READ_DATABASE_URL names one (store/reports.py)
    reports = reports_database(settings.read_database_url, database)
    return _run(reports, actors.SYSTEM, settings.clock()(), action, write=False)


def _json_out(value) -> None:
    from yibao.documents.claim_document import plain

    typer.echo(json.dumps(plain(value), ensure_ascii=False, indent=2))


def shown(row: dict) -> dict:
    """A row for a table: rates as percentages, an undefined figure as "—"."""
    def cell(key, value):
        if value is None:
            return UNDEFINED
        if key in RATES:
            return f"{(value * 100).quantize(Decimal('0.01'))}%"
        return ", ".join(f"{k} {v}" for k, v in value.items()) if isinstance(value, dict) else value
    return {key: cell(key, value) for key, value in row.items()}


@stats_app.command("settlements")
def stats_settlements(begin: str = typer.Option(..., "--from", help="YYYY-MM-DD"), end: str = typer.Option(..., "--to"),
                      role: str = typer.Option("insured", "--role", help="insured | treatment"),
                      by: str = typer.Option("pair", "--by", help="pair | scope | institution | med_type"),
                      agency: str = AGENCY_OPTION, db: str = DB_OPTION, fmt: str = FORMAT_OPTION) -> None:
    """Settlements (人次), fees, fund ratio, direct-settlement rate, 垫资 avoided, and a year earlier."""
    from yibao.app import statistics

    first, last = _date(begin, "--from"), _date(end, "--to")
    figures = _query(db, lambda uow: statistics.settlements(uow, agency_code=agency, begin=first, end=last,
                                                            role=role, by=by))
    if fmt == "json":
        _json_out(figures)
        return
    title = f"settlements {first}..{last} as {role} place ({figures['agency']})"
    _print_rows([shown(row) for row in figures["rows"]], fmt, title)
    if fmt == "table":
        _print_rows([shown(row) for row in figures["by_scope"]] + [shown(dict(figures["total"], scope="total"))],
                    fmt, "by scope (local / in-province / cross-province)")


@stats_app.command("supervision")
def stats_supervision(begin: str = typer.Option(..., "--from", help="YYYY-MM-DD"), end: str = typer.Option(..., "--to"),
                      agency: str = AGENCY_OPTION, db: str = DB_OPTION, fmt: str = FORMAT_OPTION) -> None:
    """Fund supervision: recovered, self-correction refunds, penalties, sanctions, police referrals."""
    from yibao.app import statistics

    first, last = _date(begin, "--from"), _date(end, "--to")
    figures = _query(db, lambda uow: statistics.supervision(uow, agency_code=agency, begin=first, end=last))
    if fmt == "json":
        _json_out(figures)
        return
    _print_rows([shown({"figure": key, "value": value}) for key, value in figures.items()], fmt, "fund supervision")


@stats_app.command("prepayments")
def stats_prepayments(year: int = typer.Option(..., "--year"), agency: str = AGENCY_OPTION, db: str = DB_OPTION,
                      fmt: str = FORMAT_OPTION) -> None:
    """Prepayments of a year: approved, paid, received (each stage includes the next)."""
    from yibao.app import statistics

    figures = _query(db, lambda uow: statistics.prepayments(uow, agency_code=agency, year=year))
    if fmt == "json":
        _json_out(figures)
        return
    _print_rows([shown(figures)], fmt, f"prepayments {year}")


@stats_app.command("clearing")
def stats_clearing(from_month: str = typer.Option(..., "--from-month", help="YYYY-MM"),
                   to_month: str = typer.Option(..., "--to-month", help="YYYY-MM"),
                   agency: str = AGENCY_OPTION, db: str = DB_OPTION, fmt: str = FORMAT_OPTION) -> None:
    """Clearing per month: statements, provinces on either side, amount, statements by status."""
    from yibao.admin.common import checked_month
    from yibao.app import statistics

    figures = _query(db, lambda uow: statistics.clearing(uow, agency_code=agency, first_month=checked_month(from_month),
                                                         last_month=checked_month(to_month)))
    if fmt == "json":
        _json_out(figures)
        return
    _print_rows([shown(row) for row in figures["months"]], fmt, f"clearing {from_month}..{to_month}")


@stats_app.command("internet")
def stats_internet(begin: str = typer.Option(..., "--from", help="YYYY-MM-DD"), end: str = typer.Option(..., "--to"),
                   agency: str = AGENCY_OPTION, db: str = DB_OPTION, fmt: str = FORMAT_OPTION) -> None:
    """Internet+: institutions by type, online visits and fees, line categories, prescriptions circulated."""
    from yibao.app import internet_statistics

    first, last = _date(begin, "--from"), _date(end, "--to")
    figures = _query(db, lambda uow: internet_statistics.internet(uow, agency_code=agency, begin=first, end=last))
    if fmt == "json":
        _json_out(figures)
        return
    _print_rows(figures["institutions"], fmt, f"Internet+ institutions on {last} ({figures['agency']})")
    _print_rows(figures["visits"]["by_med_type"] + [dict(figures["visits"]["total"], med_type="total")], fmt,
                f"online visits settled {first}..{last}")
    _print_rows(figures["categories"], fmt, "lines of the online visits by catalogue category")
    _print_rows([{"figure": key, "value": value} for key, value in figures["prescriptions"].items()], fmt,
                "e-prescriptions circulated")
