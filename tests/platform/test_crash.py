"""Crash tests: kill -9 the gateway under load, and stop PostgreSQL the hard way, then prove
that every settlement the HIS saw succeed exists exactly once, that a retry of an unanswered
request settles it at most once, and that every balance, accumulator and ledger posting still
agrees with the stored settlements (`yibao check`)."""

from __future__ import annotations

import datetime as dt
import threading
import time
import uuid

import httpx
import pytest
from sqlalchemy import func, select

from yibao.app.actors import SYSTEM
from yibao.app.consistency import check_database
from yibao.sim.his import HisClient, TransactionFailed
from yibao.store import tables as t
from yibao.store.database import Database
from yibao.store.migrate import upgrade
from yibao.store.unit_of_work import SqlUnitOfWork

from ..conftest import golden_cases
from ..pgcluster import Cluster, find_bindir
from ..server import Server
from .golden_world import load_golden_world
from .walk import walk_golden


class Load:
    """HIS clients settling outpatient visits in a loop, remembering what they were told."""

    def __init__(self, url: str, setups: list, threads: int = 4):
        self.url, self.setups, self.threads = url, setups, threads
        self.confirmed: dict[str, dict] = {}  # msgid -> setlinfo the HIS received
        self.unanswered: list[tuple[HisClient, str, dict, str]] = []  # (client, msgid, data, insuplc)
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.workers = [threading.Thread(target=self.run, args=(n,), daemon=True) for n in range(threads)]

    def start(self) -> "Load":
        for worker in self.workers:
            worker.start()
        return self

    def run(self, number: int) -> None:
        with httpx.Client(base_url=self.url, timeout=10) as http:
            count = 0
            while not self.stop.is_set():
                setup = self.setups[(number + count) % len(self.setups)]
                count += 1
                try:
                    outputs = walk_golden(http, setup, settle=False, suffix=f"-{uuid.uuid4().hex[:8]}")
                except (httpx.HTTPError, TransactionFailed):
                    time.sleep(0.05)
                    continue
                client, data = outputs["client"], outputs["data"]
                msgid, insuplc = client.msgid(), setup.case["visit"]["insuplc_admdvs"]
                try:
                    setlinfo = client.call("2207", {"data": data}, insuplc_admdvs=insuplc, msgid=msgid)["setlinfo"]
                    with self.lock:
                        self.confirmed[msgid] = setlinfo
                except (httpx.HTTPError, TransactionFailed):
                    with self.lock:
                        self.unanswered.append((client, msgid, data, insuplc))
                    time.sleep(0.05)

    def finish(self) -> None:
        self.stop.set()
        for worker in self.workers:
            worker.join(timeout=30)


def outpatient_setups(world_setups):
    return [s for s in world_setups if s.case["visit"]["med_type"] == "11"]


def verify(database: Database, load: Load, url: str) -> None:
    with database.read() as conn:
        rows = {row["medins_setl_id"]: dict(row) for row in conn.execute(
            select(t.settlements).where(t.settlements.c.kind == "settlement")).mappings()}
    assert load.confirmed, "the load settled nothing before the crash"
    print(f"crash: {len(load.confirmed)} settlements acknowledged, {len(load.unanswered)} unanswered")
    for msgid, setlinfo in load.confirmed.items():
        row = rows.get(msgid)
        assert row is not None, f"settlement {msgid} acknowledged to the HIS is missing"
        assert row["setl_id"] == setlinfo["setl_id"]
    # retry every unanswered settlement with the same msgid: settled at most once, never lost
    with httpx.Client(base_url=url, timeout=30) as http:
        for client, msgid, data, insuplc in load.unanswered:
            client.http = http
            client.sign_in()
            try:
                setlinfo = client.call("2207", {"data": data}, insuplc_admdvs=insuplc, msgid=msgid)["setlinfo"]
                assert setlinfo["medins_setl_id"] == msgid
            except TransactionFailed as refused:
                # the request never reached the database; its visit may since have been settled by
                # nobody else, so the only acceptable refusal is a visible, explained one
                assert refused.code in ("VISIT_SETTLED", "VISIT_NOT_FOUND"), refused.err_msg
    with SqlUnitOfWork(database, SYSTEM, dt.datetime.now(), write=False) as uow:
        assert check_database(uow) == []
    with database.read() as conn:
        per_msgid = conn.execute(select(t.settlements.c.medins_setl_id, func.count())
                                 .where(t.settlements.c.kind == "settlement")
                                 .group_by(t.settlements.c.medins_setl_id).having(func.count() > 1)).all()
    assert per_msgid == []


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_kill_9_the_gateway_under_load(backend, tmp_path, request):
    if backend == "postgresql":
        if find_bindir() is None:
            pytest.skip("PostgreSQL not installed")
        cluster = Cluster(durable=True).start()
        request.addfinalizer(cluster.stop)
        url = cluster.create_database("crash")
    else:
        url = f"sqlite:///{tmp_path}/crash.db"
    database = Database(url)
    upgrade(database)
    setups = outpatient_setups(load_golden_world(database, golden_cases(), tmp_path))
    server = Server(url, workers=2, log_path=tmp_path / "server.log").start()
    load = Load(server.url, setups).start()
    time.sleep(3)
    server.kill()
    time.sleep(0.5)
    load.finish()
    server = Server(url, workers=2, log_path=tmp_path / "server2.log").start()
    try:
        verify(database, load, server.url)
    finally:
        server.stop()
        database.dispose()


def test_postgresql_stopped_hard_under_load(tmp_path, request):
    if find_bindir() is None:
        pytest.skip("PostgreSQL not installed")
    cluster = Cluster(durable=True).start()
    request.addfinalizer(cluster.stop)
    url = cluster.create_database("crash")
    database = Database(url)
    upgrade(database)
    setups = outpatient_setups(load_golden_world(database, golden_cases(), tmp_path))
    server = Server(url, workers=2, log_path=tmp_path / "server.log").start()
    try:
        load = Load(server.url, setups).start()
        time.sleep(2.5)
        cluster.crash()
        time.sleep(1.0)
        cluster.restart()
        time.sleep(2.0)  # the gateway reconnects and the load goes on
        load.finish()
        database.dispose()
        database = Database(url)
        verify(database, load, server.url)
        with httpx.Client(base_url=server.url) as http:
            assert http.get("/health").status_code == 200
    finally:
        server.stop()
        database.dispose()
