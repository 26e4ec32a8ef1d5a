"""Migration 0005 on a database that already holds money: account entries become a chain with
the same balances, later settlements of a visit follow the reversal before them, and the
database then refuses what the constraints forbid. Both backends."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from yibao.store import repository as repo
from yibao.store import tables as t
from yibao.store.database import Database
from yibao.store.migrate import upgrade

from .conftest import new_database_url

NOW = dt.datetime(2026, 11, 30, 12, 0)


def settlement_row(setl_id: str, mdtrt_id: str, kind: str, reverses: str | None, minute: int) -> dict:
    row = {column.name: 0 for column in t.settlements.columns if column.name.endswith("_fen")}
    row.update(setl_id=setl_id, mdtrt_id=mdtrt_id, psn_no="P1", insutype="310", fixmedins_code="H1", med_type="11",
               kind=kind, reverses_setl_id=reverses, medins_setl_id=f"m-{setl_id}", infno="2207",
               setl_time=NOW + dt.timedelta(minutes=minute), year=2026, insuplc_admdvs="441500",
               mdtrtarea_admvs="441500", policy_id=1, scope="local", filing=None, filing_no=None, adjustment="",
               clr_type="11", chrg_bchno="", pool_prop_selfpay="0", detail="{}", trace="[]")
    return row


@pytest.fixture(params=["sqlite", "postgresql"])
def old_database(request, tmp_path_factory):
    database = Database(new_database_url(request.param, request, tmp_path_factory))
    upgrade(database, "0004")
    old_entries = sa.table("account_entries", *(sa.column(name) for name in (
        "psn_no", "amount_fen", "kind", "setl_id", "created_at")))
    with database.write() as conn:
        conn.execute(sa.insert(old_entries), [
            dict(psn_no="P1", amount_fen=10_000, kind="opening", setl_id=None, created_at=NOW),
            dict(psn_no="P2", amount_fen=500, kind="opening", setl_id=None, created_at=NOW),
            dict(psn_no="P1", amount_fen=-2_500, kind="acct_pay", setl_id="S1", created_at=NOW),
            dict(psn_no="P1", amount_fen=2_500, kind="reversal", setl_id="R1", created_at=NOW),
            dict(psn_no="P1", amount_fen=-4_000, kind="acct_pay", setl_id="S2", created_at=NOW),
        ])
        columns = [column.name for column in t.settlements.columns if column.name != "follows_reversal_id"]
        old_settlements = sa.table("settlements", *(sa.column(name) for name in columns))
        conn.execute(sa.insert(old_settlements), [
            settlement_row("S1", "V1", "settlement", None, 1),
            settlement_row("R1", "V1", "reversal", "S1", 2),
            settlement_row("S2", "V1", "settlement", None, 3),
            settlement_row("S9", "V9", "settlement", None, 4),
        ])
    yield database
    database.dispose()


def test_upgrade_chains_accounts_and_settlements(old_database):
    upgrade(old_database)
    with old_database.read() as conn:
        assert repo.account_balances(conn, ["P1", "P2"]) == {"P1": repo.from_fen(6_000), "P2": repo.from_fen(500)}
        chain = conn.execute(sa.select(t.account_entries.c.seq, t.account_entries.c.balance_after_fen)
                             .where(t.account_entries.c.psn_no == "P1").order_by(t.account_entries.c.seq)).all()
        assert chain == [(1, 10_000), (2, 7_500), (3, 10_000), (4, 6_000)]
        follows = dict(conn.execute(sa.select(t.settlements.c.setl_id, t.settlements.c.follows_reversal_id)).all())
        assert follows == {"S1": None, "R1": None, "S2": "R1", "S9": None}
    with old_database.write() as conn:
        after = repo.add_account_entry(conn, "P1", repo.from_fen(-1_000), "acct_pay", "S3", NOW)
        assert after == 5_000


def test_after_upgrade_the_database_refuses_what_the_rules_forbid(old_database):
    upgrade(old_database)
    e = t.account_entries
    below_zero = dict(psn_no="P2", seq=2, prev_seq=1, amount_fen=-600, balance_before_fen=500, balance_after_fen=-100,
                      kind="acct_pay", setl_id=None, actor="", created_at=NOW)
    fork = dict(below_zero, seq=2, amount_fen=-100, balance_after_fen=400)
    wrong_before = dict(below_zero, amount_fen=-100, balance_before_fen=300, balance_after_fen=200)
    second_active = settlement_row("S3", "V9", "settlement", None, 5)
    for row, table in ((below_zero, e), (wrong_before, e), (second_active, t.settlements)):
        with pytest.raises(IntegrityError):
            with old_database.write() as conn:
                conn.execute(sa.insert(table).values(**row))
    with old_database.write() as conn:
        conn.execute(sa.insert(e).values(**fork))
    with pytest.raises(IntegrityError):
        with old_database.write() as conn:
            conn.execute(sa.insert(e).values(**dict(fork, amount_fen=-200, balance_after_fen=300)))
