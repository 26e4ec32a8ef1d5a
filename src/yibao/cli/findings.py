"""The findings queue (审核结果处理): ``yibao findings list|move``. ``--agency CODE`` acts as that
agency (only the findings about institutions of the regions it administers, app/authorization.py);
without it the platform operator sees and moves all."""

from __future__ import annotations

import typer

from .common import DB_OPTION, FORMAT_OPTION, NOW_OPTION, OPERATOR_OPTION, _operator, _print_rows, _refused, _setup, app

findings_app = typer.Typer(help="The findings queue: new → checking → confirmed / dismissed; appealed → re-review.",
                           no_args_is_help=True)
app.add_typer(findings_app, name="findings")
AGENCY_OPTION = typer.Option(None, "--agency", help="act as this agency (its region scopes the findings)")
COLUMNS = ("finding_id", "status", "rule_id", "rule_type", "fixmedins_code", "admdvs", "mdtrt_id", "feedetl_sn",
           "vola_amt", "stage", "found_at")


def _unit(database, actor, now, write: bool):
    from yibao.store.unit_of_work import SqlUnitOfWork

    return SqlUnitOfWork(database, actor, now, write=write)


@findings_app.command("list")
def findings_list(status: str = typer.Option(None, "--status", help="new | checking | confirmed | dismissed | appealed"),
                  rule: str = typer.Option(None, "--rule"), institution: str = typer.Option(None, "--institution"),
                  limit: int = typer.Option(50, "--limit", min=1, max=10_000), offset: int = typer.Option(0, "--offset", min=0),
                  agency: str = AGENCY_OPTION, db: str = DB_OPTION, fmt: str = FORMAT_OPTION, now: str = NOW_OPTION) -> None:
    """The live findings (a re-run's replace the earlier run's), newest first, with their ids and states."""
    from yibao.app import actors, findings
    from yibao.app.errors import GatewayError
    from yibao.store.repository import from_fen

    database, clock = _setup(db, now)
    try:
        with _unit(database, actors.SYSTEM, clock(), write=False) as uow:
            page = findings.list_findings(uow, status=status, rule_id=rule, fixmedins_code=institution,
                                          agency_region=agency, limit=limit, offset=offset)
    except GatewayError as exc:
        _refused(exc)
    rows = [{column: (from_fen(row["vola_amt_fen"]) if column == "vola_amt" else row[column]) for column in COLUMNS}
            for row in page["findings"]]
    _print_rows(rows, fmt, f"findings {offset + 1}–{offset + len(rows)} of {page['total']}")


@findings_app.command("move")
def findings_move(finding_id: str = typer.Argument(...),
                  to: str = typer.Argument(..., help="checking | confirmed | dismissed | appealed"),
                  reason: str = typer.Option("", "--reason", help="required to dismiss, for an appeal (申诉) and a re-review"),
                  agency: str = AGENCY_OPTION, operator: str = OPERATOR_OPTION, db: str = DB_OPTION,
                  now: str = NOW_OPTION) -> None:
    """Move a finding one step; the step is kept with its date and the operator."""
    from yibao.app import findings
    from yibao.app.errors import GatewayError

    database, clock = _setup(db, now)
    actor = _operator(operator)
    try:
        with _unit(database, actor, clock(), write=True) as uow:
            row = findings.move(uow, finding_id, to, reason=reason, agency_region=agency)
    except GatewayError as exc:
        _refused(exc)
    typer.echo(f"{finding_id}: {row['history'][-1]['from_status']} → {row['status']}")
