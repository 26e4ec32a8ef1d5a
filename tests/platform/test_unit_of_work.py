"""The SQL unit of work on both backends: commit on a normal exit, nothing on a refusal, and
subject repositories found by name (store/unit_of_work.py)."""

from __future__ import annotations

import datetime as dt

import pytest

from yibao.app.actors import operator
from yibao.app.errors import GatewayError
from yibao.store.unit_of_work import SqlUnitOfWork


NOW = dt.datetime(2026, 12, 1, 9, 0)


def action_count(database) -> int:
    with SqlUnitOfWork(database, operator("reader"), NOW, write=False) as uow:
        return len(uow.action_log.entries())


def test_an_action_commits_with_its_actor_and_a_refusal_leaves_nothing(database):
    with SqlUnitOfWork(database, operator("王五"), NOW) as uow:
        uow.actions.record("test.done", "subject-1", {"n": 1})
    with pytest.raises(GatewayError):
        with SqlUnitOfWork(database, operator("王五"), NOW) as uow:
            uow.actions.record("test.refused", "subject-2", {})
            raise GatewayError("拒绝")
    with SqlUnitOfWork(database, operator("reader"), NOW, write=False) as uow:
        rows = uow.action_log.entries()
    assert [(row["action"], row["actor_kind"], row["actor_party"]) for row in rows] == [("test.done", "operator", "王五")]


def test_subject_repositories_are_found_by_name_and_only_inside_the_unit(database):
    uow = SqlUnitOfWork(database, operator("reader"), NOW, write=False)
    with pytest.raises(AttributeError):
        uow.action_log  # noqa: B018  (no connection outside the with block)
    with uow:
        assert uow.action_log is uow.action_log  # built once per unit
        with pytest.raises(AttributeError, match="no repository named"):
            uow.no_such_subject  # noqa: B018


def test_a_unit_joining_an_open_transaction_commits_or_rolls_back_with_it(database):
    with pytest.raises(RuntimeError):
        with database.write() as conn:
            with SqlUnitOfWork.joining(conn, operator("网关"), NOW) as uow:
                uow.actions.record("test.joined", "rolled-back", {})
            raise RuntimeError("the outer transaction fails")
    with database.write() as conn:
        with SqlUnitOfWork.joining(conn, operator("网关"), NOW) as uow:
            uow.actions.record("test.joined", "kept", {})
    with SqlUnitOfWork(database, operator("reader"), NOW, write=False) as uow:
        assert [row["subject"] for row in uow.action_log.entries(action="test.joined")] == ["kept"]


def test_two_lifts_of_one_sanction_at_once_lift_it_once(database):
    """The sanction row is locked before the lift decides (docs/locking.md, rank 8): of two
    concurrent lifts one succeeds and the other is refused, with one action-log row."""
    import threading

    from sqlalchemy import insert

    from yibao.app import supervision
    from yibao.store import tables as t

    with database.write() as conn:
        conn.execute(insert(t.institutions).values(fixmedins_code="H1", fixmedins_name="医院", fixmedins_type="1",
                                                   medins_lv="3", admdvs="440300", secret_salt="s", secret_hash="h"))
    with SqlUnitOfWork(database, operator("王五"), NOW) as uow:
        sanction_id = supervision.sanction(uow, subject_type="institution", subject_id="H1", kind="suspend",
                                           begndate=NOW.date(), enddate=NOW.date(), reason="测试", case_id=None)["sanction_id"]
    outcomes = []

    def second_lift():
        try:
            with SqlUnitOfWork(database, operator("赵六"), NOW) as uow:
                supervision.lift(uow, sanction_id)
            outcomes.append("lifted")
        except GatewayError as refusal:
            outcomes.append(refusal.code)

    # The first lift is made but not committed when the second starts: the second waits for the
    # row (PostgreSQL) or the write lock (SQLite), then reads the lift the first committed.
    with SqlUnitOfWork(database, operator("王五"), NOW) as first:
        supervision.lift(first, sanction_id)
        second = threading.Thread(target=second_lift)
        second.start()
        second.join(timeout=0.5)
        assert second.is_alive(), "the second lift did not wait for the first"
    second.join()
    assert outcomes == ["SUPERVISION_SANCTION_LIFTED"]
    with SqlUnitOfWork(database, operator("reader"), NOW, write=False) as uow:
        assert len(uow.action_log.entries(action="sanction.lift")) == 1
