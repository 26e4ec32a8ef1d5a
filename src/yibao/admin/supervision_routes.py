"""Admin routes: fund supervision (cases, notices between regions, sanctions, figures)."""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from yibao.app import agencies, authorization, supervision
from yibao.app.error_codes import refusal
from yibao.domain.money import to_fen

from .common import AdminContext, Day, fen_view, found_or_404, jsonable as _jsonable


class CaseIn(BaseModel):
    subject_type: Literal["institution", "person"]
    subject_id: str = Field(max_length=30)
    summary: str = Field(max_length=4000)
    amount: Decimal = Field(default=Decimal(0), ge=0, max_digits=16, decimal_places=2)

class FindingsIn(BaseModel):
    finding_ids: list[str] = Field(min_length=1, max_length=1000)

class NoteIn(BaseModel):
    note: str = Field(default="", max_length=2000)


class StatusIn(BaseModel):
    status: Literal["investigating", "confirmed", "dismissed"]
    note: str = Field(default="", max_length=2000)

class MoneyIn(BaseModel):
    kind: Literal["recovery", "refund", "penalty"]
    amount: Decimal = Field(gt=0, max_digits=16, decimal_places=2)
    note: str = Field(default="", max_length=2000)

class SanctionIn(BaseModel):
    subject_type: Literal["institution", "person"]
    subject_id: str = Field(max_length=30)
    kind: Literal["suspend", "terminate"]
    begndate: Day
    enddate: Day | None = None
    reason: str = Field(max_length=2000)
    case_id: str | None = Field(default=None, max_length=30)


def checked_notice(notice: dict) -> None:
    """A notice is free-form JSON from another region: what becomes a case row is checked here,
    so SQLite and PostgreSQL store or refuse the same notices (and nothing is a 500)."""
    from yibao.gateway.json_input import check_json

    check_json(notice, "notice")  # nesting, NUL, lone surrogates: refused with their INPUT_ code (422)
    case = notice.get("case")
    if not isinstance(case, dict):
        return  # refused by import_notice ("lacks the case's subject")
    subject_id, amount, origin = case.get("subject_id"), case.get("amount_fen", 0), notice.get("from_admdvs", "")
    if not isinstance(subject_id, str) or not 0 < len(subject_id) <= 30:
        raise refusal("ADMIN_BAD_NOTICE_FIELD", field="notice.case.subject_id", expected="不超过 30 个字符的字符串")
    if isinstance(amount, bool) or not (isinstance(amount, int) or (isinstance(amount, str) and amount.isascii()
                                                                    and amount.isdigit() and len(amount) <= 16)) \
            or not 0 <= int(amount) < 10 ** 15:
        raise refusal("ADMIN_BAD_NOTICE_FIELD", field="notice.case.amount_fen", expected="0 至 10^15 之间的整数（分）")
    if not isinstance(origin, str) or len(origin) > 6:
        raise refusal("ADMIN_BAD_NOTICE_FIELD", field="notice.from_admdvs", expected="六位行政区划代码")


def _check_side(who: dict, subject_type: str, subject_id: str, region: str) -> None:
    """A case or sanction against an institution is the treatment place's; against a person,
    the insured place's (app/authorization.py)."""
    if subject_type == "institution":
        authorization.check_treatment_place(who["agency_code"], region, subject_id)
    else:
        authorization.check_insured_place(who["agency_code"], region, "对该参保人立案或作出处理")


def add_routes(router: APIRouter, ctx: AdminContext) -> None:
    agency = ctx.agency

    def own_case(uow, who, case_id: str) -> dict:
        case = found_or_404(supervision.get_case, uow, case_id)
        if case["admdvs"] != who["agency_code"]:
            raise refusal("ADMIN_NOT_OUR_CASE", case_id=case_id, owner=case["admdvs"])
        return case

    @router.post("/cases", status_code=201, summary="Open a supervision case")
    def open_case(body: CaseIn, who: dict = Depends(agency)) -> dict:
        def action(uow):
            _check_side(who, body.subject_type, body.subject_id, ctx.subject_region(uow, body.subject_type, body.subject_id))
            return supervision.open_case(uow, admdvs=who["agency_code"], subject_type=body.subject_type,
                                         subject_id=body.subject_id, summary=body.summary,
                                         amount_fen=to_fen(body.amount), source="manual")
        return fen_view(ctx.run(who, action))

    @router.post("/cases/from-findings", status_code=201, summary="Open a case from audit findings")
    def case_from_findings(body: FindingsIn, who: dict = Depends(agency)) -> dict:
        def action(uow):
            # a case from findings is a case against their institution: the treatment place's only
            for code in sorted({row["fixmedins_code"] for row in uow.supervision.findings(body.finding_ids)}):
                _check_side(who, "institution", code, ctx.subject_region(uow, "institution", code))
            return supervision.case_from_findings(uow, body.finding_ids, admdvs=who["agency_code"])
        return fen_view(ctx.run(who, action))

    @router.post("/cases/{case_id}/status", summary="Move a case: investigating, confirmed, dismissed")
    def case_status(case_id: str, body: StatusIn, who: dict = Depends(agency)) -> dict:
        def action(uow):
            own_case(uow, who, case_id)
            return supervision.move(uow, case_id, body.status, note=body.note)
        return fen_view(ctx.run(who, action))

    @router.post("/cases/{case_id}/money", summary="Record money recovered, refunded or a penalty")
    def case_money(case_id: str, body: MoneyIn, who: dict = Depends(agency)) -> dict:
        def action(uow):
            own_case(uow, who, case_id)
            return supervision.record_money(uow, case_id, body.kind, body.amount, note=body.note)
        return _jsonable({k: (str(v) if hasattr(v, "quantize") else v) for k, v in ctx.run(who, action).items()})

    @router.post("/cases/{case_id}/police", summary="Record that the case was referred to the police (移交公安)")
    def case_police(case_id: str, body: NoteIn, who: dict = Depends(agency)) -> dict:
        def action(uow):
            own_case(uow, who, case_id)
            return supervision.refer_to_police(uow, case_id, note=body.note)
        return _jsonable(ctx.run(who, action))

    @router.get("/cases/{case_id}/notice", summary="Export a case notice for another region")
    def export_notice(case_id: str, who: dict = Depends(agency)) -> dict:
        def query(uow):
            own_case(uow, who, case_id)
            return supervision.export_notice(uow, case_id)
        return ctx.run(who, query, write=False)

    @router.post("/notices", status_code=201, summary="Import a case notice shared by another region")
    def import_notice(notice: dict, who: dict = Depends(agency)) -> dict:
        checked_notice(notice)
        return fen_view(ctx.run(who, lambda uow: supervision.import_notice(uow, notice, admdvs=who["agency_code"])))

    @router.post("/sanctions", status_code=201, summary="Suspend or terminate an institution's agreement, suspend a person")
    def add_sanction(body: SanctionIn, who: dict = Depends(agency)) -> dict:
        def action(uow):
            _check_side(who, body.subject_type, body.subject_id, ctx.subject_region(uow, body.subject_type, body.subject_id))
            return supervision.sanction(uow, **body.model_dump())
        return _jsonable(ctx.run(who, action))

    @router.post("/sanctions/{sanction_id}/lift", summary="Lift a sanction")
    def lift_sanction(sanction_id: str, who: dict = Depends(agency)) -> dict:
        def action(uow):
            row = found_or_404(supervision.get_sanction, uow, sanction_id)
            if not agencies.administers(who, ctx.subject_region(uow, row["subject_type"], row["subject_id"])):
                raise refusal("ADMIN_NOT_OUR_SANCTION")
            return supervision.lift(uow, sanction_id)
        return _jsonable(ctx.run(who, action))
