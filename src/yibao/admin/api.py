"""Admin API for agencies: filings (备案), 门慢特 qualifications, manual claims (零星报销), e-vouchers
(医保电子凭证), statistics.

Authentication: ``Authorization: Bearer <agency_code>:<token>``. An agency acts only for
persons insured in a region it administers. Clearing, prepayment and supervision actions
record one action-log row naming the agency and its token's fingerprint (app/actors.py).
"""

from __future__ import annotations

from fastapi import APIRouter, FastAPI, Header

from yibao.app import actors, agencies
from yibao.app.error_codes import CODES, refusal
from yibao.app.errors import GatewayError
from yibao.app.platform import Platform

from . import agreements_routes, claims_routes, evoucher_routes, filings_routes, fund_flow_routes, statistics_routes, supervision_routes
from . import enrollment_routes
from . import verification_routes
from . import family_routes, maternity_routes
from . import payment_routes
from . import findings_routes, rules_routes
from .common import AdminContext

# one subject a line; a new subject appends its module
ROUTE_MODULES = (
    filings_routes,
    fund_flow_routes,
    supervision_routes,
    claims_routes,
    evoucher_routes,
    statistics_routes,
    agreements_routes,
    enrollment_routes,
    verification_routes,
    family_routes,
    maternity_routes,
    payment_routes,
    findings_routes,
    rules_routes,
)


def build_router(platform: Platform) -> APIRouter:
    router = APIRouter(prefix="/admin/api", tags=["admin"])

    def agency(authorization: str = Header(default="", description="Bearer <agency_code>:<token>")) -> dict:
        scheme, _, credential = authorization.partition(" ")
        code, _, token = credential.partition(":")
        if scheme.lower() != "bearer" or not code or not token:
            raise refusal("ADMIN_AUTH_REQUIRED")
        with platform.unit_of_work(actors.SYSTEM, write=False) as uow:
            found = agencies.authenticate(uow, code, token)
        if found is None or found["role"] != "agency":
            raise refusal("ADMIN_AUTH_FAILED")
        return found

    context = AdminContext(platform, agency)
    for subject in ROUTE_MODULES:
        subject.add_routes(router, context)
    return router


def mount(app: FastAPI, platform: Platform) -> None:
    from fastapi import Request
    from fastapi.responses import JSONResponse
    from sqlalchemy.exc import DataError

    app.include_router(build_router(platform))

    @app.exception_handler(GatewayError)
    async def refused(request: Request, exc: GatewayError) -> JSONResponse:
        # Every refusal: its kind decides the status (app/errors.py), its code is for programs
        # (docs/his/error-codes.md), the detail for people.
        return JSONResponse({"code": exc.code, "detail": exc.message, "kind": exc.kind}, status_code=exc.http_status)

    @app.exception_handler(DataError)
    async def value_the_database_refuses(request: Request, exc: DataError) -> JSONResponse:
        # e.g. a NUL character or an out-of-range number that PostgreSQL will not store or compare
        code = "ENVELOPE_VALUE_NOT_STORABLE"
        return JSONResponse({"code": code, "detail": CODES[code].text(), "kind": CODES[code].kind}, status_code=422)

