"""``yibao stats flows`` and the dashboard's month: settlements by insured region × treatment
region for one month, kept for compatibility. The figures are app/statistics.py's, every
region, as insured place (so a pair appears once): settlements count by their settlement time,
reversals −1 by theirs, ``direct_rate = direct / (direct + paid manual claims)`` over the same
month and None where undefined. ``yibao stats settlements`` gives any range, scoped, with the
year-earlier comparison."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

from sqlalchemy import Connection

from yibao.app import statistics
from yibao.store.repositories import statistics as statistics_store

FIGURES = ("setl_cnt", "medfee_sumamt", "fund_pay_sumamt", "fund_ratio", "direct_cnt", "manual_cnt", "direct_rate",
           "dianzi_avoided_amt")


def month_bounds(month: str) -> tuple[dt.datetime, dt.datetime]:
    try:
        start = dt.datetime.strptime(month, "%Y-%m")
    except ValueError:
        raise ValueError(f"month must be YYYY-MM, got {month!r}") from None
    end = dt.datetime(start.year + (start.month == 12), start.month % 12 + 1, 1)
    return start, end


def _month_figures(conn: Connection, month: str) -> dict:
    start, end = month_bounds(month)
    # the statistics use case over this connection's own transaction (a read-only unit of work)
    unit = SimpleNamespace(statistics=statistics_store.Repository(conn, start))
    return statistics.settlements(unit, agency_code=None, begin=start.date(), end=(end - dt.timedelta(days=1)).date())


def flows_for_month(conn: Connection, month: str) -> list[dict]:
    return [{key: row[key] for key in ("insuplc_admdvs", "mdtrtarea_admvs", "scope") + FIGURES}
            for row in _month_figures(conn, month)["rows"]]


def totals_by_scope(rows: list[dict]) -> list[dict]:
    """The rows' totals per scope (the rows an agency sees, already filtered by the caller)."""
    totals: dict[str, dict] = {}
    for row in rows:
        total = totals.setdefault(row["scope"], {"scope": row["scope"], "setl_cnt": 0, "medfee_sumamt": 0,
                                                  "fund_pay_sumamt": 0, "direct_cnt": 0, "manual_cnt": 0})
        for key in ("setl_cnt", "medfee_sumamt", "fund_pay_sumamt", "direct_cnt", "manual_cnt"):
            total[key] += row[key]
    for total in totals.values():
        total["direct_rate"] = statistics.ratio(total["direct_cnt"], total["direct_cnt"] + total["manual_cnt"])
    return [totals[scope] for scope in statistics.SCOPES if scope in totals]
