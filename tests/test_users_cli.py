"""``yibao users``: add, list, passwd, token, disable from the command line, the operator as the actor."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from typer.testing import CliRunner

from yibao.app import actors, agencies, passwords, users
from yibao.cli import app
from yibao.store.database import Database
from yibao.store.migrate import upgrade
from yibao.store.unit_of_work import SqlUnitOfWork


@pytest.fixture
def cli(tmp_path, monkeypatch):
    monkeypatch.setattr(passwords, "N", 2 ** 8)
    url = f"sqlite:///{tmp_path}/yibao.db"
    database = Database(url)
    upgrade(database)
    with SqlUnitOfWork(database, actors.SYSTEM, dt.datetime(2026, 12, 1)) as uow:
        agencies.add_agency(uow, "441500", "汕尾市医疗保障事务中心", "agency-token")
    runner = CliRunner()

    def run(*args: str, stdin: str | None = None):
        return runner.invoke(app, [*args, "--db", url], input=stdin, catch_exceptions=False)
    run.database = database
    yield run
    database.dispose()


def test_an_operator_manages_a_user_from_the_command_line(cli):
    added = cli("users", "add", "zhang", "--agency", "441500", "--roles", "clerk,auditor", "--name", "张三",
                "--operator", "王五", "--password-stdin", stdin="first-password-1\n")
    assert added.exit_code == 0 and "zhang of 441500 (auditor, clerk) added as U" in added.output
    listed = json.loads(cli("users", "list", "--agency", "441500", "--format", "json").output)
    assert [(u["username"], u["roles"], u["created_by"]) for u in listed] == [("zhang", "auditor,clerk", "operator:王五")]
    token = cli("users", "token", "zhang", "--agency", "441500", "--operator", "王五").output.strip()
    assert token.startswith("Authorization: Bearer 441500:K")
    changed = cli("users", "passwd", "zhang", "--agency", "441500", "--operator", "王五", "--password-stdin",
                  stdin="second-password-2\n")
    assert changed.exit_code == 0
    with SqlUnitOfWork(cli.database, actors.SYSTEM, dt.datetime(2026, 12, 1), write=False) as uow:
        assert users.sign_in(uow, "441500", "zhang", "first-password-1") is None
        assert users.sign_in(uow, "441500", "zhang", "second-password-2")["roles"] == ["auditor", "clerk"]
        assert users.token_principal(uow, "441500", token.split(":", 2)[2]) is not None
    assert cli("users", "disable", "zhang", "--agency", "441500", "--operator", "王五").exit_code == 0
    again = cli("users", "disable", "zhang", "--agency", "441500", "--operator", "王五")
    assert again.exit_code == 2 and "[USER_DISABLED]" in again.output


def test_a_weak_password_or_unknown_role_is_refused_with_its_code(cli):
    weak = cli("users", "add", "li", "--agency", "441500", "--roles", "clerk", "--operator", "王五", "--password-stdin",
               stdin="short\n")
    assert weak.exit_code == 2 and "[USER_WEAK_PASSWORD]" in weak.output
    role = cli("users", "add", "li", "--agency", "441500", "--roles", "cashier", "--operator", "王五",
               "--password-stdin", stdin="long-enough-password\n")
    assert role.exit_code == 2 and "[USER_BAD_ROLES]" in role.output
