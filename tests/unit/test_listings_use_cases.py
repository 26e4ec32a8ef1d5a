"""app/listings.py against an in-memory repository: the page's checks, the views (yuan, region
and status names), masking for the other side, the drill-down's scope and the search."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from yibao.app import actors, listings
from yibao.app.errors import GatewayError

from .fake_listings import FakeListings
from .fakes import FakeUnitOfWork


def settlement(setl_id, insured, treated, psn_no="P1", fee=12345):
    return {"setl_id": setl_id, "mdtrt_id": "V" + setl_id, "psn_no": psn_no, "fixmedins_code": "H1", "insuplc_admdvs": insured,
            "mdtrtarea_admvs": treated, "kind": "settlement", "medfee_sumamt_fen": fee, "fund_pay_sumamt_fen": fee // 2,
            "setl_time": dt.datetime(2026, 3, 1), "detail": '{"setldetail": [{"fund_pay_type": "310100", '
            '"fund_payamt": "61.72"}], "lines": []}', "trace": "[]"}


@pytest.fixture
def uow():
    unit = FakeUnitOfWork(actors.SYSTEM)
    unit.listings = FakeListings(
        rows={"settlements": [settlement("S1", "441502", "440300", "P441000000001"), settlement("S2", "440300", "440300")],
              "cases": [{"case_id": "C1", "admdvs": "441500", "status": "confirmed", "amount_fen": 250}]},
        persons={"P441000000001": {"psn_no": "P441000000001", "psn_name": "陈小明", "certno": "441502198001010018"}})
    return unit


def test_a_page_shows_yuan_names_and_chinese_statuses(uow):
    found = listings.page(uow, "cases", agency_code="441500")
    assert found == {"items": [{"case_id": "C1", "admdvs": "441500", "admdvs_name": found["items"][0]["admdvs_name"],
                                "status": "confirmed", "status_name": "已确认违规", "amount": Decimal("2.50")}],
                     "total": 1, "limit": 50, "offset": 0}
    assert found["items"][0]["admdvs_name"].startswith(("汕尾市", "广东省"))


def test_the_treatment_side_reads_another_regions_person_masked(uow):
    shenzhen = listings.page(uow, "settlements", agency_code="440300")
    assert [(i["setl_id"], i["psn_no"]) for i in shenzhen["items"]] == [("S1", "P441*******01"), ("S2", "P1")]
    shanwei = listings.page(uow, "settlements", agency_code="441500")
    assert [(i["setl_id"], i["psn_no"]) for i in shanwei["items"]] == [("S1", "P441000000001")]


@pytest.mark.parametrize("subject, filters, limit, offset, code", [
    ("cases", {}, 0, 0, "LIST_BAD_PAGE"), ("cases", {}, 501, 0, "LIST_BAD_PAGE"), ("cases", {}, 5, -1, "LIST_BAD_PAGE"),
    ("persons", {}, 5, 0, "LIST_UNKNOWN_SUBJECT"), ("cases", {"psn_no": "P1"}, 5, 0, "LIST_UNKNOWN_FILTER"),
    ("settlements", {"from": dt.date(2026, 2, 1), "to": dt.date(2026, 1, 1)}, 5, 0, "STATS_RANGE_REVERSED")])
def test_a_bad_page_subject_filter_or_range_is_refused(uow, subject, filters, limit, offset, code):
    with pytest.raises(GatewayError) as refused:
        listings.page(uow, subject, agency_code="441500", filters=filters, limit=limit, offset=offset)
    assert refused.value.code == code


def test_the_drill_down_shows_its_settlement_to_either_side_only(uow):
    view = listings.settlement_view(uow, "S1", agency_code="441500")
    assert (view["psn_name"], view["certno"], view["medfee_sumamt"]) == ("陈**", "441*************18", Decimal("123.45"))
    assert view["setldetail"] == [{"fund_pay_type": "310100", "fund_payamt": "61.72",
                                   "fund_pay_type_name": "职工基本医疗保险统筹基金"}]
    assert listings.settlement_view(uow, "S1", agency_code="440300")["psn_no"] == "P441*******01"
    with pytest.raises(GatewayError) as refused:
        listings.settlement_view(uow, "S2", agency_code="441500")
    assert refused.value.code == "DASH_SETTLEMENT_NOT_FOUND" and refused.value.http_status == 404


def test_search_finds_a_person_by_id_number_masked(uow):
    found = listings.search(uow, "441502198001010018", agency_code="441500")
    assert found["persons"] == [{"psn_no": "P441000000001", "psn_name": "陈**", "certno": "441*************18",
                                 "settlements": 1}]
    assert [s["setl_id"] for s in found["settlements"]] == ["S1"]
    assert listings.search(uow, "  ", agency_code="441500") == {"settlements": [], "institutions": [], "persons": []}
