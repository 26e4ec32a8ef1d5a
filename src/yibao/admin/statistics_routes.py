"""Admin routes of the statistics (app/statistics.py), each scoped to the calling agency's
regions: ``/stats/settlements``, ``/stats/supervision``, ``/stats/prepayments``,
``/stats/clearing``, ``/stats/internet``. JSON with amounts as decimal strings; an undefined rate is null."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from fastapi import APIRouter, Depends, Query

from yibao.app import statistics
from yibao.app.error_codes import refusal
from yibao.documents.claim_document import plain

from .common import EARLIEST, LATEST, AdminContext, checked_month
from .tabular import Format, as_file

MAX_DAYS = 3660  # ten years: the range any report needs, and a bound on the query's work


def checked_period(begin: dt.date, end: dt.date) -> None:
    if not (EARLIEST <= begin <= LATEST and EARLIEST <= end <= LATEST) or end < begin or (end - begin).days > MAX_DAYS:
        raise refusal("ADMIN_BAD_PERIOD", earliest=EARLIEST, latest=LATEST)


def _answer(document: dict, fmt: str, name: str):
    """JSON with amounts as decimal strings, or the document's table as CSV or Excel (admin/tabular.py)."""
    return plain(document) if fmt == "json" else as_file(document, fmt, f"stats-{name}")


def add_routes(router: APIRouter, ctx: AdminContext) -> None:
    agency = ctx.agency

    @router.get("/stats/settlements", summary="Settlements, fund ratio, direct-settlement rate, 垫资 avoided and the "
                                              "same range a year earlier, per region pair and scope")
    def settlements(begin: dt.date = Query(alias="from"), end: dt.date = Query(alias="to"),
                    role: Literal["insured", "treatment"] = "insured",
                    by: Literal["pair", "scope", "institution", "med_type"] = "pair", format: Format = "json",
                    who: dict = Depends(agency)) -> dict:
        checked_period(begin, end)
        return _answer(ctx.run_report(who, lambda uow: statistics.settlements(
            uow, agency_code=who["agency_code"], begin=begin, end=end, role=role, by=by)),
            format, "settlements")

    @router.get("/stats/supervision", summary="Recovered, self-correction refunds, penalties, sanctions, police "
                                              "referrals, findings by rule type")
    def supervision(begin: dt.date = Query(alias="from"), end: dt.date = Query(alias="to"),
                    format: Format = "json", who: dict = Depends(agency)) -> dict:
        checked_period(begin, end)
        return _answer(ctx.run_report(who, lambda uow: statistics.supervision(
            uow, agency_code=who["agency_code"], begin=begin, end=end)), format, "supervision")

    @router.get("/stats/prepayments", summary="Prepayments of a year approved, paid and received (counts, amounts)")
    def prepayments(year: int = Query(ge=2000, le=2099), format: Format = "json", who: dict = Depends(agency)) -> dict:
        return _answer(ctx.run_report(who, lambda uow: statistics.prepayments(uow, agency_code=who["agency_code"],
                                                                              year=year)), format, "prepayments")

    @router.get("/stats/clearing", summary="Per month: clearing statements, provinces, amount, statements by status")
    def clearing(from_month: str, to_month: str, format: Format = "json", who: dict = Depends(agency)) -> dict:
        first, last = checked_month(from_month), checked_month(to_month)
        return _answer(ctx.run_report(who, lambda uow: statistics.clearing(
            uow, agency_code=who["agency_code"], first_month=first, last_month=last)), format, "clearing")

    @router.get("/stats/internet", summary="Internet+ institutions by type, online visits and fees, line categories "
                                           "and amounts, prescriptions circulated (app/internet_statistics.py)")
    def internet(begin: dt.date = Query(alias="from"), end: dt.date = Query(alias="to"),
                 format: Format = "json", who: dict = Depends(agency)) -> dict:
        from yibao.app import internet_statistics

        checked_period(begin, end)
        return _answer(ctx.run_report(who, lambda uow: internet_statistics.internet(
            uow, agency_code=who["agency_code"], begin=begin, end=end)), format, "internet")
