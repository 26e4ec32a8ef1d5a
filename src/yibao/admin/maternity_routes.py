"""Admin routes: 生育保险 of the agency's insured (app/maternity.py, docs/maternity.md): the
maternity filing (生育登记) and the maternity allowance (生育津贴), once per delivery."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from yibao.app import maternity

from .common import AdminContext


class FilingIn(BaseModel):
    begndate: dt.date
    enddate: dt.date | None = None


class AllowanceIn(BaseModel):
    delivery_type: str = Field(min_length=1, max_length=20, description="natural | caesarean | difficult | …")
    delivery_date: dt.date
    avg_monthly_wage: Decimal = Field(description="the employer's average monthly wage of the previous year, yuan")
    babies: int = 1


def add_routes(router: APIRouter, ctx: AdminContext) -> None:
    agency = ctx.agency

    @router.post("/maternity/{psn_no}/filings", status_code=201, summary="Maternity filing (生育登记)")
    def filing(psn_no: str, body: FilingIn, who: dict = Depends(agency)) -> dict:
        def action(uow):
            ctx.person_region(uow, who, psn_no)
            return maternity.public_filing(maternity.register_filing(uow, psn_no, body.begndate, body.enddate))
        return ctx.run(who, action)

    @router.post("/maternity/{psn_no}/allowance", status_code=201,
                 summary="Compute and pay the maternity allowance of one delivery (生育津贴)")
    def allowance(psn_no: str, body: AllowanceIn, who: dict = Depends(agency)) -> dict:
        def action(uow):
            ctx.person_region(uow, who, psn_no)
            return maternity.public_allowance(maternity.pay_allowance(
                uow, psn_no, delivery_type=body.delivery_type, delivery_date=body.delivery_date,
                avg_monthly_wage=body.avg_monthly_wage, babies=body.babies))
        return ctx.run(who, action)

    @router.get("/maternity/{psn_no}", summary="The person's maternity filings and allowances")
    def show(psn_no: str, who: dict = Depends(agency)) -> dict:
        def action(uow):
            ctx.person_region(uow, who, psn_no)
            return {"filings": [maternity.public_filing(r) for r in uow.maternity.filings(psn_no)],
                    "allowances": [maternity.public_allowance(r) for r in uow.maternity.allowances(psn_no)]}
        return ctx.run(who, action, write=False)
