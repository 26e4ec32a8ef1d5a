"""Admin API for agencies: filings (备案), 门慢特 qualifications, statistics.

Authentication: ``Authorization: Bearer <agency_code>:<token>``. An agency acts only for
persons insured in a region it administers. Clearing, prepayment and supervision actions
record one action-log row naming the agency and its token's fingerprint (app/actors.py).
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, FastAPI, Header, HTTPException, Query
from pydantic import AfterValidator, BaseModel, Field

from yibao.app import agencies, filings
from yibao.app.errors import GatewayError
from yibao.app.platform import Platform
from yibao.store.repository import from_fen as repo_from_fen
from yibao.store.repository import institution as repo_institution


# Months and dates an agency may name: far wider than any real use, narrow enough that the
# platform's date arithmetic (a month after, a day after, six months after) never overflows.
FIRST_MONTH, LAST_MONTH = "2000-01", "2099-12"
EARLIEST, LATEST = dt.date(1900, 1, 1), dt.date(2999, 12, 31)
_MONTH = re.compile(r"[0-9]{4}-(0[1-9]|1[0-2])")


def checked_month(month: str) -> str:
    if not _MONTH.fullmatch(month) or not FIRST_MONTH <= month <= LAST_MONTH:
        raise HTTPException(422, f"月份应为 YYYY-MM，在 {FIRST_MONTH} 至 {LAST_MONTH} 之间，收到 {month[:20]!r}")
    return month


def _in_range(day: dt.date) -> dt.date:
    if not EARLIEST <= day <= LATEST:
        raise ValueError(f"日期应在 {EARLIEST} 至 {LATEST} 之间")
    return day


Day = Annotated[dt.date, AfterValidator(_in_range)]


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


class CaseIn(BaseModel):
    subject_type: Literal["institution", "person"]
    subject_id: str = Field(max_length=30)
    summary: str = Field(max_length=4000)
    amount: Decimal = Field(default=Decimal(0), ge=0, max_digits=16, decimal_places=2)

class FindingsIn(BaseModel):
    finding_ids: list[str] = Field(min_length=1, max_length=1000)

class StatusIn(BaseModel):
    status: Literal["investigating", "confirmed", "dismissed"]
    note: str = Field(default="", max_length=2000)

class MoneyIn(BaseModel):
    kind: Literal["recovery", "refund", "penalty"]
    amount: Decimal = Field(gt=0, max_digits=16, decimal_places=2)
    note: str = Field(default="", max_length=2000)

class SanctionIn(BaseModel):
    subject_type: Literal["institution", "person"]
    subject_id: str = Field(max_length=30)
    kind: Literal["suspend", "terminate"]
    begndate: Day
    enddate: Day | None = None
    reason: str = Field(max_length=2000)
    case_id: str | None = Field(default=None, max_length=30)


def checked_notice(notice: dict) -> None:
    """A notice is free-form JSON from another region: what becomes a case row is checked here,
    so SQLite and PostgreSQL store or refuse the same notices (and nothing is a 500)."""
    from yibao.gateway.json_input import check_json

    try:
        check_json(notice, "notice")  # nesting, NUL, lone surrogates
    except GatewayError as exc:
        raise HTTPException(422, exc.message) from None
    case = notice.get("case")
    if not isinstance(case, dict):
        return  # refused by import_notice ("lacks the case's subject")
    subject_id, amount, origin = case.get("subject_id"), case.get("amount_fen", 0), notice.get("from_admdvs", "")
    if not isinstance(subject_id, str) or not 0 < len(subject_id) <= 30:
        raise HTTPException(422, "notice.case.subject_id 应为不超过 30 个字符的字符串")
    if isinstance(amount, bool) or not (isinstance(amount, int) or (isinstance(amount, str) and amount.isascii()
                                                                    and amount.isdigit() and len(amount) <= 16)) \
            or not 0 <= int(amount) < 10 ** 15:
        raise HTTPException(422, "notice.case.amount_fen 应为 0 至 10^15 之间的整数（分）")
    if not isinstance(origin, str) or len(origin) > 6:
        raise HTTPException(422, "notice.from_admdvs 应为六位行政区划代码")


def found_or_404(getter, conn, key: str) -> dict:
    try:
        return getter(conn, key)
    except GatewayError as exc:
        raise HTTPException(404, exc.message) from None


def _jsonable(row: dict) -> dict:
    return {key: (value.isoformat() if isinstance(value, (dt.date, dt.datetime)) else value) for key, value in row.items()
            if key not in ("filing_id",)}


def build_router(platform: Platform) -> APIRouter:
    router = APIRouter(prefix="/admin/api", tags=["admin"])
    database = platform.database

    def agency(authorization: str = Header(default="", description="Bearer <agency_code>:<token>")) -> dict:
        scheme, _, credential = authorization.partition(" ")
        code, _, token = credential.partition(":")
        if scheme.lower() != "bearer" or not code or not token:
            raise HTTPException(401, "send Authorization: Bearer <agency_code>:<token>")
        with database.read() as conn:
            found = agencies.authenticate(conn, code, token)
        if found is None or found["role"] != "agency":
            raise HTTPException(401, "unknown agency or wrong token")
        return found

    def for_person(conn, who: dict, psn_no: str) -> str:
        try:
            region = filings.insured_region(conn, psn_no)
        except GatewayError as exc:
            raise HTTPException(404, exc.message) from None
        if not agencies.administers(who, region):
            raise HTTPException(403, f"person {psn_no} is insured in {region}, not administered by agency {who['agency_code']}")
        return region

    def write(action):
        """One write use case in one transaction; a refusal answers its kind's HTTP status."""
        try:
            with database.write() as conn:
                return action(conn)
        except GatewayError as exc:
            raise HTTPException(exc.http_status, exc.message) from None

    @router.post("/filings", status_code=201, summary="File a cross-region visit (备案)")
    def create_filing(body: FilingIn, who: dict = Depends(agency)) -> dict:
        def action(conn):
            for_person(conn, who, body.psn_no)
            return filings.create_filing(conn, now=platform.clock(), source="agency", created_by=who["agency_code"],
                                         **body.model_dump())
        return _jsonable(write(action))

    @router.get("/persons/{psn_no}/filings", summary="A person's filings, active and ended")
    def list_filings(psn_no: str, who: dict = Depends(agency)) -> list[dict]:
        with database.read() as conn:
            for_person(conn, who, psn_no)
            return [_jsonable(row) for row in filings.filings_of(conn, psn_no)]

    @router.post("/filings/{filing_no}/cancel", summary="Cancel a filing")
    def cancel_filing(filing_no: str, body: EndRequest, who: dict = Depends(agency)) -> dict:
        def action(conn):
            row = found_or_404(filings.get_filing, conn, filing_no)
            for_person(conn, who, row["psn_no"])
            return filings.end_filing(conn, filing_no, now=platform.clock(), reason=body.reason or "cancelled by agency")
        return _jsonable(write(action))

    @router.post("/filings/{filing_no}/change", status_code=201, summary="Change a filing (ends it, opens a new one)")
    def change_filing(filing_no: str, body: FilingChange, who: dict = Depends(agency)) -> dict:
        def action(conn):
            row = found_or_404(filings.get_filing, conn, filing_no)
            for_person(conn, who, row["psn_no"])
            return filings.change_filing(conn, filing_no, now=platform.clock(), created_by=who["agency_code"], source="agency",
                                         **body.model_dump(exclude_none=True))
        return _jsonable(write(action))

    @router.post("/qualifications", status_code=201, summary="Qualify a person for a 门慢特 disease")
    def grant(body: QualificationIn, who: dict = Depends(agency)) -> dict:
        def action(conn):
            for_person(conn, who, body.psn_no)
            return filings.grant_qualification(
                conn, now=platform.clock(), psn_no=body.psn_no, insutype=body.insutype, dise_code=body.opsp_dise_code,
                dise_name=body.opsp_dise_name, begndate=body.begndate, enddate=body.enddate, source="agency",
                created_by=who["agency_code"])
        return _jsonable(write(action))

    @router.get("/persons/{psn_no}/qualifications", summary="A person's 门慢特 qualifications")
    def list_qualifications(psn_no: str, who: dict = Depends(agency)) -> list[dict]:
        with database.read() as conn:
            for_person(conn, who, psn_no)
            return [_jsonable(row) for row in filings.qualifications_of(conn, psn_no)]

    @router.post("/qualifications/{qual_no}/cancel", summary="End a qualification")
    def cancel_qualification(qual_no: str, who: dict = Depends(agency)) -> dict:
        def action(conn):
            row = found_or_404(filings.get_qualification, conn, qual_no)
            for_person(conn, who, row["psn_no"])
            return filings.cancel_qualification(conn, qual_no, now=platform.clock())
        return _jsonable(write(action))

    @router.get("/stats/flows", summary="Settlements by insured region × treatment region for a month")
    def flows(month: str = Query(pattern=r"^\d{4}-\d{2}$"), who: dict = Depends(agency)) -> list[dict]:
        from yibao.analytics.flows import flows_for_month

        checked_month(month)
        try:
            with database.read() as conn:
                rows = flows_for_month(conn, month)
        except ValueError as exc:
            raise HTTPException(422, str(exc)) from None
        return [_jsonable({k: (str(v) if hasattr(v, "quantize") else v) for k, v in row.items()}) for row in rows
                if agencies.administers(who, row["insuplc_admdvs"]) or agencies.administers(who, row["mdtrtarea_admvs"])]

    # --- clearing and prepayment -------------------------------------------------------------
    from yibao.app import clearing, prepayment

    def fen_view(row: dict) -> dict:
        return {(key[:-4] if key.endswith("_fen") else key): (repo_from_fen(value) if key.endswith("_fen") else value)
                for key, value in _jsonable(row).items()}

    @router.post("/clearing/{month}/run", summary="Run (or re-run) the month's clearing; idempotent")
    def run_clearing(month: str, who: dict = Depends(agency)) -> list[dict]:
        checked_month(month)
        try:
            rows = clearing.run_clearing(database, month, now=platform.clock(), actor=agencies.actor(who))
        except (ValueError, GatewayError) as exc:
            raise HTTPException(422, getattr(exc, "message", str(exc))) from None
        return [fen_view(row) for row in rows if agencies.administers(who, row["insuplc_admdvs"])
                or agencies.administers(who, row["mdtrtarea_admvs"])]

    @router.get("/clearing/{month}", summary="The month's statements of this agency and its positions")
    def month_statements(month: str, who: dict = Depends(agency)) -> dict:
        checked_month(month)
        with database.read() as conn:
            rows = clearing.statements(conn, month)
            positions = clearing.province_positions(conn, month)
        mine = [fen_view(row) for row in rows if agencies.administers(who, row["insuplc_admdvs"])
                or agencies.administers(who, row["mdtrtarea_admvs"])]
        return {"statements": mine, "positions": [_jsonable({k: (str(v) if hasattr(v, "quantize") else v) for k, v in p.items()})
                                                  for p in positions if agencies.administers(who, p["insuplc_admdvs"])]}

    @router.post("/clearing/statements/{statement_id}/confirm", summary="Confirm a statement for this agency's side")
    def confirm_statement(statement_id: str, who: dict = Depends(agency)) -> dict:
        def action(conn):
            row = clearing.get_statement(conn, statement_id)
            if agencies.administers(who, row["insuplc_admdvs"]) and row["insured_confirmed_at"] is None:
                side = "insured"
            elif agencies.administers(who, row["mdtrtarea_admvs"]):
                side = "treatment"
            elif agencies.administers(who, row["insuplc_admdvs"]):
                side = "insured"
            else:
                raise HTTPException(403, f"agency {who['agency_code']} is neither side of statement {statement_id}")
            return clearing.confirm(conn, statement_id, side, platform.clock(), actor=agencies.actor(who))
        return fen_view(write(action))

    @router.post("/clearing/statements/{statement_id}/pay", summary="The insured agency pays a confirmed statement")
    def pay_statement(statement_id: str, who: dict = Depends(agency)) -> dict:
        def action(conn):
            row = clearing.get_statement(conn, statement_id)
            if not agencies.administers(who, row["insuplc_admdvs"]):
                raise HTTPException(403, "only the insured region's agency pays a statement")
            return clearing.pay(conn, statement_id, platform.clock(), actor=agencies.actor(who))
        return fen_view(write(action))

    @router.post("/prepayments/plan", summary="Approve the year's prepayments from the prior year's payments")
    def plan(year: int = Query(ge=2000, le=2100), months: float = Query(default=2, gt=0, le=12), who: dict = Depends(agency)) -> list[dict]:
        from decimal import Decimal

        return [fen_view(row) for row in write(lambda conn: prepayment.plan_year(
            conn, year, now=platform.clock(), actor=agencies.actor(who), months=Decimal(str(months))))]

    @router.get("/prepayments", summary="Prepayment usage of this agency's pairs")
    def prepayments(year: int = Query(ge=2000, le=2100), who: dict = Depends(agency)) -> list[dict]:
        with database.read() as conn:
            rows = prepayment.usage(conn, year)
        return [_jsonable({k: (str(v) if hasattr(v, "quantize") else v) for k, v in row.items()}) for row in rows
                if agencies.administers(who, row["insured_admdvs"]) or who["agency_code"][:2] == row["treatment_prov"][:2]]

    @router.post("/prepayments/{prepay_id}/pay", summary="The insured agency pays an approved prepayment")
    def prepay_pay(prepay_id: str, who: dict = Depends(agency)) -> dict:
        def action(conn):
            if not agencies.administers(who, prepayment.get(conn, prepay_id)["insured_admdvs"]):
                raise HTTPException(403, "only the insured region's agency pays its prepayment")
            return prepayment.mark_paid(conn, prepay_id, platform.clock(), actor=agencies.actor(who))
        return fen_view(write(action))

    @router.post("/prepayments/{prepay_id}/receive", summary="The treatment province's agency records receipt")
    def prepay_receive(prepay_id: str, who: dict = Depends(agency)) -> dict:
        def action(conn):
            if who["agency_code"][:2] != prepayment.get(conn, prepay_id)["treatment_prov"][:2]:
                raise HTTPException(403, "only an agency of the treatment province records receipt")
            return prepayment.mark_received(conn, prepay_id, platform.clock(), actor=agencies.actor(who))
        return fen_view(write(action))

    # --- fund supervision -----------------------------------------------------------------
    from yibao.app import supervision

    def subject_region(conn, subject_type: str, subject_id: str) -> str:
        if subject_type == "institution":
            found = repo_institution(conn, subject_id)
            if found is None:
                raise HTTPException(404, f"institution {subject_id} not found")
            return found["admdvs"]
        try:
            return filings.insured_region(conn, subject_id)
        except GatewayError as exc:
            raise HTTPException(404, exc.message) from None

    def own_case(conn, who, case_id: str) -> dict:
        case = found_or_404(supervision.get_case, conn, case_id)
        if case["admdvs"] != who["agency_code"]:
            raise HTTPException(403, f"case {case_id} belongs to agency {case['admdvs']}")
        return case

    @router.post("/cases", status_code=201, summary="Open a supervision case")
    def open_case(body: CaseIn, who: dict = Depends(agency)) -> dict:
        def action(conn):
            subject_region(conn, body.subject_type, body.subject_id)
            return supervision.open_case(conn, admdvs=who["agency_code"], subject_type=body.subject_type,
                                         subject_id=body.subject_id, summary=body.summary,
                                         amount_fen=int(body.amount * 100), source="manual", actor=agencies.actor(who),
                                         now=platform.clock())
        return fen_view(write(action))

    @router.post("/cases/from-findings", status_code=201, summary="Open a case from audit findings")
    def case_from_findings(body: FindingsIn, who: dict = Depends(agency)) -> dict:
        return fen_view(write(lambda conn: supervision.case_from_findings(
            conn, body.finding_ids, admdvs=who["agency_code"], actor=agencies.actor(who), now=platform.clock())))

    @router.post("/cases/{case_id}/status", summary="Move a case: investigating, confirmed, dismissed")
    def case_status(case_id: str, body: StatusIn, who: dict = Depends(agency)) -> dict:
        def action(conn):
            own_case(conn, who, case_id)
            return supervision.move(conn, case_id, body.status, actor=agencies.actor(who), now=platform.clock(),
                                    note=body.note)
        return fen_view(write(action))

    @router.post("/cases/{case_id}/money", summary="Record money recovered, refunded or a penalty")
    def case_money(case_id: str, body: MoneyIn, who: dict = Depends(agency)) -> dict:
        def action(conn):
            own_case(conn, who, case_id)
            return supervision.record_money(conn, case_id, body.kind, body.amount, actor=agencies.actor(who),
                                            now=platform.clock(), note=body.note)
        return _jsonable({k: (str(v) if hasattr(v, "quantize") else v) for k, v in write(action).items()})

    @router.get("/cases/{case_id}/notice", summary="Export a case notice for another region")
    def export_notice(case_id: str, who: dict = Depends(agency)) -> dict:
        with database.read() as conn:
            own_case(conn, who, case_id)
            return supervision.export_notice(conn, case_id)

    @router.post("/notices", status_code=201, summary="Import a case notice shared by another region")
    def import_notice(notice: dict, who: dict = Depends(agency)) -> dict:
        checked_notice(notice)
        return fen_view(write(lambda conn: supervision.import_notice(conn, notice, admdvs=who["agency_code"],
                                                                     actor=agencies.actor(who), now=platform.clock())))

    @router.post("/sanctions", status_code=201, summary="Suspend or terminate an institution's agreement, suspend a person")
    def add_sanction(body: SanctionIn, who: dict = Depends(agency)) -> dict:
        def action(conn):
            if not agencies.administers(who, subject_region(conn, body.subject_type, body.subject_id)):
                raise HTTPException(403, f"{body.subject_id} is not administered by agency {who['agency_code']}")
            return supervision.sanction(conn, now=platform.clock(), actor=agencies.actor(who), **body.model_dump())
        return _jsonable(write(action))

    @router.post("/sanctions/{sanction_id}/lift", summary="Lift a sanction")
    def lift_sanction(sanction_id: str, who: dict = Depends(agency)) -> dict:
        def action(conn):
            row = found_or_404(supervision.get_sanction, conn, sanction_id)
            if not agencies.administers(who, subject_region(conn, row["subject_type"], row["subject_id"])):
                raise HTTPException(403, "not this agency's sanction")
            return supervision.lift(conn, sanction_id, platform.clock(), actor=agencies.actor(who))
        return _jsonable(write(action))

    @router.get("/stats/supervision", summary="Cases, recoveries, penalties, suspensions, terminations")
    def supervision_stats(begin: dt.date = Query(alias="from"), end: dt.date = Query(alias="to"),
                          who: dict = Depends(agency)) -> dict:
        if not (EARLIEST <= begin <= LATEST and EARLIEST <= end <= LATEST):
            raise HTTPException(422, f"from 与 to 应在 {EARLIEST} 至 {LATEST} 之间")
        if end < begin or (end - begin).days > 3660:
            raise HTTPException(422, "to must be after from, within ten years")
        with database.read() as conn:
            stats = supervision.supervision_stats(conn, begin=begin, end=end, admdvs=who["agency_code"])
        return {k: (str(v) if hasattr(v, "quantize") else v) for k, v in stats.items()}

    return router


def mount(app: FastAPI, platform: Platform) -> None:
    from fastapi import Request
    from fastapi.responses import JSONResponse
    from sqlalchemy.exc import DataError

    app.include_router(build_router(platform))

    @app.exception_handler(GatewayError)
    async def refused(request: Request, exc: GatewayError) -> JSONResponse:
        # A refusal that no route translated: its kind decides the status (app/errors.py).
        return JSONResponse({"detail": exc.message, "kind": exc.kind}, status_code=exc.http_status)

    @app.exception_handler(DataError)
    async def value_the_database_refuses(request: Request, exc: DataError) -> JSONResponse:
        # e.g. a NUL character or an out-of-range number that PostgreSQL will not store or compare
        return JSONResponse({"detail": "a value in the request cannot be stored or compared (invalid characters or out of range)"},
                            status_code=422)
