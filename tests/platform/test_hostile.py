"""Hostile input: generated gateway envelopes (broken JSON, huge inputs, wrong types, unknown
infno, injection strings, other institutions' ids) always get the national error envelope and
change nothing; the admin API (OpenAPI) never answers 500; logs never carry an ID number or a name.

Each class of hostile input an attacker's test run found gets its own test: a chunked body of
any size, integers past 4300 digits, lone surrogates, lists and strings where objects belong,
impossible months, deep nesting inside ``input``, values longer than their columns (refused
alike on SQLite and PostgreSQL), months the dashboard cannot show; and a fuzz run of generated
hostile envelopes (YIBAO_FUZZ_ENVELOPES, default 1000) in-process on both backends."""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import re
import time
import uuid
from pathlib import Path

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from yibao.app.actors import SYSTEM
from yibao.app.agencies import add_agency
from yibao.app.error_codes import code_of
from yibao.gateway.dispatch import TOO_LARGE
from yibao.gateway.dispatch import Dispatcher, Settings
from yibao.app.platform import Platform
from yibao.gateway.readers import FIELD_LENGTHS
from yibao.gateway.registry import TRANSACTIONS
from yibao.sim.his import DISPATCH_PATH, HisClient
from yibao.store import tables as t
from yibao.store.unit_of_work import SqlUnitOfWork

from .conftest import named
from .hostile_envelopes import Generator, prepare
from .snapshot import snapshot

CHINESE = re.compile(r"[\u4e00-\u9fff]")

INJECTIONS = ["' OR '1'='1", "'; DROP TABLE settlements; --", "<script>alert(1)</script>", "../../etc/passwd",
              "\u0000", "%00", "${jndi:ldap://x}", "{{7*7}}", "𠜎" * 50, "9" * 400, "-1", "NaN", "1e309"]
scalars = st.one_of(st.none(), st.booleans(), st.integers(-10**20, 10**20), st.text(max_size=40),
                    st.sampled_from(INJECTIONS), st.floats(allow_nan=False, allow_infinity=False))
json_values = st.recursive(scalars, lambda children: st.one_of(
    st.lists(children, max_size=4), st.dictionaries(st.text(max_size=12), children, max_size=5)), max_leaves=20)
FIELDS = ["psn_no", "mdtrt_id", "setl_id", "medfee_sumamt", "cnt", "pric", "det_item_fee_sumamt", "feedetl_sn",
          "insutype", "med_type", "begntime", "endtime", "mdtrt_cert_type", "mdtrt_cert_no", "omsgid", "oinfno",
          "ipt_otp_no", "ipt_no", "chrg_bchno", "med_list_codg", "trt_dcla_detl_sn", "stmt_begndate", "detail"]
business = st.dictionaries(st.sampled_from(FIELDS), st.one_of(scalars, json_values), max_size=8)
inputs = st.one_of(
    json_values,
    st.fixed_dictionaries({"data": business}),
    st.fixed_dictionaries({"feedetail": st.lists(business, max_size=3)}),
    st.fixed_dictionaries({"mdtrtinfo": business, "diseinfo": st.lists(business, max_size=2)}),
    st.fixed_dictionaries({"druginfo": business, "drugdetail": st.lists(business, max_size=2)}),
    st.text(max_size=60),
)


@pytest.fixture(scope="module")
def hostile(platform_world):
    setup, other = platform_world["setups"][0], platform_world["setups"][1]
    with httpx.Client(base_url=platform_world["url"], timeout=30) as http:
        client = HisClient(http, setup.institution)
        client.sign_in()
    with SqlUnitOfWork(platform_world["database"], SYSTEM, dt.datetime.now()) as uow:
        token = add_agency(uow, "110000", "北京市医疗保障事务中心")
    dispatcher = Dispatcher(Platform(platform_world["database"]), Settings())
    return {"world": platform_world, "client": client, "other": other, "dispatcher": dispatcher,
            "token": f"110000:{token}"}


def envelopes(hostile):
    client = hostile["client"]
    codes = [client.code, hostile["other"].institution["fixmedins_code"], "H00000000000", "", "' OR 1=1"]
    return st.one_of(
        st.binary(max_size=200),
        json_values.map(lambda v: json.dumps(v).encode()),
        st.builds(
            lambda infno, msgid, code, region, sign, data, extra: json.dumps({
                "infno": infno, "msgid": msgid, "fixmedins_code": code, "insuplc_admdvs": region, "sign_no": sign,
                "mdtrtarea_admvs": region, "input": data, **extra}, default=str).encode(),
            st.one_of(st.sampled_from(sorted(t for t in TRANSACTIONS if t != "9001")), st.text(max_size=6), json_values),
            st.one_of(st.text(min_size=1, max_size=45), json_values),
            st.sampled_from(codes),
            st.one_of(st.sampled_from(["", client.institution["admdvs"], "999999"]), json_values),
            st.sampled_from([client.sign_no, "", "nosuchsign"]),
            inputs,
            st.dictionaries(st.text(max_size=10), scalars, max_size=3),
        ),
    )


def test_generated_envelopes_get_the_error_envelope_and_change_nothing(hostile):
    world, dispatcher, client = hostile["world"], hostile["dispatcher"], hostile["client"]
    headers = {"x-tif-paasid": client.code, "apikey": client.institution["secret"]}

    @settings(max_examples=120, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
    @given(body=envelopes(hostile))
    def run(body):
        before = snapshot(world["database"])
        text = dispatcher.handle_bytes(body, headers)
        answer = json.loads(text)
        assert set(answer) >= {"infcode", "inf_refmsgid", "refmsg_time", "respond_time", "err_msg", "output"}
        assert answer["infcode"] in (0, -1)
        assert "Traceback" not in text and code_of(answer["err_msg"]) != "SYSTEM_INTERNAL_ERROR", answer["err_msg"]
        if answer["infcode"] == -1:
            assert answer["err_msg"] and answer["output"] is None
            # every refusal names its code and is not English only
            assert code_of(answer["err_msg"]) and CHINESE.search(answer["err_msg"]), answer["err_msg"]
            assert snapshot(world["database"]) == before

    run()


def test_hostile_requests_over_http_never_500(hostile):
    world, client = hostile["world"], hostile["client"]
    bodies = [b"", b"{", b"[]", b"null", b'"x"', b"\xff\xfe", json.dumps({"infno": "2207"}).encode(),
              json.dumps({"infno": "2207", "msgid": "x", "fixmedins_code": client.code, "input": {"data": "x" * 100000}}).encode(),
              b"{" * 5000 + b"}" * 5000, json.dumps({"infno": "1101", "msgid": "m", "fixmedins_code": client.code,
                                                      "input": {"data": {"mdtrt_cert_type": "02", "mdtrt_cert_no": INJECTIONS[1]}}}).encode()]
    headers = {"content-type": "application/json", "x-tif-paasid": client.code, "apikey": client.institution["secret"]}
    with httpx.Client(base_url=world["url"], timeout=30) as http:
        for body in bodies:
            response = http.post(DISPATCH_PATH, content=body, headers=headers)
            assert response.status_code == 200
            answer = response.json()
            assert answer["infcode"] == -1 and answer["err_msg"]
        huge = http.post(DISPATCH_PATH, content=b"x" * (3 * 1024 * 1024), headers=headers).json()
        assert huge["infcode"] == -1 and "请求体过大" in huge["err_msg"]
        assert http.get("/health").status_code == 200


def test_logs_mask_id_numbers_and_never_name_the_person(hostile):
    world, client = hostile["world"], hostile["client"]
    person = world["setups"][0].person
    headers = {"content-type": "application/json", "x-tif-paasid": client.code, "apikey": client.institution["secret"]}
    with httpx.Client(base_url=world["url"], timeout=30) as http:
        # the person's ID number as a msgid, in the input, and in a refused lookup
        for msgid in (person["certno"], "M-" + person["certno"]):
            message = {"infno": "1101", "msgid": msgid, "fixmedins_code": client.code, "sign_no": client.sign_no,
                       "input": {"data": {"mdtrt_cert_type": "02", "mdtrt_cert_no": person["certno"], "psn_name": person["psn_name"]}}}
            assert http.post(DISPATCH_PATH, content=json.dumps(message), headers=headers).json()["infcode"] == 0
        bad = {"infno": "1101", "msgid": "M2", "fixmedins_code": client.code, "sign_no": client.sign_no,
               "input": {"data": {"mdtrt_cert_type": "02", "mdtrt_cert_no": "110101199003077777"}}}
        assert http.post(DISPATCH_PATH, content=json.dumps(bad), headers=headers).json()["infcode"] == -1
    time.sleep(0.5)
    log = world["log_path"].read_text(encoding="utf-8")
    assert "infno=1101" in log  # the requests were logged …
    assert person["certno"] not in log and "110101199003077777" not in log  # … without the ID numbers
    assert person["psn_name"] not in log
    assert person["certno"][:3] + "*" * 13 in log  # the msgid that was an ID number, masked


admin_schema = schemathesis.pytest.from_fixture("admin_openapi")


@pytest.fixture
def admin_openapi(hostile):
    return schemathesis.openapi.from_url(hostile["world"]["url"] + "/admin/api/openapi.json")


# generated cases per admin operation: small in `make test` (CI), larger in `make fuzz`
ADMIN_EXAMPLES = int(os.environ.get("YIBAO_FUZZ_ADMIN_EXAMPLES", "5"))


@admin_schema.parametrize()
@settings(max_examples=ADMIN_EXAMPLES, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
def test_admin_api_never_answers_500(case, hostile):
    for headers in ({"Authorization": f"Bearer {hostile['token']}"}, {"Authorization": "Bearer 110000:wrong"}, {}):
        response = case.call(base_url=hostile["world"]["url"], headers=headers)
        assert response.status_code < 500, (case.method, case.path, response.status_code, response.text[:300])
        if not headers or headers["Authorization"].endswith(":wrong"):
            assert 400 <= response.status_code < 500, (case.method, case.path, response.status_code)  # never served


def test_nul_characters_are_refused_not_crashed_on(hostile):
    """PostgreSQL stores no NUL character: found by schemathesis as a 500, now a clear refusal."""
    world, client = hostile["world"], hostile["client"]
    with httpx.Client(base_url=world["url"], timeout=30) as http:
        response = http.post("/admin/api/cases/from-findings", json={"finding_ids": ["FD\x00X"]},
                             headers={"Authorization": f"Bearer {hostile['token']}"})
        assert 400 <= response.status_code < 500, response.text
        message = {"infno": "5201", "msgid": "NUL1", "fixmedins_code": client.code, "sign_no": client.sign_no,
                   "insuplc_admdvs": client.institution["admdvs"], "input": {"data": {"psn_no": "P\x00"}}}
        headers = {"content-type": "application/json", "x-tif-paasid": client.code, "apikey": client.institution["secret"]}
        answer = http.post(DISPATCH_PATH, content=json.dumps(message), headers=headers).json()
        assert answer["infcode"] == -1 and "NUL" in answer["err_msg"]


def test_log_formatter_masks_tracebacks_too():
    import logging

    from yibao.logging_setup import MaskingFormatter

    try:
        raise ValueError("lookup failed for 110101199003077777")
    except ValueError:
        import sys

        record = logging.LogRecord("t", logging.ERROR, __file__, 1, "failed for %s", ("110101199003077777",), sys.exc_info())
    text = MaskingFormatter("%(message)s").format(record)
    assert "110101199003077777" not in text and "110*************77" in text


# --- the classes of hostile input found by an attacker's test run -------------------------------------

def auth_headers(hostile) -> dict:
    client = hostile["client"]
    return {"content-type": "application/json", "x-tif-paasid": client.code, "apikey": client.institution["secret"]}


def envelope_text(hostile, infno: str, input_text: str, **fields) -> bytes:
    """An envelope whose ``input`` is spliced in as raw JSON text (numbers json.dumps cannot write)."""
    client = hostile["client"]
    message = {"infno": infno, "msgid": f"H{uuid.uuid4().hex[:20]}", "fixmedins_code": client.code,
               "sign_no": client.sign_no, "insuplc_admdvs": client.institution["admdvs"],
               "mdtrtarea_admvs": client.institution["admdvs"], "opter": "1", "input": "@@INPUT@@", **fields}
    return json.dumps(message).replace('"@@INPUT@@"', input_text).encode("utf-8", "surrogatepass")


def dispatch(hostile, body: bytes) -> dict:
    """In-process: the answer text must be a valid envelope UTF-8 can carry (else a 500 on the wire)."""
    text = hostile["dispatcher"].handle_bytes(body, auth_headers(hostile))
    text.encode("utf-8")
    answer = json.loads(text)
    assert answer["infcode"] in (0, -1) and set(answer) >= {"inf_refmsgid", "err_msg", "output"}
    assert code_of(answer["err_msg"]) != "SYSTEM_INTERNAL_ERROR", answer["err_msg"]
    return answer


def refused(hostile, body: bytes, *words: str) -> str:
    """Refused with a coded Chinese err_msg that holds each of ``words``."""
    answer = dispatch(hostile, body)
    assert answer["infcode"] == -1 and answer["output"] is None, answer
    assert code_of(answer["err_msg"]) and CHINESE.search(answer["err_msg"]), answer["err_msg"]
    for word in words:
        assert word in answer["err_msg"], (word, answer["err_msg"])
    return answer["err_msg"]


class ServerLog:
    """What the real server logged since this object was made."""

    def __init__(self, world):
        self.path: Path = world["log_path"]
        self.start = self.path.stat().st_size

    def text(self) -> str:
        time.sleep(0.3)
        with self.path.open("rb") as handle:
            handle.seek(self.start)
            return handle.read().decode("utf-8", "replace")

    def assert_clean(self) -> None:
        logged = self.text()
        assert "Traceback" not in logged and "internal error" not in logged, logged[-3000:]


def rss_bytes(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS")


def test_a_chunked_body_over_the_limit_is_refused_before_it_is_all_sent(hostile):
    """No Content-Length: the server reads the stream up to the limit and answers at once (the
    old code read all of it: 400 MB → 877 MiB RSS, without logging in)."""
    world = hostile["world"]
    log = ServerLog(world)
    total = 256 * 1024 * 1024
    pid = world["server"].process.pid
    for path, status in ((DISPATCH_PATH, 200), ("/dashboard/login", 413), ("/admin/api/filings", 413)):
        sent = 0

        def stream():
            nonlocal sent
            chunk = b" " * 65536
            while sent < total:
                sent += len(chunk)
                yield chunk

        before = rss_bytes(pid)
        with httpx.Client(base_url=world["url"], timeout=60) as http:
            response = http.post(path, content=stream(), headers=auth_headers(hostile))
        assert response.status_code == status, (path, response.status_code, response.text[:300])
        assert "[ENVELOPE_BODY_TOO_LARGE] 请求体过大，超过 2 MB" in response.text
        if path == DISPATCH_PATH:
            answer = response.json()
            assert answer["infcode"] == -1 and answer["output"] is None and answer["err_msg"] == TOO_LARGE
        assert sent < total // 4, f"{path}: the client sent {sent >> 20} MiB before the answer"
        assert rss_bytes(pid) - before < 64 * 1024 * 1024, f"{path}: the server grew by {(rss_bytes(pid) - before) >> 20} MiB"
    with httpx.Client(base_url=world["url"], timeout=30) as http:
        assert http.get("/health").status_code == 200
    log.assert_clean()


def test_integers_past_4300_digits_are_refused_with_the_field_named(hostile):
    digits = "9" * 5000
    refused(hostile, envelope_text(hostile, "1312", '{"data": {"page_num": %s}}' % digits), "input.data.page_num")
    refused(hostile, envelope_text(hostile, "1101", '{"data": {"mdtrt_cert_type": "02", "mdtrt_cert_no": %s}}' % digits),
            "input.data.mdtrt_cert_no", "longer than 50")
    refused(hostile, envelope_text(hostile, "1312", json.dumps('{"data": {"page_size": -%s}}' % digits)),
            "input.data.page_size")  # inside input given as a string
    refused(hostile, envelope_text(hostile, "1312", "{}").replace(b'"msgid": "', b'"msgid": ' + digits.encode() + b', "x": "'),
            "[ENVELOPE_MSGID_TOO_LONG] 报文ID msgid 超过 40 个字符")
    for exponent in ("1e999999999", "-1e999999999", "1e-999999999", "1E+400"):
        refused(hostile, envelope_text(hostile, "1312", '{"data": {"page_num": %s}}' % exponent), "input.data.page_num")
    # over HTTP: an answer, not a 500, and the connection still serves the next request
    log = ServerLog(hostile["world"])
    with httpx.Client(base_url=hostile["world"]["url"], timeout=30) as http:
        for _ in range(2):
            response = http.post(DISPATCH_PATH, content=envelope_text(hostile, "1312", '{"data": {"page_num": %s}}' % digits),
                                 headers=auth_headers(hostile))
            assert response.status_code == 200 and response.json()["infcode"] == -1
            assert "input.data.page_num" in response.json()["err_msg"]
        ok = http.post(DISPATCH_PATH, content=envelope_text(hostile, "1901", '{"data": {"type": "insutype"}}'),
                       headers=auth_headers(hostile))
        assert ok.status_code == 200 and ok.json()["infcode"] == 0
    log.assert_clean()


def test_lone_surrogates_are_refused_with_the_field_named(hostile):
    five = '{"data": {"psn_no": %s}}'
    refused(hostile, envelope_text(hostile, "5201", five % '"\\ud800"'), "input.data.psn_no", "代理项")
    refused(hostile, envelope_text(hostile, "5201", five % '"P\\udfffQ"'), "input.data.psn_no", "U+DFFF")
    refused(hostile, envelope_text(hostile, "5201", five % '"P\ud800"'), "input.data.psn_no", "代理项")  # raw bytes ED A0 80
    refused(hostile, envelope_text(hostile, "5201", json.dumps(five % '"\\ud800"')), "input.data.psn_no", "代理项")
    refused(hostile, envelope_text(hostile, "5201", '{"data": {"\\ud800": 1}}'), "input.data", "字段名")
    refused(hostile, envelope_text(hostile, "5201", "{}", msgid="\ud800"), "msgid", "代理项")
    refused(hostile, envelope_text(hostile, "5201", five % '"\\u0000"'), "input.data.psn_no", "NUL")
    log = ServerLog(hostile["world"])
    with httpx.Client(base_url=hostile["world"]["url"], timeout=30) as http:
        for body in (envelope_text(hostile, "5201", five % '"\\ud800"'), envelope_text(hostile, "5201", five % '"P\ud800"'),
                     envelope_text(hostile, "99\\ud800", "{}")):
            response = http.post(DISPATCH_PATH, content=body, headers=auth_headers(hostile))
            assert response.status_code == 200 and response.json()["infcode"] == -1, response.text
        response = http.post(DISPATCH_PATH + "/%ED%A0%80", content=envelope_text(hostile, "5201", "{}"), headers=auth_headers(hostile))
        assert response.status_code == 200 and response.json()["infcode"] == -1
        # the infno in the path must be the envelope's (the gateway's fast path reads it as FastAPI did)
        response = http.post(DISPATCH_PATH + "/5202", content=envelope_text(hostile, "5201", "{}"), headers=auth_headers(hostile))
        assert response.status_code == 200 and response.json()["err_msg"].startswith(
            "[ENVELOPE_INFNO_MISMATCH] 报文 infno 5201 与路径中的交易编号 5202 不一致")
        response = http.post(DISPATCH_PATH + "/5201/x", content=envelope_text(hostile, "5201", "{}"), headers=auth_headers(hostile))
        assert response.status_code == 404
    log.assert_clean()


def test_lists_and_strings_where_objects_belong_are_refused_with_the_field_named(hostile):
    cases = [
        ("9001", '{"signIn": [1]}', {}, "input.signIn 应为对象"),
        ("9001", '{"signIn": 5}', {}, "input.signIn 应为对象"),
        ("9001", '{"signIn": "[1, 2]"}', {}, "input.signIn 应为对象"),
        ("9001", '{"signIn": "x"}', {}, "[INPUT_NOT_JSON] input.signIn 是字符串但不是有效的 JSON"),
        ("9001", '{"signIn": {"opter_no": [1]}}', {}, "[INPUT_NOT_STRING] input.signIn.opter_no 必须是字符串"),
        ("9001", '{"signIn": {}}', {"opter": [1]}, "[INPUT_NOT_STRING] opter 必须是字符串"),
        ("9001", '{"signIn": {}}', {"opter": {"a": 1}}, "[INPUT_NOT_STRING] opter 必须是字符串"),
        ("9001", '{"signIn": {}}', {"opter": "x" * 31}, "[INPUT_TOO_LONG] opter 超过 30 个字符"),
        ("9002", '{"signOut": []}', {}, "input.signOut 应为对象"),
        ("9002", '{"signOut": "x"}', {}, "input.signOut 应为对象"),
        ("1101", '{"data": [1]}', {}, "[INPUT_NOT_OBJECT] input.data 应为对象"),
        ("1101", '{"data": "x"}', {}, "[INPUT_NOT_JSON] input.data 是字符串但不是有效的 JSON"),
        ("2204", '{"feedetail": [1, 2]}', {}, "[INPUT_NOT_OBJECT_ARRAY] input.feedetail 应为对象数组"),
        ("2201", '{"data": {"psn_no": ["P1"]}}', {}, "[INPUT_NOT_STRING] input.data.psn_no 必须是字符串"),
        ("2204", '{"feedetail": [{"mdtrt_id": "X", "psn_no": "P"}, {"mdtrt_id": "X", "psn_no": {"a": 1}}]}', {},
         "[INPUT_NOT_STRING] input.feedetail[1].psn_no 必须是字符串"),
        ("3202", '{"data": {"stmt_begndate": "2026-11-01", "stmt_enddate": "2026-11-30", "detail": ["x"]}}', {},
         "[INPUT_NOT_OBJECT] input.data.detail[0] 应为对象"),
        ("1312", '{"data": {"page_num": [1]}}', {}, "[INPUT_NOT_NUMBER] input.data.page_num 必须是数字"),
        ("5201", '{"data": {"psn_no": "P", "begntime": {"a": 1}}}', {}, "[INPUT_NOT_DATETIME] input.data.begntime 不是日期时间"),
    ]
    for infno, input_text, fields, words in cases:
        refused(hostile, envelope_text(hostile, infno, input_text, **fields), words)


def test_impossible_months_and_dates_are_refused(hostile):
    base = {"clr_type": "11", "medfee_sumamt": "0.00", "fund_appy_sum": "0.00"}
    for setlym, words in (("202413", "input.data.setlym 应为 yyyyMM"), ("202400", "input.data.setlym 应为 yyyyMM"),
                          ("²²²²²²", "input.data.setlym 应为 yyyyMM"), ("000001", "input.data.setlym 年份超出范围"),
                          ("999912", "input.data.setlym 年份超出范围"), ("2024133", "input.data.setlym 超过 6 个字符")):
        refused(hostile, envelope_text(hostile, "3203", json.dumps({"data": dict(base, setlym=setlym)})), words)
    refused(hostile, envelope_text(hostile, "5206", '{"data": {"psn_no": "P", "cum_ym": "²²²²²²"}}'), "input.data.cum_ym 应为 yyyyMM")
    for begin, end in (("9999-12-30", "9999-12-31"), ("0001-01-01", "0001-01-02")):
        refused(hostile, envelope_text(hostile, "3201", json.dumps({"data": {"stmt_begndate": begin, "stmt_enddate": end,
                                                                              "medfee_sumamt": 0, "fund_pay_sumamt": 0}})),
                "input.data.stmt_begndate 超出范围")


def test_deep_nesting_inside_the_input_string_is_refused(hostile):
    for depth in (100, 5000):  # past the checker's 64 levels; past what the JSON parser can follow
        deep = "[" * depth + "]" * depth
        inner = "input.data" if depth == 100 else "input"  # the parser stops without knowing where
        refused(hostile, envelope_text(hostile, "1101", json.dumps(deep)), "input", "嵌套过深")
        refused(hostile, envelope_text(hostile, "1101", json.dumps('{"data": %s}' % deep)), inner, "嵌套过深")
        refused(hostile, envelope_text(hostile, "1101", json.dumps({"data": deep})), "input.data", "嵌套过深")
        refused(hostile, envelope_text(hostile, "1101", '{"data": %s}' % deep), "嵌套过深")
        refused(hostile, envelope_text(hostile, "2201", json.dumps({"data": {"psn_no": "P", "exp_content": deep}})),
                "input.data.exp_content", "嵌套过深")
    refused(hostile, b"[" * 100000 + b"]" * 100000, "嵌套过深")


# Each stored input field and the column that stores it (store/tables.py).
STORED_FIELDS = {
    "psn_no": t.visits.c.psn_no, "mdtrt_id": t.fee_lines.c.mdtrt_id, "ipt_otp_no": t.visits.c.ipt_otp_no,
    "ipt_no": t.visits.c.ipt_otp_no, "feedetl_sn": t.fee_lines.c.feedetl_sn, "init_feedetl_sn": t.fee_lines.c.init_feedetl_sn,
    "chrg_bchno": t.fee_lines.c.chrg_bchno, "med_list_codg": t.fee_lines.c.med_list_codg,
    "medins_list_codg": t.fee_lines.c.medins_list_codg, "insutype": t.visits.c.insutype, "med_type": t.visits.c.med_type,
    "dise_codg": t.visits.c.dise_codg, "dise_name": t.visits.c.dise_name, "diag_code": t.diagnoses.c.diag_code,
    "diag_type": t.diagnoses.c.diag_type, "diag_srt_no": t.diagnoses.c.diag_srt_no, "diag_name": t.diagnoses.c.diag_name,
    "maindiag_flag": t.diagnoses.c.maindiag_flag, "opter_no": t.sign_ins.c.opter_no, "opter": t.sign_ins.c.opter_no,
    "opsp_dise_code": t.qualifications.c.opsp_dise_code, "opsp_dise_name": t.qualifications.c.opsp_dise_name,
    "mdtrtarea_admdvs": t.filings.c.dest_admdvs, "clr_type": t.clearing_applications.c.clr_type, "memo": t.filings.c.end_reason,
    "omsgid": t.request_log.c.msgid, "sign_no": t.sign_ins.c.sign_no,
    "fixmedins_hilist_id": t.list_mappings.c.medins_list_codg, "fixmedins_hilist_name": t.list_mappings.c.medins_list_name,
    "list_type": t.list_mappings.c.list_type, "filename": t.exchange_files.c.filename,
    "file_qury_no": t.exchange_files.c.file_qury_no,
    "hosp_dept_codg": t.departments.c.hosp_dept_codg, "hosp_dept_name": t.departments.c.hosp_dept_name,
    "caty": t.departments.c.caty, "itro": t.departments.c.itro, "dept_resper_name": t.departments.c.dept_resper_name,
    "dept_resper_tel": t.departments.c.dept_resper_tel, "dept_med_serv_scp": t.departments.c.dept_med_serv_scp,
    "poolarea_no": t.departments.c.poolarea_no, "biz_appy_type": t.designated_filings.c.biz_appy_type,
    "fix_srt_no": t.designated_filings.c.fix_srt_no, "fixmedins_code": t.designated_filings.c.fixmedins_code,
    "setl_id": t.setl_lists.c.setl_id, "medcasno": t.setl_lists.c.medcasno, "hi_paymtd": t.setl_lists.c.hi_paymtd,
    "stas_type": t.setl_list_statuses.c.stas_type, "adm_cond_type": t.coded_diagnoses.c.adm_cond_type,
    "oprn_oprt_type": t.coded_operations.c.oprn_oprt_type, "oprn_oprt_code": t.coded_operations.c.oprn_oprt_code,
    "oprn_oprt_name": t.coded_operations.c.oprn_oprt_name, "anst_way": t.coded_operations.c.anst_way,
    "oper_dr_code": t.coded_operations.c.oper_dr_code, "oper_dr_name": t.coded_operations.c.oper_dr_name,
    "anst_dr_code": t.coded_operations.c.anst_dr_code, "anst_dr_name": t.coded_operations.c.anst_dr_name,
}


def test_every_stored_field_is_limited_to_its_column():
    for name, column in STORED_FIELDS.items():
        assert name in FIELD_LENGTHS, name
        assert FIELD_LENGTHS[name] <= column.type.length, (name, FIELD_LENGTHS[name], column)


def test_too_long_values_are_refused_alike_on_sqlite_and_postgresql(hostile):
    """Old code: SQLite stored a 31..200-character value that PostgreSQL refused. Now both refuse
    one character over the column with the same message, and both store a value of exactly its length."""
    world = hostile["world"]
    person = world["setups"][0].person
    now = f"{dt.datetime.now():%Y-%m-%d %H:%M:%S}"

    def register() -> str:
        answer = dispatch(hostile, envelope_text(hostile, "2201", json.dumps({"data": {
            "psn_no": person["psn_no"], "insutype": person["insutype"], "begntime": now, "ipt_otp_no": uuid.uuid4().hex}})))
        assert answer["infcode"] == 0, answer["err_msg"]
        return answer["output"]["data"]["mdtrt_id"]

    def x(field: str, extra: int = 0) -> str:
        return "7" * (FIELD_LENGTHS[field] + extra)

    cases = {  # field: (infno, input for a value of that length, where)
        "ipt_otp_no": ("2201", lambda v, _: {"data": {"psn_no": person["psn_no"], "insutype": person["insutype"],
                                                      "begntime": now, "ipt_otp_no": v}}, "input.data"),
        "dise_name": ("2201", lambda v, _: {"data": {"psn_no": person["psn_no"], "insutype": person["insutype"], "begntime": now,
                                                     "ipt_otp_no": uuid.uuid4().hex, "dise_name": v}}, "input.data"),
        "ipt_no": ("2401", lambda v, _: {"mdtrtinfo": {"psn_no": person["psn_no"], "insutype": person["insutype"],
                                                       "begntime": now, "med_type": "21", "ipt_no": v}}, "input.mdtrtinfo"),
        "opter_no": ("9001", lambda v, _: {"signIn": {"opter_no": v}}, "input.signIn"),
        "opsp_dise_code": ("2503", lambda v, _: {"data": {"psn_no": person["psn_no"], "opsp_dise_code": v,
                                                          "begndate": "2026-01-01"}}, "input.data"),
        "opsp_dise_name": ("2503", lambda v, _: {"data": {"psn_no": person["psn_no"], "opsp_dise_code": uuid.uuid4().hex[:20],
                                                          "opsp_dise_name": v, "begndate": "2026-01-01"}}, "input.data"),
        "insutype": ("2503", lambda v, _: {"data": {"psn_no": person["psn_no"], "opsp_dise_code": uuid.uuid4().hex[:20],
                                                    "insutype": v, "begndate": "2026-01-01"}}, "input.data"),
    }
    for field in ("diag_code", "diag_name", "diag_type", "diag_srt_no", "maindiag_flag"):
        cases[field] = ("2203", lambda v, visit, field=field: {
            "mdtrtinfo": {"mdtrt_id": visit, "psn_no": person["psn_no"], "med_type": "11"},
            "diseinfo": [dict({"diag_code": "J06.900"}, **{field: v})]}, "input.diseinfo[0]")
    for field in ("feedetl_sn", "med_list_codg", "medins_list_codg", "chrg_bchno"):
        cases[field] = ("2204", lambda v, visit, field=field: {"feedetail": [dict({
            "feedetl_sn": uuid.uuid4().hex[:20], "mdtrt_id": visit, "psn_no": person["psn_no"], "chrg_bchno": "B1",
            "med_list_codg": "XX", "cnt": 1, "pric": 1, "det_item_fee_sumamt": 1, "fee_ocur_time": now}, **{field: v})]},
            "input.feedetail[0]")
    for field, (infno, build, where) in cases.items():
        visit = register() if infno in ("2203", "2204") else ""
        before = snapshot(world["database"])
        message = refused(hostile, envelope_text(hostile, infno, json.dumps(build(x(field, 1), visit))))
        assert message.startswith(f"[INPUT_TOO_LONG] {where}.{field} 超过 {FIELD_LENGTHS[field]} 个字符"), (field, message)
        assert snapshot(world["database"]) == before
        value = x(field) if field not in ("ipt_otp_no", "ipt_no") else uuid.uuid4().hex + x(field)[32:]
        answer = dispatch(hostile, envelope_text(hostile, infno, json.dumps(build(value, visit))))
        assert code_of(answer["err_msg"]) not in ("INPUT_TOO_LONG", "ENVELOPE_VALUE_NOT_STORABLE"), (field, answer["err_msg"])
        if field not in ("insutype",):  # 2503 with a 3-character insutype the person lacks is a business refusal
            assert answer["infcode"] == 0, (field, answer["err_msg"])
    refused(hostile, envelope_text(hostile, "9001", '{"signIn": {}}', opter=x("opter", 1)), "[INPUT_TOO_LONG] opter 超过 30 个字符")
    assert dispatch(hostile, envelope_text(hostile, "9001", '{"signIn": {}}', opter=x("opter")))["infcode"] == 0
    refused(hostile, envelope_text(hostile, "1101", "{}", msgid="m" * 41), "[ENVELOPE_MSGID_TOO_LONG] 报文ID msgid 超过 40 个字符")
    long_msgid = dispatch(hostile, envelope_text(hostile, "9001", '{"signIn": {}}', msgid=uuid.uuid4().hex + "m" * 8))
    assert long_msgid["infcode"] == 0, long_msgid["err_msg"]  # a 40-character msgid is stored (request_log.msgid)


def login_cookie(hostile, http: httpx.Client) -> None:
    code, token = hostile["token"].split(":", 1)
    response = http.post("/dashboard/login", data={"agency_code": code, "token": token})
    assert response.status_code == 303 and response.headers["location"] == "/dashboard", response.text


def test_months_and_dates_out_of_range_are_refused_by_the_dashboard_and_the_admin_api(hostile):
    world = hostile["world"]
    log = ServerLog(world)
    auth = {"Authorization": f"Bearer {hostile['token']}"}
    with httpx.Client(base_url=world["url"], timeout=30) as http:
        login_cookie(hostile, http)
        assert http.get("/dashboard", params={"month": "2026-11"}).status_code == 200
        for month in ("9999-12", "0001-01", "2100-01", "1999-12"):
            page = http.get("/dashboard", params={"month": month})
            assert page.status_code == 400 and "月份应在 2000-01 至 2099-12 之间" in page.text, (month, page.status_code)
        assert http.post("/dashboard/login", data={"agency_code": "11\x00000", "token": "x"}).status_code == 303
        for path in ("/admin/api/stats/flows?month=9999-12", "/admin/api/clearing/9999-12", "/admin/api/clearing/2024-13"):
            response = http.get(path, headers=auth)
            assert response.status_code == 422 and "月份应为 YYYY-MM" in response.text, (path, response.status_code)
        assert http.post("/admin/api/clearing/9999-12/run", headers=auth).status_code == 422
        response = http.get("/admin/api/stats/supervision", params={"from": "9999-01-01", "to": "9999-12-31"}, headers=auth)
        assert response.status_code == 422, response.text
        person = world["setups"][0].person
        response = http.post("/admin/api/filings", headers=auth, json={
            "psn_no": person["psn_no"], "filing_type": "temporary_other", "dest_admdvs": "500000", "begndate": "9999-12-01"})
        assert response.status_code == 422, response.text
        for notice in ({"format": "yibao-case-notice/1", "case": {"subject_type": "person", "subject_id": [1]}},
                       {"format": "yibao-case-notice/1", "case": {"subject_type": "person", "subject_id": "P" * 31}},
                       {"format": "yibao-case-notice/1", "case": {"subject_type": "person", "subject_id": "P1",
                                                                  "amount_fen": 10 ** 20}},
                       {"format": "yibao-case-notice/1", "from_admdvs": "x" * 30, "case": {"subject_type": "person",
                                                                                            "subject_id": "P1"}}):
            response = http.post("/admin/api/notices", headers=auth, json=notice)
            assert response.status_code == 422, (notice, response.status_code, response.text)
        response = http.post("/admin/api/notices", headers={**auth, "content-type": "application/json"},
                             content=b'{"format": "yibao-case-notice/1", "case": {"subject_id": "\\ud800"}}')
        assert response.status_code == 422, response.text
    log.assert_clean()


def test_fuzzed_hostile_envelopes_get_valid_envelopes_and_log_no_traceback(hostile, caplog):
    """N generated hostile envelopes (YIBAO_FUZZ_ENVELOPES, default 1000) in-process on this
    backend; bench/fuzz_envelopes.py runs the same generator at 12,000 per backend."""
    world = hostile["world"]
    dispatcher = Dispatcher(Platform(world["database"]), Settings())
    context = prepare(dispatcher, named(world, "ex4a"))
    generator = Generator(context, seed=int(os.environ.get("YIBAO_FUZZ_SEED", "1")))
    caplog.set_level(logging.WARNING)
    answered = 0
    for _ in range(int(os.environ.get("YIBAO_FUZZ_ENVELOPES", "1000"))):
        body, headers, infno = generator.envelope()
        text = dispatcher.handle_bytes(body, headers)
        text.encode("utf-8")
        answer = json.loads(text)
        assert answer["infcode"] in (0, -1) and set(answer) >= {"inf_refmsgid", "refmsg_time", "err_msg", "output"}, text[:300]
        assert code_of(answer["err_msg"]) != "SYSTEM_INTERNAL_ERROR", (infno, body[:500], answer["err_msg"])
        assert answer["infcode"] == 0 or answer["err_msg"], text[:300]
        answered += answer["infcode"] == 0
        errors = [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]
        assert not errors, (infno, body[:500], caplog.text[-2000:])
    assert answered > 0  # the generated envelopes reach the handlers (some are answered)
