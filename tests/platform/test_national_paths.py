"""The URL forms HIS clients post to (gateway/paths.py), through the whole HTTP application in
process: callService with or without the infno and a trailing slash, the Guangdong
…/hsa/hgs/{infno}, the per-service aliases; unknown paths and methods answered with the
national envelope; the agencies' API keeps its own 404."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from fastapi.testclient import TestClient

from yibao.app.importing import import_file
from yibao.app.platform import Platform
from yibao.gateway.app import create_app
from yibao.gateway.dispatch import MAX_BODY_BYTES, Settings
from yibao.store.database import Database
from yibao.store.migrate import upgrade

CODE = "H44130200001"


@pytest.fixture(scope="module")
def http(tmp_path_factory):
    work = tmp_path_factory.mktemp("paths")
    database = Database(f"sqlite:///{work}/yibao.db")
    upgrade(database)
    (work / "institutions.csv").write_text(
        f"fixmedins_code,fixmedins_name,fixmedins_type,medins_lv,admdvs,secret\n{CODE},惠州测试医院,1,2,441302,secret-0001\n",
        encoding="utf-8")
    import_file(database, "institutions", work / "institutions.csv", now=dt.datetime(2026, 12, 1, 9))
    # the demo mode skips credentials: these tests are about paths (test_auth_modes.py is about credentials)
    with TestClient(create_app(Platform(database), Settings(insecure_demo=True))) as client:
        yield client
    database.dispose()


def envelope(infno: str = "1901", msgid: str = "M1") -> bytes:
    return json.dumps({"infno": infno, "msgid": msgid, "fixmedins_code": CODE, "input": {"data": {"type": "med_type"}}},
                      ensure_ascii=False).encode()


@pytest.mark.parametrize("path", [
    "/fsi/api/rsfComIfsService/callService",
    "/fsi/api/rsfComIfsService/callService/",
    "/fsi/api/rsfComIfsService/callService/1901",
    "/fsi/api/rsfComIfsService/callService/1901/",
    "/hsa/hgs/1901",
    "/ebus/gdyb_api/prd/hsa/hgs/1901/",
    "/mbs-fsi/web/api/fsi/callService",
    "/fsi/api/catalogqueryservice/queryDataDic",
])
def test_every_url_form_answers_the_transaction(http, path):
    answer = http.post(path, content=envelope(), follow_redirects=False)
    assert answer.status_code == 200
    body = answer.json()
    assert body["infcode"] == 0 and {"type": "med_type", "value": "11"}.items() <= body["output"]["list"][0].items()


def test_the_path_infno_must_match_the_body(http):
    body = http.post("/hsa/hgs/2207", content=envelope("1901")).json()
    assert body["infcode"] == -1 and "2207" in body["err_msg"] and "1901" in body["err_msg"]
    body = http.post("/fsi/api/outpatientSettleService/saveSettletmentV2", content=envelope("1901")).json()
    assert body["infcode"] == -1 and "2207" in body["err_msg"]


def test_unknown_paths_and_methods_get_the_national_envelope(http):
    for path in ("/fsi/api/unknownService/doIt", "/hsa/hgs", "/hsa/hgs/1901/extra", "/callServiceX"):
        answer = http.post(path, content=envelope())
        assert answer.status_code == 404, path
        body = answer.json()
        assert "detail" not in body and body["infcode"] == -1 and body["output"] is None
        assert body["err_msg"].startswith("未知的接口路径") and "/hsa/hgs/{infno}" in body["err_msg"]
        assert body["inf_refmsgid"].startswith("000000")
    answer = http.get("/fsi/api/rsfComIfsService/callService")
    assert answer.status_code == 405 and answer.json()["err_msg"].startswith("不支持该请求方法")


def test_the_agencies_api_and_dashboard_keep_their_own_answers(http):
    answer = http.get("/admin/api/no-such-thing")  # the admin API's problem+json (docs/admin-api.md), not the envelope
    assert answer.status_code == 404 and answer.headers["content-type"] == "application/problem+json"
    assert (answer.json()["code"], answer.json()["status"]) == ("API_NO_SUCH_PATH", 404)
    assert http.get("/health").json() == {"status": "ok"}


def test_a_body_too_large_on_a_guangdong_path_gets_the_envelope(http):
    answer = http.post("/hsa/hgs/2207", content=b"x" * (MAX_BODY_BYTES + 1))
    assert answer.status_code == 200 and answer.json()["infcode"] == -1 and "请求体过大" in answer.json()["err_msg"]
