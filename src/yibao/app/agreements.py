"""Agreement management (协议管理): an institution applies, the agency evaluates it (checklist
and score), signs a designation agreement (定点协议) with a period and the services it covers,
renews, suspends (and ends a suspension early), terminates; Internet+ supplementary agreements
(补充协议) depend on a physical institution's designation agreement (seed 003). Every step is a
new dated record with its actor and reason (``uow.agreements``, store/repositories/agreements.py);
the state on a day is folded from them (domain/agreements.py) and the gateway enforces it at
registration, admission and settlement (gateway/access.py).

Locking (docs/locking.md, rank 13): every write locks the agreement family of the physical
institution (``agreement/{fixmedins_code}``: its designation agreement and the supplementary
agreements depending on it), then reads the family's records again and decides on them."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal, InvalidOperation
from typing import Protocol

from yibao.domain import agreements as rules

from .error_codes import refusal
from .errors import GatewayError, new_id
from .unit_of_work import UnitOfWork

PASS_SCORE = 60  # an application is signed only after an evaluation of at least this score
DEFAULT_BEGNDATE = dt.date(2000, 1, 1)  # an imported institution without agreement columns: as before


class AgreementsRepository(Protocol):
    """What the use cases need of the store (``uow.agreements``)."""

    def lock_family(self, fixmedins_code: str) -> None: ...

    def institution(self, fixmedins_code: str) -> dict | None: ...

    def institutions(self, codes: list[str]) -> dict[str, dict]: ...

    def records(self, fixmedins_codes: list[str] | None = None) -> list[dict]:
        """In record order; all institutions' when None."""

    def records_of_agreements(self, agreement_ids: list[str]) -> list[dict]: ...

    def with_agreements(self, fixmedins_codes: list[str]) -> set[str]: ...

    def add(self, row: dict) -> int:
        """The new record's record_id."""


def _record(uow: UnitOfWork, agreement: rules.Agreement, step: str, *, logged: bool = True, **values) -> dict:
    """A new step; ``logged``: also an action-log row (not for the import's default agreements,
    which, like the imported rows themselves, the import writes as the system: the record keeps its actor)."""
    row = dict(agreement_id=agreement.agreement_id, fixmedins_code=agreement.fixmedins_code, kind=agreement.kind,
               parent_agreement_id=agreement.parent_id, step=step, actor=uow.actor.label()[:200],
               recorded_at=uow.now, **values)
    row["reason"] = (row.get("reason") or "")[:2000]
    row["record_id"] = uow.agreements.add(row)
    if not logged:
        return row
    uow.actions.record(f"agreement.{step}", agreement.agreement_id, {
        "fixmedins_code": agreement.fixmedins_code, "kind": agreement.kind,
        **{k: v for k, v in values.items() if k in ("begndate", "enddate", "services", "score", "refers_to")}})
    return row


def _institution(uow: UnitOfWork, fixmedins_code: str) -> dict:
    row = uow.agreements.institution(fixmedins_code)
    if row is None:
        raise refusal("AGREEMENT_INSTITUTION_NOT_FOUND", fixmedins_code=fixmedins_code)
    return row


def _family(uow: UnitOfWork, physical_code: str) -> dict[str, rules.Agreement]:
    """Lock the physical institution's family, then read every agreement it holds or that depends on it."""
    uow.agreements.lock_family(physical_code)
    own = uow.agreements.records([physical_code])
    ids = {r["agreement_id"] for r in own}
    dependants = [r for r in uow.agreements.records() if r.get("parent_agreement_id") in ids]
    return rules.fold(own + dependants)


def _physical_code(uow: UnitOfWork, agreement_id: str) -> str:
    records = uow.agreements.records_of_agreements([agreement_id])
    if not records:
        raise refusal("AGREEMENT_NOT_FOUND", agreement_id=agreement_id)
    first = records[0]
    if first["kind"] == "designation":
        return first["fixmedins_code"]
    parent = uow.agreements.records_of_agreements([first["parent_agreement_id"]])
    return parent[0]["fixmedins_code"]


def _locked_agreement(uow: UnitOfWork, agreement_id: str) -> tuple[rules.Agreement, dict[str, rules.Agreement]]:
    family = _family(uow, _physical_code(uow, agreement_id))
    return family[agreement_id], family


def _services(text: str, kind: str) -> str:
    try:
        services = rules.parse_services(text)
    except ValueError as unknown:
        raise refusal("AGREEMENT_BAD_SERVICES", services=str(unknown), known=";".join(rules.SERVICES)) from None
    if kind == "internet":
        services |= {"internet"}
    elif "internet" in services:
        raise refusal("AGREEMENT_INTERNET_NEEDS_SUPPLEMENT")
    if not services:
        raise refusal("AGREEMENT_NO_SERVICES")
    return rules.services_text(services)


def _prices(prices: list[dict] | None) -> str:
    """Internet+ service prices for the public list (seed 003 §三): [{item, price}] in yuan, two decimals."""
    checked = []
    for entry in prices or []:
        try:
            price = Decimal(str(entry["price"])).quantize(Decimal("0.01"))
            item = str(entry["item"]).strip()[:100]
        except (KeyError, TypeError, InvalidOperation):
            raise refusal("AGREEMENT_BAD_PRICES") from None
        if not item or price < 0:
            raise refusal("AGREEMENT_BAD_PRICES")
        checked.append({"item": item, "price": f"{price:f}"})
    return json.dumps(checked, ensure_ascii=False)


def apply(uow: UnitOfWork, *, fixmedins_code: str, services: str, reason: str = "", internet_of: str = "") -> dict:
    """An application (申请): for a designation agreement, or with ``internet_of`` (the physical
    institution, possibly the applicant itself) for an Internet+ supplementary agreement."""
    _institution(uow, fixmedins_code)
    kind, parent_id = "designation", None
    physical = internet_of or fixmedins_code
    family = _family(uow, physical)
    if internet_of:
        _institution(uow, internet_of)
        kind = "internet"
        parent = _open_designation(family, internet_of, uow.now.date())
        parent_id = parent.agreement_id
    agreement = rules.Agreement(new_id("AG"), fixmedins_code, kind, parent_id)
    return _record(uow, agreement, "apply", services=_services(services, kind), reason=reason)


def _open_designation(family: dict[str, rules.Agreement], physical_code: str, day: dt.date) -> rules.Agreement:
    """Seed 003 §一: a supplementary agreement goes with the physical institution's designation
    agreement; it must be in force (an application filed together with the designation's is
    signed after it)."""
    found = rules.designation_in_force(family, physical_code, day)
    if found is None:
        raise refusal("AGREEMENT_NO_PHYSICAL_AGREEMENT", fixmedins_code=physical_code, day=day)
    return found


def evaluate(uow: UnitOfWork, agreement_id: str, *, score: int, checklist: dict[str, bool], reason: str = "") -> dict:
    """The agency's evaluation (评估) of an application: the checklist's items and a score of 0–100."""
    agreement, _ = _locked_agreement(uow, agreement_id)
    if agreement.signed:
        raise refusal("AGREEMENT_ALREADY_SIGNED", agreement_id=agreement_id)
    if not isinstance(score, int) or not 0 <= score <= 100:
        raise refusal("AGREEMENT_BAD_SCORE")
    items = {str(k)[:100]: bool(v) for k, v in (checklist or {}).items()}
    return _record(uow, agreement, "evaluate", score=score, checklist=json.dumps(items, ensure_ascii=False),
                   reason=reason)


def sign(uow: UnitOfWork, agreement_id: str, *, begndate: dt.date, enddate: dt.date | None,
         services: str = "", prices: list[dict] | None = None, reason: str = "") -> dict:
    """Sign an evaluated application (签订协议). A supplementary agreement's period follows the
    physical one (seed 003 §三): it begins no earlier and has no end of its own."""
    agreement, family = _locked_agreement(uow, agreement_id)
    if agreement.signed:
        raise refusal("AGREEMENT_ALREADY_SIGNED", agreement_id=agreement_id)
    if agreement.score is None or agreement.score < PASS_SCORE:
        raise refusal("AGREEMENT_NOT_EVALUATED", agreement_id=agreement_id, pass_score=PASS_SCORE)
    applied = next(r for r in uow.agreements.records_of_agreements([agreement_id]) if r["step"] == "apply")
    chosen = _services(services or applied["services"], agreement.kind)
    if agreement.kind == "internet":
        parent = family.get(agreement.parent_id or "")
        if parent is None or not rules.in_force(family, parent, begndate):
            raise refusal("AGREEMENT_NO_PHYSICAL_AGREEMENT", fixmedins_code=applied["fixmedins_code"], day=begndate)
        enddate = None
    else:
        _check_period(begndate, enddate)
        _refuse_overlap(family, agreement, begndate)
    return _record(uow, agreement, "sign", begndate=begndate, enddate=enddate, services=chosen,
                   prices=_prices(prices), reason=reason)


def _check_period(begndate: dt.date, enddate: dt.date | None) -> None:
    if enddate is not None and enddate < begndate:
        raise refusal("INPUT_END_BEFORE_BEGIN", field="协议期限")


def _refuse_overlap(family: dict[str, rules.Agreement], agreement: rules.Agreement, begndate: dt.date) -> None:
    """One designation agreement at a time: a new one begins after the current one ends."""
    for other in family.values():
        if (other.kind == "designation" and other.fixmedins_code == agreement.fixmedins_code and other.signed
                and other.agreement_id != agreement.agreement_id and other.terminated_from is None
                and (other.enddate is None or other.enddate >= begndate)):
            raise refusal("AGREEMENT_OVERLAP", fixmedins_code=agreement.fixmedins_code, agreement_id=other.agreement_id)


def renew(uow: UnitOfWork, agreement_id: str, *, enddate: dt.date | None, services: str = "", reason: str = "") -> dict:
    """Renew (续签) a designation agreement to a later end (None: open-ended); its supplementary
    agreements follow it without records of their own (their period is the physical one)."""
    agreement, _ = _locked_agreement(uow, agreement_id)
    if not agreement.signed:
        raise refusal("AGREEMENT_NOT_SIGNED", agreement_id=agreement_id)
    if agreement.kind == "internet":
        raise refusal("AGREEMENT_SUPPLEMENT_FOLLOWS", agreement_id=agreement_id)
    if agreement.terminated_from is not None:
        raise refusal("AGREEMENT_TERMINATED", agreement_id=agreement_id, day=agreement.terminated_from)
    if agreement.enddate is None or (enddate is not None and enddate <= agreement.enddate):
        raise refusal("AGREEMENT_RENEWAL_NOT_LATER", agreement_id=agreement_id, enddate=agreement.enddate or "无")
    chosen = _services(services, agreement.kind) if services else ""
    return _record(uow, agreement, "renew", begndate=agreement.begndate, enddate=enddate, services=chosen,
                   reason=reason)


def _dependants(family: dict[str, rules.Agreement], agreement: rules.Agreement) -> list[rules.Agreement]:
    return [other for other in family.values() if other.parent_id == agreement.agreement_id and other.signed
            and other.terminated_from is None]


def suspend(uow: UnitOfWork, agreement_id: str, *, begndate: dt.date, enddate: dt.date, reason: str) -> dict:
    """Suspend (暂停) an agreement for a period; a physical agreement's supplementary agreements
    are suspended with it (seed 003, 完善定点退出机制), each by a record naming the cause."""
    agreement, family = _locked_agreement(uow, agreement_id)
    _check_acting_on(agreement, reason)
    if enddate is None:
        raise refusal("AGREEMENT_SUSPENSION_NEEDS_END")
    _check_period(begndate, enddate)
    row = _record(uow, agreement, "suspend", begndate=begndate, enddate=enddate, reason=reason)
    for dependant in _dependants(family, agreement):
        _record(uow, dependant, "suspend", begndate=begndate, enddate=enddate, refers_to=row["record_id"],
                reason=f"实体定点协议暂停：{reason}")
    return row


def _check_acting_on(agreement: rules.Agreement, reason: str) -> None:
    if not agreement.signed:
        raise refusal("AGREEMENT_NOT_SIGNED", agreement_id=agreement.agreement_id)
    if agreement.terminated_from is not None:
        raise refusal("AGREEMENT_TERMINATED", agreement_id=agreement.agreement_id, day=agreement.terminated_from)
    if not reason.strip():
        raise refusal("AGREEMENT_REASON_REQUIRED")


def resume(uow: UnitOfWork, agreement_id: str, *, suspension_id: int, begndate: dt.date, reason: str) -> dict:
    """End a suspension early (恢复): in force again from ``begndate``; the cascaded suspensions of
    the supplementary agreements end with it."""
    agreement, _ = _locked_agreement(uow, agreement_id)
    _check_acting_on(agreement, reason)
    period = agreement.suspensions.get(suspension_id)
    if period is None:
        raise refusal("AGREEMENT_SUSPENSION_NOT_FOUND", agreement_id=agreement_id, suspension_id=suspension_id)
    if not period[0] <= begndate <= period[1]:
        raise refusal("AGREEMENT_RESUME_OUTSIDE", begndate=period[0], enddate=period[1])
    row = _record(uow, agreement, "resume", begndate=begndate, refers_to=suspension_id, reason=reason)
    for record in uow.agreements.records():
        if record["step"] == "suspend" and record.get("refers_to") == suspension_id:
            dependant = rules.fold(uow.agreements.records_of_agreements([record["agreement_id"]]))[record["agreement_id"]]
            _record(uow, dependant, "resume", begndate=begndate, refers_to=record["record_id"],
                    reason=f"实体定点协议恢复：{reason}")
    return row


def terminate(uow: UnitOfWork, agreement_id: str, *, begndate: dt.date, reason: str) -> dict:
    """Terminate (解除) from ``begndate``; a physical agreement's supplementary agreements are
    terminated with it; terminating a supplementary agreement leaves the physical one to the
    agency's own decision (seed 003: 根据实体医疗机构定点协议的约定，决定是否中止或解除)."""
    agreement, family = _locked_agreement(uow, agreement_id)
    _check_acting_on(agreement, reason)
    row = _record(uow, agreement, "terminate", begndate=begndate, reason=reason)
    for dependant in _dependants(family, agreement):
        _record(uow, dependant, "terminate", begndate=begndate, refers_to=row["record_id"],
                reason=f"实体定点协议解除：{reason}")
    return row


# --- the institution's agreement as supervision acts on it ----------------------------------------

def current_designation(uow: UnitOfWork, fixmedins_code: str, day: dt.date) -> str:
    """The id of the institution's designation agreement a sanction acts on: the one in force on
    ``day``, else its latest signed one not terminated."""
    family = rules.fold(uow.agreements.records([fixmedins_code]))
    found = rules.designation_in_force(family, fixmedins_code, day)
    if found is None:
        candidates = [a for a in family.values() if a.kind == "designation" and a.signed and a.terminated_from is None]
        found = candidates[-1] if candidates else None
    if found is None:
        raise refusal("AGREEMENT_NONE", fixmedins_code=fixmedins_code)
    return found.agreement_id


def sanction_institution(uow: UnitOfWork, fixmedins_code: str, *, kind: str, begndate: dt.date,
                         enddate: dt.date | None, reason: str) -> dict | None:
    """A supervision decision on an institution (暂停/解除协议) is a step of its agreement: the
    agreements are the one source of truth the gateway enforces. An institution without any
    designation agreement (None) cannot settle anyway: the decision is kept, no step written."""
    uow.agreements.lock_family(fixmedins_code)
    try:
        agreement_id = current_designation(uow, fixmedins_code, begndate)
    except GatewayError:
        return None
    if kind == "terminate":
        return terminate(uow, agreement_id, begndate=begndate, reason=reason)
    return suspend(uow, agreement_id, begndate=begndate, enddate=enddate, reason=reason)


def sanction_reason(sanction_id: str, reason: str) -> str:
    """The reason of a supervision decision's agreement step: names the decision, so lifting it
    finds the suspension it caused."""
    return f"基金监管处理决定 {sanction_id}：{reason}"


def lift_sanction(uow: UnitOfWork, fixmedins_code: str, sanction_id: str, *, day: dt.date) -> list[dict]:
    """Lifting a supervision suspension ends the suspension step it caused from ``day`` (its
    cascaded supplementary suspensions end with it)."""
    _family(uow, fixmedins_code)
    caused = [r for r in uow.agreements.records([fixmedins_code])
              if r["step"] == "suspend" and r["reason"].startswith(sanction_reason(sanction_id, ""))]
    family = rules.fold(uow.agreements.records([fixmedins_code]))
    rows = []
    for record in caused:
        begin, end = family[record["agreement_id"]].suspensions[record["record_id"]]
        if end >= day and begin <= end:
            rows.append(resume(uow, record["agreement_id"], suspension_id=record["record_id"],
                               begndate=max(begin, day), reason=f"基金监管处理决定 {sanction_id} 解除"))
    return rows


# --- the institutions import (data-formats.md: agreement_begndate, agreement_enddate, …) ---------

def from_import(uow: UnitOfWork, rows: list[dict]) -> int:
    """Agreements for imported institutions that have none. A re-import never creates, resumes or
    widens the agreement of an institution that already has one (changes are the agency's steps).
    Each row: fixmedins_code, begndate, enddate, services (text, may be empty: everything),
    internet_of. Physical institutions first, so a supplementary agreement finds its parent."""
    codes = [row["fixmedins_code"] for row in rows]
    have = uow.agreements.with_agreements(codes)
    created = 0
    for row in sorted(rows, key=lambda r: bool(r.get("internet_of"))):
        if row["fixmedins_code"] in have:
            continue
        _import_one(uow, row)
        have.add(row["fixmedins_code"])
        created += 1
    return created


def _import_one(uow: UnitOfWork, row: dict) -> None:
    code, internet_of = row["fixmedins_code"], row.get("internet_of") or ""
    begndate = row.get("begndate") or DEFAULT_BEGNDATE
    # no services listed: everything, as before the agreements; a physical institution becomes
    # an Internet+ one only when its row lists internet (the public list shows those)
    default = rules.SERVICES if internet_of else rules.PHYSICAL_SERVICES
    listed = rules.parse_services(row.get("services") or "") or frozenset(default)
    if internet_of:
        family = _family(uow, internet_of)
        parent = _open_designation(family, internet_of, max(begndate, uow.now.date()))
        supplement = rules.Agreement(new_id("AG"), code, "internet", parent.agreement_id)
        _record(uow, supplement, "sign", begndate=max(begndate, parent.begndate), enddate=None,
                services=rules.services_text(listed | {"internet"}), reason="机构目录导入", logged=False)
        return
    uow.agreements.lock_family(code)
    designation = rules.Agreement(new_id("AG"), code, "designation", None)
    _record(uow, designation, "sign", begndate=begndate, enddate=row.get("enddate"),
            services=rules.services_text(listed - {"internet"}), reason="机构目录导入", logged=False)
    if "internet" in listed:
        supplement = rules.Agreement(new_id("AG"), code, "internet", designation.agreement_id)
        _record(uow, supplement, "sign", begndate=begndate, enddate=None,
                services=rules.services_text(listed), reason="机构目录导入", logged=False)


# --- reads: history, the agency's list, region coverage, the public Internet+ list ------------------

def _plain(value):
    return value.isoformat() if isinstance(value, (dt.date, dt.datetime)) else value


def history(uow: UnitOfWork, fixmedins_code: str) -> list[dict]:
    """Every step of the institution's agreements, oldest first."""
    _institution(uow, fixmedins_code)
    return [{k: _plain(v) for k, v in row.items()} for row in uow.agreements.records([fixmedins_code])]


def summary(family: dict[str, rules.Agreement], agreement: rules.Agreement, day: dt.date) -> dict:
    return {"agreement_id": agreement.agreement_id, "fixmedins_code": agreement.fixmedins_code, "kind": agreement.kind,
            "parent_agreement_id": agreement.parent_id, "status": rules.status_on(family, agreement, day),
            "begndate": _plain(agreement.begndate), "enddate": _plain(agreement.enddate),
            "services": rules.services_text(agreement.services), "score": agreement.score}


def list_agreements(uow: UnitOfWork, *, admdvs_prefix: str, day: dt.date) -> list[dict]:
    """The agreements of the institutions in the region (``admdvs`` starting with the prefix), with their status on ``day``."""
    family = rules.fold(uow.agreements.records())
    codes = sorted({a.fixmedins_code for a in family.values()})
    institutions = uow.agreements.institutions(codes)
    return [dict(summary(family, a, day), admdvs=institutions[a.fixmedins_code]["admdvs"])
            for a in family.values()
            if a.fixmedins_code in institutions and institutions[a.fixmedins_code]["admdvs"].startswith(admdvs_prefix)]


def region_coverage(uow: UnitOfWork, *, admdvs: str, day: dt.date) -> dict:
    """A region's cross-region direct settlement (联网开通), derived from the agreements: the
    institutions of the region whose agreements in force cover ``cross_region``."""
    family = rules.fold(uow.agreements.records())
    codes = sorted({a.fixmedins_code for a in family.values()})
    institutions = uow.agreements.institutions(codes)
    local = [code for code in codes if code in institutions and institutions[code]["admdvs"] == admdvs]
    networked = [code for code in local if "cross_region" in rules.coverage(family, code, day)]
    return {"admdvs": admdvs, "day": day.isoformat(), "networked": bool(networked),
            "institutions": len(local), "networked_institutions": networked}


def internet_institutions(uow: UnitOfWork, day: dt.date) -> list[dict]:
    """The public list (seed 003 §三: 向社会公布提供"互联网+"医疗服务的定点医疗机构名单、主要服务
    内容和收费价格): institutions with an Internet+ supplementary agreement in force on ``day``."""
    family = rules.fold(uow.agreements.records())
    chosen = [a for a in family.values() if a.kind == "internet" and rules.in_force(family, a, day)]
    codes = sorted({a.fixmedins_code for a in chosen} | {family[a.parent_id].fixmedins_code for a in chosen})
    institutions = uow.agreements.institutions(codes)
    listed = []
    for agreement in sorted(chosen, key=lambda a: a.fixmedins_code):
        own, physical = institutions[agreement.fixmedins_code], institutions[family[agreement.parent_id].fixmedins_code]
        listed.append({
            "fixmedins_code": own["fixmedins_code"], "fixmedins_name": own["fixmedins_name"], "admdvs": own["admdvs"],
            "physical_fixmedins_code": physical["fixmedins_code"], "physical_fixmedins_name": physical["fixmedins_name"],
            "services": [rules.SERVICE_NAMES[s] for s in rules.SERVICES if s in agreement.services],
            "service_codes": sorted(agreement.services), "prices": json.loads(agreement.prices or "[]"),
            "begndate": _plain(max(agreement.begndate, family[agreement.parent_id].begndate)),
            "enddate": _plain(family[agreement.parent_id].enddate)})
    return listed
