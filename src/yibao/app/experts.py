"""The shared expert pool (专家库, seed 004; seed 000: experts sent on the other region's request).

Every region sees every expert. The expert's home agency (or an agency over it) adds the expert,
records their availability (dated, append-only: the latest record covering a day decides) and
assigns them. Another region asks: its assignment is ``requested`` and becomes effective once the
home agency accepts it; a refusal is kept too. Any assignment is refused when the expert is
unavailable on its day or works for the inspected institution (回避,
domain/joint_supervision.check_assignment). An expert's changes lock ``expert/{id}`` (docs/locking.md
rank 18) and read the availability and assignments after it.
"""

from __future__ import annotations

import datetime as dt

from yibao.domain import joint_supervision as rules

from .authorization import administers
from .error_codes import refusal
from .errors import new_id
from .unit_of_work import UnitOfWork


def _by(uow: UnitOfWork) -> str:
    return uow.actor.label()[:200]


def add_expert(uow: UnitOfWork, *, name: str, specialties: list[str], home_admdvs: str,
               employer_code: str | None = None) -> dict:
    specialties = [s.strip() for s in specialties if s.strip()]
    if not name.strip() or not specialties:
        raise refusal("JOINT_EXPERT_INCOMPLETE")
    row = dict(expert_id=new_id("EX"), name=name.strip()[:50], specialties="、".join(specialties)[:400],
               home_admdvs=home_admdvs, employer_code=employer_code or None, added_at=uow.now, added_by=_by(uow))
    uow.joint_supervision.add_expert(row)
    uow.actions.record("expert.add", row["expert_id"], {"home": home_admdvs, "specialties": row["specialties"]})
    return expert(uow, row["expert_id"])


def expert(uow: UnitOfWork, expert_id: str, *, lock: bool = False) -> dict:
    row = uow.joint_supervision.expert(expert_id, lock=lock)
    if row is None:
        raise refusal("JOINT_EXPERT_NOT_FOUND", expert_id=expert_id)
    assignments = uow.joint_supervision.assignments(expert_id)
    answers = uow.joint_supervision.answers([a["assignment_id"] for a in assignments])
    for assignment in assignments:
        answer = answers.get(assignment["assignment_id"])
        assignment["effective"] = assignment["state"] == "assigned" or bool(answer and answer["accepted"])
        assignment["answer"] = answer
    return dict(row, specialties=row["specialties"].split("、"),
                availability=uow.joint_supervision.availability(expert_id), assignments=assignments)


def experts(uow: UnitOfWork, *, specialty: str | None = None, day: dt.date | None = None) -> list[dict]:
    """The pool (every region's experts), with whether each is available on ``day`` (today by default)."""
    day = day or uow.now.date()
    found = []
    for row in uow.joint_supervision.experts(specialty):
        records = _availability(uow, row["expert_id"])
        found.append(dict(row, specialties=row["specialties"].split("、"), available=rules.available_on(records, day)))
    return found


def _availability(uow: UnitOfWork, expert_id: str) -> list[rules.Availability]:
    return [rules.Availability(r["begndate"], r["enddate"], r["available"])
            for r in uow.joint_supervision.availability(expert_id)]


def _home_agency(agency_region: str | None, row: dict, what: str) -> None:
    if agency_region is not None and not administers(agency_region, row["home_admdvs"]):
        raise refusal("JOINT_NOT_YOUR_SIDE", agency=agency_region, region=row["home_admdvs"], what=what)


def set_availability(uow: UnitOfWork, expert_id: str, *, begndate: dt.date, enddate: dt.date | None,
                     available: bool, agency_region: str | None) -> dict:
    row = expert(uow, expert_id, lock=True)
    _home_agency(agency_region, row, "登记专家可用时间")
    if enddate is not None and enddate < begndate:
        raise refusal("INPUT_END_BEFORE_BEGIN", field="专家可用时间")
    uow.joint_supervision.add_availability(dict(expert_id=expert_id, begndate=begndate, enddate=enddate,
                                                available=available, by=_by(uow), at=uow.now))
    uow.actions.record("expert.availability", expert_id, {"begndate": begndate, "enddate": enddate,
                                                          "available": available})
    return expert(uow, expert_id)


def _inspected_institution(uow: UnitOfWork, target: str, target_id: str) -> str | None:
    """The institution the target is about (None for a case against a person)."""
    if target == "inspection":
        found = uow.joint_supervision.inspection(target_id)
        return None if found is None else found["fixmedins_code"]
    if target == "check_request":
        found = uow.joint_supervision.check_request(target_id)
        return None if found is None else found["fixmedins_code"]
    if target == "case":
        found = uow.supervision.case(target_id)
        return None if found is None else (found["subject_id"] if found["subject_type"] == "institution" else "")
    return uow.joint_supervision.finding_institution(target_id)  # a review of a finding


def _target_regions(uow: UnitOfWork, target: str, target_id: str) -> list[str]:
    """The regions whose agencies may put an expert on the target (issue #17 item 4): an
    inspection's lead and member agencies, a check request's two sides, a case's supervising
    agency, a finding's treatment region."""
    if target == "inspection":
        found = uow.joint_supervision.inspection(target_id)
        members = uow.joint_supervision.members(target_id)
        return [found["lead_admdvs"], *(m["member_id"] for m in members if m["member_type"] == "agency")]
    if target == "check_request":
        found = uow.joint_supervision.check_request(target_id)
        return [found["from_admdvs"], found["to_admdvs"]]
    if target == "case":
        return [uow.supervision.case(target_id)["admdvs"]]
    institution = uow.supervision.institution(uow.joint_supervision.finding_institution(target_id))
    return [institution["admdvs"]] if institution else []


def assign(uow: UnitOfWork, expert_id: str, *, target: str, target_id: str, day: dt.date, agency_region: str) -> dict:
    """The expert on a target for the day; another region's assignment is a request to the home agency."""
    row = expert(uow, expert_id, lock=True)
    inspected = _inspected_institution(uow, target, target_id) if target in rules.ASSIGNMENT_TARGETS else None
    if target in rules.ASSIGNMENT_TARGETS and inspected is None:
        raise refusal("JOINT_TARGET_NOT_FOUND", target=target, target_id=target_id)
    if target in rules.ASSIGNMENT_TARGETS and agency_region is not None:
        regions = _target_regions(uow, target, target_id)
        if not any(administers(agency_region, region) for region in regions):
            raise refusal("JOINT_NOT_YOUR_SIDE", agency=agency_region, region=(regions or [""])[0],
                          what="为该事项指派专家")
    try:
        rules.check_assignment(target=target, available=rules.available_on(_availability(uow, expert_id), day),
                               employer_code=row["employer_code"], inspected_code=inspected)
    except rules.RuleBroken as exc:
        raise refusal(exc.code, **exc.params) from None
    if any(a["target_type"] == target and a["target_id"] == target_id for a in row["assignments"]):
        raise refusal("JOINT_ALREADY_MEMBER", member=expert_id)
    state = "assigned" if administers(agency_region, row["home_admdvs"]) else "requested"
    assignment = dict(assignment_id=new_id("EA"), expert_id=expert_id, target_type=target, target_id=target_id,
                      admdvs=agency_region, day=day, state=state, by=_by(uow), at=uow.now)
    uow.joint_supervision.add_assignment(assignment)
    if target == "inspection" and state == "assigned":
        _join_as_expert(uow, target_id, expert_id)
    uow.actions.record(f"expert.{state}", expert_id, {"target": target, "target_id": target_id, "day": day})
    return dict(assignment, effective=state == "assigned")


def _join_as_expert(uow: UnitOfWork, inspection_id: str, expert_id: str) -> None:
    members = uow.joint_supervision.members(inspection_id)
    if not any(m["member_type"] == "expert" and m["member_id"] == expert_id for m in members):
        uow.joint_supervision.add_member(dict(inspection_id=inspection_id, member_type="expert", member_id=expert_id,
                                              by=_by(uow), at=uow.now))


def answer_request(uow: UnitOfWork, assignment_id: str, *, accepted: bool, note: str = "",
                   agency_region: str | None) -> dict:
    """The home agency accepts or refuses another region's request for its expert, once."""
    assignment = uow.joint_supervision.assignment(assignment_id)
    if assignment is None:
        raise refusal("JOINT_ASSIGNMENT_NOT_FOUND", assignment_id=assignment_id)
    row = expert(uow, assignment["expert_id"], lock=True)
    _home_agency(agency_region, row, "答复专家借调请求")
    if assignment["state"] != "requested" or uow.joint_supervision.answers([assignment_id]):
        raise refusal("JOINT_REQUEST_ANSWERED", assignment_id=assignment_id)
    if accepted and not rules.available_on(_availability(uow, row["expert_id"]), assignment["day"]):
        raise refusal("JOINT_EXPERT_UNAVAILABLE")
    uow.joint_supervision.add_answer(dict(assignment_id=assignment_id, accepted=accepted, note=note[:2000],
                                          by=_by(uow), at=uow.now))
    if accepted and assignment["target_type"] == "inspection":
        _join_as_expert(uow, assignment["target_id"], row["expert_id"])
    uow.actions.record("expert.answer", assignment_id, {"accepted": accepted})
    return dict(assignment, effective=accepted)
