"""Cache versions bumped by the database (migration 0008): a worker's remembered policy is used
only while the policies' version read with the request is unchanged, on both backends."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import insert

from yibao.store import repository as repo
from yibao.store import tables as t
from yibao.store.database import Database


DAY = dt.date(2026, 11, 2)


def add_policy(conn, valid_from: dt.date, name: str) -> None:
    conn.execute(insert(t.policies).values(admdvs="371300", insutype="310", valid_from=valid_from, name=name,
                                           document="{}", imported_at=dt.datetime(2026, 11, 1)))


def as_a_request_would(database: Database) -> dict | None:
    """Authenticate-time versions, then the policy lookup, as the dispatcher does."""
    with database.read() as conn:
        token = repo.current_cache_versions.set(read_versions(conn))
        try:
            return repo.policy_row(conn, "371302", "310", DAY)
        finally:
            repo.current_cache_versions.reset(token)


def read_versions(conn) -> dict:
    return {row.name: row.version for row in conn.execute(t.cache_versions.select())}


def test_a_new_policy_bumps_the_version_and_is_seen_by_the_next_request(database):
    with database.write() as conn:
        before = read_versions(conn)
        add_policy(conn, dt.date(2026, 1, 1), "2026 版")
    with database.read() as conn:
        assert read_versions(conn)["policies"] == before["policies"] + 1
    assert as_a_request_would(database)["name"] == "2026 版"
    assert as_a_request_would(database)["name"] == "2026 版"  # now from the cache
    with database.write() as conn:
        add_policy(conn, dt.date(2026, 7, 1), "2026 年 7 月修订")
    assert as_a_request_would(database)["name"] == "2026 年 7 月修订"
    with database.write() as conn:
        rules_before = read_versions(conn)["rules"]
        conn.execute(insert(t.rule_packages).values(admdvs="371300", version="v1", document="{}", source="test",
                                                    imported_at=dt.datetime(2026, 11, 1), refuse_definite=False))
    with database.read() as conn:
        assert read_versions(conn)["rules"] == rules_before + 1
