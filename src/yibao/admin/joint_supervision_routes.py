"""Admin routes: joint supervision between regions (异地协查, 联合检查), the shared expert pool
(专家库), reports and their rewards (举报奖励), credit (信用) and the negative list (黑名单)
(issue #17 items 5 and 6; app/joint_supervision.py, app/experts.py, app/credit.py). Each action
names the calling agency's region; the use case refuses (403) an agency that is not the side
the step belongs to (docs/joint-supervision.md)."""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from yibao.app import credit, experts, joint_supervision as joint, supervision
from yibao.app.error_codes import refusal
from yibao.domain.money import to_fen

from .common import AdminContext, Day, fen_view, found_or_404, jsonable


class CheckRequestIn(BaseModel):
    to_admdvs: str = Field(pattern=r"^[0-9]{6}$")
    fixmedins_code: str = Field(max_length=30)
    items: list[str] = Field(min_length=1, max_length=100)
    case_id: str | None = Field(default=None, max_length=30)
    note: str = Field(default="", max_length=4000)


class InspectorIn(BaseModel):
    inspector: str = Field(min_length=1, max_length=100)


class EvidenceIn(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    sha256: str = Field(pattern=r"^[0-9a-fA-F]{64}$")


class ResultIn(BaseModel):
    text: str = Field(min_length=1, max_length=20000)
    evidence: list[EvidenceIn] = Field(default_factory=list, max_length=200)


class ConclusionIn(BaseModel):
    conclusion: str = Field(min_length=1, max_length=20000)


class InspectionIn(BaseModel):
    title: str = Field(min_length=1, max_length=200)
    fixmedins_code: str = Field(max_length=30)
    begndate: Day
    agencies: list[str] = Field(default_factory=list, max_length=50)


class InspectionStepIn(BaseModel):
    step: Literal["start", "close"]
    note: str = Field(default="", max_length=20000)


class AgencyIn(BaseModel):
    agency_code: str = Field(pattern=r"^[0-9]{6}$")


class ExpertIn(BaseModel):
    name: str = Field(min_length=1, max_length=50)
    specialties: list[str] = Field(min_length=1, max_length=20)
    employer_code: str | None = Field(default=None, max_length=30)


class AvailabilityIn(BaseModel):
    begndate: Day
    enddate: Day | None = None
    available: bool


class AssignmentIn(BaseModel):
    target: Literal["inspection", "case", "review", "check_request"]
    target_id: str = Field(max_length=30)
    day: Day


class AnswerIn(BaseModel):
    accepted: bool
    note: str = Field(default="", max_length=2000)


class PolicyIn(BaseModel):
    begndate: Day
    strict_audit_below: int | None = Field(default=None, ge=-1000, le=100)
    no_direct_below: int | None = Field(default=None, ge=-1000, le=100)
    negative_list_below: int | None = Field(default=None, ge=-1000, le=100)
    points_per_case: int | None = Field(default=None, ge=-100, le=0)
    points_per_10k_yuan: int | None = Field(default=None, ge=-100, le=0)
    reward_share: Decimal | None = Field(default=None, ge=0, le=1, max_digits=6, decimal_places=4)
    reward_floor: Decimal | None = Field(default=None, ge=0, max_digits=12, decimal_places=2)
    reward_cap: Decimal | None = Field(default=None, ge=0, max_digits=12, decimal_places=2)


class PractitionerIn(BaseModel):
    prac_psn_code: str = Field(min_length=1, max_length=30)


class ReportIn(BaseModel):
    subject_type: Literal["institution", "practitioner", "person"]
    subject_id: str = Field(max_length=30)
    content: str = Field(min_length=1, max_length=20000)
    reporter_name: str = Field(default="", max_length=50)
    reporter_contact: str = Field(default="", max_length=50)
    case_id: str | None = Field(default=None, max_length=30)


class RewardIn(BaseModel):
    case_id: str = Field(max_length=30)


def add_routes(router: APIRouter, ctx: AdminContext) -> None:
    _check_request_routes(router, ctx)
    _inspection_routes(router, ctx)
    _expert_routes(router, ctx)
    _credit_routes(router, ctx)
    _report_routes(router, ctx)


def _check_request_routes(router: APIRouter, ctx: AdminContext) -> None:
    agency = ctx.agency

    @router.post("/check-requests", status_code=201, summary="Ask another region's agency to check an institution (异地协查)")
    def request_check(body: CheckRequestIn, who: dict = Depends(agency)) -> dict:
        return jsonable(ctx.run(who, lambda uow: joint.request_check(
            uow, from_admdvs=who["agency_code"], **body.model_dump())))

    @router.get("/check-requests", summary="Check requests sent or received by this agency's regions")
    def list_checks(who: dict = Depends(agency)) -> list[dict]:
        rows = ctx.run(who, lambda uow: joint.check_requests(uow, agency_region=who["agency_code"]), write=False)
        return [jsonable(row) for row in rows]

    @router.get("/check-requests/{request_id}", summary="A check request with its steps")
    def get_check(request_id: str, who: dict = Depends(agency)) -> dict:
        return _request_view(ctx.run(who, lambda uow: joint.check_request(uow, request_id,
                                                                          agency_region=who["agency_code"]), write=False))

    @router.post("/check-requests/{request_id}/assign", summary="The addressed agency names its inspector")
    def assign(request_id: str, body: InspectorIn, who: dict = Depends(agency)) -> dict:
        return _request_view(ctx.run(who, lambda uow: joint.assign_inspector(
            uow, request_id, body.inspector, agency_region=who["agency_code"])))

    @router.post("/check-requests/{request_id}/result", summary="The addressed agency answers with its evidence")
    def result(request_id: str, body: ResultIn, who: dict = Depends(agency)) -> dict:
        evidence = [item.model_dump() for item in body.evidence]
        return _request_view(ctx.run(who, lambda uow: joint.answer_check(
            uow, request_id, body.text, evidence, agency_region=who["agency_code"])))

    @router.post("/check-requests/{request_id}/conclusion", summary="The requesting agency concludes")
    def conclude(request_id: str, body: ConclusionIn, who: dict = Depends(agency)) -> dict:
        return _request_view(ctx.run(who, lambda uow: joint.conclude_check(
            uow, request_id, body.conclusion, agency_region=who["agency_code"])))


def _request_view(row: dict) -> dict:
    return jsonable(dict(row, steps=[jsonable(step) for step in row["steps"]]))


def _inspection_view(row: dict) -> dict:
    return jsonable(dict(row, steps=[jsonable(s) for s in row["steps"]], members=[jsonable(m) for m in row["members"]]))


def _inspection_routes(router: APIRouter, ctx: AdminContext) -> None:
    agency = ctx.agency

    @router.post("/inspections", status_code=201, summary="Plan a joint inspection (联合检查) led by this agency")
    def plan(body: InspectionIn, who: dict = Depends(agency)) -> dict:
        return _inspection_view(ctx.run(who, lambda uow: joint.plan_inspection(
            uow, lead_admdvs=who["agency_code"], **body.model_dump())))

    @router.get("/inspections/{inspection_id}", summary="A joint inspection with its steps and members")
    def get_inspection(inspection_id: str, who: dict = Depends(agency)) -> dict:
        return _inspection_view(ctx.run(who, lambda uow: joint.visible_inspection(
            uow, inspection_id, agency_region=who["agency_code"]), write=False))

    @router.post("/inspections/{inspection_id}/steps", summary="Start or close (with its conclusion) the inspection")
    def step(inspection_id: str, body: InspectionStepIn, who: dict = Depends(agency)) -> dict:
        return _inspection_view(ctx.run(who, lambda uow: joint.move_inspection(
            uow, inspection_id, body.step, note=body.note, agency_region=who["agency_code"])))

    @router.post("/inspections/{inspection_id}/agencies", summary="Invite another agency")
    def join(inspection_id: str, body: AgencyIn, who: dict = Depends(agency)) -> dict:
        return _inspection_view(ctx.run(who, lambda uow: joint.join_inspection(
            uow, inspection_id, body.agency_code, agency_region=who["agency_code"])))


def _expert_routes(router: APIRouter, ctx: AdminContext) -> None:
    agency = ctx.agency

    @router.post("/experts", status_code=201, summary="Add an expert of this agency's region to the shared pool")
    def add(body: ExpertIn, who: dict = Depends(agency)) -> dict:
        return _expert_view(ctx.run(who, lambda uow: experts.add_expert(uow, home_admdvs=who["agency_code"],
                                                                        **body.model_dump())))

    @router.get("/experts", summary="The shared expert pool, with availability on a day")
    def pool(specialty: str | None = None, day: Day | None = None, who: dict = Depends(agency)) -> list[dict]:
        rows = ctx.run(who, lambda uow: experts.experts(uow, specialty=specialty, day=day), write=False)
        return [jsonable(row) for row in rows]

    @router.get("/experts/{expert_id}", summary="An expert with availability and assignments")
    def get_expert(expert_id: str, who: dict = Depends(agency)) -> dict:
        return _expert_view(ctx.run(who, lambda uow: experts.expert(uow, expert_id), write=False))

    @router.post("/experts/{expert_id}/availability", summary="Record when the expert is (un)available")
    def availability(expert_id: str, body: AvailabilityIn, who: dict = Depends(agency)) -> dict:
        return _expert_view(ctx.run(who, lambda uow: experts.set_availability(
            uow, expert_id, agency_region=who["agency_code"], **body.model_dump())))

    @router.post("/experts/{expert_id}/assignments", status_code=201,
                 summary="Assign the expert (another region's expert: a request to its home agency)")
    def assign(expert_id: str, body: AssignmentIn, who: dict = Depends(agency)) -> dict:
        return jsonable(ctx.run(who, lambda uow: experts.assign(uow, expert_id, agency_region=who["agency_code"],
                                                                **body.model_dump())))

    @router.post("/expert-assignments/{assignment_id}/answer", summary="The home agency accepts or refuses a request")
    def answer(assignment_id: str, body: AnswerIn, who: dict = Depends(agency)) -> dict:
        return jsonable(ctx.run(who, lambda uow: experts.answer_request(
            uow, assignment_id, agency_region=who["agency_code"], **body.model_dump())))


def _expert_view(row: dict) -> dict:
    return jsonable(dict(row, availability=[jsonable(a) for a in row["availability"]],
                         assignments=[jsonable({k: (jsonable(v) if isinstance(v, dict) else v) for k, v in a.items()})
                                      for a in row["assignments"]]))


def _credit_routes(router: APIRouter, ctx: AdminContext) -> None:
    agency = ctx.agency

    @router.post("/credit/policies", status_code=201, summary="This region's credit and report-reward rules from a date")
    def policy(body: PolicyIn, who: dict = Depends(agency)) -> dict:
        values = body.model_dump(exclude={"reward_floor", "reward_cap"})
        for name in ("reward_floor", "reward_cap"):
            amount = getattr(body, name)
            values[f"{name}_fen"] = None if amount is None else to_fen(amount)
        return fen_view(ctx.run(who, lambda uow: credit.set_policy(uow, admdvs=who["agency_code"], **values)))

    @router.get("/credit/negative-list", summary="The negative list (黑名单) of this agency's regions, as JSON")
    def negative_list(who: dict = Depends(agency)) -> dict:
        return ctx.run(who, lambda uow: credit.negative_list(uow, agency_region=who["agency_code"]), write=False)

    @router.get("/credit/{subject_type}/{subject_id}", summary="A subject's credit score, level and records")
    def standing(subject_type: Literal["institution", "practitioner", "person"], subject_id: str,
                 who: dict = Depends(agency)) -> dict:
        found = ctx.run(who, lambda uow: credit.standing(uow, subject_type, subject_id, region=who["agency_code"]),
                        write=False)
        return jsonable(dict(found, records=[jsonable(r) for r in found["records"]]))

    @router.post("/cases/{case_id}/practitioners", status_code=201,
                 summary="A practitioner the confirmed case names loses credit")
    def practitioner(case_id: str, body: PractitionerIn, who: dict = Depends(agency)) -> dict:
        def action(uow):
            case = found_or_404(supervision.get_case, uow, case_id)
            if case["admdvs"] != who["agency_code"]:
                raise refusal("ADMIN_NOT_OUR_CASE", case_id=case_id, owner=case["admdvs"])
            return credit.record_practitioner(uow, case_id, body.prac_psn_code)
        return jsonable(ctx.run(who, action))


def _report_routes(router: APIRouter, ctx: AdminContext) -> None:
    agency = ctx.agency

    @router.post("/reports", status_code=201, summary="Receive a report (举报); the reporter is kept masked")
    def receive(body: ReportIn, who: dict = Depends(agency)) -> dict:
        return jsonable(ctx.run(who, lambda uow: credit.receive_report(uow, admdvs=who["agency_code"],
                                                                       **body.model_dump())))

    @router.post("/reports/{report_id}/reward", status_code=201,
                 summary="Pay the report's reward on the confirmed case, by this region's rule")
    def reward(report_id: str, body: RewardIn, who: dict = Depends(agency)) -> dict:
        row = ctx.run(who, lambda uow: credit.pay_reward(uow, report_id, case_id=body.case_id,
                                                         agency_region=who["agency_code"]))
        return jsonable({k: (str(v) if isinstance(v, Decimal) else v) for k, v in row.items()})

