"""app/statistics.py's arithmetic against an in-memory ``uow.statistics`` (milliseconds): the
year-earlier range, undefined ratios, 垫资 avoided only for cross-region visits, refusals."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from yibao.app import actors, statistics
from yibao.app.errors import GatewayError

from .fake_statistics import FakeStatistics
from .fakes import FakeUnitOfWork


def settlement(insured, treated, at, fees, funds, acct=0, kind="settlement"):
    return {"insuplc_admdvs": insured, "mdtrtarea_admvs": treated, "fixmedins_code": "H1", "med_type": "11",
            "kind": kind, "setl_time": at, "medfee_fen": fees, "fund_fen": funds, "acct_fen": acct}


def world() -> FakeUnitOfWork:
    uow = FakeUnitOfWork(actors.SYSTEM)
    uow.statistics = FakeStatistics(settlements=[
        settlement("441500", "441500", dt.datetime(2028, 2, 29, 10), 10_000, 6_000, 1_000),  # local: no 垫资 avoided
        settlement("441500", "440300", dt.datetime(2028, 2, 29, 11), 30_000, 21_000, 2_000),
        settlement("441500", "440300", dt.datetime(2027, 2, 28, 9), 5_000, 3_000),  # a year earlier, 28 February
        settlement("441500", "440300", dt.datetime(2027, 3, 1, 9), 5_000, 3_000),  # outside both ranges
    ])
    return uow


def test_a_leap_day_compares_with_28_february_and_avoided_counts_cross_region_only():
    """29 Feb 2028 compares with 28 Feb 2027. In-province 441500→440300: 1 人次 now, 1 then, yoy 0;
    fund ratio 21000 / 30000 = 0.7000; avoided 210.00 + 20.00 = 230.00. Local: avoided 0.00.
    Total avoided 230.00; total fund ratio 27000 / 40000 = 0.6750."""
    day = dt.date(2028, 2, 29)
    figures = statistics.settlements(world(), agency_code="441500", begin=day, end=day)
    rows = {r["scope"]: r for r in figures["rows"]}
    assert (rows["local"]["dianzi_avoided_amt"], rows["local"]["prev_year_setl_cnt"]) == (Decimal("0.00"), 0)
    assert (rows["in_province"]["fund_ratio"], rows["in_province"]["dianzi_avoided_amt"],
            rows["in_province"]["prev_year_setl_cnt"], rows["in_province"]["setl_cnt_yoy"]) == (
        Decimal("0.7000"), Decimal("230.00"), 1, Decimal("0.0000"))
    assert (figures["total"]["fund_ratio"], figures["total"]["dianzi_avoided_amt"]) == (Decimal("0.6750"),
                                                                                       Decimal("230.00"))


def test_undefined_ratios_are_none_and_bad_options_are_refused():
    assert statistics.ratio(0, 0) is None and statistics.ratio(1, 3) == Decimal("0.3333")
    assert statistics.year_earlier(dt.date(2028, 2, 29)) == dt.date(2027, 2, 28)
    empty = statistics.settlements(world(), agency_code="110000", begin=dt.date(2028, 1, 1), end=dt.date(2028, 12, 31))
    assert (empty["rows"], empty["total"]["direct_rate"], empty["total"]["fund_ratio"]) == ([], None, None)
    for options, code in (({"role": "both"}, "STATS_BAD_ROLE"), ({"by": "month"}, "STATS_BAD_GROUPING"),
                          ({"begin": dt.date(2028, 2, 1)}, "STATS_RANGE_REVERSED")):
        arguments = {"agency_code": "441500", "begin": dt.date(2028, 1, 1), "end": dt.date(2028, 1, 31), **options}
        with pytest.raises(GatewayError) as refused:
            statistics.settlements(world(), **{**arguments, "end": dt.date(2028, 1, 31)})
        assert refused.value.code == code
    with pytest.raises(GatewayError) as refused:
        statistics.clearing(world(), agency_code=None, first_month="2028-05", last_month="2028-04")
    assert refused.value.code == "STATS_RANGE_REVERSED"
    assert statistics.region_prefix("440000") == "44" and statistics.region_prefix("441500") == "4415"
    assert statistics.region_prefix("441502") == "441502"
