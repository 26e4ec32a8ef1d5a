"""Running the gateway as a service: liveness and readiness probes, Prometheus metrics summed
over two workers, ``--version``, and a one-line error when the database is unreachable."""

from __future__ import annotations

import re
import subprocess
import sys

import httpx
import pytest
from sqlalchemy import text

from yibao.store.database import Database
from yibao.store.migrate import head_revision

from ..server import Server
from .conftest import new_database_url


@pytest.fixture(scope="module")
def two_workers(request, tmp_path_factory):
    url = new_database_url("postgresql", request, tmp_path_factory)
    server = Server(url, insecure_demo=True, workers=2, log_path=tmp_path_factory.mktemp("ops") / "server.log").start()
    yield {"url": url, "server": server}
    server.stop()


def metric(text_body: str, name: str, **labels) -> float:
    """The value of one sample of the exposition text (0 when absent)."""
    wanted = ",".join(f'{key}="{value}"' for key, value in sorted(labels.items()))
    for line in text_body.splitlines():
        match = re.match(rf"^{name}\{{(.*)\}} (\S+)$", line)
        if match and ",".join(sorted(match.group(1).split(","))) == wanted:
            return float(match.group(2))
    return 0.0


def test_probes_and_metrics_over_two_workers(two_workers):
    base = two_workers["server"].url
    with httpx.Client(base_url=base, timeout=30) as http:
        assert http.get("/health/live").json() == {"status": "ok"}
        assert http.get("/health/ready").json() == {"status": "ready"}
        for number in range(12):  # unknown infno: refused, counted by infno and infcode
            body = {"infno": "9999", "msgid": f"OPS{number:010d}", "fixmedins_code": "H1", "input": {}}
            assert http.post("/fsi/api/rsfComIfsService/callService", json=body).json()["infcode"] == -1
        # each worker counts on its own; a scrape, whichever worker answers it, sees the sum
        scrapes = [http.get("/metrics").text for _ in range(4)]
    for scraped in scrapes:
        assert metric(scraped, "yibao_requests_total", infno="9999", infcode="-1") == 12
        assert metric(scraped, "yibao_request_seconds_count", infno="9999") == 12


def test_not_ready_until_the_schema_is_at_this_code_revision(two_workers):
    database = Database(two_workers["url"])
    try:
        with database.write() as conn:
            conn.execute(text("UPDATE alembic_version SET version_num = '0001'"))
        ready = httpx.get(two_workers["server"].url + "/health/ready", timeout=30)
        assert ready.status_code == 503 and "expected " + head_revision() in ready.json()["reason"]
        assert httpx.get(two_workers["server"].url + "/health/live", timeout=30).status_code == 200
    finally:
        with database.write() as conn:
            conn.execute(text("UPDATE alembic_version SET version_num = :head"), {"head": head_revision()})
        database.dispose()


def test_version_and_an_unreachable_database_in_one_line():
    version = subprocess.run([sys.executable, "-m", "yibao.cli", "--version"], capture_output=True, text=True, timeout=60)
    assert version.returncode == 0 and re.fullmatch(r"yibao \S+\n", version.stdout)
    down = subprocess.run([sys.executable, "-m", "yibao.cli", "check", "--db", "postgresql+psycopg://nobody@127.0.0.1:1/none"],
                          capture_output=True, text=True, timeout=60)
    assert down.returncode == 1
    assert down.stderr.count("\n") == 1 and "[SYSTEM_DATABASE_UNAVAILABLE]" in down.stderr and "Traceback" not in down.stderr
