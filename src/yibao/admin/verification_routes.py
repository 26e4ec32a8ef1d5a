"""Admin routes: claim verifications (协查) between the claim's insured region (asks, closes)
and its treatment region (answers), app/claim_verifications.py."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query

from yibao.app import agencies, claims
from yibao.app import claim_verifications as verifications
from yibao.app.error_codes import refusal
from yibao.documents.claim_document import plain
from yibao.documents.verification_document import AnswerIn, CloseIn, VerificationIn

from .common import AdminContext


def add_routes(router: APIRouter, ctx: AdminContext) -> None:
    agency = ctx.agency

    def request_on_side(uow, who: dict, verification_id: str, side: str) -> dict:
        row = verifications.get_request(uow, verification_id)
        verifications.require_side(who, row, side)
        return row

    @router.post("/claims/{claim_id}/verifications", status_code=201,
                 summary="Ask the claim's treatment region to verify it (协查); the claim is not paid meanwhile")
    def ask(claim_id: str, body: VerificationIn, who: dict = Depends(agency)) -> dict:
        items = [item.model_dump() for item in body.items]

        def action(uow):
            _own_claim(uow, who, claims.get_claim(uow, claim_id))
            return verifications.request_verification(uow, claim_id, items, body.due_date)
        return plain(ctx.run(who, action))

    @router.get("/verifications", summary="Verification requests this agency made (requested) or received (incoming)")
    def listing(role: str = "incoming", status: str | None = None, limit: int = Query(default=50, ge=1, le=500),
                offset: int = Query(default=0, ge=0, le=1_000_000), who: dict = Depends(agency)) -> list[dict]:
        regions = [claims.region_prefix(who["agency_code"])]
        return plain(ctx.run(who, lambda uow: verifications.list_verifications(
            uow, role=role, regions=regions, status=status or None, limit=limit, offset=offset), write=False))

    @router.get("/verifications/{verification_id}", summary="A verification request with its claim's lines and steps")
    def show(verification_id: str, who: dict = Depends(agency)) -> dict:
        def action(uow):
            request_on_side(uow, who, verification_id, "either")
            return verifications.show_verification(uow, verification_id)
        return plain(ctx.run(who, action, write=False))

    @router.post("/verifications/{verification_id}/answer", summary="The treatment region's findings, once")
    def answer(verification_id: str, body: AnswerIn, who: dict = Depends(agency)) -> dict:
        lines = [item.model_dump() for item in body.lines]

        def action(uow):
            request_on_side(uow, who, verification_id, "incoming")
            return verifications.answer_verification(uow, verification_id, body.outcome, body.text, lines)
        return plain(ctx.run(who, action))

    @router.post("/verifications/{verification_id}/close", summary="The insured region ends the request")
    def close(verification_id: str, body: CloseIn, who: dict = Depends(agency)) -> dict:
        def action(uow):
            request_on_side(uow, who, verification_id, "requested")
            return verifications.close_verification(uow, verification_id, body.reason)
        return plain(ctx.run(who, action))


def _own_claim(uow, who: dict, claim: dict) -> None:
    """Only the claim's insured region asks (the claims routes' own check, ADMIN_NOT_OUR_CLAIM)."""
    if not agencies.administers(who, claim["insuplc_admdvs"]):
        raise refusal("ADMIN_NOT_OUR_CLAIM", claim_id=claim["claim_id"], agency=who["agency_code"])
