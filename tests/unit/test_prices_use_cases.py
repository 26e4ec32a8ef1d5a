"""Listing prices and procurement use cases (app/prices.py, app/procurement.py) over the fake
unit of work: listings recorded with their actor, a list shared and compared, a batch's savings
from settled volumes against the earlier listing prices, the payment-standard linkage rows."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from yibao.app import prices, procurement
from yibao.app.actors import operator
from yibao.app.errors import GatewayError

from .fake_prices import FakePrices
from .fakes import FakeUnitOfWork

D = Decimal
SZ, CD = "440300", "510100"


def unit() -> FakeUnitOfWork:
    uow = FakeUnitOfWork(operator("价格科"))
    uow.prices = FakePrices()
    return uow


def row(code, price, day="2026-01-05", maker="甲药业"):
    return {"national_code": code, "spec": "10mg*28片", "maker": maker, "price": price, "listed_on": day}


def refused(action) -> str:
    with pytest.raises(GatewayError) as caught:
        action()
    return caught.value.code


def test_listings_are_recorded_with_the_actor_and_a_bad_row_refuses_the_file():
    uow = unit()
    with uow:
        assert prices.list_products(uow, SZ, [row("XA01", "10.00"), row("XB02", "2.5")]) == {"admdvs": SZ, "listed": 2}
    assert {r["actor"] for r in uow.prices.listing_rows} == {"operator:价格科"}
    assert uow.actions.rows[-1][1:3] == ("prices.list", SZ)
    assert refused(lambda: prices.list_products(uow, SZ, [row("XC03", "1"), row("XD04", "-1")])) == "PRICES_BAD_LISTING"
    assert refused(lambda: prices.list_products(uow, SZ, [row("", "1")])) == "PRICES_BAD_LISTING"
    assert refused(lambda: prices.list_products(uow, SZ, [row("XC03", "1.00001")])) == "PRICES_BAD_LISTING"
    assert len(uow.prices.listing_rows) == 2


def test_a_shared_list_becomes_the_receivers_rows_and_compares():
    uow = unit()
    prices.list_products(uow, SZ, [row("XA01", "12.00"), row("XA01", "10.00", "2026-03-01"), row("XB02", "3.00")])
    prices.list_products(uow, CD, [row("XA01", "12.50"), row("XB02", "3.30")])
    assert prices.compare(uow, [SZ, CD])[0] == {
        "national_code": "XA01", "prices": {SZ: "10.00", CD: "12.50"}, "lowest": "10.00", "highest": "12.50",
        "lowest_region": SZ, "spread": "2.50", "spread_ratio": "0.2500"}
    assert prices.share(uow, SZ, "500000") == {"from_admdvs": SZ, "to_admdvs": "500000", "shared": 2}
    shared = [r for r in uow.prices.listing_rows if r["admdvs"] == "500000"]
    assert {(r["national_code"], r["price"], r["source"]) for r in shared} == {
        ("XA01", "10.00", "shared from 440300"), ("XB02", "3.00", "shared from 440300")}
    assert refused(lambda: prices.share(uow, "110000", SZ)) == "PRICES_NOTHING_TO_SHARE"


def batch(uow, items=None, batch_no="GJ-2026-01"):
    items = items or [{"national_code": "XA01", "agreed_price": "4.00", "agreed_volume": "1200"},
                      {"national_code": "XB02", "agreed_price": "1.75", "agreed_volume": "2000"}]
    return procurement.record_batch(uow, batch_no, "national", "第十批国家集采", SZ, dt.date(2026, 7, 1), items)


def test_savings_use_the_listing_before_the_batch_and_the_settled_volumes():
    uow = unit()
    prices.list_products(uow, SZ, [row("XA01", "11.00", "2026-01-05"), row("XA01", "10.00", "2026-06-30"),
                                   row("XA01", "4.00", "2026-07-01"), row("XB02", "2.50")])
    assert batch(uow)["items"] == 2
    uow.prices.volumes = {"XA01": D(1000), "XB02": D(2000)}
    result = procurement.savings(uow, "GJ-2026-01", dt.date(2027, 1, 1))
    assert uow.prices.volume_queries == [(SZ, ("XA01", "XB02"), dt.date(2026, 7, 1), dt.date(2027, 1, 1))]
    # 1000 × (10 − 4) + 2000 × (2.50 − 1.75) = 6000 + 1500 of 15 000 before
    assert (result["spend_before"], result["savings"], result["reduction"]) == ("15000.00", "7500.00", "0.5000")
    assert [i["volume_share"] for i in result["items"]] == ["0.8333", "1.0000"]


def test_a_batch_is_recorded_once_and_checked():
    uow = unit()
    batch(uow)
    assert refused(lambda: batch(uow)) == "PROCUREMENT_BATCH_EXISTS"
    twice = [{"national_code": "XA01", "agreed_price": "1", "agreed_volume": "1"}] * 2
    assert refused(lambda: batch(uow, twice, "B2")) == "PROCUREMENT_BAD_BATCH"
    assert refused(lambda: procurement.record_batch(uow, "B3", "city", "x", SZ, dt.date(2026, 1, 1),
                                                    twice[:1])) == "PROCUREMENT_BAD_BATCH"
    assert refused(lambda: procurement.savings(uow, "NONE", dt.date(2027, 1, 1))) == "PROCUREMENT_BATCH_NOT_FOUND"
    # XA01 never listed before 2026-07-01
    assert refused(lambda: procurement.savings(uow, "GJ-2026-01", dt.date(2027, 1, 1))) == "PROCUREMENT_NO_EARLIER_PRICE"


def test_linkage_answers_new_lmtpric_rows_from_the_batch_start():
    uow = unit()
    batch(uow)
    uow.prices.standards = {"XA01": D("9.00"), "XB02": D("1.50")}
    assert procurement.linkage(uow, "GJ-2026-01") == [
        {"hilist_code": "XA01", "insu_admdvs": SZ, "begndate": "2026-07-01", "enddate": "",
         "hilist_pric_uplmt_amt": "4.00", "hilist_lmtpric_type": "", "overlmt_dspo_way": "", "vali_flag": "1"}]


def test_a_batch_item_without_a_positive_price_or_volume_is_refused():
    uow = unit()
    for bad in ({"agreed_price": "0", "agreed_volume": "1"}, {"agreed_price": "1", "agreed_volume": "x"}):
        assert refused(lambda: batch(uow, [dict(bad, national_code="XA01")], "B9")) == "PROCUREMENT_BAD_BATCH"
    assert uow.prices.batch_rows == {}
