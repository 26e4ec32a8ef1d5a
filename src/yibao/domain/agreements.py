"""Agreements (协议管理): the state of an institution's agreements on a day, folded from their
dated steps, and the services a visit needs.

An institution is designated by a designation agreement (定点协议) with its agency; Internet+
services need a supplementary agreement (补充协议) tied to the physical institution's
designation agreement (seed 003 §一). Each step is a record (store: ``agreement_records``,
never updated); this module decides, without any I/O, what is in force on a day:

- a signed agreement is in force from its ``begndate`` to the ``enddate`` of its latest
  signature or renewal (open when none), outside its suspensions and before its termination;
- a suspension holds from its ``begndate`` to its ``enddate``, or to the day before the
  ``resume`` step that ends it early;
- a supplementary agreement's period follows the physical one (seed 003 §三: 补充协议期限应与
  其所依托的实体定点医疗组织坚持一致): it is in force only on days its physical agreement is,
  so suspending or terminating the physical agreement suspends or terminates it too (seed 003,
  完善定点退出机制); ending the supplementary agreement leaves the physical one as it is.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Iterable

SERVICES = ("inpatient", "outpatient", "pharmacy", "chronic", "cross_region", "account", "internet")
PHYSICAL_SERVICES = SERVICES[:-1]
SERVICE_NAMES = {"inpatient": "住院", "outpatient": "门诊", "pharmacy": "购药", "chronic": "门诊慢特病",
                 "cross_region": "异地就医直接结算", "account": "个人账户使用", "internet": "互联网+医疗服务"}
CHRONIC_MED_TYPES = ("14", "15", "16")  # 门诊慢特病 and its variants (nhsa-interface: med_type)
PHARMACY_MED_TYPES = ("41",)  # 定点药店购药
STEPS = ("apply", "evaluate", "sign", "renew", "suspend", "resume", "terminate")


def parse_services(text: str) -> frozenset[str]:
    """``inpatient;outpatient`` → the set; unknown names raise ValueError (the caller refuses)."""
    names = {part.strip() for part in (text or "").split(";") if part.strip()}
    unknown = sorted(names - set(SERVICES))
    if unknown:
        raise ValueError(", ".join(unknown))
    return frozenset(names)


def services_text(services: Iterable[str]) -> str:
    """In the fixed order of SERVICES, so equal sets are equal texts."""
    chosen = set(services)
    return ";".join(name for name in SERVICES if name in chosen)


@dataclass
class Agreement:
    """One agreement folded from its records (in record order)."""

    agreement_id: str
    fixmedins_code: str
    kind: str  # designation | internet
    parent_id: str | None
    applied: bool = False
    score: int | None = None
    begndate: dt.date | None = None  # None: not signed
    enddate: dt.date | None = None
    services: frozenset[str] = frozenset()
    prices: str = "[]"
    suspensions: dict[int, tuple[dt.date, dt.date]] = field(default_factory=dict)  # record_id -> period
    reasons: dict[int, str] = field(default_factory=dict)  # suspension record_id -> reason
    terminated_from: dt.date | None = None
    termination_reason: str = ""

    @property
    def signed(self) -> bool:
        return self.begndate is not None

    def own_period_covers(self, day: dt.date) -> bool:
        return self.signed and self.begndate <= day and (self.enddate is None or day <= self.enddate)

    def suspended_on(self, day: dt.date) -> bool:
        return any(begin <= day <= end for begin, end in self.suspensions.values())

    def terminated_on(self, day: dt.date) -> bool:
        return self.terminated_from is not None and day >= self.terminated_from

    def apply(self, record: dict) -> None:
        step = record["step"]
        if step == "apply":
            self.applied = True
        elif step == "evaluate":
            self.score = record.get("score")
        elif step in ("sign", "renew"):
            if step == "sign":
                self.begndate = record["begndate"]
            self.enddate = record.get("enddate")
            if record.get("services"):
                self.services = parse_services(record["services"])
            if record.get("prices") not in (None, "", "[]"):
                self.prices = record["prices"]
        elif step == "suspend":
            self.suspensions[record["record_id"]] = (record["begndate"], record["enddate"])
            self.reasons[record["record_id"]] = record.get("reason") or ""
        elif step == "resume":
            begin, end = self.suspensions.get(record.get("refers_to"), (None, None))
            if begin is not None:
                self.suspensions[record["refers_to"]] = (begin, min(end, record["begndate"] - dt.timedelta(days=1)))
        elif step == "terminate":
            day = record["begndate"]
            if self.terminated_from is None or day < self.terminated_from:
                self.terminated_from, self.termination_reason = day, record.get("reason") or ""


def fold(records: Iterable[dict]) -> dict[str, Agreement]:
    """The agreements of the records (any institutions), by agreement_id; records in record_id order."""
    agreements: dict[str, Agreement] = {}
    for record in sorted(records, key=lambda r: r["record_id"]):
        agreement = agreements.get(record["agreement_id"])
        if agreement is None:
            agreement = agreements[record["agreement_id"]] = Agreement(
                record["agreement_id"], record["fixmedins_code"], record["kind"], record.get("parent_agreement_id"))
        agreement.apply(record)
    return agreements


def in_force(agreements: dict[str, Agreement], agreement: Agreement, day: dt.date) -> bool:
    """Signed, within its period, neither suspended nor terminated on ``day``; a supplementary
    agreement also needs its physical agreement in force that day (seed 003)."""
    if not agreement.own_period_covers(day) or agreement.suspended_on(day) or agreement.terminated_on(day):
        return False
    if agreement.kind == "internet":
        parent = agreements.get(agreement.parent_id or "")
        return parent is not None and in_force(agreements, parent, day)
    return True


def status_on(agreements: dict[str, Agreement], agreement: Agreement, day: dt.date) -> str:
    """applied | evaluated | in_force | suspended | terminated | expired | not_begun (for lists)."""
    if not agreement.signed:
        return "evaluated" if agreement.score is not None else "applied"
    if agreement.terminated_on(day):
        return "terminated"
    if day < agreement.begndate:
        return "not_begun"
    if agreement.enddate is not None and day > agreement.enddate:
        return "expired"
    if in_force(agreements, agreement, day):
        return "in_force"
    parent = agreements.get(agreement.parent_id or "")
    if parent is not None and parent.terminated_on(day):
        return "terminated"
    return "suspended"


def coverage(agreements: dict[str, Agreement], fixmedins_code: str, day: dt.date) -> frozenset[str]:
    """The services the institution's agreements in force on ``day`` cover (empty: none in force)."""
    covered: set[str] = set()
    for agreement in agreements.values():
        if agreement.fixmedins_code == fixmedins_code and in_force(agreements, agreement, day):
            covered |= agreement.services
    return frozenset(covered)


def designation_in_force(agreements: dict[str, Agreement], fixmedins_code: str, day: dt.date) -> Agreement | None:
    """The institution's physical designation agreement in force on ``day`` (a supplementary
    agreement can only be signed on one)."""
    for agreement in agreements.values():
        if (agreement.fixmedins_code == fixmedins_code and agreement.kind == "designation"
                and in_force(agreements, agreement, day)):
            return agreement
    return None


def halt_on(agreement: Agreement, day: dt.date) -> dict | None:
    """The agreement's suspension or termination holding on ``day`` (None: neither)."""
    if agreement.terminated_on(day):
        return {"action": "terminate", "until": None, "reason": agreement.termination_reason}
    for record_id, (begin, end) in agreement.suspensions.items():
        if begin <= day <= end:
            return {"action": "suspend", "until": end, "reason": agreement.reasons.get(record_id, "")}
    return None


def halted_since(agreements: dict[str, Agreement], fixmedins_code: str, visit_day: dt.date,
                 day: dt.date) -> dict | None:
    """A visit is settled under the agreements in force on its registration or admission day; if
    every one of them (or, for a supplementary one, its physical agreement) is suspended or
    terminated on the settlement ``day``, the settlement waits: the halt found (None: may settle)."""
    applying = [a for a in agreements.values() if a.fixmedins_code == fixmedins_code and in_force(agreements, a, visit_day)]
    found = None
    for agreement in applying:
        chain = [agreement] + ([agreements[agreement.parent_id]] if agreement.parent_id in agreements else [])
        halt = next((h for h in (halt_on(a, day) for a in chain) if h is not None), None)
        if halt is None:
            return None
        found = found or halt
    return found


def visit_service(kind: str, med_type: str) -> str:
    """The service a visit needs its institution's agreement to cover: a pharmacy sale, an
    inpatient stay, an outpatient chronic-disease visit (med_type 14–16) or another outpatient visit."""
    if kind == "pharmacy" or med_type in PHARMACY_MED_TYPES:
        return "pharmacy"
    if kind == "inpatient":
        return "inpatient"
    if med_type[:2] in CHRONIC_MED_TYPES:
        return "chronic"
    return "outpatient"


def missing_services(covered: frozenset[str], *, kind: str, med_type: str, cross_region: bool) -> list[str]:
    """What the visit needs and the agreements in force do not cover (empty: allowed). A visit of
    a person insured elsewhere needs ``cross_region`` (异地就医直接结算). Personal-account use is
    not a condition of the visit: the settlement then pays no account money (see ``account_allowed``)."""
    needed = [visit_service(kind, med_type)] + (["cross_region"] if cross_region else [])
    return [name for name in needed if name not in covered]


def account_allowed(covered: frozenset[str]) -> bool:
    """Whether a settlement may pay from the personal account (个人账户): an institution whose
    agreement does not cover ``account`` settles as if acct_used_flag were 0, so the person pays
    that part in cash rather than the whole settlement being refused."""
    return "account" in covered
