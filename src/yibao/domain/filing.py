"""Cross-region filing (异地就医备案) rules, domain-rules.md §4.2–4.3 and 医保办发〔2022〕22号.

- Long-term (跨省异地长期居住): 异地安置退休, 异地长期居住, 常驻异地工作. Valid open-ended
  (长期有效); one active long-term filing per person at a time.
- Temporary (跨省临时外出就医): 异地转诊, 其他临时外出 (and recorded 异地急诊抢救). Valid at least
  six months, several visits allowed.
- A filing made on a personal commitment (个人承诺书) cannot be changed or cancelled within six
  months of its start.
- Emergency rescue is treated as filed (视同已备案): no record is needed.
- A filing may start in the past only to cover a visit not yet settled: 补办备案 before
  discharge, after which the visit settles directly (22号 第16条).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

from .errors import RuleRefused

LONG_TERM = "long_term"
TEMPORARY_TYPES = ("referral", "emergency", "temporary_other")
FILING_TYPES = (LONG_TERM, *TEMPORARY_TYPES)

SUBTYPES = {
    "resettled_retiree": (LONG_TERM, "异地安置退休"),
    "long_term_residence": (LONG_TERM, "异地长期居住"),
    "posted_worker": (LONG_TERM, "常驻异地工作"),
    "referral": ("referral", "异地转诊"),
    "emergency": ("emergency", "异地急诊抢救"),
    "temporary_other": ("temporary_other", "其他临时外出"),
}
DEFAULT_SUBTYPE = {LONG_TERM: "long_term_residence", "referral": "referral", "emergency": "emergency",
                   "temporary_other": "temporary_other"}

# Preference when several filings cover a visit: the one with the better benefit first.
PREFERENCE = {LONG_TERM: 0, "referral": 1, "emergency": 2, "temporary_other": 3}


# The filing rules' refusals: (Chinese template, English gloss, when), by stable code; listed
# with every other refusal in app/error_codes.py (docs/his/error-codes.md).
FILING_MESSAGES = {
    "FILING_BAD_TYPE": ("备案类型 filing_type 应为 {types} 之一", "filing_type must be one of {types}",
                        "An application of an unknown filing type."),
    "FILING_BAD_SUBTYPE": ("备案子类型 {subtype} 不属于 {filing_type}，可选：{allowed}",
                           "subtype does not belong to the filing type", "A subtype of another filing type."),
    "FILING_BAD_DESTINATION": ("备案就医地 dest_admdvs 应为六位医保区划代码：省 xx0000 或市",
                               "dest_admdvs must be a 6-digit region code", "A destination that is not a region code."),
    "FILING_DESTINATION_IS_HOME": ("备案就医地 {dest_admdvs} 包含参保地 {insured_admdvs}：在该地就医无需备案",
                                   "the destination includes the insured region: no filing is needed there",
                                   "A filing for the person's own insured region."),
    "FILING_START_IN_PAST": ("备案开始日期 {begndate} 不能早于今天，除非从 {dest_admdvs} 尚未结算的就诊的入院日期开始，即出院前补办备案",
                             "a filing cannot start in the past except from the admission of a visit not yet settled",
                             "A backdated filing that no unsettled visit of the destination justifies (补办备案)."),
    "FILING_LONG_TERM_HAS_END": ("长期备案长期有效：结束日期 enddate 应留空", "a long-term filing is open-ended: leave enddate empty",
                                 "A long-term filing with an end date."),
    "FILING_LONG_TERM_EXISTS": ("参保人已有有效的长期备案：请变更该备案，而不是新增", "the person already has an active long-term filing",
                                "A second active long-term filing."),
    "FILING_TEMPORARY_TOO_SHORT": ("临时外出备案有效期至少六个月：结束日期应不早于 {minimum_end}",
                                   "a temporary filing is valid at least six months", "A temporary filing ending too early."),
    "FILING_END_BEFORE_BEGIN": ("备案结束日期早于开始日期", "enddate is before begndate", "A filing that ends before it begins."),
    "FILING_NOT_ACTIVE": ("备案 {filing_no} 的状态为 {status}", "the filing is not active",
                          "Cancelling or changing a filing that is already cancelled."),
    "FILING_COMMITMENT_LOCKED": ("备案 {filing_no} 为承诺制备案，{locked_until} 前不能{action}",
                                 "a filing made on a personal commitment cannot be ended before {locked_until}",
                                 "Ending a 承诺制 filing within its six months."),
}
_ACTIONS = {"cancelled": "撤销", "changed": "变更"}


class FilingRefused(RuleRefused):
    """A filing rule refuses: ``code`` is a key of FILING_MESSAGES, ``params`` fill its templates."""

    MESSAGES = FILING_MESSAGES


def add_months(day: dt.date, months: int) -> dt.date:
    month = day.month - 1 + months
    year = day.year + month // 12
    month = month % 12 + 1
    for candidate_day in (day.day, 30, 29, 28):
        try:
            return dt.date(year, month, candidate_day)
        except ValueError:
            continue
    raise AssertionError("unreachable")


def covers(dest_admdvs: str, region: str) -> bool:
    """A destination is a province (xx0000), a city (xxxx00) or a district; it covers the regions under it."""
    if dest_admdvs.endswith("0000"):
        return region[:2] == dest_admdvs[:2]
    if dest_admdvs.endswith("00"):
        return region[:4] == dest_admdvs[:4]
    return region == dest_admdvs


@dataclass(frozen=True)
class Filing:
    filing_no: str
    psn_no: str
    filing_type: str
    subtype: str
    dest_admdvs: str
    begndate: dt.date
    enddate: dt.date | None
    commitment_letter: bool = False
    locked_until: dt.date | None = None
    status: str = "active"

    def valid_on(self, day: dt.date) -> bool:
        return self.status == "active" and self.begndate <= day and (self.enddate is None or day <= self.enddate)


@dataclass(frozen=True)
class FilingApplication:
    psn_no: str
    insured_admdvs: str
    filing_type: str
    dest_admdvs: str
    begndate: dt.date
    enddate: dt.date | None = None
    subtype: str | None = None
    commitment_letter: bool = False


def open_filing(
    application: FilingApplication, *, filing_no: str, today: dt.date, active: list[Filing],
    open_visit_starts: list[dt.date],
) -> Filing:
    """A new filing from an application, or FilingRefused saying which rule it breaks.

    ``active`` are the person's active filings; ``open_visit_starts`` the admission dates of
    the person's visits in the destination that are not yet settled (for 补办备案).
    """
    a = application
    if a.filing_type not in FILING_TYPES:
        raise FilingRefused("FILING_BAD_TYPE", types=", ".join(FILING_TYPES))
    subtype = a.subtype or DEFAULT_SUBTYPE[a.filing_type]
    if subtype not in SUBTYPES or SUBTYPES[subtype][0] != a.filing_type:
        allowed = [name for name, (kind, _) in SUBTYPES.items() if kind == a.filing_type]
        raise FilingRefused("FILING_BAD_SUBTYPE", subtype=subtype, filing_type=a.filing_type, allowed="、".join(allowed))
    if len(a.dest_admdvs) != 6 or not a.dest_admdvs.isdigit():
        raise FilingRefused("FILING_BAD_DESTINATION")
    if covers(a.dest_admdvs, a.insured_admdvs) or a.dest_admdvs == a.insured_admdvs:
        raise FilingRefused("FILING_DESTINATION_IS_HOME", dest_admdvs=a.dest_admdvs, insured_admdvs=a.insured_admdvs)
    if a.begndate < today:
        # 补办备案: back to the admission of a visit not yet settled, and no further.
        if not open_visit_starts or not min(open_visit_starts) <= a.begndate <= max(open_visit_starts):
            raise FilingRefused("FILING_START_IN_PAST", begndate=a.begndate, dest_admdvs=a.dest_admdvs)
    enddate = a.enddate
    if a.filing_type == LONG_TERM:
        if enddate is not None:
            raise FilingRefused("FILING_LONG_TERM_HAS_END")
        if any(f.filing_type == LONG_TERM and f.status == "active" for f in active):
            raise FilingRefused("FILING_LONG_TERM_EXISTS")
    else:
        minimum_end = add_months(a.begndate, 6) - dt.timedelta(days=1)
        if enddate is None:
            enddate = minimum_end
        elif enddate < minimum_end:
            raise FilingRefused("FILING_TEMPORARY_TOO_SHORT", minimum_end=minimum_end)
    if enddate is not None and enddate < a.begndate:
        raise FilingRefused("FILING_END_BEFORE_BEGIN")
    locked_until = add_months(a.begndate, 6) if a.commitment_letter else None
    return Filing(filing_no, a.psn_no, a.filing_type, subtype, a.dest_admdvs, a.begndate, enddate,
                  a.commitment_letter, locked_until)


def check_can_end(filing: Filing, today: dt.date, action: str) -> None:
    if filing.status != "active":
        raise FilingRefused("FILING_NOT_ACTIVE", filing_no=filing.filing_no, status=filing.status)
    if filing.locked_until is not None and today < filing.locked_until:
        raise FilingRefused("FILING_COMMITMENT_LOCKED", filing_no=filing.filing_no, locked_until=filing.locked_until,
                            action=_ACTIONS.get(action, action))


def cancel(filing: Filing, today: dt.date) -> Filing:
    check_can_end(filing, today, "cancelled")
    return replace(filing, status="cancelled")


def choose(filings: list[Filing], treatment_admdvs: str, day: dt.date) -> Filing | None:
    """The filing that covers a visit in ``treatment_admdvs`` on ``day``, best benefit first."""
    candidates = [f for f in filings if f.valid_on(day) and covers(f.dest_admdvs, treatment_admdvs)]
    candidates.sort(key=lambda f: (PREFERENCE[f.filing_type], f.begndate))
    return candidates[0] if candidates else None
