"""Filings, qualifications, agencies and flow statistics."""

from __future__ import annotations

import typer
from .common import DB_OPTION, FORMAT_OPTION, NOW_OPTION, _database, _date, _fail, _refused, _print_rows, _setup, app


filing_app = typer.Typer(help="Cross-region filings (备案) for agencies.", no_args_is_help=True)
qualification_app = typer.Typer(help="门慢特 qualifications (资格认定) for agencies.", no_args_is_help=True)
agency_app = typer.Typer(help="Agencies and their admin API tokens.", no_args_is_help=True)
stats_app = typer.Typer(help="Statistics over settled data.", no_args_is_help=True)
app.add_typer(filing_app, name="filing")
app.add_typer(qualification_app, name="qualification")
app.add_typer(agency_app, name="agency")
app.add_typer(stats_app, name="stats")

def _unit(database, now, action, *, write: bool = True):
    """One use case in one unit of work; a refusal exits 2 with its message. The registry's
    commands record no action-log row (the agency they act for is stored with the filing), so
    the unit's actor is the platform itself."""
    from yibao.app import actors
    from yibao.app.errors import GatewayError
    from yibao.store.unit_of_work import SqlUnitOfWork

    try:
        with SqlUnitOfWork(database, actors.SYSTEM, now, write=write) as uow:
            return action(uow)
    except GatewayError as exc:
        _refused(exc)


FILING_COLUMNS = ("filing_no", "psn_no", "filing_type", "subtype", "dest_admdvs", "begndate", "enddate", "status",
                  "commitment_letter", "locked_until", "source", "created_by", "replaces_filing_no")


@filing_app.command("create")
def filing_create(
    psn_no: str = typer.Option(..., "--psn-no"),
    filing_type: str = typer.Option(..., "--type", help="long_term | referral | emergency | temporary_other"),
    dest: str = typer.Option(..., "--dest", help="destination region: a province xx0000 or a city"),
    begin: str = typer.Option(None, "--begin", help="YYYY-MM-DD (default today; earlier only for 补办备案)"),
    end: str = typer.Option(None, "--end", help="YYYY-MM-DD (temporary filings: at least six months)"),
    subtype: str = typer.Option(None, "--subtype", help="resettled_retiree | long_term_residence | posted_worker | …"),
    commitment: bool = typer.Option(False, "--commitment", help="filed on a personal commitment (locked six months)"),
    agency: str = typer.Option("cli", "--agency", help="the filing agency's code, recorded with the filing"),
    db: str = DB_OPTION,
    now_option: str = NOW_OPTION,
) -> None:
    """File a cross-region visit for a person."""
    from yibao.app import filings

    database, clock = _setup(db, now_option)
    now = clock()
    row = _unit(database, now, lambda uow: filings.create_filing(
        uow, psn_no=psn_no, filing_type=filing_type, dest_admdvs=dest,
        begndate=_date(begin, "--begin") or now.date(), enddate=_date(end, "--end"), subtype=subtype,
        commitment_letter=commitment, source="agency", created_by=agency))
    _print_rows([{k: row[k] for k in FILING_COLUMNS}], "table", "filing created")


@filing_app.command("list")
def filing_list(psn_no: str = typer.Argument(...), db: str = DB_OPTION, fmt: str = FORMAT_OPTION) -> None:
    """A person's filings."""
    from yibao.app import filings

    database, clock = _setup(db, None)
    rows = _unit(database, clock(), lambda uow: filings.person_filings(uow, psn_no), write=False)
    _print_rows([{k: row[k] for k in FILING_COLUMNS} for row in rows], fmt, f"filings of {psn_no}")


@filing_app.command("cancel")
def filing_cancel(filing_no: str = typer.Argument(...), reason: str = typer.Option("", "--reason"), db: str = DB_OPTION,
                  now: str = NOW_OPTION) -> None:
    """Cancel a filing (refused within six months of a commitment-letter filing)."""
    from yibao.app import filings

    database, clock = _setup(db, now)
    row = _unit(database, clock(), lambda uow: filings.end_filing(uow, filing_no, reason=reason or "cancelled"))
    typer.echo(f"filing {row['filing_no']} cancelled")


@filing_app.command("change")
def filing_change(
    filing_no: str = typer.Argument(...),
    dest: str = typer.Option(None, "--dest"),
    filing_type: str = typer.Option(None, "--type"),
    subtype: str = typer.Option(None, "--subtype"),
    end: str = typer.Option(None, "--end"),
    agency: str = typer.Option("cli", "--agency"),
    db: str = DB_OPTION,
    now: str = NOW_OPTION,
) -> None:
    """Change a filing: the old one ends, a new one names it."""
    from yibao.app import filings

    database, clock = _setup(db, now)
    row = _unit(database, clock(), lambda uow: filings.change_filing(
        uow, filing_no, created_by=agency, source="agency", dest_admdvs=dest, filing_type=filing_type,
        subtype=subtype, enddate=_date(end, "--end")))
    _print_rows([{k: row[k] for k in FILING_COLUMNS}], "table", f"filing {filing_no} changed")


@qualification_app.command("grant")
def qualification_grant(
    psn_no: str = typer.Option(..., "--psn-no"),
    insutype: str = typer.Option(..., "--insutype"),
    disease: str = typer.Option(..., "--disease", help="门慢特病种 code, e.g. M03900 (高血压)"),
    begin: str = typer.Option(None, "--begin"),
    end: str = typer.Option(None, "--end"),
    agency: str = typer.Option("cli", "--agency"),
    db: str = DB_OPTION,
    now_option: str = NOW_OPTION,
) -> None:
    """Qualify a person for a 门慢特 disease."""
    from yibao.app import filings

    database, clock = _setup(db, now_option)
    now = clock()
    row = _unit(database, now, lambda uow: filings.grant_qualification(
        uow, psn_no=psn_no, insutype=insutype, dise_code=disease, begndate=_date(begin, "--begin") or now.date(),
        enddate=_date(end, "--end"), source="agency", created_by=agency))
    typer.echo(f"qualification {row['qual_no']}: {psn_no} {disease} {row['opsp_dise_name']} from {row['begndate']}")


@qualification_app.command("list")
def qualification_list(psn_no: str = typer.Argument(...), db: str = DB_OPTION, fmt: str = FORMAT_OPTION) -> None:
    """A person's qualifications."""
    from yibao.app import filings

    database, clock = _setup(db, None)
    rows = _unit(database, clock(), lambda uow: filings.person_qualifications(uow, psn_no), write=False)
    _print_rows([{k: row[k] for k in ("qual_no", "insutype", "opsp_dise_code", "opsp_dise_name", "begndate", "enddate",
                                      "status", "source")} for row in rows], fmt, f"qualifications of {psn_no}")


@qualification_app.command("cancel")
def qualification_cancel(qual_no: str = typer.Argument(...), db: str = DB_OPTION, now: str = NOW_OPTION) -> None:
    """End a qualification."""
    from yibao.app import filings

    database, clock = _setup(db, now)
    _unit(database, clock(), lambda uow: filings.cancel_qualification(uow, qual_no))
    typer.echo(f"qualification {qual_no} cancelled")


@agency_app.command("add")
def agency_add(code: str = typer.Argument(..., help="the region it administers"), name: str = typer.Argument(...),
               db: str = DB_OPTION) -> None:
    """Create an agency (or give it a new token); prints the token once."""
    from yibao.app.agencies import add_agency

    database, clock = _setup(db, None)
    token = _unit(database, clock(), lambda uow: add_agency(uow, code, name))
    typer.echo(f"agency {code} {name}: Authorization: Bearer {code}:{token}")


@stats_app.command("flows")
def stats_flows(month: str = typer.Option(..., "--month", help="YYYY-MM"), db: str = DB_OPTION, fmt: str = FORMAT_OPTION) -> None:
    """One month by insured region × treatment region (kept for compatibility; see ``stats settlements``)."""
    from yibao.analytics.flows import flows_for_month, totals_by_scope

    from .statistics import shown

    try:
        with _database(db).read() as conn:
            rows = flows_for_month(conn, month)
    except ValueError as exc:
        _fail(str(exc), 2)
    _print_rows(rows if fmt == "json" else [shown(row) for row in rows], fmt, f"flows {month}")
    if fmt == "table":
        _print_rows([shown(row) for row in totals_by_scope(rows)], "table", "by scope (local / in-province / cross-province)")
