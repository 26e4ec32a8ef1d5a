"""An agency's dashboard: the month's flows and direct-settlement rate, clearing statements,
prepayment usage and supervision figures, for the regions the agency administers.

A user of the agency signs in with the agency code, the user name and the password
(docs/users-and-roles.md); the agency code with the agency's own token still signs in (deprecated,
acting with every role). The session cookie (``yibao_session``, app/sessions.py) is signed,
HttpOnly, SameSite=Strict and expires after a working day; signing out, a new password or
disabling the user ends it. Every form a signed-in page posts carries the session's CSRF token,
and the sign-in form is refused when posted from another origin.
"""

from __future__ import annotations

import datetime as dt
import html
from urllib.parse import parse_qs, quote, urlsplit

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from yibao.analytics.flows import flows_for_month, totals_by_scope
from yibao.admin.auth import COOKIE, SignedIn, read_session
from yibao.app import actors, agencies, clearing, prepayment, roles as role_table, sessions, supervision, users
from yibao.app.error_codes import CODES
from yibao.gateway.body import TOO_LARGE, BodyTooLarge, read_limited
from yibao.app.listings import status_name
from yibao.app.platform import Platform
from yibao.domain.regions import labelled
from yibao.store.repository import from_fen
from yibao.store.unit_of_work import SqlUnitOfWork

FIRST_MONTH, LAST_MONTH = dt.date(2000, 1, 1), dt.date(2099, 12, 1)  # the months the dashboard shows
SESSION_SECONDS = sessions.SESSION_SECONDS
SCOPE_NAMES = {"local": "本地", "in_province": "省内异地", "cross_province": "跨省异地"}
STYLE = """
body{font-family:system-ui,"Noto Sans CJK SC",sans-serif;margin:0;background:#f5f6f8;color:#1d2330}
header{background:#1f4e79;color:#fff;padding:12px 24px;display:flex;justify-content:space-between;align-items:center}
header a{color:#cfe3ff;margin-left:16px}main{padding:16px 24px}h2{font-size:17px;margin:24px 0 8px}
.cards{display:flex;gap:12px;flex-wrap:wrap}.card{background:#fff;border-radius:6px;padding:12px 16px;min-width:170px;
box-shadow:0 1px 2px #0002}.card b{display:block;font-size:22px;margin-top:4px}
table{border-collapse:collapse;background:#fff;width:100%;box-shadow:0 1px 2px #0002}th,td{padding:6px 10px;
border-bottom:1px solid #e4e7ec;text-align:right;font-variant-numeric:tabular-nums}th:first-child,td:first-child,
th:nth-child(2),td:nth-child(2){text-align:left}.bar{background:#4a90d9;height:10px;display:inline-block}
.warn{color:#b42318;font-weight:600}form{background:#fff;padding:24px;max-width:360px;margin:60px auto;border-radius:6px}
input{width:100%;padding:8px;margin:6px 0 14px;box-sizing:border-box}button{padding:8px 18px}.err{color:#b42318}
form.inline{display:inline;background:none;padding:0;margin:0 0 0 16px}form.inline button{padding:2px 10px}
.hint{color:#5b6473;font-size:13px}
"""


def _who(signed: SignedIn) -> str:
    principal = signed.principal
    person = principal.get("display_name") or principal.get("username") or "机构令牌（已弃用）"
    role_names = "、".join(role_table.ROLES.get(role, role) for role in principal["roles"])
    csrf = sessions.csrf_token(signed.session, signed.key)
    return (f"<span id=who>{html.escape(principal['agency_name'])}（{html.escape(principal['agency_code'])}） · "
            f"{html.escape(person)}（{html.escape(role_names)}）"
            f"<form method=post action='/dashboard/logout' class=inline><input type=hidden name=csrf value='{csrf}'>"
            f"<button type=submit id=logout>退出</button></form></span>")


NAV = (("/dashboard", "概况"), ("/dashboard/trends", "趋势"), ("/dashboard/pairs", "参保地×就医地"),
       ("/dashboard/search", "查询"), ("/dashboard/statements", "清算单"), ("/dashboard/filings", "备案"),
       ("/dashboard/findings", "疑点"), ("/dashboard/claims", "零星报销"))  # the same as web/daily_pages.NAV


def _nav() -> str:
    links = "".join(f"<a href='{href}' style='margin-right:18px;color:#1f4e79'>{name}</a>" for href, name in NAV)
    return f"<nav id=nav style='background:#fff;padding:8px 24px;box-shadow:0 1px 2px #0002'>{links}</nav>"


def _page(title: str, body: str, signed: SignedIn | None = None) -> HTMLResponse:
    who = _who(signed) if signed else ""
    # no favicon file: the empty data URL keeps the browser from asking for /favicon.ico
    return HTMLResponse(f"<!doctype html><html lang=zh><meta charset=utf-8><title>{html.escape(title)}</title>"
                        f"<link rel=icon href='data:,'><style>{STYLE}</style><header><strong>yibao 医保结算平台</strong>{who}</header>"
                        f"{_nav() if signed else ''}<main>{body}</main></html>")


def _rate(value) -> str:
    """A rate as a percentage, "—" where it is undefined (app/statistics.ratio)."""
    return "—" if value is None else f"{value * 100:.1f}%"


def _table(columns: list[str], rows: list[list], empty: str = "无数据") -> str:
    head = "".join(f"<th>{html.escape(c)}</th>" for c in columns)
    if not rows:
        return f"<table><tr>{head}</tr><tr><td colspan={len(columns)}>{html.escape(empty)}</td></tr></table>"
    body = "".join("<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>" for row in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def _e(value) -> str:
    return html.escape(str(value))


def _refused(title: str, message: str, status: int, signed: SignedIn | None = None) -> HTMLResponse:
    response = _page(title, f"<p class=err id=error>{_e(message)}</p><p><a href='/dashboard'>返回</a></p>", signed)
    response.status_code = status
    return response


def _field(form: dict, name: str) -> str:
    return (form.get(name) or [""])[0].strip()


def _cross_site(request: Request) -> str:
    """The foreign origin a form was posted from, "" if it is ours (or the client named none).
    Browsers send Origin (and Sec-Fetch-Site) with every form POST; another site cannot forge them.
    The host is compared, not the scheme, so a TLS-terminating proxy in front changes nothing."""
    origin = request.headers.get("origin", "")
    if request.headers.get("sec-fetch-site", "") == "cross-site":
        return origin or "cross-site"
    if origin and urlsplit(origin).netloc != request.headers.get("host", ""):
        return origin  # also "null", a sandboxed or privacy-stripped origin
    return ""


LOGIN_FORM = ("<form method=post action='/dashboard/login'><h2>经办机构登录</h2>{message}"
              "<label>机构编码（统筹区）<input name=agency_code id=agency_code autocomplete=organization></label>"
              "<label>用户名<input name=username id=username autocomplete=username></label>"
              "<label>密码<input name=password id=password type=password autocomplete=current-password></label>"
              "<button type=submit id=login>登录</button>"
              "<p class=hint>用户由本机构管理员用 <code>yibao users add</code> 创建。用户名留空时，密码栏可填机构令牌"
              "（已弃用，将停止支持）。</p></form>")


def _sign_in(platform: Platform, code: str, username: str, password: str) -> tuple[str, str] | None:
    """(subject, key) of the session to issue, None if the credentials are wrong."""
    if "\x00" in code + username + password or len(code) != 6 or not code.isdigit():  # PostgreSQL compares no NUL
        return None
    with platform.unit_of_work(actors.SYSTEM, write=False) as uow:
        if username:
            principal = users.sign_in(uow, code, username, password)
            return (principal["user_id"], principal["session_key"]) if principal else None
        agency = agencies.authenticate(uow, code, password)  # the agency's own token (deprecated)
        return (code, agency["token_hash"]) if agency and agency["role"] == "agency" else None


def build_router(platform: Platform) -> APIRouter:
    router = APIRouter(prefix="/dashboard", include_in_schema=False)

    def now_seconds() -> int:  # sessions expire by the platform's clock, fixed or not (yibao.settings)
        return int(platform.clock().timestamp())

    def signed_in(request: Request) -> SignedIn | None:
        return read_session(platform, request.cookies.get(COOKIE, ""))

    async def posted_form(request: Request) -> dict | None:
        try:
            return parse_qs((await read_limited(request)).decode("utf-8", "replace"))
        except BodyTooLarge:
            return None

    @router.get("/login")
    def login_form(error: str = "") -> HTMLResponse:
        return _page("登录", LOGIN_FORM.format(message=f"<p class=err id=error>{_e(error)}</p>" if error else ""))

    @router.post("/login")
    async def login(request: Request) -> Response:
        form = await posted_form(request)
        if form is None:
            return _refused("请求体过大", TOO_LARGE, 413)
        foreign = _cross_site(request)
        if foreign:
            return _refused("登录被拒绝", CODES["USER_CROSS_SITE"].text(origin=foreign[:80]), 403)
        password = _field(form, "password") or _field(form, "token")  # ``token``: the form before users existed
        issued = _sign_in(platform, _field(form, "agency_code"), _field(form, "username"), password)
        if issued is None:
            return RedirectResponse("/dashboard/login?error=" + quote("机构编码、用户名或密码不正确"), status_code=303)
        response = RedirectResponse("/dashboard", status_code=303)
        response.set_cookie(COOKIE, sessions.issue(issued[0], issued[1], now_seconds()), max_age=SESSION_SECONDS,
                            httponly=True, samesite="strict", secure=request.url.scheme == "https")
        return response

    @router.get("/logout")
    def logout_page(request: Request) -> Response:
        signed = signed_in(request)
        if signed is None:
            return RedirectResponse("/dashboard/login", status_code=303)
        return _page("退出", "<p>点击右上角的“退出”结束本次登录。</p>", signed)

    @router.post("/logout")
    async def logout(request: Request) -> Response:
        signed, form = signed_in(request), await posted_form(request)
        if signed is not None:
            if form is None or not sessions.csrf_ok(signed.session, signed.key, _field(form, "csrf")):
                return _refused("退出被拒绝", CODES["USER_CSRF_FAILED"].text(), 403, signed)
            if signed.principal["user_id"]:  # ends every session of the user (app/users.sign_out)
                with platform.unit_of_work(agencies.actor(signed.principal)) as uow:
                    users.sign_out(uow, signed.principal["user_id"])
        response = RedirectResponse("/dashboard/login", status_code=303)
        response.delete_cookie(COOKIE, httponly=True, samesite="strict")
        return response

    @router.get("")
    def overview(request: Request, month: str = "") -> Response:
        signed = signed_in(request)
        if signed is None:
            return RedirectResponse("/dashboard/login", status_code=303)
        agency = signed.principal
        today = platform.clock().date()
        try:
            start = dt.datetime.strptime(month, "%Y-%m").date() if month else today.replace(day=1)
        except ValueError:
            start = today.replace(day=1)
        if not FIRST_MONTH <= start <= LAST_MONTH:  # the previous / next month links must exist too
            return _refused("月份超出范围", f"月份应在 {FIRST_MONTH:%Y-%m} 至 {LAST_MONTH:%Y-%m} 之间，收到 {month[:20]}",
                            400, signed)
        month = start.strftime("%Y-%m")
        previous = (start - dt.timedelta(days=1)).strftime("%Y-%m")
        following = (start + dt.timedelta(days=32)).strftime("%Y-%m")

        def mine(*regions: str) -> bool:
            return any(agencies.administers(agency, region) for region in regions)

        with platform.reports_database.read() as conn:  # a replica when configured (store/reports.py)
            flows = [r for r in flows_for_month(conn, month) if mine(r["insuplc_admdvs"], r["mdtrtarea_admvs"])]
            # the fund flows and figures read through a unit of work inside the page's one read transaction
            with SqlUnitOfWork.joining(conn, agencies.actor(agency), platform.clock()) as uow:
                statements = [s for s in clearing.statements(uow, month) if mine(s["insuplc_admdvs"], s["mdtrtarea_admvs"])]
                usage = [u for u in prepayment.usage(uow, start.year) if mine(u["insured_admdvs"])]
                stats = supervision.supervision_stats(uow, begin=start.replace(month=1, day=1), end=today,
                                                      admdvs=agency["agency_code"])
        totals = totals_by_scope(flows)
        all_settled = sum(t["setl_cnt"] for t in totals)
        cards = "".join(
            f"<div class=card>{_e(SCOPE_NAMES.get(t['scope'], t['scope']))}结算<b>{t['setl_cnt']} 笔</b>"
            f"医疗费 {_e(t['medfee_sumamt'])} · 基金 {_e(t['fund_pay_sumamt'])}<br>直接结算率 {_rate(t['direct_rate'])}</div>"
            for t in totals) or "<div class=card>本月尚无结算<b>0 笔</b></div>"
        widest = max((r["setl_cnt"] for r in flows), default=1) or 1
        flow_rows = [[_e(labelled(r["insuplc_admdvs"])), _e(labelled(r["mdtrtarea_admvs"])), _e(SCOPE_NAMES.get(r["scope"], r["scope"])),
                      f"{r['setl_cnt']} <span class=bar style='width:{max(2, 120 * r['setl_cnt'] // widest)}px'></span>",
                      _e(r["medfee_sumamt"]), _e(r["fund_pay_sumamt"]), _rate(r["direct_rate"])] for r in flows]
        statement_rows = [[_e(labelled(s["insuplc_admdvs"])), _e(labelled(s["mdtrtarea_admvs"])), s["setl_cnt"],
                           _e(from_fen(s["clearing_amount_fen"])), _e(status_name(s["status"]))] for s in statements]
        usage_rows = [[_e(labelled(u["insured_admdvs"])), _e(labelled(u["treatment_prov"])), _e(u["prepaid"]), _e(u["available"]),
                       _e(u["outstanding"]), f"{u['usage'] * 100:.1f}%" if u["usage"] is not None else "—",
                       "<span class=warn>预警</span>" if u["warning"] else ""] for u in usage]
        body = (
            f"<h1>{_e(month)} 结算概况 <small><a href='/dashboard?month={previous}'>‹ 上月</a> "
            f"<a href='/dashboard?month={following}'>下月 ›</a></small></h1>"
            f"<form method=get class=inline id=month-form style='margin:0 0 12px'>月份 <input type=month name=month "
            f"id=month value='{month}' style='width:auto;margin:0 8px'><button type=submit>查看</button></form>"
            f"<div class=cards id=summary>{cards}<div class=card>合计<b>{all_settled} 笔</b></div></div>"
            f"<h2>参保地 × 就医地</h2>{_table(['参保地', '就医地', '类别', '结算笔数', '医疗费总额', '基金支付', '直接结算率'], flow_rows)}"
            f"<h2>清算单</h2>{_table(['参保地', '就医地', '笔数', '清算金额', '状态'], statement_rows, '本月尚未清算')}"
            f"<h2>预付金 {start.year}</h2>{_table(['参保地', '就医省', '已预付', '可用', '未清算', '使用率', ''], usage_rows)}"
            f"<h2>基金监管（{start.year} 年至今）</h2><div class=cards>"
            f"<div class=card>案件<b>{stats['cases']}</b></div><div class=card>追回<b>{_e(stats['recovered'])}</b></div>"
            f"<div class=card>自查退款<b>{_e(stats['refunded_by_self_inspection'])}</b></div>"
            f"<div class=card>罚款<b>{_e(stats['penalties'])}</b></div>"
            f"<div class=card>暂停协议<b>{stats['institutions_suspended']}</b></div>"
            f"<div class=card>解除协议<b>{stats['institutions_terminated']}</b></div></div>"
        )
        return _page(f"yibao {month}", body, signed)

    return router
