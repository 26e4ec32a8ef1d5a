"""The one statistics module: every figure the CLI (``yibao stats …``), the admin API
(``/admin/api/stats/…``), the dashboard and the exports show comes from here, over any date
range, scoped to what the asking agency administers, read through ``uow.statistics``
(store/repositories/statistics.py).

Scope. An agency sees the records whose insured place or treatment place is a region it
administers (its own code and the codes under it: a province its cities, a city its
districts; app/agencies.administers), each in the role it has there: with ``role=insured``
the settlements of its insured wherever they were treated, with ``role=treatment`` those
treated in its regions whoever insures them. ``scope=None`` (the operator at the command
line) sees every region.

How each figure is counted (the definitions behind the seeds' reports, seeds 001 and 004):

- ``setl_cnt`` (结算人次): each direct settlement counts 1 in the range its settlement time
  falls in, each reversal −1 in the range of the reversal's time; a visit settled, reversed and
  settled again counts 1. ``direct_cnt`` is the same count: the visits settled at the counter
  (直接结算人次, seed 004 "直接结算138807人次").
- ``medfee_sumamt``, ``fund_pay_sumamt``: fees and fund payments of those settlements, net of
  reversals. ``fund_ratio = fund_pay_sumamt / medfee_sumamt`` (基金支付比例, seed 001
  "基金支付总额690.40万元 … 基金支付比例为71.5%" = 690.40 / 966.11), null when no fees.
- ``manual_cnt``: paid manual claims (零星报销) by payment time, net of corrections: the visits
  whose person advanced the money. ``direct_rate = direct_cnt / (direct_cnt + manual_cnt)``
  (直接结算率, docs/glossary.md), null when the denominator is not positive ("—" in a table).
- ``dianzi_avoided_amt`` (减少垫资, seed 004 "减少异地参保人垫资10273.84万元"): what the funds
  and the personal accounts (own and family mutual aid) paid at the counter for cross-region
  visits (in-province and cross-province scope): money a person would otherwise have advanced
  and claimed back. Local visits are not counted (0.00): no one advances for them.
- ``prev_year_*``: the same figures over the same range one year earlier (29 February → 28
  February); ``setl_cnt_yoy`` = (setl_cnt − prev) / prev and ``direct_rate_change`` = rate −
  previous rate in percentage points (seed 004 "同比上升6.33%" reads as either), null when
  undefined.
- Prepayments (预付金, seed 001 "已审批初始预付金580笔 … 已确认付款464笔 … 其中已确认收款333笔"):
  approved counts every prepayment of the year, paid those paid or received, received those
  received: each stage includes the next.
- Clearing (seed 001 "3月份涉及13个省份,金额40.73万元"): per month the statements, the distinct
  provinces on either side of them, the amount the insured places owe (clearing_amount) and
  the statements by status.
- Supervision (seed 004 "挽回基金损失4486.63万元,其中追回违规医保基金3565.97万元,自查自纠退回
  违规医保基金920.66万元,行政处罚案件89宗,处罚金额2089.49万元"): ``recovered_amt`` is 追回,
  ``refunded_amt`` 自查自纠, ``fund_loss_recovered_amt`` (挽回基金损失) their sum — penalties are
  not part of it; ``penalty_cases`` counts cases with a penalty recorded in the range.
  Sanctions count when created; police referrals (移交公安) count cases referred in the range.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Protocol

from yibao.domain.codes import province_of
from yibao.domain.money import from_fen
from yibao.domain.settle import visit_scope

from .error_codes import refusal
from .unit_of_work import UnitOfWork

ROLES = {"insured": "insuplc_admdvs", "treatment": "mdtrtarea_admvs"}
GROUPINGS = {"pair": ("insuplc_admdvs", "mdtrtarea_admvs"), "scope": (), "institution": ("fixmedins_code",),
             "med_type": ("med_type",)}
SCOPES = ("local", "in_province", "cross_province")
RATE = Decimal("0.0001")


class StatisticsRepository(Protocol):
    """``uow.statistics``: rows are dicts, amounts fen; ``prefix`` None is every region."""

    def direct_settlements(self, start: dt.datetime, stop: dt.datetime, side: str, prefix: str | None) -> list[dict]: ...

    def manual_payments(self, start: dt.datetime, stop: dt.datetime, side: str, prefix: str | None) -> list[dict]: ...

    def prepayments(self, year: int, prefix: str | None) -> list[dict]: ...

    def clearing_statements(self, first_month: str, last_month: str, prefix: str | None) -> list[dict]: ...

    def case_money(self, start: dt.datetime, stop: dt.datetime, prefix: str | None) -> dict[str, tuple[int, int]]: ...

    def police_referrals(self, start: dt.datetime, stop: dt.datetime, prefix: str | None) -> int: ...

    def sanctions(self, start: dt.datetime, stop: dt.datetime, prefix: str | None) -> dict[tuple[str, str], int]: ...

    def findings_by_rule_type(self, start: dt.datetime, stop: dt.datetime, prefix: str | None) -> dict[str, int]: ...

    def reports(self, start: dt.datetime, stop: dt.datetime, prefix: str | None) -> tuple[int, int, int]:
        """Reports (举报) of the scope received in the period, rewards paid in it: (received, rewards, fen)."""

    def case_credit_records(self, start: dt.datetime, stop: dt.datetime, prefix: str | None) -> int:
        """Credit records of confirmed cases of the scope written in the period."""


def region_prefix(admdvs: str) -> str:
    """The code prefix an agency's region covers (domain/filing.covers): 440000 → 44, 441500 → 4415."""
    if admdvs.endswith("0000"):
        return admdvs[:2]
    return admdvs[:4] if admdvs.endswith("00") else admdvs


def scope_of(agency_code: str | None) -> str | None:
    return None if agency_code is None else region_prefix(agency_code)


def _bounds(begin: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    if end < begin:
        raise refusal("STATS_RANGE_REVERSED", begin=begin, end=end)
    return dt.datetime.combine(begin, dt.time()), dt.datetime.combine(end + dt.timedelta(days=1), dt.time())


def year_earlier(day: dt.date) -> dt.date:
    """The same day a year earlier; 29 February → 28 February."""
    try:
        return day.replace(year=day.year - 1)
    except ValueError:
        return day.replace(year=day.year - 1, day=28)


def ratio(numerator, denominator) -> Decimal | None:
    """numerator / denominator to four places, None (shown "—") when the denominator is not positive."""
    if denominator <= 0:
        return None
    return (Decimal(numerator) / Decimal(denominator)).quantize(RATE)


# --- settlements -----------------------------------------------------------------------------------

def settlements(uow: UnitOfWork, *, agency_code: str | None, begin: dt.date, end: dt.date, role: str = "insured",
                by: str = "pair") -> dict:
    """Settlement figures over [begin, end] and the same range a year earlier: rows grouped
    ``by`` region pair (with its scope), scope, institution or med_type; totals by scope; the total."""
    if role not in ROLES:
        raise refusal("STATS_BAD_ROLE", role=role)
    if by not in GROUPINGS:
        raise refusal("STATS_BAD_GROUPING", by=by, groupings="、".join(GROUPINGS))
    current = _sums(uow, agency_code, begin, end, role)
    previous = _sums(uow, agency_code, year_earlier(begin), year_earlier(end), role)
    return {"from": begin, "to": end, "role": role, "by": by, "agency": agency_code or "all",
            "rows": _figures_by(current, previous, GROUPINGS[by] + ("scope",)),
            "by_scope": _figures_by(current, previous, ("scope",)),
            "total": _figures_by(current, previous, ())[0]}


def _sums(uow: UnitOfWork, agency_code: str | None, begin: dt.date, end: dt.date, role: str) -> list[dict]:
    """The direct and manual rows merged on (insured place, treatment place, institution, med_type)."""
    start, stop = _bounds(begin, end)
    side, prefix = ROLES[role], scope_of(agency_code)
    merged: dict[tuple, dict] = {}
    found = uow.statistics.direct_settlements(start, stop, side, prefix) + uow.statistics.manual_payments(start, stop, side, prefix)
    for row in found:
        key = (row["insuplc_admdvs"], row["mdtrtarea_admvs"], row["fixmedins_code"], row["med_type"])
        into = merged.setdefault(key, dict(zip(("insuplc_admdvs", "mdtrtarea_admvs", "fixmedins_code", "med_type"), key),
                                           scope=visit_scope(key[0], key[1]), setl_cnt=0, medfee_fen=0, fund_fen=0,
                                           acct_fen=0, manual_cnt=0, manual_fund_fen=0))
        for name in ("setl_cnt", "medfee_fen", "fund_fen", "acct_fen", "manual_cnt", "manual_fund_fen"):
            into[name] += row.get(name, 0)
    return list(merged.values())


def _figures_by(current: list[dict], previous: list[dict], keys: tuple[str, ...]) -> list[dict]:
    now, before = _grouped(current, keys), _grouped(previous, keys)
    rows = [_figures(dict(zip(keys, key)), now.get(key, []), before.get(key, [])) for key in sorted(set(now) | set(before))]
    if not keys and not rows:
        rows = [_figures({}, [], [])]
    return sorted(rows, key=lambda row: (SCOPES.index(row["scope"]) if "scope" in row else 0,
                                         tuple(str(row[k]) for k in keys)))


def _grouped(rows: list[dict], keys: tuple[str, ...]) -> dict[tuple, list[dict]]:
    groups: dict[tuple, list[dict]] = {}
    for row in rows:
        groups.setdefault(tuple(row[k] for k in keys), []).append(row)
    return groups


def _figures(head: dict, rows: list[dict], previous: list[dict]) -> dict:
    """The contract's figures of one group (module docstring)."""
    def total(group, name):
        return sum(row[name] for row in group)

    direct, manual, medfee, fund = (total(rows, n) for n in ("setl_cnt", "manual_cnt", "medfee_fen", "fund_fen"))
    avoided = sum(row["fund_fen"] + row["acct_fen"] for row in rows if row["scope"] != "local")
    prev_direct, prev_manual = total(previous, "setl_cnt"), total(previous, "manual_cnt")
    rate, prev_rate = ratio(direct, direct + manual), ratio(prev_direct, prev_direct + prev_manual)
    return {**head, "setl_cnt": direct, "medfee_sumamt": from_fen(medfee), "fund_pay_sumamt": from_fen(fund),
            "fund_ratio": ratio(fund, medfee), "direct_cnt": direct, "manual_cnt": manual, "direct_rate": rate,
            "dianzi_avoided_amt": from_fen(avoided), "manual_reimbursed": from_fen(total(rows, "manual_fund_fen")),
            "prev_year_setl_cnt": prev_direct, "prev_year_direct_rate": prev_rate,
            "setl_cnt_yoy": ratio(direct - prev_direct, prev_direct) if prev_direct > 0 else None,
            "direct_rate_change": None if rate is None or prev_rate is None else rate - prev_rate}


# --- prepayments, clearing ---------------------------------------------------------------------------

def prepayments(uow: UnitOfWork, *, agency_code: str | None, year: int) -> dict:
    """The year's prepayments paid by an insured place or received by a treatment province in scope."""
    rows = uow.statistics.prepayments(year, scope_of(agency_code))
    stages = {"approved": ("approved", "paid", "received"), "paid": ("paid", "received"), "received": ("received",)}
    figures: dict = {"year": year, "agency": agency_code or "all"}
    for stage, statuses in stages.items():
        reached = [row for row in rows if row["status"] in statuses]
        figures[f"{stage}_cnt"] = len(reached)
        figures[f"{stage}_amt"] = from_fen(sum(row["amount_fen"] for row in reached))
    return figures


def clearing(uow: UnitOfWork, *, agency_code: str | None, first_month: str, last_month: str) -> dict:
    """Per month: statements, distinct provinces on either side, the amount cleared, statements by status."""
    if last_month < first_month:
        raise refusal("STATS_RANGE_REVERSED", begin=first_month, end=last_month)
    months: dict[str, dict] = {}
    for row in uow.statistics.clearing_statements(first_month, last_month, scope_of(agency_code)):
        month = months.setdefault(row["month"], {"month": row["month"], "statements": 0, "provinces": set(),
                                                 "amount_fen": 0, "by_status": {}})
        month["statements"] += 1
        month["provinces"] |= {province_of(row["insuplc_admdvs"]), province_of(row["mdtrtarea_admvs"])}
        month["amount_fen"] += row["clearing_amount_fen"]
        month["by_status"][row["status"]] = month["by_status"].get(row["status"], 0) + 1
    rows = [{"month": m["month"], "statements": m["statements"], "provinces": len(m["provinces"]),
             "amount": from_fen(m["amount_fen"]), "by_status": m["by_status"]} for m in months.values()]
    return {"from_month": first_month, "to_month": last_month, "agency": agency_code or "all", "months": rows}


# --- supervision -----------------------------------------------------------------------------------------

def supervision(uow: UnitOfWork, *, agency_code: str | None, begin: dt.date, end: dt.date) -> dict:
    """Money back to the funds, penalties, sanctions and referrals of the cases and subjects in scope."""
    start, stop = _bounds(begin, end)
    prefix = scope_of(agency_code)
    money = uow.statistics.case_money(start, stop, prefix)
    sanctions = uow.statistics.sanctions(start, stop, prefix)
    recovered, refunded = money.get("recovery", (0, 0))[0], money.get("refund", (0, 0))[0]
    penalty_fen, penalty_cases = money.get("penalty", (0, 0))
    return {"from": begin, "to": end, "agency": agency_code or "all",
            "recovered_amt": from_fen(recovered), "refunded_amt": from_fen(refunded),
            "fund_loss_recovered_amt": from_fen(recovered + refunded),
            "penalty_amt": from_fen(penalty_fen), "penalty_cases": penalty_cases,
            "institutions_suspended": sanctions.get(("institution", "suspend"), 0),
            "institutions_terminated": sanctions.get(("institution", "terminate"), 0),
            "persons_suspended": sanctions.get(("person", "suspend"), 0),
            "police_referrals": uow.statistics.police_referrals(start, stop, prefix),
            **_reports_and_credit(uow, start, stop, prefix),
            "findings_by_rule_type": uow.statistics.findings_by_rule_type(start, stop, prefix)}


def _reports_and_credit(uow: UnitOfWork, start: dt.datetime, stop: dt.datetime, prefix: str | None) -> dict:
    """Reports received and rewards paid (举报奖励), credit records of confirmed cases (app/credit.py)."""
    received, rewards, reward_fen = uow.statistics.reports(start, stop, prefix)
    return {"reports_received": received, "report_rewards": rewards, "report_rewards_amt": from_fen(reward_fen),
            "credit_records": uow.statistics.case_credit_records(start, stop, prefix)}
