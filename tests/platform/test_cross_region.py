"""Cross-region settlement end to end: each filing path through the real gateway and admin API,
with the amounts of domain-rules Example 3 (Linyi employee treated in Beijing: 50,000 of fees,
42,500 in scope, deductible 800, 80 % filed long-term, −10 points referral/emergency, −20 points
other temporary), and a cross-province 门慢特 visit."""

from __future__ import annotations

import copy
import itertools
import datetime as dt
import json
from decimal import Decimal

import httpx
import pytest

from yibao.app.actors import SYSTEM
from yibao.app.agencies import add_agency
from yibao.app.importing import import_file
from yibao.sim.his import HisClient
from yibao.sim.idnumbers import make_certno
from yibao.store.database import Database
from yibao.store.migrate import upgrade
from yibao.store.unit_of_work import SqlUnitOfWork

from ..conftest import VENDORED_GOLDEN
from ..refusals import answered_refusal
from ..server import Server
from .conftest import new_database_url
from .golden_world import write_csv

INSURED, TREATED, ELSEWHERE = "371300", "110105", "310100"  # Linyi, Beijing 朝阳, Shanghai
TODAY = dt.date.today()
NOW = dt.datetime.now().replace(microsecond=0)
VISIT_NUMBERS = itertools.count(1)
LINES = [("JIA", "25000.00"), ("YI-DRUG", "15000.00"), ("YI-CONS", "6000.00"), ("BING", "4000.00")]


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def world(request, tmp_path_factory):
    url = new_database_url(request.param, request, tmp_path_factory)
    database = Database(url)
    upgrade(database)
    work = tmp_path_factory.mktemp("cross")
    case = json.loads((VENDORED_GOLDEN / "ex3d_unfiled_cross_province.case.json").read_text(encoding="utf-8"))
    policy = copy.deepcopy(case["policy"])
    policy.update(valid_from=f"{TODAY.year - 1}-01-01", valid_to=None)
    policy["benefits"].append({
        "name": "chronic_dialysis", "med_types": ["14"], "diseases": ["M07800"], "accumulator": "chronic_dialysis",
        "deductible": None, "bands_basis": "annual", "bands": [{"upto": None, "ratio": 0.9}],
        "cap": {"key": "chronic_dialysis", "amount": 60000}})
    (work / "policy.json").write_text(json.dumps(policy, ensure_ascii=False), encoding="utf-8")
    import_file(database, "policy", work / "policy.json", now=NOW)
    hilist, lmtpric, selfpay = [], [], []
    for region in (TREATED, ELSEWHERE, INSURED):
        for entry in case["catalog"]:
            hilist.append({"hilist_code": entry["code"], "hilist_name": entry["name"], "insu_admdvs": region,
                           "begndate": "2000-01-01", "chrgitm_lv": entry["chrgitm_lv"]})
            if entry.get("pric_uplmt_amt"):
                lmtpric.append({"hilist_code": entry["code"], "insu_admdvs": region, "begndate": "2000-01-01",
                                "hilist_pric_uplmt_amt": entry["pric_uplmt_amt"]})
            if entry.get("selfpay_prop"):
                selfpay.append({"hilist_code": entry["code"], "insu_admdvs": region, "begndate": "2000-01-01",
                                "selfpay_prop": entry["selfpay_prop"]})
    institutions = [
        {"fixmedins_code": f"H{TREATED}00001", "fixmedins_name": "北京朝阳医院", "fixmedins_type": "1", "medins_lv": "3",
         "admdvs": TREATED, "secret": "beijing-secret-1"},
        {"fixmedins_code": f"H{ELSEWHERE}00001", "fixmedins_name": "上海医院", "fixmedins_type": "1", "medins_lv": "3",
         "admdvs": ELSEWHERE, "secret": "shanghai-secret-1"},
        {"fixmedins_code": f"H{INSURED}00001", "fixmedins_name": "临沂市人民医院", "fixmedins_type": "1", "medins_lv": "3",
         "admdvs": INSURED, "secret": "linyi-secret-1"},
    ]
    persons = [{"psn_no": f"LY{i:04d}", "certno": make_certno(INSURED, dt.date(1980, 1, 1 + i), i, True),
                "psn_name": f"参保人{i}", "gend": "1", "brdy": f"1980-01-{1 + i:02d}", "insutype": "310",
                "psn_type": "1101", "insuplc_admdvs": INSURED, "acct_balance": "0", "card_no": f"K{i:05d}"}
               for i in range(1, 21)]
    for kind, rows in (("hilist", hilist), ("lmtpric", lmtpric), ("selfpay", selfpay),
                       ("institutions", institutions), ("persons", persons)):
        import_file(database, kind, write_csv(work / f"{kind}.csv", rows), now=NOW)
    with SqlUnitOfWork(database, SYSTEM, NOW) as uow:
        token = add_agency(uow, INSURED, "临沂市医疗保障事务中心")
        other_token = add_agency(uow, "440300", "深圳市医疗保障事务中心")
    server = Server(url, log_path=work / "server.log").start()
    yield {"url": server.url, "database": database, "institutions": {i["admdvs"]: i for i in institutions},
           "persons": {p["psn_no"]: p for p in persons}, "token": f"{INSURED}:{token}",
           "other_token": f"440300:{other_token}", "work": work}
    server.stop()
    database.dispose()


@pytest.fixture
def http(world):
    with httpx.Client(base_url=world["url"], timeout=30) as client:
        yield client


def admin(http, world, method, path, body=None, token=None):
    response = http.request(method, "/admin/api" + path, json=body,
                            headers={"Authorization": f"Bearer {token or world['token']}"})
    return response.status_code, response.json()


def file_for(http, world, psn_no, filing_type, dest=TREATED, **extra):
    status, body = admin(http, world, "POST", "/filings", {
        "psn_no": psn_no, "filing_type": filing_type, "dest_admdvs": dest, "begndate": extra.pop("begndate", TODAY.isoformat()),
        **extra})
    assert status == 201, body
    return body


def visit(http, world, psn_no, *, region=TREATED, med_type="21", admitted=None, dise_codg="", settle=True, lines=LINES):
    """Admission (or outpatient registration for med_type 14), lines, discharge, pre-settle, settle."""
    institution = world["institutions"][region]
    client = HisClient(http, institution)
    client.sign_in()
    person = world["persons"][psn_no]
    admitted = admitted or NOW
    fee_lines = [{"feedetl_sn": f"{n:04d}", "psn_no": psn_no, "med_list_codg": code, "cnt": "1", "pric": amount,
                  "det_item_fee_sumamt": amount, "fee_ocur_time": f"{admitted:%Y-%m-%d %H:%M:%S}", "chrg_bchno": "B1"}
                 for n, (code, amount) in enumerate(lines, start=1)]
    total = sum(Decimal(amount) for _, amount in lines)
    if med_type == "14":
        registered = client.call("2201", {"data": {"psn_no": psn_no, "insutype": "310", "begntime": f"{admitted:%Y-%m-%d %H:%M:%S}",
                                                   "mdtrt_cert_type": "02", "mdtrt_cert_no": person["certno"],
                                                   "ipt_otp_no": f"MZ{next(VISIT_NUMBERS):06d}"}},
                                 insuplc_admdvs=INSURED)
        mdtrt_id = registered["data"]["mdtrt_id"]
        client.call("2203", {"mdtrtinfo": {"mdtrt_id": mdtrt_id, "psn_no": psn_no, "med_type": "14", "dise_codg": dise_codg}},
                    insuplc_admdvs=INSURED)
        for line in fee_lines:
            line["mdtrt_id"] = mdtrt_id
        client.call("2204", {"feedetail": fee_lines}, insuplc_admdvs=INSURED)
        pre, final = "2206", "2207"
    else:
        admission = client.call("2401", {"mdtrtinfo": {"psn_no": psn_no, "insutype": "310", "med_type": med_type,
                                                      "begntime": f"{admitted:%Y-%m-%d %H:%M:%S}", "mdtrt_cert_type": "02",
                                                      "mdtrt_cert_no": person["certno"],
                                                      "ipt_no": f"ZY{next(VISIT_NUMBERS):06d}"}},
                                insuplc_admdvs=INSURED)
        mdtrt_id = admission["result"]["mdtrt_id"]
        for line in fee_lines:
            line["mdtrt_id"] = mdtrt_id
        client.call("2301", {"feedetail": fee_lines}, insuplc_admdvs=INSURED)
        client.call("2402", {"dscginfo": {"mdtrt_id": mdtrt_id, "psn_no": psn_no, "endtime": f"{NOW:%Y-%m-%d %H:%M:%S}"}},
                    insuplc_admdvs=INSURED)
        pre, final = "2303", "2304"
    data = {"psn_no": psn_no, "mdtrt_id": mdtrt_id, "medfee_sumamt": f"{total}", "insutype": "310", "acct_used_flag": "1",
            "chrg_bchno": "B1", "med_type": med_type}
    state = {"client": client, "data": data, "mdtrt_id": mdtrt_id, "final": final}
    if not settle:
        return state
    client.call(pre, {"data": data}, insuplc_admdvs=INSURED)
    state["setlinfo"] = client.call(final, {"data": data}, insuplc_admdvs=INSURED)["setlinfo"]
    return state


def hifp(state) -> Decimal:
    return Decimal(str(state["setlinfo"]["hifp_pay"]))


def settlement_row(world, setl_id):
    from sqlalchemy import select

    from yibao.store import tables as t

    with world["database"].read() as conn:
        return dict(conn.execute(select(t.settlements).where(t.settlements.c.setl_id == setl_id)).mappings().one())


def test_unfiled_cross_province_visit_is_refused(world, http):
    with answered_refusal("E_NOT_FILED"):
        visit(http, world, "LY0001")


@pytest.mark.parametrize(("psn_no", "filing_type", "subtype", "expected"), [
    ("LY0002", "long_term", "resettled_retiree", "33360.00"),
    ("LY0003", "referral", None, "29190.00"),
    ("LY0004", "temporary_other", None, "25020.00"),
])
def test_filed_visits_settle_with_the_insured_place_adjustment(world, http, psn_no, filing_type, subtype, expected):
    filing = file_for(http, world, psn_no, filing_type, **({"subtype": subtype} if subtype else {}))
    state = visit(http, world, psn_no)
    assert hifp(state) == Decimal(expected)
    row = settlement_row(world, state["setlinfo"]["setl_id"])
    assert (row["insuplc_admdvs"], row["mdtrtarea_admvs"], row["scope"]) == (INSURED, TREATED, "cross_province")
    assert (row["filing"], row["filing_no"]) == (filing_type, filing["filing_no"])
    assert row["adjustment"] == {"long_term": "", "referral": "subtract_points 0.1", "temporary_other": "subtract_points 0.2"}[filing_type]


def test_emergency_is_treated_as_filed(world, http):
    state = visit(http, world, "LY0005", med_type="24")
    assert hifp(state) == Decimal("29190.00")
    assert settlement_row(world, state["setlinfo"]["setl_id"])["filing"] == "emergency"


def test_back_filing_before_discharge_then_settles(world, http):
    admitted = NOW - dt.timedelta(days=3)
    state = visit(http, world, "LY0006", admitted=admitted, settle=False)
    client, data = state["client"], state["data"]
    with answered_refusal("E_NOT_FILED"):
        client.call("2303", {"data": data}, insuplc_admdvs=INSURED)
    # a filing from before the admission covers no open visit: refused; from the admission date: 补办备案
    status, body = admin(http, world, "POST", "/filings", {"psn_no": "LY0006", "filing_type": "temporary_other",
                                                           "dest_admdvs": TREATED, "begndate": (admitted - dt.timedelta(days=5)).date().isoformat()})
    assert status == 422 and body["code"] == "FILING_START_IN_PAST" and "补办备案" in body["detail"]
    file_for(http, world, "LY0006", "temporary_other", begndate=admitted.date().isoformat())
    settled = client.call("2304", {"data": data}, insuplc_admdvs=INSURED)["setlinfo"]
    assert Decimal(str(settled["hifp_pay"])) == Decimal("25020.00")


def test_expired_filing_does_not_cover(world, http):
    old = TODAY - dt.timedelta(days=400)
    rows = [{"psn_no": "LY0007", "filing_type": "referral", "dest_admdvs": TREATED, "begndate": old.isoformat(),
             "enddate": (old + dt.timedelta(days=200)).isoformat()}]
    import_file(world["database"], "filings", write_csv(world["work"] / "expired.csv", rows), now=NOW)
    with answered_refusal("E_NOT_FILED"):
        visit(http, world, "LY0007")


def test_cancelled_filing_does_not_cover_and_commitment_filings_are_locked(world, http):
    filing = file_for(http, world, "LY0008", "referral")
    status, body = admin(http, world, "POST", f"/filings/{filing['filing_no']}/cancel", {"reason": "trip cancelled"})
    assert status == 200 and body["status"] == "cancelled"
    with answered_refusal("E_NOT_FILED"):
        visit(http, world, "LY0008")
    locked = file_for(http, world, "LY0009", "long_term", commitment_letter=True)
    status, body = admin(http, world, "POST", f"/filings/{locked['filing_no']}/cancel", {"reason": "x"})
    assert status == 422 and body["code"] == "FILING_COMMITMENT_LOCKED" and "前不能撤销" in body["detail"]


def test_wrong_destination_does_not_cover_and_change_moves_it(world, http):
    filing = file_for(http, world, "LY0010", "long_term", dest="310000")  # filed for Shanghai
    with answered_refusal("E_NOT_FILED"):
        visit(http, world, "LY0010")
    status, changed = admin(http, world, "POST", f"/filings/{filing['filing_no']}/change", {"dest_admdvs": "110000"})
    assert status == 201 and changed["replaces_filing_no"] == filing["filing_no"]
    assert hifp(visit(http, world, "LY0010")) == Decimal("33360.00")
    status, history = admin(http, world, "GET", "/persons/LY0010/filings")
    assert [row["status"] for row in history] == ["cancelled", "active"]


def test_agency_acts_only_for_its_insured_and_needs_a_token(world, http):
    status, body = admin(http, world, "POST", "/filings", {"psn_no": "LY0011", "filing_type": "referral",
                                                           "dest_admdvs": TREATED, "begndate": TODAY.isoformat()},
                         token=world["other_token"])
    assert status == 403 and body["code"] == "ADMIN_PERSON_NOT_ADMINISTERED"
    status, body = admin(http, world, "GET", "/persons/LY0011/filings", token=f"{INSURED}:wrong")
    assert status == 401 and body["code"] == "ADMIN_AUTH_FAILED"
    assert http.get("/admin/api/persons/LY0011/filings").status_code == 401
    assert "/admin/api/v1/filings" in http.get("/admin/api/openapi.json").json()["paths"]


def test_referral_filing_by_the_insured_province_hospital(world, http):
    linyi = HisClient(http, world["institutions"][INSURED])
    linyi.sign_in()
    result = linyi.call("2501", {"refmedin": {"psn_no": "LY0012", "insutype": "310", "diag_code": "I21.900",
                                              "diag_name": "急性心肌梗死", "reflin_medins_no": f"H{TREATED}00001",
                                              "reflin_medins_name": "北京朝阳医院", "mdtrtarea_admdvs": "110000",
                                              "refl_type": "1", "refl_date": TODAY.isoformat(), "refl_rea": "技术",
                                              "refl_opnn": "同意"}}, insuplc_admdvs=INSURED)["result"]
    assert hifp(visit(http, world, "LY0012")) == Decimal("29190.00")
    listed = linyi.call("5304", {"data": {"psn_no": "LY0012"}}, insuplc_admdvs=INSURED)["refmedin"]
    assert listed[0]["trt_dcla_detl_sn"] == result["trt_dcla_detl_sn"] and listed[0]["vali_flag"] == "1"
    beijing = HisClient(http, world["institutions"][TREATED])
    beijing.sign_in()
    with answered_refusal("PERSON_INSURED_ELSEWHERE", f"参保地为 {INSURED}"):
        beijing.call("2501", {"refmedin": {"psn_no": "LY0013", "diag_code": "I21", "diag_name": "x",
                                           "reflin_medins_no": "H", "mdtrtarea_admdvs": "310000", "refl_date": TODAY.isoformat()}},
                     insuplc_admdvs=INSURED)


def test_cross_province_chronic_disease_visit(world, http):
    """Dialysis (M07800) in Beijing for a Linyi long-term resident: the insured place's disease
    benefit (90 %, no deductible), the treatment place's catalogue (丙类 stays self-paid)."""
    lines = [("JIA", "5000.00"), ("BING", "300.00")]
    file_for(http, world, "LY0014", "long_term")
    with answered_refusal("E_NOT_QUALIFIED"):
        visit(http, world, "LY0014", med_type="14", dise_codg="M07800", lines=lines)
    status, qualification = admin(http, world, "POST", "/qualifications", {
        "psn_no": "LY0014", "insutype": "310", "opsp_dise_code": "M07800", "begndate": TODAY.replace(month=1, day=1).isoformat()})
    assert status == 201
    state = visit(http, world, "LY0014", med_type="14", dise_codg="M07800", lines=lines)
    setlinfo = state["setlinfo"]
    assert (Decimal(str(setlinfo["hifp_pay"])), Decimal(str(setlinfo["fulamt_ownpay_amt"]))) == (Decimal(4500), Decimal(300))
    client = state["client"]
    listed = client.call("5301", {"data": {"psn_no": "LY0014"}}, insuplc_admdvs=INSURED)["feedetail"]
    assert listed[0]["opsp_dise_code"] == "M07800"
    with answered_refusal("E_NO_BENEFIT"):
        visit(http, world, "LY0014", med_type="14", dise_codg="M03900", lines=lines)
