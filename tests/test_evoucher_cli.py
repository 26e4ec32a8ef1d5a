"""``yibao evoucher``: activate, token, suspend, resume and counts from the command line, with the
operator as the actor and the database's key when no platform key is set."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from typer.testing import CliRunner

from yibao.app import actors, evouchers
from yibao.cli import app
from yibao.store.database import Database
from yibao.store.migrate import upgrade
from yibao.store.unit_of_work import SqlUnitOfWork

from .platform.test_claims_store import load_world


@pytest.fixture
def cli(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path}/yibao.db"
    database = Database(url)
    upgrade(database)
    load_world(database, tmp_path)
    database.dispose()
    monkeypatch.setenv("YIBAO_ALLOW_FIXED_NOW", "1")
    monkeypatch.delenv("YIBAO_SECRET_KEY", raising=False)
    monkeypatch.setenv("YIBAO_EVOUCHER_TOKEN_SECONDS", "120")
    runner = CliRunner()

    def run(*args: str, now: str = "2026-12-01T09:00:00"):
        return runner.invoke(app, [*args, "--db", url, *(["--now", now] if now else [])], catch_exceptions=False)
    run.url = url
    return run


def test_an_operator_activates_issues_a_token_suspends_and_counts(cli):
    activated = cli("evoucher", "activate", "LY0001", "--operator", "王五")
    assert activated.exit_code == 0, activated.output
    assert json.loads(activated.stdout)["activated_by"] == "operator:王五"
    issued = json.loads(cli("evoucher", "token", "LY0001", "--operator", "王五").stdout)
    lifetime = dt.datetime.fromisoformat(issued["expires_at"]) - dt.datetime(2026, 12, 1, 9, 0)
    assert dt.timedelta(seconds=120) <= lifetime <= dt.timedelta(seconds=125)  # the fixed clock moves on
    database = Database(cli.url)
    with SqlUnitOfWork(database, actors.SYSTEM, dt.datetime(2026, 12, 1, 9, 1), write=False) as uow:
        assert evouchers.verified_holder(uow, evouchers.TokenSettings(), issued["token"], uow.now, "LY0001") == "LY0001"
    database.dispose()
    suspended = cli("evoucher", "suspend", "LY0001", "--reason", "挂失", "--operator", "王五")
    assert json.loads(suspended.stdout)["state"] == "suspended"
    again = cli("evoucher", "suspend", "LY0001", "--reason", "挂失", "--operator", "王五")
    assert again.exit_code == 2 and "EVOUCHER_ALREADY_SUSPENDED" in again.output
    counted = cli("evoucher", "counts", "--format", "json", now="")
    assert json.loads(counted.stdout) == [{"insuplc_admdvs": "371300", "active": 0, "suspended": 1, "activated": 1}]
