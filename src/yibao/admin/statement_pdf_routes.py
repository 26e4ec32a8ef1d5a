"""``GET /statements/{id}.pdf``: the stampable PDF of a clearing statement, or of an
institution's reconciliation (its 3203 clearing application, by event id), for an agency that
administers a side of it (app/listings.statement_document, documents/statement_pdf.py)."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from fastapi.responses import Response

from yibao.app import listings
from yibao.documents.statement_pdf import render

from .common import AdminContext


def add_routes(router: APIRouter, ctx: AdminContext) -> None:
    agency = ctx.agency

    @router.get("/statements/{statement_id}.pdf", response_class=Response,
                responses={200: {"content": {"application/pdf": {}}, "description": "the statement, one A4 page"}},
                summary="A clearing statement or an institution's reconciliation statement as a stampable PDF")
    def statement_pdf(statement_id: str, who: dict = Depends(agency)) -> Response:
        document, printed_at = ctx.run(who, lambda uow: (
            listings.statement_document(uow, statement_id, agency_code=who["agency_code"]), uow.now), write=False)
        return Response(render(document, printed_at), media_type="application/pdf",
                        headers={"Content-Disposition": f'inline; filename="{statement_id}.pdf"'})
