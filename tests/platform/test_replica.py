"""The reports database (YIBAO_READ_DATABASE_URL): a streaming replica started by the test from
the session's cluster. Statistics read there (the CLI and the admin API's platform), the
replica refuses writes, and with its replay paused the reports show the replica's state, not
the primary's: proof that they are read from it."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import time
import uuid

import psycopg
import pytest
from sqlalchemy import insert, text
from sqlalchemy.exc import DBAPIError

from yibao.app import actors, statistics
from yibao.app.platform import Platform
from yibao.store import tables as t
from yibao.store.database import Database
from yibao.store.migrate import upgrade
from yibao.store.reports import reports_database


def prepayment(number: int) -> dict:
    return dict(prepay_id=f"P{number}", year=2026, insured_admdvs="440300", treatment_prov="110000", kind="annual",
                amount_fen=100_000 * number, basis_fen=600_000, months="2", status="approved",
                approved_at=dt.datetime(2026, 1, 5, 9, 0))


def wait_for_replay(primary_url: str, replica) -> None:
    with psycopg.connect(primary_url.replace("postgresql+psycopg", "postgresql")) as conn:
        target = conn.execute("SELECT pg_current_wal_lsn()").fetchone()[0]
    deadline = time.monotonic() + 30
    with psycopg.connect(replica.dsn(), autocommit=True) as conn:
        while time.monotonic() < deadline:
            if conn.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", (target,)).fetchone()[0]:
                return
            time.sleep(0.05)
    raise AssertionError("the replica did not catch up within 30 s")


def stats_cli(primary_url: str, read_url: str | None) -> dict:
    env = {k: v for k, v in os.environ.items() if k != "YIBAO_READ_DATABASE_URL"}
    if read_url:
        env["YIBAO_READ_DATABASE_URL"] = read_url
    done = subprocess.run([sys.executable, "-m", "yibao.cli", "stats", "prepayments", "--year", "2026", "--format", "json",
                           "--db", primary_url], capture_output=True, text=True, timeout=120, env=env)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.fixture
def primary_and_replica(pg_cluster, pg_replica):
    name = f"r_{uuid.uuid4().hex[:12]}"
    primary = Database(pg_cluster.create_database(name))
    upgrade(primary)
    with primary.write() as conn:
        conn.execute(insert(t.prepayments), prepayment(1))
    wait_for_replay(primary.url, pg_replica)
    replica = Database(pg_replica.url(name))
    yield primary, replica, pg_replica
    with psycopg.connect(pg_replica.dsn(), autocommit=True) as conn:
        conn.execute("SELECT pg_wal_replay_resume()")
    replica.dispose()
    primary.dispose()


def test_the_replica_refuses_writes(primary_and_replica):
    _, replica, _ = primary_and_replica
    with pytest.raises(DBAPIError, match="read-only"):
        with replica.write() as conn:
            conn.execute(insert(t.prepayments), prepayment(9))


def test_reports_read_the_replica_and_see_what_it_has_replayed(primary_and_replica):
    primary, replica, standby = primary_and_replica
    assert stats_cli(primary.url, replica.url)["approved_cnt"] == 1
    with psycopg.connect(standby.dsn(), autocommit=True) as conn:
        conn.execute("SELECT pg_wal_replay_pause()")
    with primary.write() as conn:
        conn.execute(insert(t.prepayments), prepayment(2))
    platform = Platform(primary, reports=reports_database(replica.url, primary))
    with platform.report_unit_of_work(actors.SYSTEM) as uow:
        paused = statistics.prepayments(uow, agency_code=None, year=2026)
    assert paused["approved_cnt"] == 1 and str(paused["approved_amt"]) == "1000.00"  # the replica, paused
    assert stats_cli(primary.url, replica.url)["approved_cnt"] == 1
    assert stats_cli(primary.url, None)["approved_cnt"] == 2  # without the variable: the primary
    with psycopg.connect(standby.dsn(), autocommit=True) as conn:
        conn.execute("SELECT pg_wal_replay_resume()")
    wait_for_replay(primary.url, standby)
    with platform.report_unit_of_work(actors.SYSTEM) as uow:
        caught_up = statistics.prepayments(uow, agency_code=None, year=2026)
    assert caught_up["approved_cnt"] == 2 and str(caught_up["approved_amt"]) == "3000.00"
    with replica.read() as conn:
        assert conn.execute(text("SELECT pg_is_in_recovery()")).scalar_one() is True
