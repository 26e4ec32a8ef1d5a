"""Admin routes: 参保登记、缴费、转移接续 and 个人账户划入 (docs/enrollment.md). An agency acts on
the persons insured in its regions; a transfer is issued by the transfer-out region's agency and
accepted by the transfer-in region's."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Literal

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from yibao.app import agencies, enrollment
from yibao.app.error_codes import refusal

from .common import AdminContext

ADMDVS = r"^\d{6}$"


def plain(value):
    """JSON-ready: dates as ISO text, money (Decimal) as text with two decimals, never a float."""
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(item) for item in value]
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


class PersonIn(BaseModel):
    certno: str = Field(min_length=1, max_length=50)
    psn_name: str = Field(min_length=1, max_length=50)
    gend: Literal["1", "2"]
    brdy: dt.date


class EnrollIn(BaseModel):
    psn_no: str = Field(min_length=1, max_length=30)
    insutype: str = Field(pattern=r"^\d{3}$")
    insuplc_admdvs: str = Field(pattern=ADMDVS)
    kind: str
    psn_type: str = Field(min_length=1, max_length=6)
    enroll_date: dt.date | None = None
    emp_no: str | None = Field(default=None, max_length=30)
    person: PersonIn | None = None


class ContributionIn(BaseModel):
    insutype: str = Field(pattern=r"^\d{3}$")
    month: str
    emp_amt: str  # yuan as text (never a float)
    psn_amt: str
    base: str | None = None


class StateIn(BaseModel):
    insutype: str = Field(pattern=r"^\d{3}$")
    date: dt.date | None = None
    reason: str = Field(default="", max_length=200)


class TransferIn(BaseModel):
    psn_no: str = Field(min_length=1, max_length=30)
    from_admdvs: str = Field(pattern=ADMDVS)
    to_admdvs: str = Field(pattern=ADMDVS)
    insutype: str = Field(pattern=r"^\d{3}$")


def _administered(who: dict, region: str) -> None:
    if not agencies.administers(who, region):
        raise refusal("ADMIN_SUBJECT_NOT_ADMINISTERED", subject_id=region, agency=who["agency_code"])


def add_routes(router: APIRouter, ctx: AdminContext) -> None:
    agency = ctx.agency

    @router.post("/enrollments", status_code=201, summary="Enroll a person (参保登记); benefits begin by the region's rules")
    def register(body: EnrollIn, who: dict = Depends(agency)) -> dict:
        def action(uow):
            _administered(who, body.insuplc_admdvs)
            return enrollment.register(uow, psn_no=body.psn_no, insutype=body.insutype, insuplc_admdvs=body.insuplc_admdvs,
                                       kind=body.kind, psn_type=body.psn_type, enroll_date=body.enroll_date or uow.now.date(),
                                       emp_no=body.emp_no, person=body.person.model_dump() if body.person else None)
        return plain(ctx.run(who, action))

    @router.get("/enrollments/{psn_no}", summary="The person's insurances, records, contribution years, transfers")
    def show(psn_no: str, who: dict = Depends(agency)) -> dict:
        def action(uow):
            ctx.person_region(uow, who, psn_no)
            return enrollment.person_view(uow, psn_no)
        return plain(ctx.run(who, action, write=False))

    @router.post("/enrollments/{psn_no}/contributions", status_code=201, summary="Record a month's contribution (缴费)")
    def contribute(psn_no: str, body: ContributionIn, who: dict = Depends(agency)) -> dict:
        def action(uow):
            ctx.person_region(uow, who, psn_no)
            return enrollment.contribute(uow, psn_no, body.insutype, body.month, emp_amt=body.emp_amt,
                                         psn_amt=body.psn_amt, base=body.base)
        return plain(ctx.run(who, action))

    for step in ("suspend", "resume", "end"):
        _add_state_route(router, ctx, step)

    @router.post("/transfers", status_code=201, summary="Issue a transfer (转出): contribution years and the account balance")
    def issue(body: TransferIn, who: dict = Depends(agency)) -> dict:
        def action(uow):
            ctx.person_region(uow, who, body.psn_no)  # the transfer-out agency: the person's region is its own
            return enrollment.issue_transfer(uow, psn_no=body.psn_no, from_admdvs=body.from_admdvs,
                                             to_admdvs=body.to_admdvs, insutype=body.insutype)
        return plain(ctx.run(who, action))

    @router.post("/transfers/{transfer_id}/accept", summary="Accept a transfer (转入), by the transfer-in region's agency")
    def accept(transfer_id: str, who: dict = Depends(agency)) -> dict:
        receiver = lambda region: agencies.administers(who, region)  # noqa: E731
        return plain(ctx.run(who, lambda uow: enrollment.accept_transfer(uow, transfer_id, receiver)))

    @router.post("/accounts/credit/{month}", summary="Credit personal accounts for the month (个人账户划入), idempotent")
    def credit(month: str, who: dict = Depends(agency)) -> dict:
        return plain(ctx.run(who, lambda uow: enrollment.credit_month(uow, month, region=who["agency_code"])))


def _add_state_route(router: APIRouter, ctx: AdminContext, step: str) -> None:
    titles = {"suspend": "Suspend the insurance (暂停参保)", "resume": "Resume a suspended insurance",
              "end": "End the insurance (终止参保); date = the last day of cover"}

    def change(psn_no: str, body: StateIn, who: dict = Depends(ctx.agency)) -> dict:
        def action(uow):
            ctx.person_region(uow, who, psn_no)
            return enrollment.change_state(uow, psn_no, body.insutype, step, body.date or uow.now.date(), body.reason)
        return plain(ctx.run(who, action))

    router.add_api_route(f"/enrollments/{{psn_no}}/{step}", change, methods=["POST"], summary=titles[step],
                         name=f"enrollment_{step}")
