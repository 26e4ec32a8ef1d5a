"""Admin routes: 医保电子凭证 of the agency's insured (docs/evoucher.md): activate, suspend,
resume, a token for the counter (and tests), the voucher with its history, counts by region."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from yibao.app import evouchers
from yibao.app.claims import region_prefix

from .common import AdminContext, jsonable


class ReasonIn(BaseModel):
    reason: str = Field(min_length=1, max_length=200)


def _view(voucher: dict) -> dict:
    view = jsonable({key: value for key, value in voucher.items() if key != "history"})
    if "history" in voucher:
        view["history"] = [jsonable(row) for row in voucher["history"]]
    return view


def add_routes(router: APIRouter, ctx: AdminContext) -> None:
    agency = ctx.agency

    @router.post("/evouchers/{psn_no}", status_code=201, summary="Activate the person's e-voucher (医保电子凭证激活)")
    def activate(psn_no: str, who: dict = Depends(agency)) -> dict:
        def action(uow):
            ctx.person_region(uow, who, psn_no)
            return evouchers.activate(uow, psn_no)
        return _view(ctx.run(who, action))

    @router.get("/evouchers/{psn_no}", summary="The person's e-voucher, its state and its history")
    def show(psn_no: str, who: dict = Depends(agency)) -> dict:
        def action(uow):
            ctx.person_region(uow, who, psn_no)
            return evouchers.voucher_view(uow, psn_no)
        return _view(ctx.run(who, action, write=False))

    @router.post("/evouchers/{psn_no}/suspend", summary="Suspend the e-voucher: its tokens are refused from now on")
    def suspend(psn_no: str, body: ReasonIn, who: dict = Depends(agency)) -> dict:
        def action(uow):
            ctx.person_region(uow, who, psn_no)
            return evouchers.suspend(uow, psn_no, body.reason)
        return _view(ctx.run(who, action))

    @router.post("/evouchers/{psn_no}/resume", summary="Resume a suspended e-voucher")
    def resume(psn_no: str, body: ReasonIn, who: dict = Depends(agency)) -> dict:
        def action(uow):
            ctx.person_region(uow, who, psn_no)
            return evouchers.resume(uow, psn_no, body.reason)
        return _view(ctx.run(who, action))

    @router.post("/evouchers/{psn_no}/token", summary="A short-lived token of the active e-voucher (the QR payload)")
    def token(psn_no: str, who: dict = Depends(agency)) -> dict:
        def action(uow):
            ctx.person_region(uow, who, psn_no)
            return evouchers.issue_token(uow, ctx.platform.tokens, psn_no)
        # a write unit: the first token of a database without a platform key stores its key
        return jsonable(ctx.run(who, action))

    @router.get("/stats/evouchers", summary="Activated e-vouchers by insured region (active, suspended)")
    def counts(who: dict = Depends(agency)) -> dict:
        rows = ctx.run(who, lambda uow: evouchers.counts(uow, [region_prefix(who["agency_code"])]), write=False)
        total = {name: sum(row[name] for row in rows) for name in ("active", "suspended", "activated")}
        return {"rows": rows, "total": total}
