"""Admin API for agencies: filings (备案), 门慢特 qualifications, manual claims (零星报销), e-vouchers
(医保电子凭证), statistics.

Served under ``/admin/api/v1`` (listed in the OpenAPI description) and, for the clients written
before the version prefix, under ``/admin/api``: one router mounted twice. Authentication is
declared as two OpenAPI security schemes (admin/auth.py): a bearer token — a user's, carrying its
roles, or the agency's own (deprecated) — and the dashboard's session cookie. An agency acts only
for persons insured in a region it administers; its user's roles decide which writes it may make
(app/roles.py). Every write records the signed-in user (or the agency's token) as the action
log's actor (app/actors.py). Every error is an RFC 9457 problem (admin/problems.py).
"""

from __future__ import annotations

from fastapi import APIRouter, FastAPI

from yibao.app.platform import Platform

from . import agreements_routes, claims_routes, evoucher_routes, filings_routes, fund_flow_routes, statistics_routes, supervision_routes
from . import enrollment_routes
from . import verification_routes
from . import family_routes, maternity_routes
from . import payment_routes
from . import findings_routes, rules_routes
from . import users_routes
from . import joint_supervision_routes
from . import prices_routes
from . import list_routes, statement_pdf_routes
from .auth import principal_dependency
from .common import AdminContext

PREFIX, V1_PREFIX = "/admin/api", "/admin/api/v1"

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
    users_routes,
    joint_supervision_routes,
    prices_routes,
    list_routes,
    statement_pdf_routes,
)


def build_router(platform: Platform) -> APIRouter:
    """The admin routes without a prefix (``mount`` adds both)."""
    router = APIRouter(tags=["admin"])
    context = AdminContext(platform, principal_dependency(platform))
    for subject in ROUTE_MODULES:
        subject.add_routes(router, context)
    return router


def mount(app: FastAPI, platform: Platform) -> None:
    from . import docs_pages, problems

    router = build_router(platform)
    app.include_router(router, prefix=V1_PREFIX)
    app.include_router(router, prefix=PREFIX, include_in_schema=False)
    problems.install(app)
    docs_pages.mount(app)
