"""医保电子凭证 for an agency's operator: ``yibao evoucher activate|suspend|resume|token|counts``
(docs/evoucher.md)."""

from __future__ import annotations

import json

import typer

from .common import (DB_OPTION, FORMAT_OPTION, NOW_OPTION, OPERATOR_OPTION, _open, _operator, _print_rows,
                     _settings, app)
from .fund_flows import _run

evoucher_app = typer.Typer(help="E-vouchers (医保电子凭证): activation, suspension, tokens, counts.", no_args_is_help=True)
app.add_typer(evoucher_app, name="evoucher")

REASON_OPTION = typer.Option(..., "--reason", help="why (kept with the state change)")


def _write(db, now, operator, action):
    """One use case as the operator; prints the result as JSON."""
    from yibao.admin.common import jsonable

    actor = _operator(operator)
    settings = _settings(db, now)
    result = _run(_open(settings), actor, settings.clock()(), lambda uow: action(uow, settings))
    typer.echo(json.dumps(jsonable(result), ensure_ascii=False, indent=2))


@evoucher_app.command("activate")
def activate(psn_no: str, db: str = DB_OPTION, operator: str = OPERATOR_OPTION, now: str = NOW_OPTION) -> None:
    """Issue the person's e-voucher."""
    from yibao.app import evouchers

    _write(db, now, operator, lambda uow, _: evouchers.activate(uow, psn_no))


@evoucher_app.command("suspend")
def suspend(psn_no: str, reason: str = REASON_OPTION, db: str = DB_OPTION, operator: str = OPERATOR_OPTION,
            now: str = NOW_OPTION) -> None:
    """Suspend the e-voucher: its tokens are refused at once."""
    from yibao.app import evouchers

    _write(db, now, operator, lambda uow, _: evouchers.suspend(uow, psn_no, reason))


@evoucher_app.command("resume")
def resume(psn_no: str, reason: str = REASON_OPTION, db: str = DB_OPTION, operator: str = OPERATOR_OPTION,
           now: str = NOW_OPTION) -> None:
    """Resume a suspended e-voucher."""
    from yibao.app import evouchers

    _write(db, now, operator, lambda uow, _: evouchers.resume(uow, psn_no, reason))


@evoucher_app.command("token")
def token(psn_no: str, db: str = DB_OPTION, operator: str = OPERATOR_OPTION, now: str = NOW_OPTION) -> None:
    """A short-lived token (the QR payload) for mdtrt_cert_type 01; signed with the key derived
    from YIBAO_SECRET_KEY, else with the database's."""
    from yibao.app import evouchers

    _write(db, now, operator, lambda uow, settings: evouchers.issue_token(uow, settings.token_settings(), psn_no))


@evoucher_app.command("counts")
def counts(region: str = typer.Option("", "--region", help="admdvs prefix (37, 3713, 371302); all by default"),
           db: str = DB_OPTION, fmt: str = FORMAT_OPTION) -> None:
    """Activated e-vouchers by insured region: active, suspended."""
    from yibao.app import actors, evouchers

    settings = _settings(db)
    rows = _run(_open(settings), actors.SYSTEM, settings.clock()(), lambda uow: evouchers.counts(uow, [region]),
                write=False)
    _print_rows(rows, fmt, "evouchers")
