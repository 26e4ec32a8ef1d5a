"""Listing prices and procurement in the database (migration 0027) on SQLite and PostgreSQL: the
tables match tables.py, a batch's savings from the fee lines of settlements in force, the payment
standards read from the catalogue, the primary key refusing a batch twice and the append-only
triggers."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import insert, text
from sqlalchemy.exc import DBAPIError

from yibao.app import prices, procurement
from yibao.app.actors import operator
from yibao.app.errors import GatewayError
from yibao.store import tables as t
from yibao.store.unit_of_work import SqlUnitOfWork

from . import payment_year as world

NOW = dt.datetime(2027, 1, 20, 9, 0)
TABLES_0027 = {"listed_prices", "procurement_batches", "procurement_items"}
BEGIN = dt.date(2026, 7, 1)


def unit(database):
    return SqlUnitOfWork(database, operator("价格科"), NOW)


def test_the_migration_creates_what_tables_py_declares(database):
    with database.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        differences = [str(d) for d in compare_metadata(context, t.metadata)]
    assert [d for d in differences if any(name in d for name in TABLES_0027)] == []


def _fee_lines(year: dict) -> tuple[list[dict], Decimal]:
    """Two lines a visit (XA01 at n % 4 + 1 units, a cancelled XA01 line); the expected volume is
    that of the visits whose settlement is in force, in the second half of 2026."""
    reversed_ids = {s["reverses_setl_id"] for s in year["settlements"] if s["kind"] == "reversal"}
    in_force = {s["mdtrt_id"] for s in year["settlements"] if s["kind"] == "settlement" and s["setl_id"] not in reversed_ids}
    rows, expected = [], Decimal(0)
    for n, visit in enumerate(year["visits"]):
        when = visit["begntime"]
        for sn, status in (("1", "uploaded"), ("2", "cancelled")):
            rows.append(dict(mdtrt_id=visit["mdtrt_id"], feedetl_sn=sn, psn_no=visit["psn_no"], med_list_codg="XA01",
                             cnt=str(n % 4 + 1), pric="10.00", det_item_fee_sumamt_fen=1000 * (n % 4 + 1),
                             fee_ocur_time=when, status=status, created_at=when))
        if visit["mdtrt_id"] in in_force and BEGIN <= when.date() < dt.date(2027, 1, 1):
            expected += n % 4 + 1
    return rows, expected


def _catalogue(conn) -> None:
    conn.execute(insert(t.hilist), [dict(hilist_code=code, insu_admdvs=world.REGION, begndate=dt.date(2026, 1, 1),
                                         hilist_name=code, chrgitm_lv="01") for code in ("XA01", "XB02")])
    conn.execute(insert(t.lmtpric), [dict(hilist_code="XA01", insu_admdvs=world.REGION, begndate=dt.date(2026, 1, 1),
                                          hilist_pric_uplmt_amt="9.00")])


def test_savings_count_the_settled_lines_in_force_and_linkage_reads_the_catalogue(database, tmp_path):
    world.import_institutions(database, tmp_path)
    year = world.generate(database, year=2026, stays=60)
    lines, expected = _fee_lines(year)
    with database.write() as conn:
        conn.execute(insert(t.fee_lines), lines)
        _catalogue(conn)
    assert expected > 0
    with unit(database) as uow:
        prices.list_products(uow, world.REGION, [
            {"national_code": "XA01", "price": "10.00", "listed_on": "2026-01-02"},
            {"national_code": "XB02", "price": "2.00", "listed_on": "2026-01-02"}])
        procurement.record_batch(uow, "GJ-10", "national", "第十批", world.REGION, BEGIN, [
            {"national_code": "XA01", "agreed_price": "4.00", "agreed_volume": "100"},
            {"national_code": "XB02", "agreed_price": "1.00", "agreed_volume": "100"}])
    with unit(database) as uow:
        result = procurement.savings(uow, "GJ-10", dt.date(2027, 1, 1))
        linked = procurement.linkage(uow, "GJ-10")
    assert result["items"][0]["settled_volume"] == str(expected)
    assert result["savings"] == str((expected * 6).quantize(Decimal("0.01")))
    assert result["items"][1]["settled_volume"] == "0"
    assert [(r["hilist_code"], r["hilist_pric_uplmt_amt"]) for r in linked] == [("XA01", "4.00"), ("XB02", "1.00")]


def test_a_batch_twice_is_refused_and_rows_are_never_rewritten(database):
    items = [{"national_code": "XA01", "agreed_price": "4.00", "agreed_volume": "100"}]
    with unit(database) as uow:
        procurement.record_batch(uow, "SJ-1", "provincial", "省集采", "440000", BEGIN, items)
    with pytest.raises(GatewayError) as caught:
        with unit(database) as uow:
            procurement.record_batch(uow, "SJ-1", "alliance", "联盟", "440000", BEGIN, items)
    assert caught.value.code == "PROCUREMENT_BATCH_EXISTS"
    with unit(database) as uow:
        prices.list_products(uow, "440300", [{"national_code": "XA01", "price": "3", "listed_on": "2026-01-01"}])
    for statement in ("UPDATE listed_prices SET price = '1'", "DELETE FROM procurement_items",
                      "UPDATE procurement_batches SET level = 'national'"):
        with pytest.raises(DBAPIError):
            with database.write() as conn:
                conn.execute(text(statement))
    with database.engine.connect() as conn:
        assert conn.execute(text("SELECT price FROM listed_prices")).scalar_one() == "3"
