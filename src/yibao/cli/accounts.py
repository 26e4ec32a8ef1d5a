"""``yibao account``: personal accounts."""

from __future__ import annotations

import typer
from .common import DB_OPTION, NOW_OPTION, OPERATOR_OPTION, _refused, _operator, _print_rows, _setup, app


account_app = typer.Typer(help="Personal accounts (个人账户): balance, movements, explicit adjustments.",
                          no_args_is_help=True)
app.add_typer(account_app, name="account")


@account_app.command("adjust", context_settings={"ignore_unknown_options": True})
def account_adjust(
    psn_no: str = typer.Argument(...),
    amount: str = typer.Argument(..., help="Yuan, signed, at most two decimals (e.g. 100.00 or -20.50)."),
    reason: str = typer.Option(..., "--reason", help="Why (recorded with the entry)."),
    operator: str = OPERATOR_OPTION,
    db: str = DB_OPTION,
    now: str = NOW_OPTION,
) -> None:
    """Adjust a personal account balance: one logged adjustment entry, posted to the ledger."""
    from yibao.app.accounts import adjust_account, parse_amount
    from yibao.app.errors import GatewayError

    actor = _operator(operator)
    database, clock = _setup(db, now)
    try:
        result = adjust_account(database, psn_no, parse_amount(amount), reason, actor.party, clock())
    except GatewayError as exc:
        _refused(exc)
    typer.echo(f"参保人 {psn_no} 个人账户调整 {result.amount:+} 元："
               f"{result.balance_before} → {result.balance_after} 元（经办人 {actor.party}）")


@account_app.command("show")
def account_show(psn_no: str = typer.Argument(...), db: str = DB_OPTION,
                 fmt: str = typer.Option("table", "--format", help="table | csv | json")) -> None:
    """A personal account: its balance and every movement."""
    from yibao.app import actors
    from yibao.app.accounts import account_view
    from yibao.app.errors import GatewayError
    from yibao.store.unit_of_work import SqlUnitOfWork

    database, clock = _setup(db, None)
    try:
        with SqlUnitOfWork(database, actors.SYSTEM, clock(), write=False) as uow:
            view = account_view(uow, psn_no)
    except GatewayError as exc:
        _refused(exc)
    if fmt == "json":
        from yibao.documents.render import dumps

        movements = [{k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in row.items()}
                     for row in view["movements"]]
        typer.echo(dumps({"psn_no": view["psn_no"], "balance": view["balance"], "movements": movements}))
        return
    if fmt == "table":
        typer.echo(f"参保人 {psn_no} 个人账户余额 {view['balance']} 元，{len(view['movements'])} 笔变动")
    _print_rows(view["movements"], fmt, "账户变动")
