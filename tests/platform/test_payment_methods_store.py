"""Payment methods in the database (migration 0019), on SQLite and PostgreSQL: the tables match
tables.py, the inpatient cases read from stored settlements, lists and visits, the constraints
(an advance per month, a year settled once) and the append-only triggers, and a budget year and
a DIP year through the SQL unit of work, balanced in the ledger."""

from __future__ import annotations

import datetime as dt

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import insert, text
from sqlalchemy.exc import DBAPIError, IntegrityError

from yibao.app import budgets, dip, payment_methods
from yibao.app.actors import operator
from yibao.app.errors import GatewayError
from yibao.store import tables as t
from yibao.store.unit_of_work import SqlUnitOfWork

from . import payment_year as world

NOW = dt.datetime(2027, 1, 20, 9, 0)
TABLES_0019 = {"payment_method_records", "budgets", "budget_advances", "payment_results", "payment_tables"}
H1, H2, H3, H4 = sorted(world.INSTITUTIONS)


def unit(database):
    return SqlUnitOfWork(database, operator("经办员"), NOW)


@pytest.fixture
def year(database, tmp_path):
    world.import_institutions(database, tmp_path)
    return world.generate(database, year=2026, stays=60)


def test_the_migration_creates_what_tables_py_declares(database):
    with database.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        differences = [str(d) for d in compare_metadata(context, t.metadata)]
    assert [d for d in differences if any(name in d for name in TABLES_0019)] == []


def test_cases_are_the_years_local_unreversed_inpatient_settlements_preferring_the_list(database, year):
    expected = world.expected_cases(year, 2026)
    with unit(database) as uow:
        cases = list(payment_methods.inpatient_cases(uow, world.REGION, 2026))
    assert sorted(c.setl_id for c in cases) == sorted(s["setl_id"] for s in expected)
    listed = {row["setl_id"] for row in year["lists"]}
    assert {c.setl_id for c in cases if c.source == "setl_list"} == listed & {c.setl_id for c in cases}
    by_id = {c.setl_id: c for c in cases}
    surgical = next(c for c in cases if c.source == "setl_list" and c.main_diagnosis == "K35.800")
    assert surgical.main_procedure == "47.0901"
    assert all(c.main_procedure == "" for c in cases if c.source == "visit")
    first = expected[0]
    assert (by_id[first["setl_id"]].total_fen, by_id[first["setl_id"]].fund_fen) == (
        first["medfee_sumamt_fen"], first["fund_pay_sumamt_fen"])
    with unit(database) as uow:
        cost = uow.payment_methods.local_fund_cost(H1, 2026)
    assert cost == sum(s["fund_pay_sumamt_fen"] for s in year["settlements"]
                       if s["fixmedins_code"] == H1 and s["scope"] == "local" and s["setl_time"].year == 2026)


def budget_year(database, amount_fen: int = 1_200_000_00) -> None:
    with unit(database) as uow:
        payment_methods.set_method(uow, H1, 2026, "total_budget")
        budgets.set_budget(uow, H1, 2026, amount_fen)
    for month in range(1, 13):
        with unit(database) as uow:
            budgets.advance(uow, H1, 2026, month)


def test_a_budget_year_settles_once_and_the_ledger_closes_advances_and_deposit(database, year):
    budget_year(database)
    with unit(database) as uow:
        result = budgets.settle_year(uow, H1, 2026, score=88)
    with pytest.raises(GatewayError) as caught:
        with unit(database) as uow:
            budgets.settle_year(uow, H1, 2026, score=88)
    assert caught.value.code == "PAYMENT_YEAR_SETTLED" and "不能重复清算" in caught.value.message
    with unit(database) as uow:
        assert uow.ledger.balance(f"budget_advance:{H1}:2026") == 0
        assert uow.ledger.balance(f"quality_deposit:{H1}:2026") == 0
        assert uow.ledger.balance("bank:440300") == -(result["detail"]["recognised_fen"] - result["detail"]["forfeited_fen"])
        assert uow.ledger.problems() == []
        shown = budgets.show(uow, H1, 2026)
    assert len(shown["advances"]) == 12 and str(shown["advanced"]) == "1200000.00"


def test_the_database_refuses_a_second_advance_a_second_first_settlement_and_rewrites(database, year):
    budget_year(database)
    with unit(database) as uow:
        budgets.settle_year(uow, H1, 2026, score=70)
    row = dict(fixmedins_code=H1, year=2026, month=1, budget_id=1, amount_fen=1, withheld_fen=0, actor="x",
               recorded_at=NOW)
    with pytest.raises(IntegrityError):
        with database.write() as conn:
            conn.execute(insert(t.budget_advances).values(**row))
    result = dict(result_id="BS-TWICE", fixmedins_code=H1, year=2026, method="total_budget", kind="settlement",
                  corrects_id=None, follows_correction_id=None, amount_fen=0, detail="{}", actor="x", recorded_at=NOW)
    with pytest.raises(IntegrityError):
        with database.write() as conn:
            conn.execute(insert(t.payment_results).values(**result))
    for statement in ("UPDATE payment_results SET amount_fen = 0", "DELETE FROM budget_advances",
                      "UPDATE budgets SET amount_fen = 0", "DELETE FROM payment_method_records"):
        with pytest.raises(DBAPIError):
            with database.write() as conn:
                conn.execute(text(statement))


def test_a_dip_year_balances_to_the_budget_on_both_backends(database, year):
    with unit(database) as uow:
        for code in (H1, H2, H3):
            payment_methods.set_method(uow, code, 2026, "dip")
        payment_methods.set_method(uow, H4, 2026, "fee_for_service")
        built = dip.build(uow, world.REGION, 2026)
    assert built["cases"] == len(world.expected_cases(year, 2026))
    with unit(database) as uow:
        settled = dip.settle(uow, world.REGION, 2026, 987_654_321)
    assert sum(r["detail"]["allocated_fen"] for r in settled["institutions"]) == 987_654_321
    with unit(database) as uow:
        owed = uow.ledger.balance(f"payment_adjust:{world.REGION}:dip")
        paid = sum(r["detail"]["paid_fen"] for r in settled["institutions"])
        assert owed == 987_654_321 - paid
        assert uow.ledger.problems() == []
