"""Listing prices and procurement (domain/prices.py), service-price integration replays and the
budget-neutral adjustment model (domain/price_reform.py), with exact numbers from fixed data."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

from yibao.documents.case_document import parse_case
from yibao.domain import price_reform, prices
from yibao.domain.case import CatalogEntry
from yibao.domain.price_reform import ItemMapping

D = Decimal
GOLDEN = Path(__file__).resolve().parents[1] / "golden"


def listing(region, code, price, day="2026-01-01", maker="甲药业"):
    return prices.Listing(region, code, "10mg*28片", maker, D(price), dt.date.fromisoformat(day))


def test_comparison_takes_each_regions_latest_listing_and_orders_by_spread():
    rows = prices.compare([
        listing("440300", "XA01", "12.00"), listing("440300", "XA01", "10.00", "2026-06-01"),
        listing("510100", "XA01", "12.50"), listing("440300", "XB02", "3.00"), listing("510100", "XB02", "3.30"),
        listing("500000", "XC03", "1.00"),  # listed by one region only: nothing to compare
    ], ["440300", "510100", "500000"])
    assert [r.national_code for r in rows] == ["XA01", "XB02"]
    first = rows[0]
    assert first.prices == {"440300": D("10.00"), "510100": D("12.50")}
    assert (first.lowest_region, first.spread, first.spread_ratio) == ("440300", D("2.50"), D("0.2500"))
    assert rows[1].spread_ratio == D("0.1000")


BATCH = [
    prices.ProcurementItem("XA01", agreed_price=D("4.00"), agreed_volume=D(1200), earlier_price=D("10.00")),
    prices.ProcurementItem("XB02", agreed_price=D("1.75"), agreed_volume=D(2000), earlier_price=D("2.50")),
    prices.ProcurementItem("XC03", agreed_price=D("0.20"), agreed_volume=D(600), earlier_price=D("0.3333")),
]
SETTLED = {"XA01": D(1000), "XB02": D(2000), "XC03": D(300)}


def test_savings_and_reduction_from_settled_volumes():
    result = prices.savings(BATCH, SETTLED)
    assert (result.spend_before, result.spend_after) == (D("15099.99"), D("7560.00"))
    assert result.savings == D("7539.99")  # 节省
    assert result.reduction == D("0.4993")  # 降幅 = 7539.99 / 15099.99, volume-weighted
    a, b, c = result.items
    assert (a.savings, a.reduction, a.volume_share) == (D("6000.00"), D("0.6000"), D("0.8333"))
    assert (b.savings, b.reduction, b.volume_share) == (D("1500.00"), D("0.3000"), D("1.0000"))
    assert (c.savings, c.reduction) == (D("39.99"), D("0.3999"))


def test_nothing_settled_saves_nothing():
    result = prices.savings(BATCH, {})
    assert (result.savings, result.reduction) == (D("0.00"), D(0))


def test_linkage_lowers_the_payment_standard_to_the_agreed_price_only_where_it_was_higher():
    standards = {"XA01": D("9.00"), "XB02": D("1.50"), "XC03": None}  # XD04 is not in the catalogue
    rows = prices.linked_standards(BATCH + [prices.ProcurementItem("XD04", D(1), D(1), D(2))], standards,
                                   dt.date(2026, 7, 1))
    assert [(r.hilist_code, r.old_standard, r.new_standard) for r in rows] == [
        ("XA01", D("9.00"), D("4.00")), ("XC03", None, D("0.20"))]
    assert {r.begndate for r in rows} == {dt.date(2026, 7, 1)}


def golden_case(name="ex1a_employee_inpatient_tertiary"):
    return parse_case(json.loads((GOLDEN / f"{name}.case.json").read_text(encoding="utf-8")), GOLDEN)


def test_a_lowered_exam_is_replayed_through_the_engine():
    # ex1a: in-scope 27 200 after a 1 300 deductible at 85 % (level 3, first band to 30 000)
    mappings = [ItemMapping("F-EXAM", "F-EXAM-2026", D("5000"))]
    result = price_reform.replay([golden_case()], mappings, tolerance=D("0.05"))
    overall = result.overall
    assert (overall.fee_before, overall.fee_after) == (D("31700.00"), D("30700.00"))
    assert (overall.fund_change, overall.patient_change) == (D("-850.00"), D("-150.00"))
    assert result.lowered == ["F-EXAM"] and result.raised == []
    assert result.by_item["F-EXAM"].fee_change == D("-1000.00")
    assert result.by_level["3"].fund_change == D("-850.00")
    assert overall.fee_change_ratio() == D("-0.0315") and result.balanced  # 1 000 / 31 700 within 5 %


def test_raised_and_lowered_items_balance_within_the_tolerance():
    mappings = [ItemMapping("F-EXAM", "F-EXAM-2026", D("5000")),  # CT/MR-like: lowered by 1 000
                ItemMapping("BED", "BED-2026", D("215"))]  # labour-like: 10 days raised by 95 each
    result = price_reform.replay([golden_case()], mappings, tolerance=D("0.001"))
    assert result.raised == ["BED"] and result.lowered == ["F-EXAM"]
    assert result.by_item["BED"].fee_change == D("950.00")
    assert result.overall.fee_change == D("-50.00")
    assert not result.balanced  # |−50| > 0.001 × 31 700 = 31.70
    assert price_reform.replay([golden_case()], mappings, tolerance=D("0.002")).balanced  # ≤ 63.40
    # BED keeps its entry's ceiling of 60 a day: the raise above it is the patient's (超限价自付)
    assert (result.overall.fund_change, result.overall.patient_change) == (D("-850.00"), D("800.00"))


def test_a_new_item_with_its_own_entry_is_priced_by_it():
    entry = CatalogEntry("BED-2026", "床位费（整合）", "01", D(0), D("215"))
    mappings = [ItemMapping("BED", "BED-2026", D("215"), entry)]
    result = price_reform.replay([golden_case()], mappings, tolerance=D("0.05"))
    # before: 1 200 billed, 600 within the ceiling of 60 a day; after: all 2 150 in scope, so
    # 1 550 more in scope at 85 % (+1 317.50 fund) and the patient's share falls by 367.50
    assert (result.overall.fund_change, result.overall.patient_change) == (D("1317.50"), D("-367.50"))


def test_budget_neutral_room_for_the_items_not_fixed():
    volumes = {"CT": D(1000), "MR": D(500), "LABOUR": D(4000)}
    old = {"CT": D("200"), "MR": D("600"), "LABOUR": D("50")}
    # total 200 000 + 300 000 + 200 000 = 700 000; labour raised to 60 costs 240 000,
    # so CT and MR share 460 000 instead of 500 000: k = 0.92
    assert price_reform.budget_neutral_room(volumes, old, {"LABOUR": D("60")}) == D("0.9200")
