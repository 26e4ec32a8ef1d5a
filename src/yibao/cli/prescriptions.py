"""``yibao prescription region …``: how a dispensing region treats a prescribing region's
e-prescriptions (app/prescriptions.py; docs/internet-plus.md): whether it recognises them and
whether the upload (7103) is required before dispensing. Each setting is a new row with the
operator as its actor; the latest of a pair holds."""

from __future__ import annotations

import typer

from .agreements import _run
from .common import DB_OPTION, NOW_OPTION, OPERATOR_OPTION, _operator, _print_rows, _setup, app

prescription_app = typer.Typer(help="E-prescriptions (电子处方流转): region settings.", no_args_is_help=True)
app.add_typer(prescription_app, name="prescription")


@prescription_app.command("region")
def region_command(prescribing: str = typer.Option(..., "--from", help="the prescribing region (6 digits)"),
                   dispensing: str = typer.Option(..., "--to", help="the dispensing pharmacy's region (6 digits)"),
                   recognised: bool = typer.Option(True, "--recognised/--not-recognised"),
                   upload_required: bool = typer.Option(True, "--upload-required/--precheck-enough",
                                                        help="--precheck-enough: a 7101 pre-check alone may be dispensed"),
                   operator: str = OPERATOR_OPTION, db: str = DB_OPTION, now: str = NOW_OPTION) -> None:
    """Set whether pharmacies of --to dispense prescriptions of --from, and after which step."""
    from yibao.app import prescriptions

    database, clock = _setup(db, now)
    row = _run(database, _operator(operator), clock(), lambda uow: prescriptions.set_region(
        uow, prescribing=prescribing, dispensing=dispensing, recognised=recognised, upload_required=upload_required))
    _print_rows([{k: row[k] for k in ("prescribing_admdvs", "dispensing_admdvs", "recognised", "upload_required",
                                      "actor", "recorded_at")}], "table", "e-prescription region setting")
