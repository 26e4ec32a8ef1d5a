"""``yibao institution``: how an institution authenticates at the gateway (gateway/auth.py)."""

from __future__ import annotations

import typer
from .common import DB_OPTION, NOW_OPTION, OPERATOR_OPTION, _fail, _open, _operator, _settings, app

institution_app = typer.Typer(help="Institutions' gateway authentication (认证方式) for agencies.", no_args_is_help=True)
app.add_typer(institution_app, name="institution")


@institution_app.command("auth-mode")
def institution_auth_mode(
    code: str = typer.Argument(..., help="The institution's fixmedins_code."),
    mode: str = typer.Argument(..., help="apikey | x-tif | api | none"),
    operator: str = OPERATOR_OPTION,
    db: str = DB_OPTION,
    now: str = NOW_OPTION,
) -> None:
    """Set an institution's authentication mode; a signature mode issues a new secret, printed once."""
    from yibao.app.errors import GatewayError
    from yibao.app.institution_auth import change_auth_mode
    from yibao.store.unit_of_work import SqlUnitOfWork

    actor = _operator(operator)
    settings = _settings(db, now)
    database = _open(settings)
    try:
        with SqlUnitOfWork(database, actor, settings.clock()()) as uow:
            change = change_auth_mode(uow, code, mode, settings.secret_box())
    except GatewayError as exc:
        _fail(exc.message, 2)
    typer.echo(f"机构 {change.fixmedins_code} 的认证方式：{change.previous_mode} → {change.auth_mode}"
               f"（经办人 {actor.party}）")
    if change.new_secret:
        typer.echo("新密钥（只显示这一次，请通过安全渠道交给机构，旧密钥已失效）：")
        typer.echo(change.new_secret)
    if change.auth_mode == "none" and not settings.trusted_networks:
        typer.echo("注意：未设置 YIBAO_TRUSTED_NETWORKS，网关不会接受该机构的任何请求", err=True)


@institution_app.command("platform-key")
def institution_platform_key() -> None:
    """Print a new platform key for YIBAO_SECRET_KEY (it seals the signature modes' secrets)."""
    from yibao.app.secret_box import new_platform_key

    typer.echo(new_platform_key())
