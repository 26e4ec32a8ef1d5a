"""The dashboard's claims queue (零星报销, issue #13 item 6): the agency's claims by status with
paging, a claim's page (lines with the pre-check and in-event findings, verification requests,
the settlement computed at review, payments), and the reviewer's decisions per line, the payment
and the rejection, through the same use cases as the admin API (app/claims.py).

Signed in as on the dashboard (its session cookie, web/dashboard.py); the signed-in agency is
the actor of every decision. Server-rendered with the Jinja2 templates of templates/claims/,
no script. A refusal is shown, in Chinese, on the claim's page with its HTTP status.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from pathlib import Path
from urllib.parse import parse_qs

import jinja2
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from yibao.app import agencies, claims
from yibao.app.error_codes import refusal
from yibao.app.errors import GatewayError
from yibao.app.platform import Platform
from yibao.domain.claims import REASON_NAMES
from yibao.gateway.body import TOO_LARGE, BodyTooLarge, read_limited

from yibao.admin.auth import COOKIE, SignedIn, check_roles, read_session
from yibao.app import sessions

from .dashboard import STYLE

PAGE_SIZE = 20
STATUS_NAMES = {"submitted": "待审核", "reviewed": "已审核待支付", "paid": "已支付", "rejected": "已拒付", "reversed": "已冲销"}
DECISION_NAMES = (("approve", "全额核准"), ("reduce", "部分核准（扣减）"), ("reject", "拒付"))
LEVEL_NAMES = {"01": "甲类", "02": "乙类", "03": "丙类"}
NOTICES = {"review": "已提交审核，报销金额已按参保地政策计算。", "pay": "已支付给参保人。", "reject": "已拒绝该报销申请。"}
SHORT_REASONS = {code: text.split("（")[0] for code, text in REASON_NAMES.items()}

_templates = jinja2.Environment(loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates"),
                                autoescape=True, trim_blocks=True, lstrip_blocks=True)


def _render(name: str, agency: dict, http_status: int = 200, **values) -> HTMLResponse:
    values.setdefault("csrf", agency.get("_csrf", ""))
    page = _templates.get_template(name).render(style=STYLE, agency=agency, status_names=STATUS_NAMES,
                                                reason_names=SHORT_REASONS, **values)
    return HTMLResponse(page, status_code=http_status)


def signed_in(platform: Platform, request: Request) -> SignedIn | None:
    """The dashboard's session (admin/auth.py: a user's, carrying its roles), or None."""
    return read_session(platform, request.cookies.get(COOKIE, ""))


def signed_in_agency(platform: Platform, request: Request) -> dict | None:
    """The signed-in principal (its agency, user and roles), or None."""
    signed = signed_in(platform, request)
    if signed is None:
        return None
    # the form token of this session travels with the principal to every form (CSRF, as the dashboard)
    return dict(signed.principal, _csrf=sessions.csrf_token(signed.session, signed.key))


def decisions_from_form(claim: dict, form: dict[str, list[str]]) -> list[dict]:
    """One decision per line from the form's ``decision_N``, ``approved_amt_N`` (yuan, read for
    ``reduce`` only) and ``reason_N``; the use case checks them (domain/claims.checked_decisions)."""
    decisions = []
    for line in claim["lines"]:
        n = line["line_no"]
        kind = (form.get(f"decision_{n}") or [""])[0]
        amount_text = (form.get(f"approved_amt_{n}") or [""])[0].strip()
        approved = None
        if kind == "reduce" and amount_text:
            try:
                approved = Decimal(amount_text)
            except InvalidOperation:
                raise refusal("CLAIM_DECISION_AMOUNT", line_no=n, rule="应为以元为单位的金额，如 5000.00") from None
            if not approved.is_finite():
                raise refusal("CLAIM_DECISION_AMOUNT", line_no=n, rule="应为以元为单位的金额，如 5000.00")
        decisions.append({"line_no": n, "decision": kind, "approved_amt": approved,
                          "reason": (form.get(f"reason_{n}") or [""])[0].strip()[:200]})
    return decisions


def build_router(platform: Platform) -> APIRouter:
    router = APIRouter(prefix="/dashboard/claims", include_in_schema=False)

    def own_claim(uow, agency: dict, claim_id: str) -> dict:
        claim = claims.get_claim(uow, claim_id)
        if not agencies.administers(agency, claim["insuplc_admdvs"]):
            raise refusal("ADMIN_NOT_OUR_CLAIM", claim_id=claim_id, agency=agency["agency_code"])
        return claim

    def claim_page(agency: dict, claim_id: str, *, error: str = "", notice: str = "", status: int = 200) -> HTMLResponse:
        try:
            with platform.unit_of_work(agencies.actor(agency), write=False) as uow:
                view = claims.claim_view(uow, own_claim(uow, agency, claim_id))
        except GatewayError as exc:
            return _render("claims/base.html", agency, exc.http_status, title="报销申请", error=exc.message)
        return _render("claims/claim.html", agency, status, title=f"报销申请 {claim_id}", claim=view, error=error,
                       notice=notice, reviewable=view["status"] in ("submitted", "reviewed"),
                       decision_names=DECISION_NAMES, decision_label=dict(DECISION_NAMES), level_names=LEVEL_NAMES)

    @router.get("")
    def queue(request: Request, status: str = "submitted", page: int = 1) -> Response:
        agency = signed_in_agency(platform, request)
        if agency is None:
            return RedirectResponse("/dashboard/login", status_code=303)
        page = max(1, min(page, 10_000))
        wanted = None if status == "all" else status
        try:
            with platform.unit_of_work(agencies.actor(agency), write=False) as uow:
                rows = claims.list_claims(uow, regions=[claims.region_prefix(agency["agency_code"])], status=wanted,
                                          limit=PAGE_SIZE + 1, offset=(page - 1) * PAGE_SIZE)
        except GatewayError as exc:
            return _render("claims/base.html", agency, exc.http_status, title="零星报销", error=exc.message)
        return _render("claims/queue.html", agency, title="零星报销审核队列", claims=rows[:PAGE_SIZE],
                       more=len(rows) > PAGE_SIZE, page=page, status=status, statuses=list(STATUS_NAMES.items()))

    @router.get("/{claim_id}")
    def show(request: Request, claim_id: str, done: str = "") -> Response:
        agency = signed_in_agency(platform, request)
        if agency is None:
            return RedirectResponse("/dashboard/login", status_code=303)
        return claim_page(agency, claim_id, notice=NOTICES.get(done, ""))

    async def act(request: Request, claim_id: str, done: str, action) -> Response:
        """Run one decision of the signed-in agency on its claim; back to the claim's page."""
        agency = signed_in_agency(platform, request)
        if agency is None:
            return RedirectResponse("/dashboard/login", status_code=303)
        try:
            body = await read_limited(request)
        except BodyTooLarge:
            return claim_page(agency, claim_id, error=TOO_LARGE, status=413)
        form = parse_qs(body.decode("utf-8", "replace"))
        if (form.get("csrf") or [""])[0] != agency["_csrf"]:
            return claim_page(agency, claim_id, error="表单已过期，请刷新页面后重试（CSRF）", status=403)

        def decide() -> Response:  # one transaction, off the event loop
            try:
                check_roles(agency, "POST", f"/claims/{{claim_id}}/{done}")  # app/roles.py, as the admin API
                with platform.unit_of_work(agencies.actor(agency)) as uow:
                    claim = claims.claim_view(uow, own_claim(uow, agency, claim_id))
                    action(uow, claim, form)
            except GatewayError as exc:
                return claim_page(agency, claim_id, error=exc.message, status=exc.http_status)
            return RedirectResponse(f"/dashboard/claims/{claim_id}?done={done}", status_code=303)
        return await run_in_threadpool(decide)

    @router.post("/{claim_id}/review")
    async def review(request: Request, claim_id: str) -> Response:
        return await act(request, claim_id, "review", lambda uow, claim, form: claims.review_claim(
            uow, platform, claim_id, decisions_from_form(claim, form)))

    @router.post("/{claim_id}/pay")
    async def pay(request: Request, claim_id: str) -> Response:
        return await act(request, claim_id, "pay", lambda uow, claim, form: claims.pay_claim(uow, platform, claim_id))

    @router.post("/{claim_id}/reject")
    async def reject(request: Request, claim_id: str) -> Response:
        return await act(request, claim_id, "reject", lambda uow, claim, form: claims.reject_claim(
            uow, claim_id, (form.get("reason") or [""])[0]))

    return router
