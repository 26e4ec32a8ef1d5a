"""Admin list endpoints (issue #16 item 4): filings, cases, sanctions, institutions,
settlements, clearing statements and prepayments, each with filters, ``limit``/``offset`` and the
``total`` of the selection, scoped to the calling agency (app/listings.py), typed as the models
below in the OpenAPI description; ``?format=csv|xlsx`` gives the page as a file (admin/tabular.py).

Amounts are decimal strings of yuan (pydantic writes Decimal as text), each region code comes
with its name (``…_name``, GB/T 2260) and each status with its Chinese name. The paged list of
prepayment records is ``/prepayments/list``: ``/prepayments?year=`` keeps its older meaning
(the usage of each pair)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Generic, Literal, TypeVar

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel

from yibao.app import listings

from .common import AdminContext
from .tabular import Format, as_file

Item = TypeVar("Item")


# a fresh Query per parameter: FastAPI binds a Query object to the first parameter it is given to
def LIMIT():  # noqa: N802 (reads as the constant it stands for)
    return Query(default=listings.DEFAULT_LIMIT, ge=1, le=listings.MAX_LIMIT)


def OFFSET():  # noqa: N802
    return Query(default=0, ge=0, le=10_000_000)


def CODE():  # noqa: N802
    return Query(default=None, max_length=30)


def REGION():  # noqa: N802
    return Query(default=None, min_length=2, max_length=6)


class Page(BaseModel, Generic[Item]):
    items: list[Item]
    total: int
    limit: int
    offset: int


class Filing(BaseModel):
    filing_no: str | None = None
    psn_no: str
    filing_type: str
    subtype: str = ""
    dest_admdvs: str
    dest_admdvs_name: str
    begndate: dt.date
    enddate: dt.date | None = None
    status: str
    status_name: str
    commitment_letter: bool = False
    locked_until: dt.date | None = None
    source: str = ""
    created_by: str = ""
    created_at: dt.datetime
    replaces_filing_no: str | None = None


class Case(BaseModel):
    case_id: str
    admdvs: str
    admdvs_name: str
    subject_type: str
    subject_id: str
    status: str
    status_name: str
    summary: str
    amount: Decimal
    source: str
    opened_at: dt.datetime
    closed_at: dt.datetime | None = None


class Sanction(BaseModel):
    sanction_id: str
    subject_type: str
    subject_id: str
    kind: str
    kind_name: str
    begndate: dt.date
    enddate: dt.date | None = None
    reason: str
    case_id: str | None = None
    created_at: dt.datetime
    lifted_at: dt.datetime | None = None


class Institution(BaseModel):
    fixmedins_code: str
    fixmedins_name: str
    fixmedins_type: str
    medins_lv: str
    admdvs: str
    admdvs_name: str


class Settlement(BaseModel):
    setl_id: str
    mdtrt_id: str
    psn_no: str
    insutype: str
    fixmedins_code: str
    med_type: str
    kind: str
    kind_name: str
    reverses_setl_id: str | None = None
    setl_time: dt.datetime
    insuplc_admdvs: str
    insuplc_admdvs_name: str
    mdtrtarea_admvs: str
    mdtrtarea_admvs_name: str
    scope: str
    clr_type: str
    medfee_sumamt: Decimal
    fulamt_ownpay_amt: Decimal
    overlmt_selfpay: Decimal
    preselfpay_amt: Decimal
    inscp_scp_amt: Decimal
    hifp_pay: Decimal
    cvlserv_pay: Decimal
    hifmi_pay: Decimal
    maf_pay: Decimal
    oth_pay: Decimal
    fund_pay_sumamt: Decimal
    psn_part_amt: Decimal
    acct_pay: Decimal
    acct_mulaid_pay: Decimal
    psn_cash_pay: Decimal


class Statement(BaseModel):
    statement_id: str
    month: str
    insuplc_admdvs: str
    insuplc_admdvs_name: str
    mdtrtarea_admvs: str
    mdtrtarea_admvs_name: str
    setl_cnt: int
    medfee_sumamt: Decimal
    fund_pay_sumamt: Decimal
    acct_pay: Decimal
    psn_cash_pay: Decimal
    clearing_amount: Decimal
    status: str
    status_name: str
    sequence: int
    version: int
    provisional: bool
    generated_at: dt.datetime
    insured_confirmed_at: dt.datetime | None = None
    insured_confirmed_by: str | None = None
    treatment_confirmed_at: dt.datetime | None = None
    treatment_confirmed_by: str | None = None
    paid_at: dt.datetime | None = None
    paid_by: str | None = None


class Prepayment(BaseModel):
    prepay_id: str
    year: int
    insured_admdvs: str
    insured_admdvs_name: str
    treatment_prov: str
    treatment_prov_name: str
    kind: str
    amount: Decimal
    basis: Decimal
    months: str
    status: str
    status_name: str
    approved_at: dt.datetime
    paid_at: dt.datetime | None = None
    received_at: dt.datetime | None = None


def add_routes(router: APIRouter, ctx: AdminContext) -> None:
    agency = ctx.agency

    def listed(who: dict, subject: str, filters: dict, limit: int, offset: int, fmt: str):
        document = ctx.run(who, lambda uow: listings.page(uow, subject, agency_code=who["agency_code"],
                                                          filters=filters, limit=limit, offset=offset), write=False)
        return document if fmt == "json" else as_file(document, fmt, subject)

    @router.get("/filings", response_model=Page[Filing], summary="Filings (备案) of the persons insured here")
    def list_filings(psn_no: str | None = CODE(), status: Literal["active", "cancelled"] | None = None,
                     filing_type: str | None = CODE(), dest_admdvs: str | None = REGION(), limit: int = LIMIT(),
                     offset: int = OFFSET(), format: Format = "json", who: dict = Depends(agency)):
        return listed(who, "filings", {"psn_no": psn_no, "status": status, "filing_type": filing_type,
                                       "dest_admdvs": dest_admdvs}, limit, offset, format)

    @router.get("/cases", response_model=Page[Case], summary="Supervision cases of this agency's regions")
    def list_cases(status: Literal["suspected", "investigating", "confirmed", "dismissed"] | None = None,
                   subject_type: Literal["institution", "person"] | None = None, subject_id: str | None = CODE(),
                   limit: int = LIMIT(), offset: int = OFFSET(), format: Format = "json", who: dict = Depends(agency)):
        return listed(who, "cases", {"status": status, "subject_type": subject_type, "subject_id": subject_id},
                      limit, offset, format)

    @router.get("/sanctions", response_model=Page[Sanction],
                summary="Suspensions and terminations of this agency's institutions and insured persons")
    def list_sanctions(kind: Literal["suspend", "terminate"] | None = None,
                       subject_type: Literal["institution", "person"] | None = None, subject_id: str | None = CODE(),
                       active: bool | None = None, limit: int = LIMIT(), offset: int = OFFSET(), format: Format = "json",
                       who: dict = Depends(agency)):
        return listed(who, "sanctions", {"kind": kind, "subject_type": subject_type, "subject_id": subject_id,
                                         "active": active}, limit, offset, format)

    @router.get("/institutions", response_model=Page[Institution], summary="Designated institutions of these regions")
    def list_institutions(q: str | None = Query(default=None, max_length=100, description="code, or part of the name"),
                          fixmedins_type: str | None = Query(default=None, max_length=1),
                          medins_lv: str | None = Query(default=None, max_length=1), admdvs: str | None = REGION(),
                          limit: int = LIMIT(), offset: int = OFFSET(), format: Format = "json",
                          who: dict = Depends(agency)):
        return listed(who, "institutions", {"q": q, "fixmedins_type": fixmedins_type, "medins_lv": medins_lv,
                                            "admdvs": admdvs}, limit, offset, format)

    @router.get("/settlements", response_model=Page[Settlement],
                summary="Settlements of which this agency is the insured or the treatment place, newest first")
    def list_settlements(begin: dt.date | None = Query(default=None, alias="from"),
                         end: dt.date | None = Query(default=None, alias="to"), psn_no: str | None = CODE(),
                         fixmedins_code: str | None = CODE(), insuplc_admdvs: str | None = REGION(),
                         mdtrtarea_admvs: str | None = REGION(), med_type: str | None = Query(default=None, max_length=6),
                         kind: Literal["settlement", "reversal"] | None = None, setl_id: str | None = CODE(),
                         limit: int = LIMIT(), offset: int = OFFSET(), format: Format = "json", who: dict = Depends(agency)):
        return listed(who, "settlements", {"from": begin, "to": end, "psn_no": psn_no, "fixmedins_code": fixmedins_code,
                                           "insuplc_admdvs": insuplc_admdvs, "mdtrtarea_admvs": mdtrtarea_admvs,
                                           "med_type": med_type, "kind": kind, "setl_id": setl_id}, limit, offset, format)

    @router.get("/statements", response_model=Page[Statement],
                summary="Clearing statements of which this agency is a side (superseded versions on request)")
    def list_statements(month: str | None = Query(default=None, pattern=r"^[0-9]{4}-(0[1-9]|1[0-2])$"),
                        status: Literal["generated", "confirmed", "paid", "superseded"] | None = None,
                        include_superseded: bool = False, limit: int = LIMIT(), offset: int = OFFSET(),
                        format: Format = "json", who: dict = Depends(agency)):
        return listed(who, "statements", {"month": month, "status": status,
                                          "include_superseded": include_superseded or None}, limit, offset, format)

    @router.get("/prepayments/list", response_model=Page[Prepayment],
                summary="Prepayment records (approved, paid, received) of this agency")
    def list_prepayments(year: int | None = Query(default=None, ge=2000, le=2100),
                         status: Literal["approved", "paid", "received"] | None = None,
                         kind: Literal["annual", "top_up"] | None = None, limit: int = LIMIT(), offset: int = OFFSET(),
                         format: Format = "json", who: dict = Depends(agency)):
        return listed(who, "prepayments", {"year": year, "status": status, "kind": kind}, limit, offset, format)
