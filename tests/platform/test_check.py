"""``yibao check`` finds each broken invariant: one planted corruption per rule, on both backends.

Each test plants its corruption inside a transaction, runs the check on that same connection
and rolls back, so the world stays consistent for the next test. Where a database constraint
of docs/locking.md would refuse the corruption, the test removes the constraint first inside
the same transaction: the check must find what a missing or bypassed constraint let in.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
import subprocess
import sys
from contextlib import contextmanager

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, insert, select, text, update

from yibao.app.actors import SYSTEM
from yibao.app.consistency import find_problems
from yibao.gateway.dispatch import Settings
from yibao.app.platform import Platform
from yibao.gateway.app import create_app
from yibao.sim.his import HisClient
from yibao.store import tables as t
from yibao.store.database import Database
from yibao.store.migrate import upgrade
from yibao.store.unit_of_work import SqlUnitOfWork

from ..conftest import golden_cases
from .conftest import new_database_url
from .golden_world import load_golden_world
from .walk import walk_golden


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def settled_world(request, tmp_path_factory):
    """The golden world with every golden case settled in-process and one settlement reversed."""
    url = new_database_url(request.param, request, tmp_path_factory)
    database = Database(url)
    upgrade(database)
    setups = load_golden_world(database, golden_cases(), tmp_path_factory.mktemp("golden"))
    with TestClient(create_app(Platform(database), Settings())) as http:
        settled = {}
        for setup in setups:
            try:
                settled[setup.name] = walk_golden(http, setup)
            except Exception:  # a golden case refused by design (e.g. unfiled) settles nothing
                continue
        reversed_case = next(name for name, out in settled.items() if "2207" in out)
        setup = next(s for s in setups if s.name == reversed_case)
        client = HisClient(http, setup.institution)
        client.sign_in()
        info = settled[reversed_case]["2207"]["setlinfo"]
        client.call("2208", {"data": {"setl_id": info["setl_id"], "mdtrt_id": info["mdtrt_id"],
                                      "psn_no": info["psn_no"]}}, insuplc_admdvs=setup.case["visit"]["insuplc_admdvs"])
    yield {"database": database, "url": url, "backend": request.param}
    database.dispose()


@contextmanager
def planted(world):
    """A connection inside a transaction that is always rolled back."""
    with world["database"].engine.connect() as conn:
        transaction = conn.begin()
        try:
            yield conn
        finally:
            transaction.rollback()


def problems(conn) -> list:
    """The check run in the test's own (rolled-back) transaction."""
    with SqlUnitOfWork.joining(conn, SYSTEM, dt.datetime.now()) as uow:
        return find_problems(uow)


def codes(conn) -> set[str]:
    return {problem.code for problem in problems(conn)}


def drop_constraint(conn, backend: str, table: str, name: str) -> None:
    """Remove a constraint inside the test's transaction (rolled back afterwards)."""
    if backend == "postgresql":
        conn.execute(text(f"ALTER TABLE {table} DROP CONSTRAINT {name}"))
    elif name.startswith("ck_"):
        conn.execute(text("PRAGMA ignore_check_constraints = ON"))


def active_settlement(conn) -> dict:
    s = t.settlements
    reversed_ids = select(s.c.reverses_setl_id).where(s.c.kind == "reversal")
    return dict(conn.execute(select(s).where(s.c.kind == "settlement", s.c.setl_id.not_in(reversed_ids),
                                             s.c.acct_pay_fen > 0).order_by(s.c.setl_id)).mappings().first())


def test_the_settled_world_is_consistent(settled_world):
    with planted(settled_world) as conn:
        assert problems(conn) == []
        assert conn.execute(select(func.count()).select_from(t.settlements)).scalar() >= 5


def test_broken_identity(settled_world):
    with planted(settled_world) as conn:
        row = active_settlement(conn)
        conn.execute(update(t.settlements).where(t.settlements.c.setl_id == row["setl_id"])
                     .values(hifp_pay_fen=row["hifp_pay_fen"] + 1))
        assert "C_IDENTITY" in codes(conn)


def test_reversal_pointing_nowhere(settled_world):
    with planted(settled_world) as conn:
        conn.execute(update(t.settlements).where(t.settlements.c.kind == "reversal").values(reverses_setl_id="30NOSUCH"))
        assert "C_REVERSAL_TARGET" in codes(conn)


def test_two_active_settlements_of_one_visit(settled_world):
    with planted(settled_world) as conn:
        conn.execute(text("DROP INDEX uq_settlements_first"))
        row = active_settlement(conn)
        conn.execute(insert(t.settlements).values(**dict(row, setl_id="30PLANTED", medins_setl_id=row["medins_setl_id"])))
        assert "C_TWO_ACTIVE" in codes(conn)


def test_cancelled_visit_with_a_live_settlement(settled_world):
    with planted(settled_world) as conn:
        row = active_settlement(conn)
        conn.execute(update(t.visits).where(t.visits.c.mdtrt_id == row["mdtrt_id"]).values(status="cancelled"))
        assert codes(conn) == {"C_CANCELLED_SETTLED"}


def test_settled_lines_cancelled(settled_world):
    with planted(settled_world) as conn:
        row = active_settlement(conn)
        conn.execute(update(t.fee_lines).where(t.fee_lines.c.mdtrt_id == row["mdtrt_id"]).values(status="cancelled"))
        assert codes(conn) == {"C_LINES_CANCELLED"}


def last_entry(conn) -> dict:
    """The last entry of a person whose account still holds money."""
    e = t.account_entries
    later = e.alias("later")
    is_last = ~select(later.c.entry_id).where(later.c.psn_no == e.c.psn_no, later.c.seq > e.c.seq).exists()
    return dict(conn.execute(select(e).where(e.c.balance_after_fen > 0, is_last).order_by(e.c.psn_no))
                .mappings().first())


def test_negative_balance(settled_world):
    with planted(settled_world) as conn:
        drop_constraint(conn, settled_world["backend"], "account_entries", "ck_account_entries_not_negative")
        last = last_entry(conn)
        spend = last["balance_after_fen"] + 100
        conn.execute(insert(t.account_entries).values(
            psn_no=last["psn_no"], seq=last["seq"] + 1, prev_seq=last["seq"], amount_fen=-spend,
            balance_before_fen=last["balance_after_fen"], balance_after_fen=-100, kind="adjustment", setl_id=None,
            actor="planted", created_at=dt.datetime(2026, 12, 1)))
        assert "C_NEGATIVE_BALANCE" in codes(conn)


def test_account_chain_that_does_not_add_up(settled_world):
    with planted(settled_world) as conn:
        drop_constraint(conn, settled_world["backend"], "account_entries", "ck_account_entries_adds_up")
        last = last_entry(conn)
        conn.execute(update(t.account_entries).where(t.account_entries.c.entry_id == last["entry_id"])
                     .values(balance_after_fen=last["balance_after_fen"] + 100))
        assert "C_ACCOUNT_CHAIN" in codes(conn)


def test_account_movement_the_settlement_does_not_imply(settled_world):
    with planted(settled_world) as conn:
        row = active_settlement(conn)
        last = last_entry(conn)
        conn.execute(insert(t.account_entries).values(
            psn_no=last["psn_no"], seq=last["seq"] + 1, prev_seq=last["seq"], amount_fen=-1,
            balance_before_fen=last["balance_after_fen"], balance_after_fen=last["balance_after_fen"] - 1,
            kind="acct_pay", setl_id=row["setl_id"], actor="planted", created_at=dt.datetime(2026, 12, 1)))
        assert "C_ACCOUNT_MOVEMENT" in codes(conn)


def test_accumulator_off_by_one(settled_world):
    with planted(settled_world) as conn:
        row = active_settlement(conn)
        a = t.accumulator_entries
        entry_id = conn.execute(select(a.c.entry_id).where(a.c.setl_id == row["setl_id"], a.c.category == "inscp")).scalar()
        conn.execute(update(a).where(a.c.entry_id == entry_id).values(amount=a.c.amount + 1))
        assert codes(conn) == {"C_ACCUMULATOR"}


def test_settlement_without_its_request(settled_world):
    with planted(settled_world) as conn:
        row = active_settlement(conn)
        conn.execute(t.request_log.delete().where(t.request_log.c.fixmedins_code == row["fixmedins_code"],
                                                  t.request_log.c.msgid == row["medins_setl_id"]))
        assert codes(conn) == {"C_REQUEST_LOG"}


def test_overlapping_clearing_applications(settled_world):
    with planted(settled_world) as conn:
        values = dict(fixmedins_code="H00000000001", clr_type="11", setl_cnt=0, medfee_sumamt_fen=0,
                      fund_pay_sumamt_fen=0, acct_pay_fen=0, status="applied", created_at=dt.datetime(2026, 12, 1))
        conn.execute(insert(t.clearing_applications).values(clr_appy_evt_id="CA1", begndate=dt.date(2026, 11, 1),
                                                            enddate=dt.date(2026, 11, 30), **values))
        conn.execute(insert(t.clearing_applications).values(clr_appy_evt_id="CA2", begndate=dt.date(2026, 11, 15),
                                                            enddate=dt.date(2026, 12, 15), **values))
        assert codes(conn) == {"C_CLEARING_OVERLAP"}


def test_unbalanced_ledger(settled_world):
    with planted(settled_world) as conn:
        posting = conn.execute(select(t.ledger_postings.c.posting_id).order_by(t.ledger_postings.c.posting_id)).scalar()
        conn.execute(update(t.ledger_postings).where(t.ledger_postings.c.posting_id == posting)
                     .values(amount_fen=t.ledger_postings.c.amount_fen + 1))
        assert "C_LEDGER" in codes(conn)


def test_cli_exits_1_naming_each_problem(settled_world, tmp_path):
    if settled_world["backend"] != "sqlite":
        pytest.skip("the CLI is exercised once, on a copy of the SQLite world")
    source = settled_world["url"].removeprefix("sqlite:///")
    copy = tmp_path / "corrupt.db"
    with sqlite3.connect(source) as original, sqlite3.connect(copy) as target:
        original.backup(target)
    url = f"sqlite:///{copy}"
    clean = subprocess.run([sys.executable, "-m", "yibao.cli", "check", "--db", url], capture_output=True, text=True)
    assert clean.returncode == 0, clean.stdout + clean.stderr
    database = Database(url)
    with database.write() as conn:
        row = active_settlement(conn)
        conn.execute(update(t.visits).where(t.visits.c.mdtrt_id == row["mdtrt_id"]).values(status="cancelled"))
        conn.execute(update(t.accumulator_entries).where(t.accumulator_entries.c.setl_id == row["setl_id"])
                     .values(amount=t.accumulator_entries.c.amount + 1))
    database.dispose()
    broken = subprocess.run([sys.executable, "-m", "yibao.cli", "check", "--db", url], capture_output=True, text=True)
    assert broken.returncode == 1
    assert "[C_CANCELLED_SETTLED]" in broken.stdout and "[C_ACCUMULATOR]" in broken.stdout
    assert row["mdtrt_id"] in broken.stdout
