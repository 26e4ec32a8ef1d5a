"""Admin routes: agreements (协议管理): apply, evaluate, sign, renew, suspend, resume, terminate,
Internet+ supplementary agreements (apply with ``internet_of``), lists and history, a region's
cross-region coverage. An agency acts only on institutions of the regions it administers."""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from yibao.app import agencies, agreements
from yibao.app.error_codes import refusal

from .common import AdminContext, Day, jsonable


class ApplyIn(BaseModel):
    fixmedins_code: str = Field(max_length=30)
    services: str = Field(max_length=200)
    reason: str = Field(default="", max_length=2000)
    internet_of: str = Field(default="", max_length=30)  # a supplementary agreement: the physical institution


class EvaluateIn(BaseModel):
    score: int = Field(ge=0, le=100)
    checklist: dict[str, bool] = Field(default_factory=dict, max_length=100)
    reason: str = Field(default="", max_length=2000)


class PriceIn(BaseModel):
    item: str = Field(max_length=100)
    price: str = Field(max_length=20)  # yuan, as text: never a float


class SignIn(BaseModel):
    begndate: Day
    enddate: Day | None = None
    services: str = Field(default="", max_length=200)
    prices: list[PriceIn] = Field(default_factory=list, max_length=100)
    reason: str = Field(default="", max_length=2000)


class RenewIn(BaseModel):
    enddate: Day | None = None
    services: str = Field(default="", max_length=200)
    reason: str = Field(default="", max_length=2000)


class SuspendIn(BaseModel):
    begndate: Day
    enddate: Day
    reason: str = Field(max_length=2000)


class ResumeIn(BaseModel):
    suspension_id: int
    begndate: Day
    reason: str = Field(max_length=2000)


class TerminateIn(BaseModel):
    begndate: Day
    reason: str = Field(max_length=2000)


def add_routes(router: APIRouter, ctx: AdminContext) -> None:
    agency = ctx.agency

    def ours(uow, who: dict, fixmedins_code: str) -> None:
        region = ctx.subject_region(uow, "institution", fixmedins_code)
        if not agencies.administers(who, region):
            raise refusal("AGREEMENT_NOT_ADMINISTERED", fixmedins_code=fixmedins_code, agency=who["agency_code"])

    def step(agreement_id: str, who: dict, act) -> dict:
        def action(uow):
            records = uow.agreements.records_of_agreements([agreement_id])
            if not records:
                raise refusal("AGREEMENT_NOT_FOUND", agreement_id=agreement_id)
            ours(uow, who, records[0]["fixmedins_code"])
            return act(uow)
        return jsonable(ctx.run(who, action))

    @router.post("/agreements/apply", status_code=201, summary="An institution's application (designation or Internet+)")
    def apply(body: ApplyIn, who: dict = Depends(agency)) -> dict:
        def action(uow):
            ours(uow, who, body.fixmedins_code)
            if body.internet_of:
                ours(uow, who, body.internet_of)
            return agreements.apply(uow, **body.model_dump())
        return jsonable(ctx.run(who, action))

    @router.post("/agreements/{agreement_id}/evaluate", summary="Evaluate an application (checklist and score)")
    def evaluate(agreement_id: str, body: EvaluateIn, who: dict = Depends(agency)) -> dict:
        return step(agreement_id, who, lambda uow: agreements.evaluate(uow, agreement_id, **body.model_dump()))

    @router.post("/agreements/{agreement_id}/sign", summary="Sign an evaluated application")
    def sign(agreement_id: str, body: SignIn, who: dict = Depends(agency)) -> dict:
        values = body.model_dump()
        return step(agreement_id, who, lambda uow: agreements.sign(uow, agreement_id, **values))

    @router.post("/agreements/{agreement_id}/renew", summary="Renew a designation agreement")
    def renew(agreement_id: str, body: RenewIn, who: dict = Depends(agency)) -> dict:
        return step(agreement_id, who, lambda uow: agreements.renew(uow, agreement_id, **body.model_dump()))

    @router.post("/agreements/{agreement_id}/suspend", summary="Suspend (cascades to Internet+ supplements)")
    def suspend(agreement_id: str, body: SuspendIn, who: dict = Depends(agency)) -> dict:
        return step(agreement_id, who, lambda uow: agreements.suspend(uow, agreement_id, **body.model_dump()))

    @router.post("/agreements/{agreement_id}/resume", summary="End a suspension early")
    def resume(agreement_id: str, body: ResumeIn, who: dict = Depends(agency)) -> dict:
        return step(agreement_id, who, lambda uow: agreements.resume(uow, agreement_id, **body.model_dump()))

    @router.post("/agreements/{agreement_id}/terminate", summary="Terminate (cascades to Internet+ supplements)")
    def terminate(agreement_id: str, body: TerminateIn, who: dict = Depends(agency)) -> dict:
        return step(agreement_id, who, lambda uow: agreements.terminate(uow, agreement_id, **body.model_dump()))

    @router.get("/agreements", summary="The agreements of the agency's institutions, with their status on a day")
    def list_agreements(day: dt.date | None = Query(default=None), who: dict = Depends(agency)) -> list[dict]:
        def query(uow):
            rows = agreements.list_agreements(uow, admdvs_prefix="", day=day or uow.now.date())
            return [row for row in rows if agencies.administers(who, row["admdvs"])]
        return ctx.run(who, query, write=False)

    @router.get("/institutions/{fixmedins_code}/agreements", summary="Every step of an institution's agreements")
    def history(fixmedins_code: str, who: dict = Depends(agency)) -> list[dict]:
        def query(uow):
            ours(uow, who, fixmedins_code)
            return agreements.history(uow, fixmedins_code)
        return ctx.run(who, query, write=False)

    @router.get("/regions/{admdvs}/cross-region", summary="A region's cross-region coverage (联网开通), from the agreements")
    def coverage(admdvs: str, day: dt.date | None = Query(default=None), who: dict = Depends(agency)) -> dict:
        def query(uow):
            if not agencies.administers(who, admdvs):
                raise refusal("ADMIN_SUBJECT_NOT_ADMINISTERED", subject_id=admdvs[:6], agency=who["agency_code"])
            return agreements.region_coverage(uow, admdvs=admdvs, day=day or uow.now.date())
        return ctx.run(who, query, write=False)
