"""亲情账户 for an agency's operator: ``yibao family bind|unbind|list`` (app/family.py)."""

from __future__ import annotations

import typer

from .common import DB_OPTION, FORMAT_OPTION, NOW_OPTION, OPERATOR_OPTION, _open, _operator, _print_rows, _settings, app
from .evouchers import _write
from .fund_flows import _run

family_app = typer.Typer(help="Family accounts (亲情账户): bind and unbind close relatives.", no_args_is_help=True)
app.add_typer(family_app, name="family")


@family_app.command("bind")
def bind(owner_psn_no: str, relative_psn_no: str,
         relation: str = typer.Option(..., "--relation", help="spouse|parent|child|sibling|grandparent|grandchild"),
         db: str = DB_OPTION, operator: str = OPERATOR_OPTION, now: str = NOW_OPTION) -> None:
    """Let RELATIVE_PSN_NO draw on OWNER_PSN_NO's personal account after their own."""
    from yibao.app import family

    _write(db, now, operator, lambda uow, _: family.public(
        family.bind(uow, owner_psn_no, relative_psn_no, relation, source="cli")))


@family_app.command("unbind")
def unbind(binding_id: int, db: str = DB_OPTION, operator: str = OPERATOR_OPTION, now: str = NOW_OPTION) -> None:
    """End a binding (a new unbinding record; the binding stays in the history)."""
    from yibao.app import family

    _write(db, now, operator, lambda uow, _: family.public(family.unbind(uow, binding_id, source="cli")))


@family_app.command("list")
def listing(psn_no: str = typer.Argument(None, help="a person (owner or relative); all bindings when left out"),
            include_ended: bool = typer.Option(False, "--include-ended", help="also bindings that were ended"),
            db: str = DB_OPTION, fmt: str = FORMAT_OPTION, now: str = NOW_OPTION) -> None:
    """Bindings, earliest first."""
    from yibao.app import family

    settings = _settings(db, now)
    rows = _run(_open(settings), _operator(None), settings.clock()(),
                lambda uow: family.listing(uow, psn_no, include_ended=include_ended), write=False)
    _print_rows(rows, fmt)
