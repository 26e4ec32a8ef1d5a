"""E-vouchers end to end over HTTP against the real server, on both backends: the agency
activates a voucher and issues a token; the hospital reads the person with mdtrt_cert_type 01
and that token (1101), registers (2201), uploads fees (2204) and settles (2207); an admission
begun with a token is discharged and settled after the token expired (the visit goes by
mdtrt_id); a person number posing as a token, another person's token and a suspended voucher's
token are refused; counts by region."""

from __future__ import annotations

import copy
import datetime as dt
import itertools
import json
import time
from decimal import Decimal

import httpx
import pytest

from yibao.app.actors import SYSTEM
from yibao.app.agencies import add_agency
from yibao.app.importing import import_file
from yibao.app.secret_box import new_platform_key
from yibao.sim.his import HisClient, TransactionFailed
from yibao.sim.idnumbers import make_certno
from yibao.store.database import Database
from yibao.store.migrate import upgrade
from yibao.store.unit_of_work import SqlUnitOfWork

from ..conftest import VENDORED_GOLDEN
from ..server import Server
from .conftest import new_database_url
from .golden_world import write_csv

pytestmark = pytest.mark.server

INSURED, HOSPITAL = "371300", "H37130000001"
NOW = dt.datetime.now().replace(microsecond=0)
TOKEN_SECONDS = 4
NUMBERS = itertools.count(1)
OUTPATIENT = {"name": "outpatient", "med_types": ["11"], "accumulator": "outpatient", "deductible": None,
              "bands_basis": "annual", "bands": [{"upto": None, "ratio": 0.5}], "cap": {"key": "outpatient", "amount": 3000}}


def load(database, work) -> None:
    case = json.loads((VENDORED_GOLDEN / "ex3d_unfiled_cross_province.case.json").read_text(encoding="utf-8"))
    policy = copy.deepcopy(case["policy"])
    policy.update(valid_from=f"{NOW.year - 1}-01-01", valid_to=None)
    policy["benefits"].append(OUTPATIENT)
    (work / "policy.json").write_text(json.dumps(policy, ensure_ascii=False), encoding="utf-8")
    import_file(database, "policy", work / "policy.json", now=NOW)
    hilist = [{"hilist_code": e["code"], "hilist_name": e["name"], "insu_admdvs": INSURED, "begndate": "2000-01-01",
               "chrgitm_lv": e["chrgitm_lv"]} for e in case["catalog"]]
    institutions = [{"fixmedins_code": HOSPITAL, "fixmedins_name": "临沂市人民医院", "fixmedins_type": "1",
                     "medins_lv": "3", "admdvs": INSURED, "secret": "linyi-secret-1"}]
    persons = [{"psn_no": f"LY{i:04d}", "certno": make_certno(INSURED, dt.date(1980, 1, 1 + i), i, True),
                "psn_name": f"参保人{i}", "gend": "1", "brdy": f"1980-01-{1 + i:02d}", "insutype": "310",
                "psn_type": "1101", "insuplc_admdvs": INSURED, "acct_balance": "0", "card_no": f"K{i:05d}"}
               for i in range(1, 5)]
    for kind, rows in (("hilist", hilist), ("institutions", institutions), ("persons", persons)):
        import_file(database, kind, write_csv(work / f"{kind}.csv", rows), now=NOW)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def world(request, tmp_path_factory):
    url = new_database_url(request.param, request, tmp_path_factory)
    database = Database(url)
    upgrade(database)
    work = tmp_path_factory.mktemp("evoucher")
    load(database, work)
    with SqlUnitOfWork(database, SYSTEM, NOW) as uow:
        token = add_agency(uow, INSURED, "临沂市医疗保障事务中心")
    env = {"YIBAO_SECRET_KEY": new_platform_key(), "YIBAO_EVOUCHER_TOKEN_SECONDS": str(TOKEN_SECONDS)}
    server = Server(url, log_path=work / "server.log", env=env).start()
    yield {"url": server.url, "database": database, "agency": f"{INSURED}:{token}"}
    server.stop()
    database.dispose()


@pytest.fixture
def http(world):
    with httpx.Client(base_url=world["url"], timeout=30) as client:
        yield client


@pytest.fixture
def his(http):
    client = HisClient(http, {"fixmedins_code": HOSPITAL, "fixmedins_name": "临沂市人民医院", "admdvs": INSURED,
                              "secret": "linyi-secret-1"})
    client.sign_in()
    return client


def admin(http, world, method, path, body=None):
    response = http.request(method, "/admin/api" + path, json=body, headers={"Authorization": f"Bearer {world['agency']}"})
    return response.status_code, response.json()


def token_for(http, world, psn_no) -> str:
    status, body = admin(http, world, "POST", f"/evouchers/{psn_no}/token")
    assert status == 200, body
    assert set(body) == {"token", "expires_at"}
    return body["token"]


def refused(his, infno, input_, code):
    with pytest.raises(TransactionFailed) as caught:
        his.call(infno, input_, insuplc_admdvs=INSURED)
    assert f"[{code}]" in str(caught.value), str(caught.value)


def register(psn_no, token, **changes):
    data = {"psn_no": psn_no, "insutype": "310", "begntime": f"{NOW:%Y-%m-%d %H:%M:%S}", "mdtrt_cert_type": "01",
            "mdtrt_cert_no": token, "ipt_otp_no": f"MZ{next(NUMBERS):06d}", "med_type": "11"}
    return {"data": dict(data, **changes)}


def test_a_token_from_the_agency_reads_registers_and_settles_an_outpatient_visit(world, http, his):
    assert admin(http, world, "POST", "/evouchers/LY0001")[0] == 201
    assert admin(http, world, "POST", "/evouchers/LY0001")[1]["code"] == "EVOUCHER_ALREADY_ACTIVATED"
    token = token_for(http, world, "LY0001")
    person = his.call("1101", {"data": {"mdtrt_cert_type": "01", "mdtrt_cert_no": token}}, insuplc_admdvs=INSURED)
    assert person["baseinfo"]["psn_no"] == "LY0001" and person["insuinfo"][0]["insuplc_admdvs"] == INSURED
    mdtrt_id = his.call("2201", register("LY0001", token), insuplc_admdvs=INSURED)["data"]["mdtrt_id"]
    lines = [{"feedetl_sn": "0001", "mdtrt_id": mdtrt_id, "psn_no": "LY0001", "med_list_codg": "JIA", "cnt": "2",
              "pric": "60.00", "det_item_fee_sumamt": "120.00", "fee_ocur_time": f"{NOW:%Y-%m-%d %H:%M:%S}",
              "chrg_bchno": "B1"}]
    his.call("2204", {"feedetail": lines}, insuplc_admdvs=INSURED)
    data = {"psn_no": "LY0001", "mdtrt_id": mdtrt_id, "medfee_sumamt": "120.00", "insutype": "310",
            "acct_used_flag": "0", "chrg_bchno": "B1", "med_type": "11", "mdtrt_cert_type": "01", "mdtrt_cert_no": token}
    setlinfo = his.call("2207", {"data": data}, insuplc_admdvs=INSURED)["setlinfo"]
    amounts = [Decimal(str(setlinfo[name])) for name in ("medfee_sumamt", "hifp_pay", "fund_pay_sumamt", "psn_cash_pay")]
    assert amounts == [Decimal("120.00"), Decimal("60.00"), Decimal("60.00"), Decimal("60.00")]  # 50 % outpatient


def test_a_person_number_posing_as_a_token_or_another_persons_token_is_refused(world, http, his):
    admin(http, world, "POST", "/evouchers/LY0002")
    refused(his, "1101", {"data": {"mdtrt_cert_type": "01", "mdtrt_cert_no": "LY0002"}}, "EVOUCHER_NOT_A_TOKEN")
    refused(his, "2201", register("LY0002", "LY0002"), "EVOUCHER_NOT_A_TOKEN")
    someone_else = token_for(http, world, "LY0002")
    refused(his, "2201", register("LY0003", someone_else), "EVOUCHER_TOKEN_OTHER_PERSON")
    tampered = someone_else[:-2] + ("AA" if not someone_else.endswith("AA") else "BB")
    refused(his, "1101", {"data": {"mdtrt_cert_type": "01", "mdtrt_cert_no": tampered}}, "EVOUCHER_TOKEN_BAD_SIGNATURE")
    # 02 (ID card) works as before, without a voucher
    certno = make_certno(INSURED, dt.date(1980, 1, 4), 3, True)
    person = his.call("1101", {"data": {"mdtrt_cert_type": "02", "mdtrt_cert_no": certno}}, insuplc_admdvs=INSURED)
    assert person["baseinfo"]["psn_no"] == "LY0003"


def test_a_suspended_voucher_is_refused_and_works_again_once_resumed(world, http, his):
    admin(http, world, "POST", "/evouchers/LY0003")
    token = token_for(http, world, "LY0003")
    status, body = admin(http, world, "POST", "/evouchers/LY0003/suspend", {"reason": "挂失"})
    assert status == 200 and body["state"] == "suspended"
    refused(his, "1101", {"data": {"mdtrt_cert_type": "01", "mdtrt_cert_no": token}}, "EVOUCHER_SUSPENDED")
    status, body = admin(http, world, "POST", "/evouchers/LY0003/token")  # a problem+json (docs/admin-api.md)
    assert (status, {k: body[k] for k in ("code", "detail", "kind", "status")}) == (422, {
        "code": "EVOUCHER_SUSPENDED", "detail": "参保人的医保电子凭证已暂停使用（e-voucher is suspended）", "kind": "refused",
        "status": 422})
    assert admin(http, world, "POST", "/evouchers/LY0003/resume", {"reason": "找回"})[0] == 200
    person = his.call("1101", {"data": {"mdtrt_cert_type": "01", "mdtrt_cert_no": token}}, insuplc_admdvs=INSURED)
    assert person["baseinfo"]["psn_no"] == "LY0003"
    status, counts = admin(http, world, "GET", "/stats/evouchers")
    assert status == 200 and counts["total"]["activated"] == counts["total"]["active"] >= 3


def test_an_admission_begun_with_a_token_is_discharged_and_settled_after_it_expired(world, http, his):
    admin(http, world, "POST", "/evouchers/LY0004")
    token = token_for(http, world, "LY0004")
    admitted = his.call("2401", {"mdtrtinfo": {
        "psn_no": "LY0004", "insutype": "310", "med_type": "21", "begntime": f"{NOW:%Y-%m-%d %H:%M:%S}",
        "mdtrt_cert_type": "01", "mdtrt_cert_no": token, "ipt_no": f"ZY{next(NUMBERS):06d}"}}, insuplc_admdvs=INSURED)
    mdtrt_id = admitted["result"]["mdtrt_id"]
    time.sleep(TOKEN_SECONDS + 1)
    refused(his, "1101", {"data": {"mdtrt_cert_type": "01", "mdtrt_cert_no": token}}, "EVOUCHER_TOKEN_EXPIRED")
    his.call("2301", {"feedetail": [{"feedetl_sn": "0001", "mdtrt_id": mdtrt_id, "psn_no": "LY0004", "med_list_codg": "JIA",
                                     "cnt": "1", "pric": "5000.00", "det_item_fee_sumamt": "5000.00",
                                     "fee_ocur_time": f"{NOW:%Y-%m-%d %H:%M:%S}"}]}, insuplc_admdvs=INSURED)
    his.call("2402", {"dscginfo": {"mdtrt_id": mdtrt_id, "psn_no": "LY0004", "endtime": f"{NOW:%Y-%m-%d %H:%M:%S}"}},
             insuplc_admdvs=INSURED)
    data = {"psn_no": "LY0004", "mdtrt_id": mdtrt_id, "medfee_sumamt": "5000.00", "insutype": "310",
            "acct_used_flag": "0", "med_type": "21", "mdtrt_cert_type": "01", "mdtrt_cert_no": token}
    setlinfo = his.call("2304", {"data": data}, insuplc_admdvs=INSURED)["setlinfo"]
    assert Decimal(str(setlinfo["medfee_sumamt"])) == Decimal("5000.00") and setlinfo["mdtrt_id"] == mdtrt_id
    assert Decimal(str(setlinfo["fund_pay_sumamt"])) > 0
