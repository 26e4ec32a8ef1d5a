"""`yibao backup --out FILE` / `yibao restore FILE`: a round trip on SQLite (online backup API)
and PostgreSQL (pg_dump / pg_restore, custom format) keeps every row; a restore never
overwrites an existing SQLite file."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys

from sqlalchemy import func, insert, select

from yibao.domain import ledger as rules
from yibao.store import tables as t
from yibao.store.database import Database
from yibao.store.repositories import ledger

from .conftest import new_database_url


def yibao(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "yibao.cli", *args], capture_output=True, text=True, timeout=300)


def fill(database: Database) -> None:
    with database.write() as conn:
        conn.execute(insert(t.request_log), dict(fixmedins_code="H1", msgid="B1", infno="2207", request_sha256="0" * 64,
                                                 received_at=dt.datetime(2026, 3, 1), infcode=0, output="{}", err_msg=""))
        ledger.post_entry(conn, rules.Entry("settlement", "S1", (rules.Posting("fund:A", -1234),
                                                                 rules.Posting("inst:H1", 1234))), dt.datetime(2026, 3, 1))


def snapshot(database: Database) -> tuple:
    with database.read() as conn:
        return (conn.execute(select(t.request_log.c.msgid)).scalars().all(), ledger.balances(conn),
                conn.execute(select(func.count()).select_from(t.ledger_postings)).scalar_one())


def test_backup_and_restore_round_trip(database, request, tmp_path_factory, tmp_path):
    backend = "sqlite" if database.is_sqlite else "postgresql"
    fill(database)
    before = snapshot(database)
    assert before == (["B1"], {"fund:A": -1234, "inst:H1": 1234}, 2)
    out = tmp_path / "yibao.backup"
    done = yibao("backup", "--out", str(out), "--db", database.url)
    assert done.returncode == 0, done.stderr
    assert out.stat().st_size > 0
    target_url = new_database_url(backend, request, tmp_path_factory)
    restored = yibao("restore", str(out), "--db", target_url)
    assert restored.returncode == 0, restored.stderr
    target = Database(target_url)
    try:
        assert snapshot(target) == before
    finally:
        target.dispose()
    if backend == "sqlite":
        again = yibao("restore", str(out), "--db", target_url)
        assert again.returncode == 1 and "nothing is overwritten" in again.stderr
