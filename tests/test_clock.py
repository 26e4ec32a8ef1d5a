"""One clock: YIBAO_NOW / --now is honoured only with YIBAO_ALLOW_FIXED_NOW=1 (or, for serve,
--insecure-demo), announced on stderr, refused otherwise; a fixed clock moves on from the
given instant; a CLI command and a served app stamp their rows with it."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from yibao.app import action_log, actors, agencies
from yibao.app.clock import advancing_clock, system_clock
from yibao.cli import app as cli
from yibao.settings import Settings, SettingsError
from yibao.store import tables as t
from yibao.store.database import Database
from yibao.store.migrate import upgrade
from yibao.store.unit_of_work import SqlUnitOfWork

from .pgcluster import free_port

FIXED = dt.datetime(2030, 1, 2, 3, 4, 5)
NOTICE = "注意：系统时间固定为 2030-01-02 03:04:05"
CLEAN = {"YIBAO_NOW": None, "YIBAO_NOW_ANCHOR": None, "YIBAO_ALLOW_FIXED_NOW": None, "YIBAO_INSECURE_DEMO": None}


def near(moment: dt.datetime, start: dt.datetime = FIXED, seconds: int = 60) -> bool:
    return start <= moment < start + dt.timedelta(seconds=seconds)


def test_a_fixed_now_is_refused_without_permission():
    for env in ({"YIBAO_NOW": FIXED.isoformat()}, {"YIBAO_NOW": FIXED.isoformat(), "YIBAO_ALLOW_FIXED_NOW": "0"}):
        with pytest.raises(SettingsError, match="拒绝启动.*YIBAO_ALLOW_FIXED_NOW=1"):
            Settings.load(env=env)
    with pytest.raises(SettingsError, match="--now"):
        Settings.load(now=FIXED.isoformat(), env={})
    with pytest.raises(SettingsError, match="ISO"):
        Settings.load(now="next tuesday", env={"YIBAO_ALLOW_FIXED_NOW": "1"})


def test_a_fixed_now_is_honoured_with_permission_and_moves_on():
    for settings in (Settings.load(env={"YIBAO_NOW": FIXED.isoformat(), "YIBAO_ALLOW_FIXED_NOW": "1"}),
                     Settings.load(now=FIXED.isoformat(), insecure_demo=True, env={})):
        assert settings.now == FIXED
        assert near(settings.clock()(), seconds=5)
    assert Settings.load(env={}).clock() is system_clock
    later = advancing_clock(FIXED, anchor=time.time() - 100)()  # workers share serve's anchor
    assert near(later, FIXED + dt.timedelta(seconds=100), seconds=5)
    clock = advancing_clock(FIXED)
    stamps = [clock() for _ in range(3)]
    assert stamps == sorted(stamps)


def test_a_fixed_now_is_announced_on_stderr(capsys):
    Settings.load(now=FIXED.isoformat(), env={"YIBAO_ALLOW_FIXED_NOW": "1"}).announce()
    err = capsys.readouterr().err
    assert NOTICE in err and "fixed clock" in err
    Settings.load(env={}).announce()
    assert capsys.readouterr().err == ""


def top_up(url: str, *extra: str, env: dict | None = None):
    return CliRunner().invoke(cli, ["prepay", "top-up", "--insured", "440300", "--province", "110000", "--amount", "100",
                                    "--year", "2030", "--operator", "王五", "--db", url, *extra], env={**CLEAN, **(env or {})})


def stamps(url: str) -> tuple[list, list]:
    database = Database(url)
    with database.read() as conn:
        approved = list(conn.execute(select(t.prepayments.c.approved_at)).scalars())
        with SqlUnitOfWork.joining(conn, actors.SYSTEM, dt.datetime.now()) as uow:
            logged = [row["at"] for row in action_log.entries(uow)]
    database.dispose()
    return approved, logged


def test_a_cli_command_with_now_stamps_its_rows_with_that_time(tmp_path):
    url = f"sqlite:///{tmp_path}/yibao.db"
    refused = top_up(url, "--now", FIXED.isoformat())
    assert refused.exit_code == 2 and "拒绝启动" in refused.stderr
    assert not (tmp_path / "yibao.db").exists()  # refused before anything was opened
    done = top_up(url, "--now", FIXED.isoformat(), env={"YIBAO_ALLOW_FIXED_NOW": "1"})
    assert done.exit_code == 0, done.output
    assert NOTICE in done.stderr
    approved, logged = stamps(url)
    assert len(approved) == len(logged) == 1 and near(approved[0]) and logged == approved
    from_env = top_up(url, env={"YIBAO_NOW": "2031-06-01T08:00:00", "YIBAO_ALLOW_FIXED_NOW": "1"})
    assert from_env.exit_code == 0 and "2031-06-01 08:00:00" in from_env.stderr
    assert near(stamps(url)[1][-1], dt.datetime(2031, 6, 1, 8))


@pytest.fixture
def agency_db(tmp_path):
    database = Database(f"sqlite:///{tmp_path}/yibao.db")
    upgrade(database)
    with SqlUnitOfWork(database, actors.SYSTEM, dt.datetime.now()) as uow:
        token = agencies.add_agency(uow, "440300", "深圳")
    database.dispose()
    return database.url, f"440300:{token}"


def test_the_app_refuses_or_announces_and_uses_a_fixed_now(agency_db, monkeypatch, capsys):
    from yibao.gateway.app import app_from_environment

    url, credential = agency_db
    monkeypatch.setenv("YIBAO_DATABASE_URL", url)
    monkeypatch.setenv("YIBAO_NOW", FIXED.isoformat())
    for name in ("YIBAO_ALLOW_FIXED_NOW", "YIBAO_INSECURE_DEMO", "YIBAO_NOW_ANCHOR"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(SystemExit, match="拒绝启动"):
        app_from_environment()
    monkeypatch.setenv("YIBAO_ALLOW_FIXED_NOW", "1")
    with TestClient(app_from_environment()) as client:
        assert NOTICE in capsys.readouterr().err
        response = client.post("/admin/api/prepayments/plan", params={"year": 2030},
                               headers={"Authorization": f"Bearer {credential}"})
        assert response.status_code == 200, response.text
    assert near(stamps(url)[1][0])


def serve(url: str, *extra: str, env: dict) -> tuple[subprocess.Popen, int]:
    port = free_port()
    environment = {k: v for k, v in os.environ.items() if k not in CLEAN} | env
    process = subprocess.Popen([sys.executable, "-m", "yibao.cli", "serve", "--port", str(port), "--db", url, "--migrate", *extra],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=environment,
                               start_new_session=True)
    return process, port


def test_serve_honours_now_only_with_insecure_demo(agency_db):
    url, credential = agency_db
    process, _ = serve(url, "--now", FIXED.isoformat(), env={})
    _, err = process.communicate(timeout=60)
    assert process.returncode == 2 and "拒绝启动" in err and "--insecure-demo" in err
    process, port = serve(url, "--insecure-demo", "--workers", "2", env={"YIBAO_NOW": FIXED.isoformat()})
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        for _ in range(2):  # two requests, likely on two workers: both on the fixed clock
            response = httpx.post(f"http://127.0.0.1:{port}/admin/api/prepayments/plan", params={"year": 2030},
                                  headers={"Authorization": f"Bearer {credential}"}, timeout=30)
            assert response.status_code == 200, response.text
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        _, err = process.communicate(timeout=30)
    assert NOTICE in err
    logged = stamps(url)[1]
    assert len(logged) == 2 and all(near(at) for at in logged) and logged == sorted(logged)
