"""The dashboard as a daily tool (issue #16 item 2): trends, region pairs and their drill-down
(pair → institution → settlement → fee lines and split), search, clearing statements with
their confirm and pay actions, filings with their form, and the findings queue (疑点).

Signed in as on the dashboard (web/dashboard.py; a user's session carries its roles). Every
page reads through the one statistics module (app/statistics.py) or the lists of
app/listings.py, scoped to the agency's regions; every region is shown by its name
(domain/regions.py) and every status in Chinese. Every action posts the session's CSRF token,
is checked against the user's roles exactly as the admin API's route would be (app/roles.py:
a clerk sees no pay button and a forged post is refused), and runs the existing use case in one
unit of work whose actor is the signed-in user. The charts are ECharts, served by the app
itself (static/vendor), never from a CDN.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from urllib.parse import parse_qs, urlencode

import jinja2
from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from yibao.admin.auth import COOKIE, SignedIn, check_roles, read_session
from yibao.app import agencies, clearing, filings, findings, listings, roles as role_table, sessions, statistics
from yibao.app.errors import GatewayError
from yibao.app.platform import Platform
from yibao.domain.audit import queue
from yibao.domain.regions import region_name
from yibao.gateway.body import BodyTooLarge, read_limited

from .dashboard import NAV, SCOPE_NAMES, STYLE

PAGE_SIZE = 20
MAX_TREND_MONTHS = 36
ECHARTS = Path(__file__).parent / "static" / "vendor" / "echarts-6.1.0.min.js"
FINDING_STATUS_NAMES = {"new": "新疑点", "checking": "核查中", "confirmed": "已确认违规", "dismissed": "已排除",
                        "appealed": "申诉中"}
MOVE_NAMES = {"checking": "开始核查", "confirmed": "确认违规", "dismissed": "排除", "appealed": "登记申诉"}
FILING_TYPES = (("long_term", "异地长期居住"), ("referral", "转诊转院"), ("emergency", "急诊抢救"),
                ("temporary_other", "其他临时外出"))
LEVEL_NAMES = {"01": "甲类", "02": "乙类", "03": "丙类"}
NOTICES = {"confirm": "清算单已确认。", "pay": "清算单已支付。", "filing": "备案已登记。", "move": "疑点状态已更新。"}

_templates = jinja2.Environment(loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates"),
                                autoescape=True, trim_blocks=True, lstrip_blocks=True)


def rate(value) -> str:
    """A rate as a percentage, "—" where it is undefined (app/statistics.ratio)."""
    return "—" if value is None else f"{value * 100:.2f}%"


def may(principal: dict, method: str, route: str) -> bool:
    """Whether the user's roles allow the admin route this page action stands for (app/roles.py)."""
    return role_table.allowed(frozenset(principal["roles"]), method, route)


def _day(text: str, default: dt.date) -> dt.date:
    try:
        day = dt.date.fromisoformat(text) if text else default
    except ValueError:
        return default
    return day if dt.date(2000, 1, 1) <= day <= dt.date(2099, 12, 31) else default


def _months(begin: dt.date, end: dt.date) -> list[tuple[dt.date, dt.date]]:
    """The calendar months of [begin, end], each cut to the range (at most MAX_TREND_MONTHS, the last ones)."""
    months, first = [], begin.replace(day=1)
    while first <= end:
        following = (first + dt.timedelta(days=32)).replace(day=1)
        months.append((max(first, begin), min(following - dt.timedelta(days=1), end)))
        first = following
    return months[-MAX_TREND_MONTHS:]


def _named_pair(row: dict) -> dict:
    return dict(row, insuplc_admdvs_name=region_name(row.get("insuplc_admdvs")),
                mdtrtarea_admvs_name=region_name(row.get("mdtrtarea_admvs")))


class Pages:
    """The pages' shared machinery: the session, the rendering, the reads and the actions."""

    def __init__(self, platform: Platform):
        self.platform = platform

    def signed(self, request: Request) -> SignedIn | None:
        return read_session(self.platform, request.cookies.get(COOKIE, ""))

    def render(self, name: str, signed: SignedIn, here: str, http_status: int = 200, **values) -> HTMLResponse:
        principal = signed.principal
        person = principal.get("display_name") or principal.get("username") or "机构令牌（已弃用）"
        values.setdefault("csrf", sessions.csrf_token(signed.session, signed.key))
        page = _templates.get_template(f"daily/{name}").render(
            style=STYLE, agency=principal, person=person, nav=NAV, here=here, rate=rate, scope_names=SCOPE_NAMES,
            role_names="、".join(role_table.ROLES.get(r, r) for r in principal["roles"]), **values)
        return HTMLResponse(page, status_code=http_status)

    def read(self, signed: SignedIn, action):
        with self.platform.unit_of_work(agencies.actor(signed.principal), write=False) as uow:
            return action(uow)

    def today(self) -> dt.date:
        return self.platform.clock().date()

    def period(self, request: Request) -> tuple[dt.date, dt.date, str]:
        today = self.today()
        end = _day(request.query_params.get("to", ""), today)
        begin = _day(request.query_params.get("from", ""), end.replace(month=1, day=1))
        role = request.query_params.get("role", "insured")
        return (min(begin, end), end, role if role in statistics.ROLES else "insured")

    async def act(self, request: Request, route: str, action, back: str, done: str, failed) -> Response:
        """One page action: the session, its CSRF token, the roles of ``route``, then ``action(uow,
        form)`` in one unit of work of the signed-in user; a refusal re-renders ``failed(signed, error, status)``."""
        signed = self.signed(request)
        if signed is None:
            return RedirectResponse("/dashboard/login", status_code=303)
        try:
            form = parse_qs((await read_limited(request)).decode("utf-8", "replace"))
        except BodyTooLarge:
            return failed(signed, "请求体过大", 413)
        if not sessions.csrf_ok(signed.session, signed.key, (form.get("csrf") or [""])[0]):
            return failed(signed, "表单已过期，请刷新页面后重试（CSRF）", 403)

        def run() -> Response:
            try:
                check_roles(signed.principal, "POST", route)
                with self.platform.unit_of_work(agencies.actor(signed.principal)) as uow:
                    action(uow, signed.principal, {k: v[0].strip() for k, v in form.items() if v})
            except GatewayError as exc:
                return failed(signed, exc.message, exc.http_status)
            separator = "&" if "?" in back else "?"
            return RedirectResponse(f"{back}{separator}done={done}", status_code=303)
        return await run_in_threadpool(run)


def build_router(platform: Platform) -> APIRouter:
    router = APIRouter(prefix="/dashboard", include_in_schema=False)
    pages = Pages(platform)

    @router.get("/static/echarts.min.js")
    def echarts() -> FileResponse:
        return FileResponse(ECHARTS, media_type="text/javascript", headers={"Cache-Control": "max-age=86400"})

    add_statistics_pages(router, pages)
    add_drill_down_pages(router, pages)
    add_statement_pages(router, pages)
    add_filing_pages(router, pages)
    add_finding_pages(router, pages)
    return router


def add_statistics_pages(router: APIRouter, pages: Pages) -> None:
    @router.get("/trends")
    def trends(request: Request) -> Response:
        signed = pages.signed(request)
        if signed is None:
            return RedirectResponse("/dashboard/login", status_code=303)
        begin, end, role = pages.period(request)
        code = signed.principal["agency_code"]

        def month_totals(uow) -> list[dict]:
            return [dict(statistics.settlements(uow, agency_code=code, begin=first, end=last, role=role,
                                                by="scope")["total"], month=f"{first:%Y-%m}")
                    for first, last in _months(begin, end)]
        months = pages.read(signed, month_totals)
        chart = {"months": [m["month"] for m in months], "setl_cnt": [m["setl_cnt"] for m in months],
                 "prev": [m["prev_year_setl_cnt"] for m in months],
                 "direct_rate": [None if m["direct_rate"] is None else float(m["direct_rate"] * 100) for m in months],
                 "fund_ratio": [None if m["fund_ratio"] is None else float(m["fund_ratio"] * 100) for m in months]}
        return pages.render("trends.html", signed, "/dashboard/trends", title="结算趋势", months=months, begin=begin,
                            end=end, role=role, chart_json=json.dumps(chart).replace("</", "<\\/"))

    @router.get("/pairs")
    def pairs(request: Request) -> Response:
        signed = pages.signed(request)
        if signed is None:
            return RedirectResponse("/dashboard/login", status_code=303)
        begin, end, role = pages.period(request)
        figures = pages.read(signed, lambda uow: statistics.settlements(
            uow, agency_code=signed.principal["agency_code"], begin=begin, end=end, role=role, by="pair"))
        return pages.render("pairs.html", signed, "/dashboard/pairs", title="参保地×就医地", begin=begin, end=end,
                            role=role, rows=[_named_pair(row) for row in figures["rows"]])


def _page_number(request: Request) -> int:
    try:
        return max(1, min(int(request.query_params.get("page", "1")), 100_000))
    except ValueError:
        return 1


def _paged(pages: Pages, signed: SignedIn, subject: str, filters: dict, number: int) -> dict:
    document = pages.read(signed, lambda uow: listings.page(
        uow, subject, agency_code=signed.principal["agency_code"], filters=filters, limit=PAGE_SIZE,
        offset=(number - 1) * PAGE_SIZE))
    return dict(document, page=number, pages=max(1, -(-document["total"] // PAGE_SIZE)),
                query=urlencode({k: v for k, v in filters.items() if v not in (None, "")}))


SETTLEMENT_FILTERS = {"fixmedins_code": "机构", "insuplc_admdvs": "参保地", "mdtrtarea_admvs": "就医地", "psn_no": "人员编号",
                      "from": "自", "to": "至"}


def add_drill_down_pages(router: APIRouter, pages: Pages) -> None:
    @router.get("/pairs/{insured}/{treatment}")
    def pair(request: Request, insured: str, treatment: str) -> Response:
        signed = pages.signed(request)
        if signed is None:
            return RedirectResponse("/dashboard/login", status_code=303)
        begin, end, _ = pages.period(request)
        rows = pages.read(signed, lambda uow: listings.pair_institutions(
            uow, insured[:6], treatment[:6], begin, end, agency_code=signed.principal["agency_code"]))
        return pages.render("pair.html", signed, "/dashboard/pairs", title="机构", rows=rows, begin=begin, end=end,
                            insured=insured[:6], treatment=treatment[:6], insured_name=region_name(insured[:6]),
                            treatment_name=region_name(treatment[:6]))

    @router.get("/settlements")
    def settlements(request: Request) -> Response:
        signed = pages.signed(request)
        if signed is None:
            return RedirectResponse("/dashboard/login", status_code=303)
        wanted = {key: request.query_params.get(key, "")[:30] for key in SETTLEMENT_FILTERS}
        filters = dict(wanted, **{key: _day(wanted[key], None) if wanted[key] else None for key in ("from", "to")})
        try:
            document = _paged(pages, signed, "settlements", filters, _page_number(request))
        except GatewayError as exc:
            return pages.render("settlements.html", signed, "/dashboard/search", exc.http_status, title="结算明细",
                                error=exc.message, items=[], total=0, page=1, pages=1, query="", shown_filters=[])
        shown = [(name, region_name(wanted[key]) if key.endswith(("admdvs", "admvs")) else wanted[key])
                 for key, name in SETTLEMENT_FILTERS.items() if wanted[key]]
        return pages.render("settlements.html", signed, "/dashboard/search", title="结算明细", shown_filters=shown,
                            **document)

    @router.get("/settlements/{setl_id}")
    def settlement(request: Request, setl_id: str) -> Response:
        signed = pages.signed(request)
        if signed is None:
            return RedirectResponse("/dashboard/login", status_code=303)
        try:
            view = pages.read(signed, lambda uow: listings.settlement_view(
                uow, setl_id[:30], agency_code=signed.principal["agency_code"]))
        except GatewayError as exc:
            return pages.render("search.html", signed, "/dashboard/search", exc.http_status, title="结算",
                                error=exc.message, q="", found={})
        return pages.render("settlement.html", signed, "/dashboard/search", title=f"结算 {setl_id}", s=view,
                            level_names=LEVEL_NAMES)

    @router.get("/search")
    def search(request: Request, q: str = "") -> Response:
        signed = pages.signed(request)
        if signed is None:
            return RedirectResponse("/dashboard/login", status_code=303)
        found = pages.read(signed, lambda uow: listings.search(uow, q, agency_code=signed.principal["agency_code"]))
        return pages.render("search.html", signed, "/dashboard/search", title="查询", q=q.strip()[:60], found=found)


def _statement_side(principal: dict, row: dict) -> str:
    """The side this agency confirms, as the admin API decides it (admin/fund_flow_routes.py):
    the insured side first while it is unconfirmed, else the treatment side."""
    insured = agencies.administers(principal, row["insuplc_admdvs"])
    if insured and row["insured_confirmed_at"] is None:
        return "insured"
    if agencies.administers(principal, row["mdtrtarea_admvs"]):
        return "treatment"
    if insured:
        return "insured"
    from yibao.app.error_codes import refusal

    raise refusal("ADMIN_NOT_STATEMENT_SIDE", agency=principal["agency_code"], statement_id=row["statement_id"])


def add_statement_pages(router: APIRouter, pages: Pages) -> None:
    def listing(request: Request, signed: SignedIn, error: str = "", status: int = 200) -> Response:
        month = request.query_params.get("month", "")[:7]
        month = month if len(month) == 7 and month[:4].isdigit() and month[5:].isdigit() else ""
        document = _paged(pages, signed, "statements", {"month": month}, _page_number(request))
        for item in document["items"]:
            item["insured_here"] = agencies.administers(signed.principal, item["insuplc_admdvs"])
        return pages.render("statements.html", signed, "/dashboard/statements", status, title="清算单", month=month,
                            error=error, notice=NOTICES.get(request.query_params.get("done", ""), ""),
                            may_settle=may(signed.principal, "POST", "/clearing/statements/{statement_id}/pay"),
                            **document)

    @router.get("/statements")
    def statements(request: Request) -> Response:
        signed = pages.signed(request)
        if signed is None:
            return RedirectResponse("/dashboard/login", status_code=303)
        return listing(request, signed)

    def confirm(uow, principal: dict, statement_id: str) -> None:
        row = clearing.get_statement(uow, statement_id)
        clearing.confirm(uow, statement_id, _statement_side(principal, row))

    def pay(uow, principal: dict, statement_id: str) -> None:
        if not agencies.administers(principal, clearing.get_statement(uow, statement_id)["insuplc_admdvs"]):
            from yibao.app.error_codes import refusal

            raise refusal("ADMIN_ONLY_INSURED_PAYS", what="清算单")
        clearing.pay(uow, statement_id)

    for verb, use_case in (("confirm", confirm), ("pay", pay)):
        async def action(request: Request, statement_id: str, verb=verb, use_case=use_case) -> Response:
            return await pages.act(request, f"/clearing/statements/{{statement_id}}/{verb}",
                             lambda uow, principal, form: use_case(uow, principal, statement_id[:30]),
                             "/dashboard/statements", verb, lambda signed, error, status: listing(
                                 request, signed, error, status))
        router.add_api_route(f"/statements/{{statement_id}}/{verb}", action, methods=["POST"])


def add_filing_pages(router: APIRouter, pages: Pages) -> None:
    def listing(request: Request, signed: SignedIn, error: str = "", status: int = 200) -> Response:
        wanted = {"psn_no": request.query_params.get("psn_no", "")[:30],
                  "status": request.query_params.get("status", "") if request.query_params.get("status") in
                  ("active", "cancelled") else ""}
        document = _paged(pages, signed, "filings", wanted, _page_number(request))
        return pages.render("filings.html", signed, "/dashboard/filings", status, title="备案", error=error,
                            notice=NOTICES.get(request.query_params.get("done", ""), ""), today=pages.today(),
                            may_file=may(signed.principal, "POST", "/filings"), filing_types=FILING_TYPES,
                            filing_type_names=dict(FILING_TYPES), psn_no=wanted["psn_no"], status=wanted["status"],
                            **document)

    @router.get("/filings")
    def filings_page(request: Request) -> Response:
        signed = pages.signed(request)
        if signed is None:
            return RedirectResponse("/dashboard/login", status_code=303)
        return listing(request, signed)

    def create(uow, principal: dict, form: dict) -> None:
        """As ``POST /admin/api/v1/filings``: the person must be insured here; the action log names the user."""
        from yibao.app.error_codes import refusal

        psn_no = form.get("psn_no", "")[:30]
        region = uow.registry.insured_region(psn_no)
        if region is None:
            raise refusal("ADMIN_PERSON_NOT_FOUND", psn_no=psn_no)
        if not agencies.administers(principal, region):
            raise refusal("ADMIN_PERSON_NOT_ADMINISTERED", psn_no=psn_no, region=region, agency=principal["agency_code"])
        row = filings.create_filing(
            uow, psn_no=psn_no, filing_type=form.get("filing_type", ""), dest_admdvs=form.get("dest_admdvs", "")[:6],
            begndate=_day(form.get("begndate", ""), uow.now.date()), enddate=_day(form.get("enddate", ""), None),
            source="agency", created_by=principal["agency_code"])
        uow.actions.record("filing.create", str(row["filing_no"]), {"psn_no": psn_no, "status": row.get("status")})

    @router.post("/filings")
    async def file(request: Request) -> Response:
        return await pages.act(request, "/filings", create, "/dashboard/filings", "filing",
                               lambda signed, error, status: listing(request, signed, error, status))


def _finding_rows(uow, agency_code: str, status: str | None, number: int) -> dict:
    found = findings.list_findings(uow, status=status, agency_region=agency_code, limit=PAGE_SIZE,
                                   offset=(number - 1) * PAGE_SIZE)
    history = uow.findings.history([row["finding_id"] for row in found["findings"]])
    items = []
    for row in found["findings"]:
        steps = history.get(row["finding_id"], [])
        moves = [to for to in queue.TRANSITIONS[row["status"]] if queue.may_move([s["to_status"] for s in steps], to)]
        items.append(dict(listings.row_view(row), assignee=steps[-1]["by"] if steps else "",
                          next=[(to, queue.needs_reason(row["status"], to)) for to in moves]))
    return {"items": items, "total": found["total"]}


def add_finding_pages(router: APIRouter, pages: Pages) -> None:
    def listing(request: Request, signed: SignedIn, error: str = "", status_code: int = 200) -> Response:
        status = request.query_params.get("status", "new")
        status = status if status in FINDING_STATUS_NAMES or status == "all" else "new"
        number = _page_number(request)
        document = pages.read(signed, lambda uow: _finding_rows(
            uow, signed.principal["agency_code"], None if status == "all" else status, number))
        return pages.render("findings.html", signed, "/dashboard/findings", status_code, title="疑点", error=error,
                            notice=NOTICES.get(request.query_params.get("done", ""), ""), status=status,
                            statuses=list(FINDING_STATUS_NAMES.items()), status_names=FINDING_STATUS_NAMES,
                            move_names=MOVE_NAMES, may_move=may(signed.principal, "POST", "/findings/{finding_id}/transition"),
                            page=number, pages=max(1, -(-document["total"] // PAGE_SIZE)),
                            query=urlencode({"status": status}), **document)

    @router.get("/findings")
    def findings_page(request: Request) -> Response:
        signed = pages.signed(request)
        if signed is None:
            return RedirectResponse("/dashboard/login", status_code=303)
        return listing(request, signed)

    @router.post("/findings/{finding_id}/move")
    async def move(request: Request, finding_id: str) -> Response:
        def action(uow, principal: dict, form: dict) -> None:
            findings.move(uow, finding_id[:30], form.get("to", ""), reason=form.get("reason", "")[:4000],
                          agency_region=principal["agency_code"])
        status = request.query_params.get("status", "new")
        return await pages.act(request, "/findings/{finding_id}/transition", action,
                               f"/dashboard/findings?status={status if status in FINDING_STATUS_NAMES else 'all'}",
                               "move", lambda signed, error, code: listing(request, signed, error, code))
