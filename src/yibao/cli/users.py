"""Agencies' users (经办人员): ``yibao users add|list|disable|passwd|token`` (docs/users-and-roles.md).

The operator running the command is the actor recorded in the action log (``--operator``, else
$YIBAO_OPERATOR, else the OS user). A password is read from ``--password-stdin`` (one line) or
asked for without echo; it is never an argument, so it stays out of the shell's history.
"""

from __future__ import annotations

import sys

import typer

from .common import DB_OPTION, FORMAT_OPTION, OPERATOR_OPTION, _operator, _print_rows, _refused, _setup, app

users_app = typer.Typer(help="Agencies' users, their roles, passwords and API tokens.", no_args_is_help=True)
app.add_typer(users_app, name="users")

AGENCY_OPTION = typer.Option(..., "--agency", help="the agency's code (the region it administers)")
STDIN_OPTION = typer.Option(False, "--password-stdin", help="read the password from the first line of stdin")


def _password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return typer.prompt("password", hide_input=True, confirmation_prompt=True)


def _run(db: str | None, operator: str | None, action, *, write: bool = True):
    from yibao.app.errors import GatewayError
    from yibao.store.unit_of_work import SqlUnitOfWork

    database, clock = _setup(db, None)
    actor = _operator(operator)
    try:
        with SqlUnitOfWork(database, actor, clock(), write=write) as uow:
            return action(uow)
    except GatewayError as exc:
        _refused(exc)


@users_app.command("add")
def users_add(username: str = typer.Argument(...), agency: str = AGENCY_OPTION,
              roles: str = typer.Option(..., "--roles", help="comma-separated: clerk,auditor,accountant,administrator"),
              name: str = typer.Option("", "--name", help="the person's name as shown on the dashboard"),
              password_stdin: bool = STDIN_OPTION, operator: str = OPERATOR_OPTION, db: str = DB_OPTION) -> None:
    """Add a user of an agency with its roles and password."""
    from yibao.app import users

    password = _password(password_stdin)
    user = _run(db, operator, lambda uow: users.add_user(uow, agency, username, roles, password, name))
    typer.echo(f"user {user['username']} of {agency} ({', '.join(user['roles'])}) added as {user['user_id']}")


@users_app.command("list")
def users_list(agency: str = AGENCY_OPTION, db: str = DB_OPTION, fmt: str = FORMAT_OPTION) -> None:
    """The agency's users, their roles and whether they are disabled."""
    from yibao.app import users

    rows = _run(db, "yibao", lambda uow: users.list_users(uow, agency), write=False)
    _print_rows([{**row, "roles": ",".join(row["roles"])} for row in rows], fmt, f"users of {agency}")


@users_app.command("disable")
def users_disable(username: str = typer.Argument(...), agency: str = AGENCY_OPTION, operator: str = OPERATOR_OPTION,
                  db: str = DB_OPTION) -> None:
    """Disable a user: it can no longer sign in; its sessions and API tokens stop working."""
    from yibao.app import users

    _run(db, operator, lambda uow: users.disable_user(uow, agency, username))
    typer.echo(f"user {username} of {agency} disabled")


@users_app.command("passwd")
def users_passwd(username: str = typer.Argument(...), agency: str = AGENCY_OPTION, password_stdin: bool = STDIN_OPTION,
                 operator: str = OPERATOR_OPTION, db: str = DB_OPTION) -> None:
    """Set a user's password; the user's dashboard sessions end."""
    from yibao.app import users

    password = _password(password_stdin)
    _run(db, operator, lambda uow: users.change_password(uow, agency, username, password))
    typer.echo(f"password of {username} of {agency} changed")


@users_app.command("token")
def users_token(username: str = typer.Argument(...), agency: str = AGENCY_OPTION, operator: str = OPERATOR_OPTION,
                db: str = DB_OPTION) -> None:
    """Issue an API token of the user (it carries the user's roles); printed once."""
    from yibao.app import users

    token = _run(db, operator, lambda uow: users.issue_token(uow, agency, username))
    typer.echo(f"Authorization: Bearer {agency}:{token}")
