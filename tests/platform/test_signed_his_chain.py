"""A HIS proxy that signs like the Guangdong gateway (x-tif headers, nonces of a few random
digits) and posts to …/hsa/hgs/{infno} completes the outpatient chain 9001 → 1101 → 2201 →
2204 → 2207 against the real server, unchanged; a stale, wrong or replayed signature is
refused. On SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import time
from decimal import Decimal

import httpx
import pytest

from yibao.app import actors
from yibao.app.error_codes import code_of
from yibao.app.institution_auth import change_auth_mode
from yibao.app.secret_box import SecretBox, new_platform_key
from yibao.documents.render import dumps
from yibao.sim.his import HisClient, tif_headers
from yibao.store.database import Database
from yibao.store.migrate import upgrade
from yibao.store.unit_of_work import SqlUnitOfWork

from ..conftest import VENDORED_GOLDEN
from ..refusals import answered_refusal
from ..server import Server
from .conftest import new_database_url
from .golden_world import NOW, load_golden_world

KEY = new_platform_key()


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def signed_world(request, tmp_path_factory):
    url = new_database_url(request.param, request, tmp_path_factory)
    database = Database(url)
    upgrade(database)
    work = tmp_path_factory.mktemp("signed")
    [setup] = load_golden_world(database, [VENDORED_GOLDEN / "ex6_retiree_outpatient_pooling.case.json"], work)
    code = setup.institution["fixmedins_code"]
    with SqlUnitOfWork(database, actors.operator("test"), NOW) as uow:
        change = change_auth_mode(uow, code, "x-tif", SecretBox.from_text(KEY))
    server = Server(url, log_path=work / "server.log", env={"YIBAO_SECRET_KEY": KEY}).start()
    yield {"url": server.url, "database_url": url, "server": server, "setup": setup, "institution": dict(setup.institution, secret=change.new_secret)}
    server.stop()
    database.dispose()


def envelope(client: HisClient, infno: str, input_: dict, insuplc: str = "") -> bytes:
    return dumps({"infno": infno, "msgid": client.msgid(), "fixmedins_code": client.code, "sign_no": client.sign_no,
                  "insuplc_admdvs": insuplc, "input": input_}, indent=None).encode()


def test_a_guangdong_signing_proxy_completes_the_outpatient_chain(signed_world):
    setup, person = signed_world["setup"], signed_world["setup"].person
    visit, insuplc = setup.case["visit"], setup.case["visit"]["insuplc_admdvs"]
    with httpx.Client(base_url=signed_world["url"], timeout=30) as http:
        client = HisClient(http, signed_world["institution"], signing="x-tif", path_style="hgs")
        client.sign_in()
        info = client.call("1101", {"data": {"mdtrt_cert_type": "02", "mdtrt_cert_no": person["certno"]}})
        assert info["baseinfo"]["psn_no"] == person["psn_no"]
        begin = f"{dt.date.fromisoformat(visit['begndate']):%Y-%m-%d} 09:00:00"
        registered = client.call("2201", {"data": {
            "psn_no": person["psn_no"], "insutype": person["insutype"], "begntime": begin, "mdtrt_cert_type": "02",
            "mdtrt_cert_no": person["certno"], "ipt_otp_no": "MZ-HGS-0001", "med_type": visit["med_type"]}},
            insuplc_admdvs=insuplc)
        mdtrt_id = registered["data"]["mdtrt_id"]
        lines = [{"feedetl_sn": f"{n:04d}", "mdtrt_id": mdtrt_id, "psn_no": person["psn_no"], "med_list_codg": line["code"],
                  "medins_list_codg": line["code"], "cnt": "1", "pric": f"{line['det_item_fee_sumamt']}",
                  "det_item_fee_sumamt": f"{line['det_item_fee_sumamt']}", "fee_ocur_time": begin, "chrg_bchno": "B1"}
                 for n, line in enumerate(setup.case["lines"], start=1)]
        client.call("2204", {"feedetail": lines}, insuplc_admdvs=insuplc)
        settled = client.call("2207", {"data": {
            "psn_no": person["psn_no"], "mdtrt_id": mdtrt_id, "medfee_sumamt": "550.00", "chrg_bchno": "B1",
            "insutype": person["insutype"], "med_type": visit["med_type"], "acct_used_flag": "1",
            "mdtrt_cert_type": "02", "mdtrt_cert_no": person["certno"], "psn_setlway": "01"}}, insuplc_admdvs=insuplc)
    setlinfo = settled["setlinfo"]
    for field, value in setup.expected["setlinfo"].items():
        assert Decimal(str(setlinfo[field])) == Decimal(value), field
    assert (Decimal(str(setlinfo["hifp_pay"])), Decimal(str(setlinfo["psn_cash_pay"]))) == (Decimal(100), Decimal(250))


def test_stale_wrong_and_replayed_signatures_are_refused(signed_world):
    institution = signed_world["institution"]
    code, secret = institution["fixmedins_code"], institution["secret"]
    with httpx.Client(base_url=signed_world["url"], timeout=30) as http:
        client = HisClient(http, institution, signing="x-tif", path_style="hgs")
        client.sign_in()
        body = envelope(client, "1901", {"data": {"type": "med_type"}})
        now = time.time()

        def post(headers: dict) -> dict:
            answer = http.post("/hsa/hgs/1901", content=body, headers=headers)
            assert answer.status_code == 200
            return answer.json()

        fresh = tif_headers(code, secret, now=now, nonce="37")
        assert post(fresh)["infcode"] == 0
        assert code_of(post(fresh)["err_msg"]) == "AUTH_REPLAY"
        assert code_of(post(tif_headers(code, secret, now=now - 600))["err_msg"]) == "AUTH_STALE_TIMESTAMP"
        assert code_of(post(tif_headers(code, "0" * 32, now=now))["err_msg"]) == "AUTH_BAD_SIGNATURE"
        assert code_of(post({"x-tif-paasid": code, "apikey": secret})["err_msg"]) == "AUTH_MISSING_SIGNATURE"
        apikey_client = HisClient(http, institution, path_style="hgs")  # the old way no longer passes
        with answered_refusal("AUTH_MISSING_SIGNATURE", "x-tif"):
            apikey_client.sign_in()


def test_the_gateway_will_not_start_without_the_platform_key(signed_world):
    with pytest.raises(RuntimeError, match="exited with 2"):
        Server(signed_world["database_url"], env={"YIBAO_SECRET_KEY": ""}).start()


def test_the_conformance_pack_passes_signed_like_guangdong_on_hgs_paths(signed_world):
    """The vendor's pack (sim/conformance.py) signing with x-tif and posting to /hsa/hgs/{infno}:
    the outpatient chain through 5206 and the reversal, and the refusals, all pass unchanged."""
    from yibao.sim.conformance import Subject, report_lines, run_pack

    setup = signed_world["setup"]
    items = {line["code"]: Decimal(str(line["det_item_fee_sumamt"])) for line in setup.case["lines"]}
    subject = Subject(signed_world["institution"], setup.person["certno"], items)
    visit_time = dt.datetime.fromisoformat(setup.case["visit"]["begndate"]).replace(hour=9)
    outcomes = run_pack(signed_world["url"], subject, signing="x-tif", path_style="hgs", visit_time=visit_time)
    assert [o.status for o in outcomes] == ["passed"] * len(outcomes), "\n".join(report_lines(outcomes))
    assert {"5206", "2208"} <= {o.infno for o in outcomes}
