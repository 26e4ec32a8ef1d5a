"""Statistics of Internet+ medical services for any period (seed 003 asks the agencies to follow
them; ``yibao stats internet``, ``GET /admin/api/stats/internet``), read through
``uow.internet_statistics`` (store/repositories/internet_statistics.py). How each is counted:

- ``institutions``: the Internet+ institutions (domain/internet_plus.py) in force on the last
  day of the range, by type: 医疗机构 by level (fixmedins_type 1, medins_lv) or 药店 (type 2).
- ``visits``: online visits settled in the range, by med_type: each settlement counts 1 in the
  range of its time, each reversal −1 in the range of the reversal's (as app/statistics.py);
  ``medfee_sumamt``, ``fund_pay_sumamt``, ``psn_part_amt`` net of reversals. An institution
  counts as Internet+ when all its agreements are Internet+ supplements.
- ``categories``: the fee lines of the online visits settled in the range (and not reversed
  in it) by catalogue ``list_type`` (101 西药中成药 … 901 配送服务): lines and amount.
- ``prescriptions``: pre-checked (7101) in the range, of those uploaded (7103) and revoked
  (7104); dispensed: dispensings recorded in the range net of returns, those in another region
  than the prescribing one, and the pharmacy settlements' fees and fund payments net of their
  reversals (each settlement once, however many prescriptions it dispensed).

Scope as app/statistics.py: an agency sees the institutions of its regions and the
prescriptions written there; ``agency_code`` None (the operator) sees every region.
"""

from __future__ import annotations

import datetime as dt
from typing import Protocol

from yibao.domain.internet_plus import internet_institutions
from yibao.domain.money import from_fen

from .statistics import _bounds, scope_of
from .unit_of_work import UnitOfWork

LIST_TYPES = {"101": "西药中成药", "102": "中药饮片", "103": "医疗机构制剂", "104": "民族药", "201": "医疗服务项目",
              "301": "医用耗材", "901": "配送服务"}


class InternetStatisticsRepository(Protocol):
    def agreements(self) -> dict: ...

    def institutions(self, codes: list[str], prefix: str | None) -> list[dict]: ...

    def settlements(self, codes: list[str], start: dt.datetime, stop: dt.datetime) -> list[dict]: ...

    def line_categories(self, mdtrt_ids: list[str]) -> list[dict]: ...

    def prescriptions(self, start: dt.datetime, stop: dt.datetime, prefix: str | None) -> list[dict]: ...

    def dispensings(self, start: dt.datetime, stop: dt.datetime, prefix: str | None) -> list[dict]: ...


def internet(uow: UnitOfWork, *, agency_code: str | None, begin: dt.date, end: dt.date) -> dict:
    start, stop = _bounds(begin, end)
    prefix = scope_of(agency_code)
    repo = uow.internet_statistics
    agreements = repo.agreements()
    online_codes = sorted({a.fixmedins_code for a in agreements.values()}
                          - {a.fixmedins_code for a in agreements.values() if a.kind == "designation"})
    scoped = repo.institutions(online_codes, prefix)
    in_force = internet_institutions(agreements, end)
    settlements = repo.settlements([row["fixmedins_code"] for row in scoped], start, stop)
    return {"from": begin, "to": end, "agency": agency_code or "all",
            "institutions": _by_type([row for row in scoped if row["fixmedins_code"] in in_force]),
            "visits": _visits(settlements), "categories": _categories(repo, settlements),
            "prescriptions": _prescriptions(repo, start, stop, prefix)}


def _type_of(row: dict) -> str:
    if row["fixmedins_type"] == "2":
        return "药店"
    return {"3": "三级医疗机构", "2": "二级医疗机构", "1": "一级医疗机构", "0": "基层医疗机构"}.get(row["medins_lv"] or "",
                                                                                       "医疗机构")


def _by_type(rows: list[dict]) -> list[dict]:
    counts: dict[str, int] = {}
    for row in rows:
        counts[_type_of(row)] = counts.get(_type_of(row), 0) + 1
    return [{"type": name, "institutions": count} for name, count in sorted(counts.items())]


def _visits(settlements: list[dict]) -> dict:
    by_med_type: dict[str, dict] = {}
    total = {"setl_cnt": 0, "medfee_fen": 0, "fund_fen": 0, "psn_fen": 0}
    for row in settlements:
        sign = -1 if row["kind"] != "settlement" else 1
        for into in (by_med_type.setdefault(row["med_type"], dict.fromkeys(total, 0)), total):
            into["setl_cnt"] += sign
            into["medfee_fen"] += row["medfee_sumamt_fen"]
            into["fund_fen"] += row["fund_pay_sumamt_fen"]
            into["psn_fen"] += row["psn_part_amt_fen"]
    shown = [dict(_amounts(values), med_type=med_type) for med_type, values in sorted(by_med_type.items())]
    return {"by_med_type": shown, "total": _amounts(total)}


def _amounts(values: dict) -> dict:
    return {"setl_cnt": values["setl_cnt"], "medfee_sumamt": from_fen(values["medfee_fen"]),
            "fund_pay_sumamt": from_fen(values["fund_fen"]), "psn_part_amt": from_fen(values["psn_fen"])}


def _categories(repo: InternetStatisticsRepository, settlements: list[dict]) -> list[dict]:
    reversed_ids = {row["reverses_setl_id"] for row in settlements if row["kind"] != "settlement"}
    visits = [row["mdtrt_id"] for row in settlements if row["kind"] == "settlement" and row["setl_id"] not in reversed_ids]
    rows = repo.line_categories(visits)
    return [{"list_type": row["list_type"] or "", "name": LIST_TYPES.get(row["list_type"] or "", "未列入目录"),
             "lines": row["lines"], "amount": from_fen(row["amount_fen"] or 0)}
            for row in sorted(rows, key=lambda r: r["list_type"] or "")]


def _prescriptions(repo: InternetStatisticsRepository, start: dt.datetime, stop: dt.datetime, prefix: str | None) -> dict:
    written = repo.prescriptions(start, stop, prefix)
    dispensings = repo.dispensings(start, stop, prefix)
    net = sum(1 if row["kind"] == "dispense" else -1 for row in dispensings)
    elsewhere = sum((1 if row["kind"] == "dispense" else -1) for row in dispensings
                    if row["dispensing_admdvs"] != row["prescribing_admdvs"])
    settlements = {row["setl_id"]: row for row in dispensings}
    return {"prechecked": len(written), "uploaded": sum("upload" in row["steps"] for row in written),
            "revoked": sum("revoke" in row["steps"] for row in written), "dispensed": net,
            "dispensed_in_another_region": elsewhere,
            "dispensed_medfee_sumamt": from_fen(sum(row["medfee_sumamt_fen"] or 0 for row in settlements.values())),
            "dispensed_fund_pay_sumamt": from_fen(sum(row["fund_pay_sumamt_fen"] or 0 for row in settlements.values()))}
