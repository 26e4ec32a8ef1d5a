"""Admin routes under /admin/api/prices, /admin/api/procurement and /admin/api/recognitions
(docs/prices.md): a region's listings recorded, shared and compared; procurement batches
recorded, their savings from settled volumes and the payment-standard linkage rows; two regions'
catalogues compared and recognitions proposed, agreed and withdrawn. An agency writes only for regions it administers;
prices are yuan as exact text (never floats)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from yibao.app import agencies, prices, procurement, recognition
from yibao.app.error_codes import refusal

from .common import AdminContext
from .payment_routes import plain


class ListingIn(BaseModel):
    national_code: str = Field(max_length=50)
    spec: str = Field(default="", max_length=200)
    maker: str = Field(default="", max_length=200)
    price: str = Field(max_length=24, description="yuan, at most four decimals")
    listed_on: dt.date


class BatchItemIn(BaseModel):
    national_code: str = Field(max_length=50)
    agreed_price: str = Field(max_length=24)
    agreed_volume: str = Field(max_length=24)


class BatchIn(BaseModel):
    batch_no: str = Field(max_length=40)
    level: str = Field(max_length=12, description="national | provincial | alliance")
    name: str = Field(default="", max_length=200)
    begndate: dt.date
    items: list[BatchItemIn] = Field(max_length=10_000)


def _ours(who: dict, admdvs: str, what: str) -> None:
    if not agencies.administers(who, admdvs):
        raise refusal("AUTHZ_NOT_ADMINISTERED", agency=who["agency_code"], region=admdvs[:6], what=what)


def add_routes(router: APIRouter, ctx: AdminContext) -> None:
    _price_routes(router, ctx)
    _procurement_routes(router, ctx)
    _recognition_routes(router, ctx)


def _price_routes(router: APIRouter, ctx: AdminContext) -> None:
    @router.post("/prices/{admdvs}/listings", status_code=201, summary="Record a region's listing prices (挂网)")
    def list_products(admdvs: str, body: list[ListingIn], who: dict = Depends(ctx.agency)) -> dict:
        _ours(who, admdvs, "挂网价格")
        rows = [row.model_dump() | {"listed_on": row.listed_on.isoformat()} for row in body]
        return plain(ctx.run(who, lambda uow: prices.list_products(uow, admdvs, rows)))

    @router.post("/prices/{admdvs}/share/{to_admdvs}", status_code=201, summary="Share a region's list (结果共用)")
    def share(admdvs: str, to_admdvs: str, who: dict = Depends(ctx.agency)) -> dict:
        _ours(who, to_admdvs, "挂网价格共享")
        return plain(ctx.run(who, lambda uow: prices.share(uow, admdvs, to_admdvs)))

    @router.get("/prices/compare", summary="Prices of the same product in several regions")
    def compare(region: Annotated[list[str], Query(max_length=40)], who: dict = Depends(ctx.agency)) -> list:
        return plain(ctx.run(who, lambda uow: prices.compare(uow, region), write=False))


def _procurement_routes(router: APIRouter, ctx: AdminContext) -> None:
    @router.post("/procurement/{admdvs}/batches", status_code=201, summary="Record a procurement batch")
    def record(admdvs: str, body: BatchIn, who: dict = Depends(ctx.agency)) -> dict:
        _ours(who, admdvs, "集中带量采购")
        items = [item.model_dump() for item in body.items]
        return plain(ctx.run(who, lambda uow: procurement.record_batch(
            uow, body.batch_no, body.level, body.name, admdvs, body.begndate, items)))

    @router.get("/procurement/batches/{batch_no}/savings", summary="节省 and 降幅 from settled volumes")
    def savings(batch_no: str, until: dt.date, who: dict = Depends(ctx.agency)) -> dict:
        return plain(ctx.run(who, lambda uow: procurement.savings(uow, batch_no, until), write=False))

    @router.get("/procurement/batches/{batch_no}/linkage", summary="New payment standards (lmtpric rows)")
    def linkage(batch_no: str, who: dict = Depends(ctx.agency)) -> list:
        return plain(ctx.run(who, lambda uow: procurement.linkage(uow, batch_no), write=False))


class ProposalIn(BaseModel):
    from_admdvs: str = Field(max_length=6)
    to_admdvs: str = Field(max_length=6)
    hilist_code: str = Field(max_length=50)
    begndate: dt.date
    by_admdvs: str = Field(max_length=6, description="the calling agency's region, one of the two")
    note: str = Field(default="", max_length=2000)


class StepIn(BaseModel):
    by_admdvs: str = Field(max_length=6)
    reason: str = Field(default="", max_length=2000)


def _recognition_routes(router: APIRouter, ctx: AdminContext) -> None:
    @router.get("/recognitions/compare", summary="Compare two regions' catalogues (目录对比)")
    def compare(a: str, b: str, day: dt.date, who: dict = Depends(ctx.agency)) -> dict:
        return plain(ctx.run(who, lambda uow: recognition.compare(uow, a, b, day), write=False))

    @router.post("/recognitions", status_code=201, summary="Propose a recognition (目录互认)")
    def propose(body: ProposalIn, who: dict = Depends(ctx.agency)) -> dict:
        _ours(who, body.by_admdvs, "目录互认")
        return plain(ctx.run(who, lambda uow: recognition.propose(
            uow, body.by_admdvs, body.from_admdvs, body.to_admdvs, body.hilist_code, body.begndate, body.note)))

    @router.post("/recognitions/{recognition_id}/agree", summary="The other side agrees")
    def agree(recognition_id: str, body: StepIn, who: dict = Depends(ctx.agency)) -> dict:
        _ours(who, body.by_admdvs, "目录互认")
        return plain(ctx.run(who, lambda uow: recognition.agree(uow, recognition_id, body.by_admdvs)))

    @router.post("/recognitions/{recognition_id}/withdraw", summary="Either side withdraws")
    def withdraw(recognition_id: str, body: StepIn, who: dict = Depends(ctx.agency)) -> dict:
        _ours(who, body.by_admdvs, "目录互认")
        return plain(ctx.run(who, lambda uow: recognition.withdraw(uow, recognition_id, body.by_admdvs, body.reason)))

    @router.get("/recognitions/{admdvs}", summary="A region's recognitions and the codes it recognises")
    def table(admdvs: str, day: dt.date, who: dict = Depends(ctx.agency)) -> dict:
        return plain(ctx.run(who, lambda uow: recognition.table(uow, admdvs, day), write=False))
