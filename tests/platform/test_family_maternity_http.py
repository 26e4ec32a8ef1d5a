"""Family accounts and maternity end to end over HTTP against the real server, on both
backends: an agency binds a resident to two employees' accounts and the resident's visit is
paid by them after the resident's own, earliest binding first; an unbinding is a new record and
the next visit no longer draws on that account; a Shanwei-insured woman's delivery in a Shenzhen
hospital (another city of the province) settles directly under her maternity insurance (510)
and the maternity allowance is paid once through the ledger. `yibao check` finds nothing."""

from __future__ import annotations

import datetime as dt
import itertools
import json
from decimal import Decimal
from pathlib import Path

import httpx
import pytest

from yibao.app import actors, consistency
from yibao.app.agencies import add_agency
from yibao.app.importing import import_file
from yibao.sim.his import HisClient, TransactionFailed
from yibao.sim.idnumbers import make_certno
from yibao.store import repository as repo
from yibao.store.database import Database
from yibao.store.migrate import upgrade
from yibao.store.unit_of_work import SqlUnitOfWork

from ..server import Server
from .conftest import new_database_url
from .golden_world import write_csv

pytestmark = pytest.mark.server

INSURED, SHENZHEN = "441500", "440300"
LOCAL_HOSPITAL, SHENZHEN_HOSPITAL = "H44150000001", "H44030000001"
NOW = dt.datetime.now().replace(microsecond=0)
NUMBERS = itertools.count(1)
POLICIES = Path(__file__).resolve().parents[2] / "policies"
OUTPATIENT = [{"name": "outpatient", "med_types": ["11"], "bands": [{"upto": None, "ratio": 0.5}]},
              {"name": "inpatient", "med_types": ["21"], "bands": [{"upto": None, "ratio": 0.8}]}]
ACCOUNT = {"payable": ["inscp_burden", "preselfpay", "overlmt", "fulamt"], "family_mutual_aid": True}


def policies(work: Path) -> list[Path]:
    """Shanwei's maternity file as shipped, in force since last year; employees and residents at 50 %."""
    maternity = json.loads((POLICIES / "441500-510-2024.json").read_text(encoding="utf-8"))
    maternity.update(valid_from=f"{NOW.year - 1}-01-01", valid_to=None)
    documents = [maternity] + [
        {"admdvs": INSURED, "name": f"汕尾 {insutype}", "insutype": insutype, "valid_from": f"{NOW.year - 1}-01-01",
         "benefits": OUTPATIENT, "personal_account": ACCOUNT,
         "cross_region": {"in_province": {"unfiled": {"mode": "none"}}}} for insutype in ("310", "390")]
    paths = []
    for document in documents:
        path = work / f"policy-{document['insutype']}.json"
        path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
        paths.append(path)
    return paths


def person(i: int, insutype: str, balance: str | None, gend: str = "1") -> dict:
    return {"psn_no": f"SW{i:04d}", "certno": make_certno(INSURED, dt.date(1990, 1, i), i, gend == "1"),
            "psn_name": f"参保人{i}", "gend": gend, "brdy": f"1990-01-{i:02d}", "insutype": insutype,
            "psn_type": "1101" if insutype != "390" else "1501", "insuplc_admdvs": INSURED,
            "acct_balance": balance if balance is not None else "", "card_no": f"K{i:05d}"}


def load(database, work) -> None:
    for path in policies(work):
        import_file(database, "policy", path, now=NOW)
    hilist = [{"hilist_code": "JIA", "hilist_name": "甲类项目", "insu_admdvs": region, "begndate": "2000-01-01",
               "chrgitm_lv": "01"} for region in (INSURED, SHENZHEN)]
    institutions = [{"fixmedins_code": code, "fixmedins_name": name, "fixmedins_type": "1", "medins_lv": "3",
                     "admdvs": region, "secret": f"{code}-secret"}
                    for code, name, region in ((LOCAL_HOSPITAL, "汕尾市人民医院", INSURED),
                                               (SHENZHEN_HOSPITAL, "深圳市妇幼保健院", SHENZHEN))]
    persons = [person(1, "310", "50"), person(2, "310", "200"), person(3, "390", "0"), person(4, "310", "0", "2")]
    maternity = [person(4, "510", None, "2")]  # the same person's second insurance, from a second file
    for kind, name, rows in (("hilist", "hilist", hilist), ("institutions", "institutions", institutions),
                             ("persons", "persons", persons), ("persons", "persons-510", maternity)):
        import_file(database, kind, write_csv(work / f"{name}.csv", rows), now=NOW)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def world(request, tmp_path_factory):
    url = new_database_url(request.param, request, tmp_path_factory)
    database = Database(url)
    upgrade(database)
    work = tmp_path_factory.mktemp("family")
    load(database, work)
    with SqlUnitOfWork(database, actors.SYSTEM, NOW) as uow:
        token = add_agency(uow, INSURED, "汕尾市医疗保障事务中心")
    server = Server(url, log_path=work / "server.log").start()
    yield {"url": server.url, "database": database, "agency": f"{INSURED}:{token}"}
    server.stop()
    database.dispose()


@pytest.fixture
def http(world):
    with httpx.Client(base_url=world["url"], timeout=30) as client:
        yield client


def his_at(http, code: str, region: str) -> HisClient:
    client = HisClient(http, {"fixmedins_code": code, "fixmedins_name": code, "admdvs": region, "secret": f"{code}-secret"})
    client.sign_in()
    return client


def admin(http, world, method, path, body=None):
    response = http.request(method, "/admin/api" + path, json=body, headers={"Authorization": f"Bearer {world['agency']}"})
    return response.status_code, response.json()


def balances(world, *psn_nos) -> dict[str, Decimal]:
    with world["database"].read() as conn:
        return repo.account_balances(conn, list(psn_nos))


def outpatient(his, psn_no: str, insutype: str, fee: str) -> dict:
    mdtrt_id = his.call("2201", {"data": {"psn_no": psn_no, "insutype": insutype, "begntime": f"{NOW:%Y-%m-%d %H:%M:%S}",
                                          "mdtrt_cert_type": "02", "mdtrt_cert_no": psn_no, "med_type": "11",
                                          "ipt_otp_no": f"MZ{next(NUMBERS):06d}"}},
                        insuplc_admdvs=INSURED)["data"]["mdtrt_id"]
    his.call("2204", {"feedetail": [{"feedetl_sn": "0001", "mdtrt_id": mdtrt_id, "psn_no": psn_no, "med_list_codg": "JIA",
                                     "cnt": "1", "pric": fee, "det_item_fee_sumamt": fee, "chrg_bchno": "B1",
                                     "fee_ocur_time": f"{NOW:%Y-%m-%d %H:%M:%S}"}]}, insuplc_admdvs=INSURED)
    data = {"psn_no": psn_no, "mdtrt_id": mdtrt_id, "medfee_sumamt": fee, "insutype": insutype, "acct_used_flag": "1",
            "chrg_bchno": "B1", "med_type": "11", "mdtrt_cert_type": "02", "mdtrt_cert_no": psn_no}
    return his.call("2207", {"data": data}, insuplc_admdvs=INSURED)["setlinfo"]


def amounts(setlinfo: dict, *names: str) -> list[Decimal]:
    return [Decimal(str(setlinfo[name])) for name in names]


def no_problems(world) -> None:
    with SqlUnitOfWork(world["database"], actors.SYSTEM, NOW, write=False) as uow:
        assert consistency.check_database(uow) == []


def test_a_relative_pays_from_the_bound_accounts_earliest_binding_first(world, http):
    bind = {"owner_psn_no": "SW0001", "relative_psn_no": "SW0003", "relation": "child"}
    status, first = admin(http, world, "POST", "/family-bindings", bind)
    assert status == 201 and (first["owner_psn_no"], first["ended_by"]) == ("SW0001", None), first
    assert admin(http, world, "POST", "/family-bindings", bind)[1]["code"] == "FAMILY_ALREADY_BOUND"
    assert admin(http, world, "POST", "/family-bindings", dict(bind, relation="neighbour"))[0] == 422
    assert admin(http, world, "POST", "/family-bindings", dict(bind, owner_psn_no="SW0003", relative_psn_no="SW0001"))[1][
        "code"] == "FAMILY_OWNER_NOT_EMPLOYEE"  # a resident has no account to share
    status, second = admin(http, world, "POST", "/family-bindings", dict(bind, owner_psn_no="SW0002"))
    assert status == 201
    status, listed = admin(http, world, "GET", "/family-bindings?psn_no=SW0003")
    assert [row["owner_psn_no"] for row in listed["rows"]] == ["SW0001", "SW0002"]

    his = his_at(http, LOCAL_HOSPITAL, INSURED)
    # fee 200, fund 50 % = 100; own account 0, SW0001 (bound first) all its 50, SW0002 the other 50
    setlinfo = outpatient(his, "SW0003", "390", "200.00")
    assert amounts(setlinfo, "hifp_pay", "acct_pay", "acct_mulaid_pay", "psn_cash_pay") == [
        Decimal("100.00"), Decimal("0.00"), Decimal("100.00"), Decimal("0.00")]
    assert balances(world, "SW0001", "SW0002") == {"SW0001": Decimal("0.00"), "SW0002": Decimal("150.00")}

    status, ended = admin(http, world, "DELETE", f"/family-bindings/{second['binding_id']}")
    assert status == 200 and ended["binding_id"] != second["binding_id"]
    assert admin(http, world, "DELETE", f"/family-bindings/{second['binding_id']}")[1]["code"] == "FAMILY_ALREADY_UNBOUND"
    status, history = admin(http, world, "GET", "/family-bindings?psn_no=SW0003&include_ended=true")
    assert [row["ended_by"] for row in history["rows"]] == [None, ended["binding_id"]]
    # SW0001 is empty and SW0002 is unbound: the relative pays cash
    setlinfo = outpatient(his, "SW0003", "390", "60.00")
    assert amounts(setlinfo, "acct_mulaid_pay", "psn_cash_pay") == [Decimal("0.00"), Decimal("30.00")]
    assert balances(world, "SW0002")["SW0002"] == Decimal("150.00")
    no_problems(world)


def test_a_delivery_in_another_city_of_the_province_settles_directly_and_the_allowance_is_paid(world, http):
    his = his_at(http, SHENZHEN_HOSPITAL, SHENZHEN)

    def admission(insutype: str) -> str:
        info = {"psn_no": "SW0004", "insutype": insutype, "med_type": "52", "begntime": f"{NOW:%Y-%m-%d %H:%M:%S}",
                "mdtrt_cert_type": "02", "mdtrt_cert_no": "SW0004", "ipt_no": f"ZY{next(NUMBERS):06d}", "matn_type": "1"}
        mdtrt_id = his.call("2401", {"mdtrtinfo": info}, insuplc_admdvs=INSURED)["result"]["mdtrt_id"]
        his.call("2301", {"feedetail": [{"feedetl_sn": "0001", "mdtrt_id": mdtrt_id, "psn_no": "SW0004",
                                         "med_list_codg": "JIA", "cnt": "1", "pric": "3000.00",
                                         "det_item_fee_sumamt": "3000.00", "fee_ocur_time": f"{NOW:%Y-%m-%d %H:%M:%S}"}]},
                 insuplc_admdvs=INSURED)
        his.call("2402", {"dscginfo": {"mdtrt_id": mdtrt_id, "psn_no": "SW0004", "endtime": f"{NOW:%Y-%m-%d %H:%M:%S}"}},
                 insuplc_admdvs=INSURED)
        return mdtrt_id

    def settle(mdtrt_id: str, insutype: str) -> dict:
        data = {"psn_no": "SW0004", "mdtrt_id": mdtrt_id, "medfee_sumamt": "3000.00", "insutype": insutype,
                "acct_used_flag": "0", "med_type": "52", "mdtrt_cert_type": "02", "mdtrt_cert_no": "SW0004"}
        return his.call("2304", {"data": data}, insuplc_admdvs=INSURED)

    # under her employee insurance there is no maternity benefit: that was the old refusal
    with pytest.raises(TransactionFailed) as caught:
        settle(admission("310"), "310")
    assert caught.value.code == "E_NO_BENEFIT"
    # under her maternity insurance: natural delivery paid up to Shanwei's 2,500 by the maternity fund
    answer = settle(admission("510"), "510")
    assert amounts(answer["setlinfo"], "medfee_sumamt", "hifp_pay", "fund_pay_sumamt", "psn_cash_pay") == [
        Decimal("3000.00"), Decimal("2500.00"), Decimal("2500.00"), Decimal("500.00")]
    assert [(row["fund_pay_type"], Decimal(str(row["fund_payamt"]))) for row in answer["setldetail"]] == [
        ("510100", Decimal("2500.00"))]

    body = {"delivery_type": "natural", "delivery_date": NOW.date().isoformat(), "avg_monthly_wage": "9000.00"}
    status, paid = admin(http, world, "POST", "/maternity/SW0004/allowance", body)
    assert status == 201 and (paid["days"], paid["amount"]) == (178, "53400.00"), paid  # 9,000 / 30 × 178
    status, again = admin(http, world, "POST", "/maternity/SW0004/allowance", body)
    assert (status, again["code"]) == (409, "MATERNITY_ALLOWANCE_PAID")
    with SqlUnitOfWork(world["database"], actors.SYSTEM, NOW, write=False) as uow:
        assert uow.ledger.balance(f"fund:{INSURED}:510100") == 2_500_00 + 53_400_00
        assert uow.ledger.balance("claimant:SW0004") == -53_400_00
    status, shown = admin(http, world, "GET", "/maternity/SW0004")
    assert [a["amount"] for a in shown["allowances"]] == ["53400.00"]
    no_problems(world)
