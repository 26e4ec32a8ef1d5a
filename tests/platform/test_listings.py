"""The admin lists (app/listings.py over store/repositories/listings.py) on SQLite and
PostgreSQL, against the statistics' fixed dataset (tests/platform/test_statistics.py) and a few
filings, cases and sanctions: each agency sees its regions' records only, filtered, a page at a
time, with the total of the selection."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import insert

from yibao.app import actors, listings
from yibao.app.errors import GatewayError
from yibao.domain.regions import region_name
from yibao.store import tables as t
from yibao.store.unit_of_work import SqlUnitOfWork

from .test_statistics import NOW, filled, fen, write_money_flows, write_registry


def write_subjects(conn) -> None:
    for n, (psn_no, dest, status) in enumerate((("P441", "110000", "active"), ("P441", "310000", "cancelled"),
                                                ("P440", "110000", "active"))):
        conn.execute(insert(t.filings).values(**filled(
            t.filings, filing_no=f"F{n}", psn_no=psn_no, filing_type="long_term", dest_admdvs=dest, status=status,
            begndate=dt.date(2026, 1, 1), created_at=NOW - dt.timedelta(days=n))))
    for case_id, region, status in (("CA1", "441500", "investigating"), ("CA2", "441502", "confirmed"),
                                    ("CA3", "440300", "confirmed")):
        conn.execute(insert(t.cases).values(**filled(t.cases, case_id=case_id, admdvs=region, subject_type="institution",
                                                     subject_id="HSW1", status=status, amount_fen=fen("12.50"))))
    for sanction_id, kind, subject, lifted in (("SA1", "institution", "HSW1", None), ("SA2", "institution", "HSZ1", None),
                                               ("SA3", "person", "P441", NOW), ("SA4", "person", "P440", None)):
        conn.execute(insert(t.sanctions).values(**filled(t.sanctions, sanction_id=sanction_id, subject_type=kind,
                                                         subject_id=subject, kind="suspend", lifted_at=lifted)))
    conn.execute(insert(t.settlements).values(**filled(
        t.settlements, setl_id="S10", mdtrt_id="V10", psn_no="P44100000001", kind="settlement", insuplc_admdvs="441502",
        mdtrtarea_admvs="440300", fixmedins_code="HSZ1", med_type="11", setl_time=dt.datetime(2026, 10, 1),
        medfee_sumamt_fen=fen("88.80"), fund_pay_sumamt_fen=fen("60.00"))))


@pytest.fixture
def world(database):
    with database.write() as conn:
        write_registry(conn)
        write_subjects(conn)
    with SqlUnitOfWork(database, actors.SYSTEM, NOW) as uow:
        write_money_flows(uow)
    return database


def page(database, subject, agency, limit=50, offset=0, **filters):
    with SqlUnitOfWork(database, actors.SYSTEM, NOW, write=False) as uow:
        return listings.page(uow, subject, agency_code=agency, filters=filters, limit=limit, offset=offset)


def ids(document, key):
    return [item[key] for item in document["items"]]


def test_settlements_are_the_agencys_on_either_side_newest_first_a_page_at_a_time(world):
    first = page(world, "settlements", "441500", limit=4)
    assert first["total"] == 12 and ids(first, "setl_id") == ["S7", "S10", "S9", "S5"]
    assert ids(page(world, "settlements", "441500", limit=4, offset=4), "setl_id") == ["S4", "S3", "R2", "S2"]
    assert ids(page(world, "settlements", "441500", limit=4, offset=8), "setl_id") == ["S1", "R8", "S8", "S6"]
    assert page(world, "settlements", "441500", limit=4, offset=12)["items"] == []
    assert page(world, "settlements", "440300")["total"] == 10  # not S4 (汕尾 local) nor S5 (to Beijing)
    assert ids(page(world, "settlements", "110105"), "setl_id") == ["S5"]
    in_range = page(world, "settlements", "441500", **{"from": dt.date(2026, 1, 1), "to": dt.date(2026, 11, 30)})
    assert in_range["total"] == 9 and "S7" not in ids(in_range, "setl_id") and "S6" not in ids(in_range, "setl_id")
    s5 = page(world, "settlements", "441500", setl_id="S5")["items"][0]
    assert (s5["medfee_sumamt"], s5["fund_pay_sumamt"]) == (Decimal("966.11"), Decimal("690.40"))
    assert (s5["mdtrtarea_admvs_name"], s5["kind_name"]) == (region_name("110105"), "结算")
    assert s5["mdtrtarea_admvs_name"].startswith(("北京市", "朝阳区"))
    reversal = page(world, "settlements", "441500", kind="reversal", limit=1)
    assert reversal["total"] == 2 and reversal["items"][0]["medfee_sumamt"] == Decimal("-2000.00")


def test_a_treatment_place_sees_another_regions_person_number_masked(world):
    own = page(world, "settlements", "441500", setl_id="S10")["items"][0]
    other = page(world, "settlements", "440300", setl_id="S10")["items"][0]
    assert own["psn_no"] == "P44100000001" and other["psn_no"] == "P441******01"
    assert page(world, "settlements", "440300", psn_no="P44100000001")["total"] == 1


def test_statements_prepayments_and_institutions_by_the_agencys_role(world):
    statements = page(world, "statements", "441500")
    assert statements["total"] == 4 and {i["statement_id"] for i in statements["items"]} == {"ST0", "ST2", "ST3", "ST4"}
    march = page(world, "statements", "441500", month="2026-03")
    assert ids(march, "statement_id") == ["ST0", "ST2"] and march["items"][0]["clearing_amount"] == Decimal("407.30")
    assert march["items"][0]["status_name"] == "已支付" and march["items"][1]["status_name"] == "已确认待支付"
    assert page(world, "prepayments", "441500")["total"] == 3
    assert ids(page(world, "prepayments", "441500", year=2026), "prepay_id") == ["P1", "P2"]
    guangdong = page(world, "prepayments", "440000")  # a province also sees what is paid to it
    assert {i["prepay_id"] for i in guangdong["items"]} == {"P1", "P2", "P3", "P5"}
    assert ids(page(world, "institutions", "441500"), "fixmedins_code") == ["HSW1", "HSW2"]
    assert ids(page(world, "institutions", "441500", q="HSW2"), "fixmedins_code") == ["HSW2"]
    assert page(world, "institutions", "440300", q="HSW2")["total"] == 0


def test_filings_cases_and_sanctions_of_the_agencys_regions_only(world):
    assert ids(page(world, "filings", "441500"), "filing_no") == ["F0", "F1"]
    active = page(world, "filings", "441500", status="active")["items"]
    assert [(i["filing_no"], i["status_name"], i["dest_admdvs_name"]) for i in active] == [("F0", "有效", "北京市")]
    assert ids(page(world, "filings", "440300"), "filing_no") == ["F2"]
    cases = page(world, "cases", "441500")
    assert sorted(ids(cases, "case_id")) == ["CA1", "CA2"] and cases["items"][0]["amount"] == Decimal("12.50")
    assert ids(page(world, "cases", "441500", status="confirmed"), "case_id") == ["CA2"]
    assert page(world, "cases", "441500", status="confirmed")["items"][0]["status_name"] == "已确认违规"
    assert sorted(ids(page(world, "sanctions", "441500"), "sanction_id")) == ["SA1", "SA3"]
    assert ids(page(world, "sanctions", "441500", active=True), "sanction_id") == ["SA1"]
    assert sorted(ids(page(world, "sanctions", "440300"), "sanction_id")) == ["SA2", "SA4"]
    assert page(world, "sanctions", None)["total"] == 4  # the operator sees every region


@pytest.mark.parametrize("limit, offset", [(0, 0), (501, 0), (10, -1)])
def test_a_bad_page_or_filter_is_refused(world, limit, offset):
    with pytest.raises(GatewayError) as refused:
        page(world, "cases", "441500", limit=limit, offset=offset)
    assert refused.value.code == "LIST_BAD_PAGE"
    with pytest.raises(GatewayError) as unknown:
        page(world, "cases", "441500", psn_no="P441")
    assert unknown.value.code == "LIST_UNKNOWN_FILTER"
