"""Admin routes under /admin/api/payment-methods: the payment method of an institution for a
year, total budgets (budget, advances, year-end settlement and its correction), DIP (build,
settle, show) and DRG (groups, weights), and the DIP/DRG tables shared between regions (export
and import). An agency acts only on institutions and regions it administers. Amounts are yuan as
text (never floats); fen figures are integers."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from typing import Annotated

from fastapi import APIRouter, Body, Depends, Path
from pydantic import BaseModel, Field

from yibao.app import agencies, budgets, dip, drg, payment_methods, payment_tables, year_end
from yibao.app.error_codes import refusal

from .common import AdminContext

PREFIX = "/payment-methods"
Year = Annotated[int, Path(ge=2000, le=2100)]
Month = Annotated[int, Path(ge=1, le=12)]


class MethodIn(BaseModel):
    method: str = Field(max_length=20)
    reason: str = Field(default="", max_length=2000)


class AmountIn(BaseModel):
    amount: str = Field(max_length=20, description="yuan, at most two decimals")
    reason: str = Field(default="", max_length=2000)


class SettleIn(BaseModel):
    score: int | None = Field(default=None, ge=0, le=100)


class CorrectIn(BaseModel):
    reason: str = Field(max_length=2000)


def plain(value):
    """Dates as ISO text and Decimals as exact text (JSON numbers would go through float)."""
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(item) for item in value]
    return value


def add_routes(router: APIRouter, ctx: AdminContext) -> None:
    for_institution, for_region = _scoped(ctx)
    _institution_routes(router, ctx.agency, for_institution)
    _region_routes(router, ctx.agency, for_region)


def _scoped(ctx: AdminContext):
    """Run a use case for an institution or a region, refused unless the agency administers it."""

    def region_ours(who: dict, admdvs: str) -> None:
        if not agencies.administers(who, admdvs):
            raise refusal("PAYMENT_NOT_ADMINISTERED", subject=admdvs[:6], agency=who["agency_code"])

    def for_institution(who: dict, code: str, act, *, write: bool = True):
        def action(uow):
            found = uow.payment_methods.institution(code)
            if found is None:
                raise refusal("PAYMENT_INSTITUTION_NOT_FOUND", fixmedins_code=code[:30])
            region_ours(who, found["admdvs"])
            return act(uow)
        return plain(ctx.run(who, action, write=write))

    def for_region(who: dict, admdvs: str, act, *, write: bool = True):
        region_ours(who, admdvs)
        return plain(ctx.run(who, act, write=write))

    return for_institution, for_region


def _institution_routes(router: APIRouter, agency, for_institution) -> None:
    @router.post(PREFIX + "/institutions/{code}/{year}/method", summary="Name the institution's payment method for a year")
    def set_method(code: str, year: Year, body: MethodIn, who: dict = Depends(agency)) -> dict:
        return for_institution(who, code, lambda uow: payment_methods.set_method(uow, code, year, body.method,
                                                                                 reason=body.reason))

    @router.get(PREFIX + "/institutions/{code}/{year}/method", summary="The records of the method (the last in force)")
    def method_history(code: str, year: Year, who: dict = Depends(agency)) -> list:
        return for_institution(who, code, lambda uow: payment_methods.method_history(uow, code, year), write=False)

    @router.post(PREFIX + "/budgets/{code}/{year}", status_code=201, summary="Set the total budget (总额预算)")
    def set_budget(code: str, year: Year, body: AmountIn, who: dict = Depends(agency)) -> dict:
        fen = payment_methods.amount_fen(body.amount)
        return for_institution(who, code, lambda uow: budgets.set_budget(uow, code, year, fen, reason=body.reason))

    @router.post(PREFIX + "/budgets/{code}/{year}/advances/{month}", status_code=201, summary="A month's advance (预拨)")
    def advance(code: str, year: Year, month: Month, who: dict = Depends(agency)) -> dict:
        return for_institution(who, code, lambda uow: budgets.advance(uow, code, year, month))

    @router.post(PREFIX + "/budgets/{code}/{year}/settle", summary="The year-end settlement (once per year)")
    def settle(code: str, year: Year, body: SettleIn, who: dict = Depends(agency)) -> dict:
        return for_institution(who, code, lambda uow: budgets.settle_year(uow, code, year, score=body.score))

    @router.post(PREFIX + "/results/{code}/{year}/correct", summary="Correct a year-end settlement (opposite record)")
    def correct(code: str, year: Year, body: CorrectIn, who: dict = Depends(agency)) -> dict:
        return for_institution(who, code, lambda uow: year_end.correct(uow, code, year, reason=body.reason))

    @router.get(PREFIX + "/budgets/{code}/{year}", summary="The budget year: budgets, advances, results, balances")
    def show_budget(code: str, year: Year, who: dict = Depends(agency)) -> dict:
        return for_institution(who, code, lambda uow: budgets.show(uow, code, year), write=False)


def _region_routes(router: APIRouter, agency, for_region) -> None:
    @router.post(PREFIX + "/dip/{admdvs}/{year}/build", summary="DIP groups and scores from the year's cases")
    def dip_build(admdvs: str, year: Year, who: dict = Depends(agency)) -> dict:
        return for_region(who, admdvs, lambda uow: dip.build(uow, admdvs, year))

    @router.post(PREFIX + "/dip/{admdvs}/{year}/settle", summary="DIP year-end settlement of the region's DIP institutions")
    def dip_settle(admdvs: str, year: Year, body: AmountIn, who: dict = Depends(agency)) -> dict:
        fen = payment_methods.amount_fen(body.amount)
        return for_region(who, admdvs, lambda uow: dip.settle(uow, admdvs, year, fen))

    @router.get(PREFIX + "/dip/{admdvs}/{year}", summary="The region's DIP table in force")
    def dip_show(admdvs: str, year: Year, who: dict = Depends(agency)) -> dict:
        return for_region(who, admdvs, lambda uow: dip.show(uow, admdvs, year), write=False)

    @router.get(PREFIX + "/drg/{admdvs}/{year}/groups", summary="The year's cases by MDC, ADRG and DRG")
    def drg_groups(admdvs: str, year: Year, who: dict = Depends(agency)) -> list:
        return for_region(who, admdvs, lambda uow: drg.group(uow, admdvs, year), write=False)

    @router.post(PREFIX + "/drg/{admdvs}/{year}/weights", summary="DRG weights from the year's cases")
    def drg_weights(admdvs: str, year: Year, who: dict = Depends(agency)) -> dict:
        return for_region(who, admdvs, lambda uow: drg.build_weights(uow, admdvs, year))

    @router.get(PREFIX + "/{method}/{admdvs}/{year}/export", summary="The DIP or DRG table as data for another region")
    def export(method: str, admdvs: str, year: Year, who: dict = Depends(agency)) -> dict:
        if method not in ("dip", "drg"):
            raise refusal("PAYMENT_BAD_METHOD", method=method[:40], known="dip、drg")
        return for_region(who, admdvs, lambda uow: payment_tables.export(uow, method, admdvs, year), write=False)

    @router.post(PREFIX + "/{method}/{admdvs}/{year}/import", status_code=201, summary="Import another region's table")
    def import_table(method: str, admdvs: str, year: Year, document: dict = Body(...), who: dict = Depends(agency)) -> dict:
        if method not in ("dip", "drg"):
            raise refusal("PAYMENT_BAD_METHOD", method=method[:40], known="dip、drg")
        return for_region(who, admdvs, lambda uow: payment_tables.import_table(uow, method, admdvs, year, document))
