"""Monthly partitions of the request log and the ledger postings on PostgreSQL (migration 0026,
store/partitions.py, `yibao db partitions`): the msgid stays unique across months and detached
months, rows move out of the default partition, the migration converts existing rows; SQLite
keeps plain tables and accepts and refuses the same inserts."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys

import pytest
from sqlalchemy import func, insert, select, text
from sqlalchemy.exc import IntegrityError

from yibao.domain import ledger as rules
from yibao.store import partitions
from yibao.store import tables as t
from yibao.store.database import Database
from yibao.store.migrate import upgrade
from yibao.store.repositories import ledger

from .conftest import new_database_url


def log_row(code: str, msgid: str, received_at: dt.datetime) -> dict:
    return dict(fixmedins_code=code, msgid=msgid, infno="2207", request_sha256="0" * 64, received_at=received_at,
                infcode=0, output="{}", err_msg="")


def yibao(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "yibao.cli", *args], capture_output=True, text=True, timeout=120)


def test_a_msgid_is_refused_again_in_another_month_on_both_backends(database):
    with database.write() as conn:
        conn.execute(insert(t.request_log), log_row("H1", "M1", dt.datetime(2026, 1, 31, 23, 59)))
    for received in (dt.datetime(2026, 1, 31, 23, 59), dt.datetime(2026, 2, 1, 0, 0), dt.datetime(2027, 6, 1)):
        with pytest.raises(IntegrityError):
            with database.write() as conn:
                conn.execute(insert(t.request_log), log_row("H1", "M1", received))
    with database.write() as conn:  # the same msgid of another institution is another request
        conn.execute(insert(t.request_log), log_row("H2", "M1", dt.datetime(2026, 2, 1)))
        assert conn.execute(select(func.count()).select_from(t.request_log)).scalar_one() == 2


def test_postings_keep_their_day_and_balances_read_across_months(database):
    entry = rules.Entry("settlement", "S1", (rules.Posting("fund:A", -500), rules.Posting("inst:H1", 500)))
    with database.write() as conn:
        ledger.post_entry(conn, entry, dt.datetime(2026, 3, 5, 10, 0))
        days = set(conn.execute(select(t.ledger_postings.c.posted_on)).scalars())
        assert ledger.balance(conn, "inst:H1") == 500 and ledger.balance(conn, "fund:A") == -500
    assert len(days) == 1 and isinstance(next(iter(days)), dt.date)


@pytest.fixture
def pg_database(request, tmp_path_factory):
    database = Database(new_database_url("postgresql", request, tmp_path_factory))
    upgrade(database)
    yield database
    database.dispose()


def test_months_are_created_ahead_and_take_their_rows_out_of_the_default(pg_database):
    today = dt.date.today()
    old = dt.datetime(2020, 5, 17, 8, 0)
    with pg_database.write() as conn:
        assert partitions.is_partitioned(conn, "request_log") and partitions.is_partitioned(conn, "ledger_postings")
        conn.execute(insert(t.request_log), log_row("H1", "OLD", old))
        assert conn.execute(text("SELECT count(*) FROM request_log_default")).scalar_one() == 1
    done = yibao("db", "partitions", "--months-ahead", "2", "--db", pg_database.url)
    assert done.returncode == 0, done.stderr
    with pg_database.write() as conn:
        months = partitions.attached_months(conn, "request_log")
        first = partitions.month_start(today)
        expected = [partitions.partition_name("request_log", first),
                    partitions.partition_name("request_log", partitions.next_month(first)),
                    partitions.partition_name("request_log", partitions.next_month(partitions.next_month(first)))]
        assert set(expected) <= set(months)
        assert len(partitions.attached_months(conn, "ledger_postings")) >= 3
        assert partitions.create_month(conn, "request_log", dt.date(2020, 5, 1)) is True
        assert conn.execute(text("SELECT count(*) FROM request_log_default")).scalar_one() == 0
        assert conn.execute(text("SELECT msgid FROM request_log_y2020m05")).scalars().all() == ["OLD"]
    again = yibao("db", "partitions", "--months-ahead", "2", "--db", pg_database.url)
    assert again.returncode == 0 and "created 0" in again.stdout


def test_a_detached_month_leaves_the_parent_but_its_msgids_stay_taken(pg_database):
    with pg_database.write() as conn:
        partitions.create_month(conn, "request_log", dt.date(2021, 1, 1))
        conn.execute(insert(t.request_log), log_row("H1", "ARCHIVED", dt.datetime(2021, 1, 9)))
    done = yibao("db", "partitions", "--months-ahead", "0", "--detach-before", "2021-02", "--db", pg_database.url)
    assert done.returncode == 0 and "request_log_y2021m01" in done.stdout
    with pg_database.write() as conn:
        assert conn.execute(select(func.count()).select_from(t.request_log)).scalar_one() == 0
        assert conn.execute(text("SELECT count(*) FROM request_log_y2021m01")).scalar_one() == 1  # kept for archive
    with pytest.raises(IntegrityError):
        with pg_database.write() as conn:
            conn.execute(insert(t.request_log), log_row("H1", "ARCHIVED", dt.datetime(2026, 1, 9)))
    assert yibao("db", "partitions", "--detach-before", "2021/02", "--db", pg_database.url).returncode == 2


def test_the_migration_converts_existing_rows(request, tmp_path_factory):
    database = Database(new_database_url("postgresql", request, tmp_path_factory))
    upgrade(database, "0023")
    with database.write() as conn:
        conn.execute(insert(t.request_log), [log_row("H1", "A", dt.datetime(2025, 11, 3)),
                                             log_row("H1", "B", dt.datetime(2025, 12, 3))])
        entry_id = conn.execute(text("INSERT INTO ledger_entries (kind, ref, created_at) VALUES "
                                     "('settlement', 'S9', '2025-12-03 10:00') RETURNING entry_id")).scalar_one()
        conn.execute(text("INSERT INTO ledger_postings (entry_id, account, amount_fen) VALUES "
                          "(:e, 'fund:A', -700), (:e, 'inst:H1', 700)"), {"e": entry_id})
    upgrade(database)
    with database.write() as conn:
        assert partitions.attached_months(conn, "request_log") == ["request_log_y2025m11", "request_log_y2025m12"]
        assert partitions.attached_months(conn, "ledger_postings") == ["ledger_postings_y2025m12"]
        assert conn.execute(text("SELECT count(*) FROM request_keys")).scalar_one() == 2
        assert ledger.balance(conn, "inst:H1") == 700
        new_id = ledger.post_entry(conn, rules.Entry("settlement", "S10", (rules.Posting("fund:A", -1),
                                                                           rules.Posting("inst:H1", 1))), dt.datetime.now())
        assert new_id is not None and ledger.balance(conn, "inst:H1") == 701
    with pytest.raises(IntegrityError):
        with database.write() as conn:
            conn.execute(insert(t.request_log), log_row("H1", "A", dt.datetime(2026, 1, 1)))
    database.dispose()
