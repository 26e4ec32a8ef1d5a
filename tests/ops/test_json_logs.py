"""Structured logs: one JSON object per line, ID numbers masked in the message, the fields and
tracebacks; the access log records each request through the ASGI wrapper."""

from __future__ import annotations

import io
import json
import logging

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from yibao.gateway.access_log import AccessLog
from yibao.logging_setup import configure

CERTNO = "110101199003071234"


@pytest.fixture
def json_stream(monkeypatch):
    monkeypatch.setenv("YIBAO_ACCESS_LOG", "1")
    stream = io.StringIO()
    configure("INFO", log_format="json", stream=stream)
    yield stream
    configure("WARNING", log_format="text")


def records(stream: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_each_record_is_one_json_line_with_the_id_number_masked(json_stream):
    logging.getLogger("yibao.test").warning("person %s refused", CERTNO)
    try:
        raise ValueError(f"bad certno {CERTNO}")
    except ValueError:
        logging.getLogger("yibao.test").exception("failed for %s", CERTNO)
    first, second = records(json_stream)
    assert first["level"] == "WARNING" and first["logger"] == "yibao.test"
    assert first["msg"] == "person 110*************34 refused"
    assert second["msg"] == "failed for 110*************34" and "ValueError: bad certno 110*************34" in second["exc"]
    assert CERTNO not in json_stream.getvalue()


def test_the_access_log_records_method_path_status_and_masks_the_path(json_stream):
    inner = FastAPI()

    @inner.get("/persons/{certno}")
    def person(certno: str):
        return {"ok": True}

    with TestClient(AccessLog(inner)) as client:
        assert client.get(f"/persons/{CERTNO}").status_code == 200
        assert client.get("/nowhere").status_code == 404
    found = [r for r in records(json_stream) if r["logger"] == "yibao.access"]
    assert [(r["method"], r["path"], r["status"]) for r in found] == [
        ("GET", "/persons/110*************34", 200), ("GET", "/nowhere", 404)]
    assert all(r["duration_ms"] >= 0 and isinstance(r["worker"], int) for r in found)
    assert CERTNO not in json_stream.getvalue()
