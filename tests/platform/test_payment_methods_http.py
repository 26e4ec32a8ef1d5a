"""End to end, on SQLite and PostgreSQL, with the real server: a generated year of inpatient
history → DIP groups → the year-end settlement of the DIP institutions, which sums to the DIP
budget to the fen; a total-budget institution's year with twelve advances, its year-end
settlement with the deposit released by score, reflected in the ledger, and a second settlement
of the same year refused with its coded Chinese message; the DIP table exported by the CLI and
imported by another region."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys

import pytest

from yibao.app.actors import SYSTEM
from yibao.app.agencies import add_agency
from yibao.store.database import Database
from yibao.store.migrate import upgrade
from yibao.store.unit_of_work import SqlUnitOfWork

from ..server import Server
from . import payment_year as world
from .conftest import new_database_url

DIP_CODES, BUDGET_CODE = sorted(world.INSTITUTIONS)[:3], sorted(world.INSTITUTIONS)[3]
DIP_BUDGET = "2345678.91"


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def served(request, tmp_path_factory):
    url = new_database_url(request.param, request, tmp_path_factory)
    database = Database(url)
    upgrade(database)
    folder = tmp_path_factory.mktemp("payment")
    world.import_institutions(database, folder)
    generated = world.generate(database, year=2026, stays=240)
    with SqlUnitOfWork(database, SYSTEM, dt.datetime.now()) as uow:
        token = f"{world.REGION}:{add_agency(uow, world.REGION, 'agency 440300')}"
        other = f"441300:{add_agency(uow, '441300', 'agency 441300')}"
    server = Server(url, log_path=folder / "server.log").start()
    yield {"url": url, "server": server, "database": database, "token": token, "other": other,
           "generated": generated, "folder": folder}
    server.stop()
    database.dispose()


@pytest.fixture
def admin(served):
    import httpx

    with httpx.Client(base_url=served["server"].url, timeout=60) as client:
        def call(method, path, body=None, token=None):
            response = client.request(method, "/admin/api/payment-methods" + path, json=body,
                                      headers={"Authorization": f"Bearer {token or served['token']}"})
            return response.status_code, response.json()
        yield call


def test_a_year_of_history_gives_dip_groups_and_a_settlement_that_balances_to_the_budget(served, admin):
    for code in DIP_CODES:
        assert admin("POST", f"/institutions/{code}/2026/method", {"method": "dip"})[0] == 200
    status, built = admin("POST", "/dip/440300/2026/build")
    assert status == 200, built
    assert built["cases"] == len(world.expected_cases(served["generated"], 2026))
    assert built["core_groups"] >= 1 and built["groups"] > built["core_groups"]
    status, settled = admin("POST", "/dip/440300/2026/settle", {"amount": DIP_BUDGET})
    assert status == 200, settled
    rows = settled["institutions"]
    assert sorted(r["fixmedins_code"] for r in rows) == DIP_CODES
    assert sum(r["detail"]["allocated_fen"] for r in rows) == 234_567_891  # to the fen
    assert all(r["amount_fen"] == r["detail"]["allocated_fen"] - r["detail"]["paid_fen"] for r in rows)
    status, shown = admin("GET", "/dip/440300/2026")
    assert shown["point_value"] == settled["point_value"] and shown["budget_fen"] == 234_567_891
    status, again = admin("POST", "/dip/440300/2026/settle", {"amount": DIP_BUDGET})
    assert (status, again["code"]) == (409, "PAYMENT_YEAR_SETTLED")
    assert admin("POST", "/dip/440300/2026/build", token=served["other"])[0] == 403


def test_a_total_budget_year_with_advances_settlement_and_deposit_release_in_the_ledger(served, admin):
    code = BUDGET_CODE
    assert admin("POST", f"/institutions/{code}/2026/method", {"method": "total_budget"})[0] == 200
    assert admin("POST", f"/budgets/{code}/2026", {"amount": "1200000.00", "reason": "年度预算"})[0] == 201
    for month in range(1, 13):
        status, advanced = admin("POST", f"/budgets/{code}/2026/advances/{month}")
        assert status == 201 and advanced["amount_fen"] == 100_000_00 and advanced["withheld_fen"] == 5_000_00
    status, twice = admin("POST", f"/budgets/{code}/2026/advances/3")
    assert (status, twice["code"]) == (409, "BUDGET_MONTH_ADVANCED")
    status, result = admin("POST", f"/budgets/{code}/2026/settle", {"score": 75})
    assert status == 200, result
    detail = result["detail"]
    cost = sum(s["fund_pay_sumamt_fen"] for s in served["generated"]["settlements"]
               if s["fixmedins_code"] == code and s["scope"] == "local" and s["setl_time"].year == 2026)
    assert detail["cost_fen"] == cost and (detail["released_fen"], detail["forfeited_fen"]) == (30_000_00, 30_000_00)
    status, refused = admin("POST", f"/budgets/{code}/2026/settle", {"score": 75})
    assert (status, refused["code"]) == (409, "PAYMENT_YEAR_SETTLED")
    assert "2026 年度已清算，不能重复清算" in refused["detail"]
    status, shown = admin("GET", f"/budgets/{code}/2026")
    assert (shown["advance_balance"], shown["deposit_balance"]) == ("0.00", "0.00")
    with SqlUnitOfWork(served["database"], SYSTEM, dt.datetime.now(), write=False) as uow:
        # the budget settles the per-visit payables (the generated settlements were written without
        # their ledger entries, so only the settlement's side shows here)
        assert uow.ledger.balance(f"payable:{code}") == cost
        assert -uow.ledger.balance("bank:440300") == detail["recognised_fen"] - detail["forfeited_fen"]
        assert uow.ledger.balance("payment_adjust:440300:total_budget") == detail["adjustment_fen"]
        assert uow.ledger.problems() == []


def yibao(served, *args):
    env = dict(os.environ, YIBAO_OPERATOR="经办员")
    return subprocess.run([sys.executable, "-m", "yibao.cli", *args, "--db", served["url"]], capture_output=True,
                          text=True, timeout=120, env=env)


def test_the_dip_table_travels_to_another_region_through_the_cli(served, admin):
    if admin("GET", "/dip/440300/2026")[0] != 200:
        assert admin("POST", "/dip/440300/2026/build")[0] == 200
    exported = served["folder"] / "dip-440300-2026.json"
    done = yibao(served, "dip", "export", "440300", "--year", "2026", "--output", str(exported))
    assert done.returncode == 0, done.stderr
    document = json.loads(exported.read_text(encoding="utf-8"))
    assert document["format"] == "yibao-payment-table/1" and document["from_admdvs"] == "440300"
    done = yibao(served, "dip", "import", "441300", str(exported), "--year", "2027")
    assert done.returncode == 0, done.stderr
    status, shown = admin("GET", "/dip/441300/2027", token=served["other"])
    assert status == 200 and shown["group_list"] == document["content"]["catalogue"]["groups"]
    done = yibao(served, "drg", "import", "441300", str(exported), "--year", "2027")
    assert done.returncode == 2 and "[PAYMENT_BAD_TABLE]" in done.stderr
