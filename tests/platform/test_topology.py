"""The compose topology as processes (deploy/compose.yaml; no container engine here): one
PostgreSQL, the schema migrated once as its own step, two gateway processes started with
--no-migrate, and a round-robin in front of them standing in for nginx. A HIS's calls
alternate between the two; a settlement's retries and concurrent twins sent to both settle once."""

from __future__ import annotations

import itertools
import threading

import httpx
import pytest
from sqlalchemy import func, select

from yibao.store import tables as t
from yibao.store.database import Database
from yibao.store.migrate import upgrade

from ..conftest import golden_cases
from ..server import Server
from .conftest import named, new_database_url
from .golden_world import load_golden_world
from .walk import walk_golden


class RoundRobin(httpx.BaseTransport):
    """The proxy: each request goes to the next gateway in turn (nginx's default balancing)."""

    def __init__(self, ports: list[int]):
        self.ports = itertools.cycle(ports)
        self.lock = threading.Lock()
        self.inner = httpx.HTTPTransport()
        self.hits: dict[int, int] = {port: 0 for port in ports}

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        with self.lock:
            port = next(self.ports)
            self.hits[port] += 1
        request.url = request.url.copy_with(port=port)
        return self.inner.handle_request(request)


@pytest.fixture(scope="module")
def two_gateways(request, tmp_path_factory):
    url = new_database_url("postgresql", request, tmp_path_factory)
    database = Database(url)
    upgrade(database)  # the deployment's migration step, once, before the gateways start
    work = tmp_path_factory.mktemp("topology")
    setups = load_golden_world(database, golden_cases(), work)
    servers = [Server(url, log_path=work / f"gateway-{n}.log", migrate=False).start() for n in (1, 2)]
    transport = RoundRobin([server.port for server in servers])
    with httpx.Client(base_url=servers[0].url, transport=transport, timeout=30) as http:
        yield {"database": database, "setups": setups, "http": http, "transport": transport}
    for server in servers:
        server.stop()
    database.dispose()


def settlements_of(database: Database, msgid: str) -> int:
    with database.read() as conn:
        return conn.execute(select(func.count()).select_from(t.settlements)
                            .where(t.settlements.c.medins_setl_id == msgid)).scalar_one()


def test_a_visit_walks_across_both_gateways_and_a_retry_on_the_other_settles_once(two_gateways):
    world, http = two_gateways, two_gateways["http"]
    setup = named(world, "ex1a")
    outputs = walk_golden(http, setup, settle=False, suffix="-rr")
    assert all(count >= 3 for count in world["transport"].hits.values()), world["transport"].hits
    client, data = outputs["client"], outputs["data"]
    msgid, insuplc = client.msgid(), setup.case["visit"]["insuplc_admdvs"]
    first = client.call("2304", {"data": data}, insuplc_admdvs=insuplc, msgid=msgid)  # one gateway
    retry = client.call("2304", {"data": data}, insuplc_admdvs=insuplc, msgid=msgid)  # the other
    assert retry["setlinfo"] == first["setlinfo"]
    assert settlements_of(world["database"], msgid) == 1


def test_concurrent_twins_sent_to_both_gateways_settle_once(two_gateways):
    world, http = two_gateways, two_gateways["http"]
    setup = named(world, "ex2a")
    outputs = walk_golden(http, setup, settle=False, suffix="-twins")
    client, data = outputs["client"], outputs["data"]
    msgid, insuplc = client.msgid(), setup.case["visit"]["insuplc_admdvs"]
    before = dict(world["transport"].hits)
    answers, errors = [], []

    def send():
        try:
            answers.append(client.call("2207", {"data": data}, insuplc_admdvs=insuplc, msgid=msgid)["setlinfo"])
        except Exception as exc:  # collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=send) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors and len(answers) == 8
    assert len({answer["setl_id"] for answer in answers}) == 1
    assert all(world["transport"].hits[port] - before[port] == 4 for port in before)
    assert settlements_of(world["database"], msgid) == 1
