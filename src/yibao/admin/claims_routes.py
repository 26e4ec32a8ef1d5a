"""Admin routes: manual claims (零星报销) by the insured place's agency (their statistics are in
statistics_routes.py)."""

from __future__ import annotations


from fastapi import APIRouter, Depends, Query

from yibao.app import agencies, claims
from yibao.app.error_codes import refusal
from yibao.documents.claim_document import ClaimIn, ReasonIn, ReviewIn, plain

from .common import AdminContext, Day

def add_routes(router: APIRouter, ctx: AdminContext) -> None:
    agency = ctx.agency

    def own_claim(uow, who: dict, claim_id: str) -> dict:
        claim = claims.get_claim(uow, claim_id)
        if not agencies.administers(who, claim["insuplc_admdvs"]):
            raise refusal("ADMIN_NOT_OUR_CLAIM", claim_id=claim_id, agency=who["agency_code"])
        return claim

    @router.post("/claims", status_code=201, summary="Take a manual claim (零星报销) with its automatic pre-check")
    def submit(body: ClaimIn, who: dict = Depends(agency)) -> dict:
        def action(uow):
            ctx.person_region(uow, who, body.psn_no)
            return claims.submit_claim(uow, claims.ClaimForm.from_fields(body.model_dump()))
        return plain(ctx.run(who, action))

    @router.get("/claims", summary="The claims queue of this agency's insured, newest first")
    def queue(status: str | None = None, begin: Day | None = Query(default=None, alias="from"),
              end: Day | None = Query(default=None, alias="to"), limit: int = Query(default=50, ge=1, le=500),
              offset: int = Query(default=0, ge=0, le=1_000_000), who: dict = Depends(agency)) -> list[dict]:
        regions = [claims.region_prefix(who["agency_code"])]
        return plain(ctx.run(who, lambda uow: claims.list_claims(uow, regions=regions, status=status or None, begin=begin,
                                                                 end=end, limit=limit, offset=offset), write=False))

    @router.get("/claims/{claim_id}", summary="A claim: lines, pre-check, decisions, settlement, payments")
    def show(claim_id: str, who: dict = Depends(agency)) -> dict:
        return plain(ctx.run(who, lambda uow: claims.claim_view(uow, own_claim(uow, who, claim_id)), write=False))

    @router.post("/claims/{claim_id}/review", summary="Decide every line; the settlement in the 2207 shape")
    def review(claim_id: str, body: ReviewIn, who: dict = Depends(agency)) -> dict:
        decisions = [item.model_dump() for item in body.decisions]

        def action(uow):
            own_claim(uow, who, claim_id)
            return claims.review_claim(uow, ctx.platform, claim_id, decisions)
        return plain(ctx.run(who, action))

    @router.post("/claims/{claim_id}/pay", summary="Pay a reviewed claim to the person (not cleared between regions)")
    def pay(claim_id: str, who: dict = Depends(agency)) -> dict:
        def action(uow):
            own_claim(uow, who, claim_id)
            return claims.pay_claim(uow, ctx.platform, claim_id)
        return plain(ctx.run(who, action))

    @router.post("/claims/{claim_id}/reject", summary="Refuse a claim not yet paid, with the reason")
    def reject(claim_id: str, body: ReasonIn, who: dict = Depends(agency)) -> dict:
        def action(uow):
            own_claim(uow, who, claim_id)
            return claims.reject_claim(uow, claim_id, body.reason)
        return plain(ctx.run(who, action))

    @router.post("/claims/{claim_id}/reverse", summary="Correct a paid claim by an opposite payment")
    def reverse(claim_id: str, body: ReasonIn, who: dict = Depends(agency)) -> dict:
        def action(uow):
            own_claim(uow, who, claim_id)
            return claims.reverse_payment(uow, claim_id, body.reason)
        return plain(ctx.run(who, action))
