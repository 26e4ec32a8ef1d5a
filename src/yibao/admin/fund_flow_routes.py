"""Admin routes: monthly clearing statements and prepayments between regions."""

from __future__ import annotations

from decimal import Decimal

from fastapi import APIRouter, Depends, Query

from yibao.app import agencies, authorization, clearing, prepayment
from yibao.app.error_codes import refusal

from .common import AdminContext, checked_month, fen_view, jsonable as _jsonable


def add_routes(router: APIRouter, ctx: AdminContext) -> None:
    agency = ctx.agency

    @router.post("/clearing/{month}/run", summary="Clear an ended month (or re-run it); provisional=true for a month not ended")
    def run_clearing(month: str, provisional: bool = Query(default=False), who: dict = Depends(agency)) -> list[dict]:
        checked_month(month)
        try:
            # an agency clears only the pairs it is a side of (app/authorization.py)
            rows = ctx.run(who, lambda uow: clearing.run_clearing(
                uow, month, provisional=provisional,
                pairs_of=lambda insured, treatment: authorization.clearing_side(who["agency_code"], insured, treatment)))
        except ValueError as exc:
            raise refusal("ADMIN_BAD_REQUEST", detail=str(exc)) from None
        return [fen_view(row) for row in rows if agencies.administers(who, row["insuplc_admdvs"])
                or agencies.administers(who, row["mdtrtarea_admvs"])]

    @router.get("/clearing/{month}", summary="The month's statements of this agency and its positions")
    def month_statements(month: str, who: dict = Depends(agency)) -> dict:
        checked_month(month)
        rows, positions = ctx.run(who, lambda uow: (clearing.statements(uow, month), clearing.province_positions(uow, month)),
                                  write=False)
        mine = [fen_view(row) for row in rows if agencies.administers(who, row["insuplc_admdvs"])
                or agencies.administers(who, row["mdtrtarea_admvs"])]
        return {"statements": mine, "positions": [_jsonable({k: (str(v) if hasattr(v, "quantize") else v) for k, v in p.items()})
                                                  for p in positions if agencies.administers(who, p["insuplc_admdvs"])]}

    @router.post("/clearing/statements/{statement_id}/confirm", summary="Confirm a statement for this agency's side")
    def confirm_statement(statement_id: str, who: dict = Depends(agency)) -> dict:
        def action(uow):
            row = clearing.get_statement(uow, statement_id)
            if agencies.administers(who, row["insuplc_admdvs"]) and row["insured_confirmed_at"] is None:
                side = "insured"
            elif agencies.administers(who, row["mdtrtarea_admvs"]):
                side = "treatment"
            elif agencies.administers(who, row["insuplc_admdvs"]):
                side = "insured"
            else:
                raise refusal("ADMIN_NOT_STATEMENT_SIDE", agency=who["agency_code"], statement_id=statement_id)
            return clearing.confirm(uow, statement_id, side)
        return fen_view(ctx.run(who, action))

    @router.post("/clearing/statements/{statement_id}/pay", summary="The insured agency pays a confirmed statement")
    def pay_statement(statement_id: str, who: dict = Depends(agency)) -> dict:
        def action(uow):
            row = clearing.get_statement(uow, statement_id)
            if not agencies.administers(who, row["insuplc_admdvs"]):
                raise refusal("ADMIN_ONLY_INSURED_PAYS", what="清算单")
            return clearing.pay(uow, statement_id)
        return fen_view(ctx.run(who, action))

    @router.post("/prepayments/plan", summary="Approve the year's prepayments from the prior year's payments")
    def plan(year: int = Query(ge=2000, le=2100), months: float = Query(default=2, gt=0, le=12),
             insured: str | None = Query(default=None, min_length=6, max_length=6, description="only this insured region"),
             who: dict = Depends(agency)) -> list[dict]:
        # the insured place plans its own prepayments only (app/authorization.py)
        if insured is not None:
            authorization.check_insured_place(who["agency_code"], insured, "编制预付金计划")

        def insured_in(region: str) -> bool:
            return authorization.administers(who["agency_code"], region) and (
                insured is None or authorization.administers(insured, region))
        return [fen_view(row) for row in ctx.run(who, lambda uow: prepayment.plan_year(
            uow, year, months=Decimal(str(months)), insured_in=insured_in))]

    @router.get("/prepayments", summary="Prepayment usage of this agency's pairs")
    def prepayments(year: int = Query(ge=2000, le=2100), who: dict = Depends(agency)) -> list[dict]:
        rows = ctx.run(who, lambda uow: prepayment.usage(uow, year), write=False)
        return [_jsonable({k: (str(v) if hasattr(v, "quantize") else v) for k, v in row.items()}) for row in rows
                if agencies.administers(who, row["insured_admdvs"]) or who["agency_code"][:2] == row["treatment_prov"][:2]]

    @router.post("/prepayments/{prepay_id}/pay", summary="The insured agency pays an approved prepayment")
    def prepay_pay(prepay_id: str, who: dict = Depends(agency)) -> dict:
        def action(uow):
            if not agencies.administers(who, prepayment.get(uow, prepay_id)["insured_admdvs"]):
                raise refusal("ADMIN_ONLY_INSURED_PAYS", what="预付金")
            return prepayment.mark_paid(uow, prepay_id)
        return fen_view(ctx.run(who, action))

    @router.post("/prepayments/{prepay_id}/receive", summary="The treatment province's agency records receipt")
    def prepay_receive(prepay_id: str, who: dict = Depends(agency)) -> dict:
        def action(uow):
            if who["agency_code"][:2] != prepayment.get(uow, prepay_id)["treatment_prov"][:2]:
                raise refusal("ADMIN_ONLY_TREATMENT_RECEIVES")
            return prepayment.mark_received(uow, prepay_id)
        return fen_view(ctx.run(who, action))
