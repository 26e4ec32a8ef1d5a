"""``yibao stats flows``: settlements by insured region × treatment region for one month.

Settlements count by their settlement time and reversals count (negatively) in the month
they happen. The direct-settlement rate is the share of the month's registered visits of the
pair that hold a settlement that has not been reversed.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import Connection, case, func, select

from yibao.domain.settle import visit_scope
from yibao.store import repository as repo
from yibao.store import tables as t


def month_bounds(month: str) -> tuple[dt.datetime, dt.datetime]:
    try:
        start = dt.datetime.strptime(month, "%Y-%m")
    except ValueError:
        raise ValueError(f"month must be YYYY-MM, got {month!r}") from None
    end = dt.datetime(start.year + (start.month == 12), start.month % 12 + 1, 1)
    return start, end


def flows_for_month(conn: Connection, month: str) -> list[dict]:
    start, end = month_bounds(month)
    s = t.settlements
    sign = case((s.c.kind == "settlement", 1), else_=-1)
    settled = conn.execute(
        select(s.c.insuplc_admdvs, s.c.mdtrtarea_admvs, func.sum(sign).label("setl_cnt"),
               func.sum(s.c.medfee_sumamt_fen).label("medfee"), func.sum(s.c.fund_pay_sumamt_fen).label("fund"),
               func.sum(s.c.acct_pay_fen + s.c.acct_mulaid_pay_fen).label("acct"),
               func.sum(s.c.psn_cash_pay_fen).label("cash"))
        .where(s.c.setl_time >= start, s.c.setl_time < end)
        .group_by(s.c.insuplc_admdvs, s.c.mdtrtarea_admvs)
    ).all()
    v = t.visits
    reversal = s.alias("reversal")
    active = (
        select(s.c.setl_id).where(s.c.mdtrt_id == v.c.mdtrt_id, s.c.kind == "settlement")
        .where(~select(reversal.c.setl_id).where(reversal.c.reverses_setl_id == s.c.setl_id).exists())
        .exists()
    )
    visits = conn.execute(
        select(v.c.insuplc_admdvs, v.c.mdtrtarea_admvs, func.count().label("visits"),
               func.sum(case((active, 1), else_=0)).label("direct"))
        .where(v.c.begntime >= start, v.c.begntime < end, v.c.status != "cancelled")
        .group_by(v.c.insuplc_admdvs, v.c.mdtrtarea_admvs)
    ).all()
    rows: dict[tuple[str, str], dict] = {}

    def row_for(insured: str, treated: str) -> dict:
        key = (insured, treated)
        if key not in rows:
            rows[key] = {"insuplc_admdvs": insured, "mdtrtarea_admvs": treated, "scope": visit_scope(insured, treated),
                         "setl_cnt": 0, "medfee_sumamt": Decimal("0.00"), "fund_pay_sumamt": Decimal("0.00"),
                         "acct_pay": Decimal("0.00"), "psn_cash_pay": Decimal("0.00"), "visit_cnt": 0,
                         "direct_cnt": 0, "direct_rate": Decimal("0")}
        return rows[key]

    for insured, treated, count, medfee, fund, acct, cash in settled:
        row = row_for(insured, treated)
        row.update(setl_cnt=int(count), medfee_sumamt=repo.from_fen(int(medfee)), fund_pay_sumamt=repo.from_fen(int(fund)),
                   acct_pay=repo.from_fen(int(acct)), psn_cash_pay=repo.from_fen(int(cash)))
    for insured, treated, count, direct in visits:
        row = row_for(insured, treated)
        row["visit_cnt"], row["direct_cnt"] = int(count), int(direct or 0)
        if count:
            row["direct_rate"] = (Decimal(int(direct or 0)) / Decimal(int(count))).quantize(Decimal("0.0001"))
    return sorted(rows.values(), key=lambda r: (r["scope"] != "local", r["insuplc_admdvs"], r["mdtrtarea_admvs"]))


def totals_by_scope(rows: list[dict]) -> list[dict]:
    totals: dict[str, dict] = {}
    for row in rows:
        total = totals.setdefault(row["scope"], {"scope": row["scope"], "setl_cnt": 0, "medfee_sumamt": Decimal("0.00"),
                                                  "fund_pay_sumamt": Decimal("0.00"), "visit_cnt": 0, "direct_cnt": 0})
        for key in ("setl_cnt", "medfee_sumamt", "fund_pay_sumamt", "visit_cnt", "direct_cnt"):
            total[key] += row[key]
    for total in totals.values():
        total["direct_rate"] = (Decimal(total["direct_cnt"]) / total["visit_cnt"]).quantize(Decimal("0.0001")) if total["visit_cnt"] else Decimal(0)
    return [totals[scope] for scope in ("local", "in_province", "cross_province") if scope in totals]
