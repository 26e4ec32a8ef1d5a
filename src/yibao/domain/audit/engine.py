"""Pre- and in-event audit of one claim (事前/事中, 3101/3102 and settlement), in Python.

Each check mirrors the SQL of the same rule type in analytics/audit_batch.py line for line
(docs/audit-rules.md states each rule once); the tests run both on the same data and
require identical findings.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal
from typing import Callable, Iterable, Iterator

from . import rules as r
from .claims import Claim, History, Line
from .findings import Finding, finding, sort_key
from .knowledge import KnowledgeBase
from .package import RulePackage
from .rules import Rule

Row = dict
Check = Callable[[Rule, Claim, list[Claim], History, KnowledgeBase], Iterator[Row]]


def _line_row(claim: Claim, line: Line, **evidence) -> Row:
    return {"mdtrt_id": claim.mdtrt_id, "setl_id": claim.setl_id, "psn_no": claim.psn_no,
            "feedetl_sn": line.feedetl_sn, "amount": line.det_item_fee_sumamt,
            "hilist_code": line.hilist_code, "fee_date": line.fee_date, **evidence}


def _visit_row(claim: Claim, **evidence) -> Row:
    return {"mdtrt_id": claim.mdtrt_id, "setl_id": claim.setl_id, "psn_no": claim.psn_no, "feedetl_sn": "",
            "amount": claim.amount, "begndate": claim.begndate, **evidence}


def _restricted(claim: Claim, kb: KnowledgeBase):
    for line in claim.lines:
        restriction = kb.restriction(line.hilist_code, claim.region, line.fee_date)
        if restriction is not None:
            yield line, restriction


def _level(medins_lv: str) -> int:
    # An institution without a level (pharmacies, 基层 "0") ranks below level 1.
    return int(medins_lv) if medins_lv in ("1", "2", "3") else 0


def _daily_allowance(max_cnt_per_day: Decimal, line: Line) -> Decimal:
    # A prescription of N days may hold N days' quantity.
    return max_cnt_per_day * max(line.prd_days or 0, 1)


def check_gender(rule, claim, others, history, kb):
    for line, k in _restricted(claim, kb):
        if k.gend is not None and claim.gend != k.gend:
            yield _line_row(claim, line, gend=claim.gend, allowed_gend=k.gend)


def check_age(rule, claim, others, history, kb):
    for line, k in _restricted(claim, kb):
        age = claim.age_on(line.fee_date)
        if age is not None and ((k.age_min is not None and age < k.age_min) or (k.age_max is not None and age > k.age_max)):
            yield _line_row(claim, line, age=age, age_min=k.age_min, age_max=k.age_max)


def check_hospital_level(rule, claim, others, history, kb):
    for line, k in _restricted(claim, kb):
        if k.medins_lv_min is not None and _level(claim.medins_lv) < k.medins_lv_min:
            yield _line_row(claim, line, medins_lv=claim.medins_lv, medins_lv_min=k.medins_lv_min)


def check_med_type(rule, claim, others, history, kb):
    for line, k in _restricted(claim, kb):
        if k.med_types and claim.med_type not in k.med_types:
            yield _line_row(claim, line, med_type=claim.med_type, med_types=";".join(k.med_types))


def check_indication(rule, claim, others, history, kb):
    for line, k in _restricted(claim, kb):
        if k.dise_codes and not any(code.startswith(prefix) for code in claim.diagnoses for prefix in k.dise_codes):
            yield _line_row(claim, line, main_diag=claim.main_diag, diag_codes=";".join(claim.diag_codes),
                            dise_codes=";".join(k.dise_codes))


def check_over_price(rule, claim, others, history, kb):
    for line in claim.lines:
        ceiling = kb.price_ceiling(line.hilist_code, claim.region, line.fee_date)
        if ceiling is not None and line.pric > ceiling + rule.parameters["tolerance"]:
            yield _line_row(claim, line, pric=line.pric, pric_uplmt_amt=ceiling, cnt=line.cnt)


def _by_code_and_day(claim: Claim) -> dict[tuple[str, dt.date], list[Line]]:
    groups: dict[tuple[str, dt.date], list[Line]] = defaultdict(list)
    for line in sorted(claim.lines, key=lambda line: line.feedetl_sn):
        groups[(line.hilist_code, line.fee_date)].append(line)
    return groups


def check_duplicate(rule, claim, others, history, kb):
    """A later line of the same item on the same day of one visit: beyond the daily maximum
    when the item has one, else when it repeats an earlier line's quantity and price."""
    for (code, day), lines in _by_code_and_day(claim).items():
        restriction = kb.restriction(code, claim.region, day)
        maximum = restriction.max_cnt_per_day if restriction else None
        running = Decimal(0)
        for index, line in enumerate(lines):
            running += line.cnt
            if index == 0:
                continue
            if maximum is not None:
                if running > _daily_allowance(maximum, line):
                    yield _line_row(claim, line, cnt=line.cnt, first_feedetl_sn=lines[0].feedetl_sn,
                                    day_cnt=running, max_cnt_per_day=maximum)
                continue
            same = [earlier for earlier in lines[:index] if (earlier.cnt, earlier.pric) == (line.cnt, line.pric)]
            if same:
                yield _line_row(claim, line, cnt=line.cnt, first_feedetl_sn=same[0].feedetl_sn,
                                day_cnt=running, max_cnt_per_day=None)


def check_over_quantity(rule, claim, others, history, kb):
    for line, k in _restricted(claim, kb):
        too_long = k.max_days is not None and line.prd_days is not None and line.prd_days > k.max_days
        too_much = k.max_cnt_per_day is not None and line.cnt > _daily_allowance(k.max_cnt_per_day, line)
        if too_long or too_much:
            yield _line_row(claim, line, cnt=line.cnt, prd_days=line.prd_days,
                            max_cnt_per_day=k.max_cnt_per_day, max_days=k.max_days)


def _same_day_partner(groups: dict, line: Line, codes: set[str]) -> tuple[str, str] | None:
    """The first (by feedetl_sn) line of the visit on the line's day billing one of ``codes``."""
    found = [(other.feedetl_sn, code) for code in codes for other in groups.get((code, line.fee_date), ())]
    return min(found) if found else None


def check_unbundling(rule, claim, others, history, kb):
    groups = _by_code_and_day(claim)
    for line in claim.lines:
        partner = _same_day_partner(groups, line, kb.packages_including(line.hilist_code, claim.region, line.fee_date))
        if partner:
            yield _line_row(claim, line, package_code=partner[1], package_feedetl_sn=partner[0])


def check_exclusive(rule, claim, others, history, kb):
    groups = _by_code_and_day(claim)
    for line in claim.lines:
        partner = _same_day_partner(groups, line, kb.excluded_by(line.hilist_code, claim.region, line.fee_date))
        if partner:
            yield _line_row(claim, line, excl_hilist_code=partner[1], excl_feedetl_sn=partner[0])


def check_frequency(rule, claim, others, history, kb):
    """The person's quantity of the item over the limit's period ending on the line's day,
    counting lines up to this one in (fee_date, mdtrt_id, feedetl_sn) order."""
    for line in claim.lines:
        limits = kb.frequency_limits_for(line.hilist_code, claim.region, line.fee_date)
        if not limits:
            continue
        key = (line.fee_date, claim.mdtrt_id, line.feedetl_sn)
        earlier = [(other.fee_date, visit.mdtrt_id, other.feedetl_sn, other) for visit in (claim, *others)
                   for other in visit.lines if other.hilist_code == line.hilist_code]
        broken = []
        for limit in limits:
            start = line.fee_date - dt.timedelta(days=limit.period_days)
            total = sum((e[3].cnt for e in earlier if e[:3] <= key and e[0] > start), Decimal(0))
            if total > limit.max_cnt:
                broken.append((limit.period_days, limit.max_cnt, total))
        if broken:
            period, maximum, total = min(broken)
            yield _line_row(claim, line, window_cnt=total, max_cnt=maximum, period_days=period)


def check_split_admission(rule, claim, others, history, kb):
    days, exempt = rule.parameters["days"], rule.parameters["exempt_diag_prefixes"]
    if not claim.inpatient or not claim.main_diag or claim.main_diag.startswith(exempt):
        return
    previous = [
        p for p in others
        if p.inpatient and p.enddate is not None and p.main_diag == claim.main_diag
        and (p.begndate, p.mdtrt_id) < (claim.begndate, claim.mdtrt_id)
        and p.enddate <= claim.begndate and (claim.begndate - p.enddate).days <= days
        and (not rule.parameters["same_institution"] or p.fixmedins_code == claim.fixmedins_code)
    ]
    if previous:
        last = max(previous, key=lambda p: (p.enddate, p.mdtrt_id))
        yield _visit_row(claim, main_diag=claim.main_diag, prev_mdtrt_id=last.mdtrt_id, prev_enddate=last.enddate,
                         gap_days=(claim.begndate - last.enddate).days)


def check_outpatient_in_stay(rule, claim, others, history, kb):
    """The visit's day falls strictly inside a stay: on the admission or discharge day an
    outpatient visit or purchase is ordinary."""
    if claim.inpatient:
        return
    stays = [s for s in others if s.inpatient and s.begndate < claim.begndate
             and (s.enddate is None or claim.begndate < s.enddate)]
    if stays:
        stay = min(stays, key=lambda s: (s.begndate, s.mdtrt_id))
        yield _visit_row(claim, med_type=claim.med_type, stay_mdtrt_id=stay.mdtrt_id,
                         stay_begndate=stay.begndate, stay_enddate=stay.enddate)


def check_after_death(rule, claim, others, history, kb):
    if history.die_date is None:
        return
    for line in claim.lines:
        if line.fee_date > history.die_date:
            yield _line_row(claim, line, die_date=history.die_date)


CHECKS: dict[str, Check] = {
    r.GENDER: check_gender, r.AGE: check_age, r.HOSPITAL_LEVEL: check_hospital_level,
    r.MED_TYPE: check_med_type, r.INDICATION: check_indication, r.OVER_PRICE: check_over_price,
    r.DUPLICATE: check_duplicate, r.UNBUNDLING: check_unbundling, r.OVER_QUANTITY: check_over_quantity,
    r.FREQUENCY: check_frequency, r.SPLIT_ADMISSION: check_split_admission,
    r.OUTPATIENT_IN_STAY: check_outpatient_in_stay, r.AFTER_DEATH: check_after_death, r.EXCLUSIVE: check_exclusive,
}
assert set(CHECKS) == set(r.RULE_TYPES)


def audit_claim(claim: Claim, history: History | None, package: RulePackage, stage: str) -> list[Finding]:
    """Findings of the package's rules for ``stage`` (事前/事中/事后) whose scenarios meet the
    claim's, sorted by (rule_id, mdtrt_id, feedetl_sn)."""
    if stage not in r.STAGES:
        raise ValueError(f"stage must be one of {', '.join(r.STAGES)}")
    history = history or History()
    others = [c for c in history.claims if c.psn_no == claim.psn_no and c.mdtrt_id != claim.mdtrt_id]
    scenarios = claim.scenarios
    found: list[Finding] = []
    for rule in package.rules:
        if rule.applies(stage, scenarios):
            found += [finding(rule, row) for row in CHECKS[rule.rule_type](rule, claim, others, history, package.knowledge)]
    return sorted(found, key=sort_key)


def audit_claims(claims: Iterable[Claim], package: RulePackage, stage: str,
                 deaths: dict[str, dt.date] | None = None) -> list[Finding]:
    """Every claim against all the others of its person (a small post-event run in Python)."""
    claims = list(claims)
    by_person: dict[str, list[Claim]] = defaultdict(list)
    for claim in claims:
        by_person[claim.psn_no].append(claim)
    found = []
    for claim in claims:
        history = History(tuple(by_person[claim.psn_no]), (deaths or {}).get(claim.certno))
        found += audit_claim(claim, history, package, stage)
    return sorted(found, key=sort_key)
