from __future__ import annotations

import os
import uuid

import pytest

from yibao.store.database import Database
from yibao.store.migrate import upgrade

from ..conftest import golden_cases
from ..pgcluster import Cluster, find_bindir
from ..server import Server
from .golden_world import load_golden_world

IN_CI = os.environ.get("CI") == "true"


@pytest.fixture(scope="session")
def pg_cluster():
    if find_bindir() is None:
        if IN_CI:
            pytest.fail("PostgreSQL is required in CI (.ci/run installs it)")
        pytest.skip("PostgreSQL server binaries not installed")
    cluster = Cluster().start()
    yield cluster
    cluster.stop()


@pytest.fixture(scope="session")
def pg_replica(pg_cluster):
    """A streaming replica of the session's cluster (pg_basebackup -R), started once."""
    replica = pg_cluster.start_replica()
    yield replica
    replica.stop()


def new_database_url(kind: str, request, tmp_path_factory) -> str:
    if kind == "sqlite":
        return f"sqlite:///{tmp_path_factory.mktemp('db')}/yibao.db"
    cluster = request.getfixturevalue("pg_cluster")
    return cluster.create_database(f"t_{uuid.uuid4().hex[:12]}")


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request, tmp_path_factory):
    """An empty, migrated database on each backend (repository and unit-of-work tests)."""
    database = Database(new_database_url(request.param, request, tmp_path_factory))
    upgrade(database)
    yield database
    database.dispose()


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def platform_world(request, tmp_path_factory):
    """A database with the golden cases loaded, and the real server in front of it."""
    url = new_database_url(request.param, request, tmp_path_factory)
    database = Database(url)
    upgrade(database)
    work = tmp_path_factory.mktemp("golden")
    setups = load_golden_world(database, golden_cases(), work)
    server = Server(url, log_path=work / "server.log").start()
    yield {"backend": request.param, "url": server.url, "database": database, "setups": setups,
           "server": server, "log_path": work / "server.log"}
    server.stop()
    database.dispose()


@pytest.fixture
def http(platform_world):
    """An HTTP client to the module's server (the golden world)."""
    import httpx

    with httpx.Client(base_url=platform_world["url"], timeout=30) as client:
        yield client


def named(world, prefix: str):
    """The golden setup whose case name starts with ``prefix``."""
    return next(setup for setup in world["setups"] if setup.name.startswith(prefix))
