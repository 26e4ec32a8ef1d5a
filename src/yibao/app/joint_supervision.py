"""Joint supervision between regions (issue #17 item 5; seed 004 异地协查 and 联合检查, seed 000
experts sent on the other region's request; docs/joint-supervision.md).

- **On-site check requests** (异地协查): the requesting agency names the addressed agency, the
  institution (in the addressed region) and the items to check; only the addressed agency assigns
  an inspector and answers with the result and its evidence (text, file names and SHA-256
  hashes: the files stay with the agencies); only the requesting agency concludes. Dated steps
  (``check_request_steps``), each once, in the order of domain/joint_supervision.CHECK_STEPS.
- **Joint inspections** (联合检查): the lead agency plans, starts and closes one; agencies and
  experts join while it is open.
- **The expert pool** (专家库): experts with specialties, home region and employer; dated
  availability set by their home agency; an assignment to an inspection, a case, a review (a
  finding) or a check request is refused when the expert is unavailable that day or works for
  the inspected institution (回避). An agency outside the expert's home region asks; the home
  agency's acceptance makes the assignment effective (seed 000).

Locks (docs/locking.md rank 18): a step of a check request, an inspection or an expert's
request locks its key (``check-request/{id}``, ``inspection/{id}``, ``expert/{id}``) and reads the
steps after it; the primary keys (request, step) refuse a second twin on both backends.
``agency_region`` None is the operator (the CLI), who may act for any agency.
"""

from __future__ import annotations

import datetime as dt
import json
import re

from yibao.domain import joint_supervision as rules

from .authorization import administers
from .error_codes import refusal
from .errors import new_id
from .unit_of_work import UnitOfWork

_SHA256 = re.compile(r"[0-9a-f]{64}")


def _broken(exc: rules.RuleBroken):
    return refusal(exc.code, **exc.params)


def _by(uow: UnitOfWork) -> str:
    return uow.actor.label()[:200]


def _must_be(agency_region: str | None, region: str, what: str) -> None:
    """Only the named agency acts (403 otherwise); the operator (None) may act for any."""
    if agency_region is not None and agency_region != region:
        raise refusal("JOINT_NOT_YOUR_SIDE", agency=agency_region, region=region, what=what)


def _institution_region(uow: UnitOfWork, fixmedins_code: str) -> str:
    found = uow.supervision.institution(fixmedins_code)
    if found is None:
        raise refusal("SUPERVISION_INSTITUTION_NOT_FOUND", fixmedins_code=fixmedins_code)
    return found["admdvs"]


def checked_evidence(evidence: list[dict]) -> list[dict]:
    """Evidence is a list of {name, sha256}: the file's name and the hex SHA-256 of its bytes."""
    checked = []
    for item in evidence:
        name, digest = str(item.get("name", "")).strip(), str(item.get("sha256", "")).lower()
        if not name or len(name) > 200 or not _SHA256.fullmatch(digest):
            raise refusal("JOINT_BAD_EVIDENCE", name=name[:40] or "?")
        checked.append({"name": name, "sha256": digest})
    return checked


# --- check requests ----------------------------------------------------------------------------

def request_check(uow: UnitOfWork, *, from_admdvs: str, to_admdvs: str, fixmedins_code: str, items: list[str],
                  case_id: str | None = None, note: str = "") -> dict:
    """A request to the agency of another region to check an institution of its region on site."""
    if from_admdvs == to_admdvs:
        raise refusal("JOINT_SAME_REGION", region=to_admdvs)
    items = [str(item).strip()[:200] for item in items if str(item).strip()]
    if not items:
        raise refusal("JOINT_NO_ITEMS")
    if not administers(to_admdvs, _institution_region(uow, fixmedins_code)):
        raise refusal("JOINT_INSTITUTION_NOT_THERE", fixmedins_code=fixmedins_code, region=to_admdvs)
    row = dict(request_id=new_id("XC"), from_admdvs=from_admdvs, to_admdvs=to_admdvs, fixmedins_code=fixmedins_code,
               items=json.dumps(items, ensure_ascii=False), case_id=case_id, requested_at=uow.now)
    uow.joint_supervision.add_check_request(row)
    uow.joint_supervision.add_check_step(dict(request_id=row["request_id"], step="request", seq=1, text=note[:4000],
                                              by=_by(uow), at=uow.now))
    uow.actions.record("check.request", row["request_id"], {"to": to_admdvs, "fixmedins_code": fixmedins_code,
                                                            "items": len(items)})
    return check_request(uow, row["request_id"])


def check_request(uow: UnitOfWork, request_id: str, *, agency_region: str | None = None, lock: bool = False) -> dict:
    """The request with its steps and status; seen only by either side (and the regions over them)."""
    row = uow.joint_supervision.check_request(request_id, lock=lock)
    if row is None:
        raise refusal("JOINT_CHECK_NOT_FOUND", request_id=request_id)
    if agency_region is not None and not (administers(agency_region, row["from_admdvs"])
                                          or administers(agency_region, row["to_admdvs"])):
        raise refusal("JOINT_NOT_YOUR_SIDE", agency=agency_region, region=row["to_admdvs"], what="查看该协查")
    steps = uow.joint_supervision.check_steps(request_id)
    for step in steps:
        step["evidence"] = json.loads(step["evidence"] or "[]")
    return dict(row, items=json.loads(row["items"]), steps=steps,
                status=rules.check_status([s["step"] for s in steps]))


def _check_step(uow: UnitOfWork, request_id: str, step: str, agency_region: str | None, *, inspector: str = "",
                text: str = "", evidence: list[dict] = ()) -> dict:
    found = check_request(uow, request_id, lock=True)  # the steps read after the lock
    side = found["from_admdvs"] if rules.CHECK_STEP_SIDE.get(step) == "from" else found["to_admdvs"]
    _must_be(agency_region, side, {"assign": "指派协查人员", "result": "答复协查", "conclude": "作出协查结论"}.get(step, step))
    try:
        rules.next_check_step([s["step"] for s in found["steps"]], step)
    except rules.RuleBroken as exc:
        raise _broken(exc) from None
    uow.joint_supervision.add_check_step(dict(
        request_id=request_id, step=step, seq=len(found["steps"]) + 1, inspector=inspector[:100], text=text[:20000],
        evidence=json.dumps(list(evidence), ensure_ascii=False), by=_by(uow), at=uow.now))
    uow.actions.record(f"check.{step}", request_id, {"evidence": len(evidence)})
    return check_request(uow, request_id)


def assign_inspector(uow: UnitOfWork, request_id: str, inspector: str, *, agency_region: str | None) -> dict:
    if not inspector.strip():
        raise refusal("JOINT_NO_INSPECTOR")
    return _check_step(uow, request_id, "assign", agency_region, inspector=inspector.strip())


def answer_check(uow: UnitOfWork, request_id: str, text: str, evidence: list[dict], *,
                 agency_region: str | None) -> dict:
    if not text.strip():
        raise refusal("JOINT_NO_RESULT_TEXT")
    return _check_step(uow, request_id, "result", agency_region, text=text, evidence=checked_evidence(evidence))


def conclude_check(uow: UnitOfWork, request_id: str, conclusion: str, *, agency_region: str | None) -> dict:
    if not conclusion.strip():
        raise refusal("JOINT_NO_CONCLUSION")
    return _check_step(uow, request_id, "conclude", agency_region, text=conclusion)


def check_requests(uow: UnitOfWork, *, agency_region: str | None) -> list[dict]:
    from .authorization import scope_prefix

    return [dict(row, items=json.loads(row["items"])) for row in
            uow.joint_supervision.check_requests_of(scope_prefix(agency_region))]


# --- joint inspections -------------------------------------------------------------------------

def plan_inspection(uow: UnitOfWork, *, lead_admdvs: str, title: str, fixmedins_code: str, begndate: dt.date,
                    agencies: list[str] = ()) -> dict:
    _institution_region(uow, fixmedins_code)
    row = dict(inspection_id=new_id("JI"), lead_admdvs=lead_admdvs, title=title.strip()[:200] or "联合检查",
               fixmedins_code=fixmedins_code, begndate=begndate, created_at=uow.now)
    uow.joint_supervision.add_inspection(row)
    uow.joint_supervision.add_inspection_step(dict(inspection_id=row["inspection_id"], step="plan", note="",
                                                   by=_by(uow), at=uow.now))
    for code in sorted({lead_admdvs, *agencies}):
        uow.joint_supervision.add_member(dict(inspection_id=row["inspection_id"], member_type="agency", member_id=code,
                                              by=_by(uow), at=uow.now))
    uow.actions.record("inspection.plan", row["inspection_id"], {"fixmedins_code": fixmedins_code,
                                                                 "agencies": sorted({lead_admdvs, *agencies})})
    return inspection(uow, row["inspection_id"])


def inspection(uow: UnitOfWork, inspection_id: str, *, lock: bool = False) -> dict:
    row = uow.joint_supervision.inspection(inspection_id, lock=lock)
    if row is None:
        raise refusal("JOINT_INSPECTION_NOT_FOUND", inspection_id=inspection_id)
    # steps in their fixed order (two may share a timestamp)
    steps = sorted(uow.joint_supervision.inspection_steps(inspection_id), key=lambda s: list(rules.INSPECTION_STEPS).index(s["step"]))
    status = rules.INSPECTION_STEPS[steps[-1]["step"]] if steps else None
    return dict(row, status=status, steps=steps, members=uow.joint_supervision.members(inspection_id))


def visible_inspection(uow: UnitOfWork, inspection_id: str, *, agency_region: str | None) -> dict:
    """The inspection for an agency that takes part in it: the lead's region, a member agency or
    the home region of a member expert (issue #17 item 4: an agency reads only what concerns the
    regions it administers)."""
    found = inspection(uow, inspection_id)
    members = [m["member_id"] for m in found["members"] if m["member_type"] == "agency"]
    for m in found["members"]:
        if m["member_type"] == "expert":
            expert = uow.joint_supervision.expert(m["member_id"])
            members.append(expert["home_admdvs"] if expert else "")
    if agency_region is not None and not any(administers(agency_region, region)
                                             for region in [found["lead_admdvs"], *members]):
        raise refusal("JOINT_NOT_YOUR_SIDE", agency=agency_region, region=found["lead_admdvs"], what="查看该联合检查")
    return found


def move_inspection(uow: UnitOfWork, inspection_id: str, step: str, *, note: str = "",
                    agency_region: str | None) -> dict:
    """``start`` or ``close`` (with the conclusion as its note), by the lead agency."""
    found = inspection(uow, inspection_id, lock=True)
    _must_be(agency_region, found["lead_admdvs"], "推进联合检查")
    try:
        rules.next_inspection_step(found["status"], step)
    except rules.RuleBroken as exc:
        raise _broken(exc) from None
    uow.joint_supervision.add_inspection_step(dict(inspection_id=inspection_id, step=step, note=note[:20000],
                                                   by=_by(uow), at=uow.now))
    uow.actions.record(f"inspection.{step}", inspection_id, {})
    return inspection(uow, inspection_id)


def join_inspection(uow: UnitOfWork, inspection_id: str, agency_code: str, *, agency_region: str | None) -> dict:
    """The lead agency adds another agency while the inspection is open."""
    found = inspection(uow, inspection_id, lock=True)
    _must_be(agency_region, found["lead_admdvs"], "邀请机构参加联合检查")
    if found["status"] not in rules.INSPECTION_OPEN:
        raise refusal("JOINT_INSPECTION_CLOSED", inspection_id=inspection_id)
    if any(m["member_type"] == "agency" and m["member_id"] == agency_code for m in found["members"]):
        raise refusal("JOINT_ALREADY_MEMBER", member=agency_code)
    uow.joint_supervision.add_member(dict(inspection_id=inspection_id, member_type="agency", member_id=agency_code,
                                          by=_by(uow), at=uow.now))
    uow.actions.record("inspection.join", inspection_id, {"agency": agency_code})
    return inspection(uow, inspection_id)
