"""Admin routes: the findings queue (审核结果处理, issue #17 item 3). An agency sees and moves the
findings about institutions of the regions it administers (the treatment place, app/authorization.py)."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from yibao.app import findings

from .common import AdminContext, fen_view


class TransitionIn(BaseModel):
    to: Literal["checking", "confirmed", "dismissed", "appealed"]
    reason: str = Field(default="", max_length=4000, description="required to dismiss, for an appeal (申诉) and a re-review")


def _view(row: dict) -> dict:
    return fen_view({key: value for key, value in row.items() if key != "superseded"})


def add_routes(router: APIRouter, ctx: AdminContext) -> None:
    agency = ctx.agency

    @router.get("/findings", summary="The findings queue of this agency's institutions, newest first")
    def list_findings(status: Literal["new", "checking", "confirmed", "dismissed", "appealed"] | None = None,
                      rule: str | None = Query(default=None, max_length=40),
                      institution: str | None = Query(default=None, max_length=30),
                      limit: int = Query(default=50, ge=1, le=500), offset: int = Query(default=0, ge=0, le=10_000_000),
                      who: dict = Depends(agency)) -> dict:
        page = ctx.run(who, lambda uow: findings.list_findings(
            uow, status=status, rule_id=rule, fixmedins_code=institution, agency_region=who["agency_code"],
            limit=limit, offset=offset), write=False)
        return {**page, "findings": [_view(row) for row in page["findings"]]}

    @router.post("/findings/{finding_id}/transition", summary="Move a finding: checking, confirmed, dismissed, appealed")
    def move_finding(finding_id: str, body: TransitionIn, who: dict = Depends(agency)) -> dict:
        row = ctx.run(who, lambda uow: findings.move(uow, finding_id, body.to, reason=body.reason,
                                                     agency_region=who["agency_code"]))
        return _view(row)
