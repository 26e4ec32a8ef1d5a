"""E-prescriptions (电子处方流转): the state of a prescription and what a dispensing may take
from it, without I/O (app/prescriptions.py reads and writes; docs/internet-plus.md).

A prescription uploaded after a visit (7101 pre-check, 7102 signature, 7103 upload) is valid for
``valid_days`` from ``prsc_time``; it is dispensed once, fully or in part, at a designated
pharmacy (2102 lines with ``rx_circ_flag`` 1 and ``rxno`` = ``hi_rxno``); a reversal of that
pharmacy settlement puts the quantities back, after which it may be dispensed again while valid.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

MAX_VALID_DAYS = 30  # 处方有效期: the longest a region may allow (long prescriptions, 长处方)
DEFAULT_VALID_DAYS = 3  # 处方管理办法 第十八条: 当日有效，特殊情况不超过3天 (when the HIS sends none)

# rx_stas_codg 处方状态 and rx_used_stas_codg 处方使用状态, as 7105 answers them (ours, documented)
STATUS_NAMES = {"1": "有效", "2": "已撤销", "3": "已过期"}
USED_NAMES = {"0": "未使用", "1": "已使用（部分取药）", "2": "已使用（全部取药）"}


@dataclass(frozen=True)
class RegionSetting:
    """How a dispensing region treats a prescribing region's prescriptions."""

    recognised: bool
    upload_required: bool


def default_setting(prescribing: str, dispensing: str) -> RegionSetting:
    """No setting for the pair: regions of one province recognise each other's prescriptions
    (the province runs one platform); an upload (7103) is required before dispensing."""
    return RegionSetting(recognised=prescribing[:2] == dispensing[:2], upload_required=True)


@dataclass(frozen=True)
class Prescription:
    hi_rxno: str
    psn_no: str
    admdvs: str
    prsc_time: dt.datetime
    valid_end_time: dt.datetime
    lines: dict[int, tuple[str, Decimal]]  # line_no -> (med_list_codg, prescribed quantity)
    steps: frozenset[str]  # sign | upload | revoke
    dispensed: dict[int, Decimal]  # line_no -> quantity taken by the live dispensing (net of returns)
    live_dispensing: str | None  # the dispensing not yet returned, if any

    def status(self, now: dt.datetime) -> str:
        """rx_stas_codg: 1 valid, 2 revoked, 3 expired."""
        if "revoke" in self.steps:
            return "2"
        return "3" if now > self.valid_end_time else "1"

    def used_status(self) -> str:
        """rx_used_stas_codg: 0 not dispensed, 1 in part, 2 fully."""
        if self.live_dispensing is None:
            return "0"
        full = all(self.dispensed.get(no, Decimal(0)) >= cnt for no, (_, cnt) in self.lines.items())
        return "2" if full else "1"


def valid_end(prsc_time: dt.datetime, valid_days: int) -> dt.datetime:
    """The last moment a prescription may be dispensed: the end of its ``valid_days``-th day
    (day 1 is the day it was written)."""
    last_day = prsc_time.date() + dt.timedelta(days=valid_days - 1)
    return dt.datetime.combine(last_day, dt.time(23, 59, 59))


def match_lines(prescription: Prescription, wanted: list[tuple[str, Decimal]]) -> dict[int, Decimal] | str:
    """The prescription lines a dispensing takes: each (med_list_codg, quantity) of the sale's
    circulated lines against the prescription line of that drug. Returns line_no -> quantity,
    or the reason in Chinese when a drug is not prescribed or more is asked than prescribed."""
    by_code: dict[str, int] = {code: no for no, (code, _) in prescription.lines.items()}
    taken: dict[int, Decimal] = {}
    for code, cnt in wanted:
        line_no = by_code.get(code)
        if line_no is None:
            return f"药品 {code} 不在处方中"
        taken[line_no] = taken.get(line_no, Decimal(0)) + cnt
    for line_no, cnt in taken.items():
        code, prescribed = prescription.lines[line_no]
        if cnt > prescribed:
            return f"药品 {code} 取药数量 {cnt:f} 超过处方剩余数量 {prescribed:f}"
    return taken
