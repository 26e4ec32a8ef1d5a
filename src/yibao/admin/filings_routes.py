"""Admin routes: filings (备案), 门慢特 qualifications and the month's flows."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from yibao.app import agencies, filings
from yibao.app.error_codes import refusal

from .common import AdminContext, Day, checked_month, found_or_404, jsonable as _jsonable


class FilingIn(BaseModel):
    psn_no: str = Field(max_length=30)
    filing_type: Literal["long_term", "referral", "emergency", "temporary_other"]
    subtype: str | None = Field(default=None, description="resettled_retiree | long_term_residence | posted_worker | …")
    dest_admdvs: str = Field(pattern=r"^\d{6}$", description="a province xx0000 or a city")
    begndate: Day
    enddate: Day | None = None
    commitment_letter: bool = Field(default=False, description="filed on a personal commitment (承诺制)")


class FilingChange(BaseModel):
    filing_type: Literal["long_term", "referral", "emergency", "temporary_other"] | None = None
    subtype: str | None = None
    dest_admdvs: str | None = Field(default=None, pattern=r"^\d{6}$")
    enddate: Day | None = None


class EndRequest(BaseModel):
    reason: str = Field(default="", max_length=200)


class QualificationIn(BaseModel):
    psn_no: str = Field(max_length=30)
    insutype: str = Field(pattern=r"^\d{3}$")
    opsp_dise_code: str = Field(max_length=30)
    opsp_dise_name: str = Field(default="", max_length=100)
    begndate: Day
    enddate: Day | None = None



def add_routes(router: APIRouter, ctx: AdminContext) -> None:
    database, agency = ctx.database, ctx.agency

    @router.post("/filings", status_code=201, summary="File a cross-region visit (备案)")
    def create_filing(body: FilingIn, who: dict = Depends(agency)) -> dict:
        def action(uow):
            ctx.person_region(uow, who, body.psn_no)
            return filings.create_filing(uow, source="agency", created_by=who["agency_code"], **body.model_dump())
        return _jsonable(ctx.run_recorded(who, action, "filing.create", "filing_no"))

    @router.get("/persons/{psn_no}/filings", summary="A person's filings, active and ended")
    def list_filings(psn_no: str, who: dict = Depends(agency)) -> list[dict]:
        def query(uow):
            ctx.person_region(uow, who, psn_no)
            return [_jsonable(row) for row in filings.person_filings(uow, psn_no)]
        return ctx.run(who, query, write=False)

    @router.post("/filings/{filing_no}/cancel", summary="Cancel a filing")
    def cancel_filing(filing_no: str, body: EndRequest, who: dict = Depends(agency)) -> dict:
        def action(uow):
            row = found_or_404(filings.get_filing, uow, filing_no)
            ctx.person_region(uow, who, row["psn_no"])
            return filings.end_filing(uow, filing_no, reason=body.reason or "cancelled by agency")
        return _jsonable(ctx.run_recorded(who, action, "filing.cancel", "filing_no"))

    @router.post("/filings/{filing_no}/change", status_code=201, summary="Change a filing (ends it, opens a new one)")
    def change_filing(filing_no: str, body: FilingChange, who: dict = Depends(agency)) -> dict:
        def action(uow):
            row = found_or_404(filings.get_filing, uow, filing_no)
            ctx.person_region(uow, who, row["psn_no"])
            return filings.change_filing(uow, filing_no, created_by=who["agency_code"], source="agency",
                                         **body.model_dump(exclude_none=True))
        return _jsonable(ctx.run_recorded(who, action, "filing.change", "filing_no"))

    @router.post("/qualifications", status_code=201, summary="Qualify a person for a 门慢特 disease")
    def grant(body: QualificationIn, who: dict = Depends(agency)) -> dict:
        def action(uow):
            ctx.person_region(uow, who, body.psn_no)
            return filings.grant_qualification(
                uow, psn_no=body.psn_no, insutype=body.insutype, dise_code=body.opsp_dise_code,
                dise_name=body.opsp_dise_name, begndate=body.begndate, enddate=body.enddate, source="agency",
                created_by=who["agency_code"])
        return _jsonable(ctx.run_recorded(who, action, "qualification.grant", "qual_no"))

    @router.get("/persons/{psn_no}/qualifications", summary="A person's 门慢特 qualifications")
    def list_qualifications(psn_no: str, who: dict = Depends(agency)) -> list[dict]:
        def query(uow):
            ctx.person_region(uow, who, psn_no)
            return [_jsonable(row) for row in filings.person_qualifications(uow, psn_no)]
        return ctx.run(who, query, write=False)

    @router.post("/qualifications/{qual_no}/cancel", summary="End a qualification")
    def cancel_qualification(qual_no: str, who: dict = Depends(agency)) -> dict:
        def action(uow):
            row = found_or_404(filings.get_qualification, uow, qual_no)
            ctx.person_region(uow, who, row["psn_no"])
            return filings.cancel_qualification(uow, qual_no)
        return _jsonable(ctx.run_recorded(who, action, "qualification.cancel", "qual_no"))

    @router.get("/stats/flows", summary="Settlements by insured region × treatment region for a month")
    def flows(month: str = Query(pattern=r"^\d{4}-\d{2}$"), who: dict = Depends(agency)) -> list[dict]:
        from yibao.analytics.flows import flows_for_month

        checked_month(month)
        try:
            with database.read() as conn:
                rows = flows_for_month(conn, month)
        except ValueError as exc:
            raise refusal("ADMIN_BAD_REQUEST", detail=str(exc)) from None
        return [_jsonable({k: (str(v) if hasattr(v, "quantize") else v) for k, v in row.items()}) for row in rows
                if agencies.administers(who, row["insuplc_admdvs"]) or agencies.administers(who, row["mdtrtarea_admvs"])]
