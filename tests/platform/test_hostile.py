"""Hostile input: generated gateway envelopes (broken JSON, huge inputs, wrong types, unknown
infno, injection strings, other institutions' ids) always get the national error envelope and
change nothing; the admin API (OpenAPI) never answers 500; logs never carry an ID number or a name."""

from __future__ import annotations

import json
import time

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from yibao.app.agencies import add_agency
from yibao.app.dispatch import Dispatcher, Settings
from yibao.app.platform import Platform
from yibao.app.transactions import TRANSACTIONS
from yibao.sim.his import DISPATCH_PATH, HisClient

from .snapshot import snapshot

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
    with platform_world["database"].write() as conn:
        token = add_agency(conn, "110000", "北京市医疗保障事务中心")
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
        assert "Traceback" not in text and "internal error" not in answer["err_msg"], answer["err_msg"]
        if answer["infcode"] == -1:
            assert answer["err_msg"] and answer["output"] is None
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
        assert huge["infcode"] == -1 and "too large" in huge["err_msg"]
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


@admin_schema.parametrize()
@settings(max_examples=15, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
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
