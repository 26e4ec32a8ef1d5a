"""An agency's dashboard: the month's flows and direct-settlement rate, clearing statements,
prepayment usage and supervision figures, for the regions the agency administers.

Sign-in with the agency code and its admin API token; the session cookie is signed with the
agency's stored token hash, so a new token ends every session of the old one.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import html
from urllib.parse import parse_qs, quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from yibao.analytics.flows import flows_for_month, totals_by_scope
from yibao.app import actors, agencies, clearing, prepayment, supervision
from yibao.gateway.body import TOO_LARGE, BodyTooLarge, read_limited
from yibao.app.platform import Platform
from yibao.store.repository import from_fen
from yibao.store.unit_of_work import SqlUnitOfWork

COOKIE = "yibao_agency"
FIRST_MONTH, LAST_MONTH = dt.date(2000, 1, 1), dt.date(2099, 12, 1)  # the months the dashboard shows
SESSION_SECONDS = 8 * 3600
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
"""


def _sign(code: str, expiry: int, key: str) -> str:
    return hmac.new(key.encode(), f"{code}|{expiry}".encode(), hashlib.sha256).hexdigest()


def _page(title: str, body: str, agency: dict | None = None) -> HTMLResponse:
    who = (f"<span>{html.escape(agency['agency_name'])}（{html.escape(agency['agency_code'])}）"
           f"<a href='/dashboard/claims'>零星报销</a><a href='/dashboard/logout'>退出</a></span>") if agency else ""
    return HTMLResponse(f"<!doctype html><html lang=zh><meta charset=utf-8><title>{html.escape(title)}</title>"
                        f"<style>{STYLE}</style><header><strong>yibao 医保结算平台</strong>{who}</header>"
                        f"<main>{body}</main></html>")


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


def _refused(title: str, message: str, status: int, agency: dict | None = None) -> HTMLResponse:
    response = _page(title, f"<p class=err id=error>{_e(message)}</p><p><a href='/dashboard'>返回</a></p>", agency)
    response.status_code = status
    return response


def build_router(platform: Platform) -> APIRouter:
    router = APIRouter(prefix="/dashboard", include_in_schema=False)
    database = platform.database

    def now_seconds() -> int:  # sessions expire by the platform's clock, fixed or not (yibao.settings)
        return int(platform.clock().timestamp())

    def session(request: Request) -> dict | None:
        try:
            code, expiry, signature = request.cookies.get(COOKIE, "").split(".")
            if len(expiry) > 20 or int(expiry) < now_seconds() or "\x00" in code or len(code) > 6:
                return None
        except ValueError:
            return None
        with platform.unit_of_work(actors.SYSTEM, write=False) as uow:
            row = agencies.get(uow, code)
        if row is None or not hmac.compare_digest(signature, _sign(code, int(expiry), row["token_hash"])):
            return None
        return row

    @router.get("/login")
    def login_form(error: str = "") -> HTMLResponse:
        message = f"<p class=err>{_e(error)}</p>" if error else ""
        return _page("登录", f"<form method=post action='/dashboard/login'><h2>经办机构登录</h2>{message}"
                             "<label>机构编码（统筹区）<input name=agency_code id=agency_code></label>"
                             "<label>令牌<input name=token id=token type=password></label>"
                             "<button type=submit id=login>登录</button></form>")

    @router.post("/login")
    async def login(request: Request) -> Response:
        try:
            body = await read_limited(request)
        except BodyTooLarge:
            return _refused("请求体过大", TOO_LARGE, 413)
        form = parse_qs(body.decode("utf-8", "replace"))
        code, token = (form.get("agency_code") or [""])[0].strip(), (form.get("token") or [""])[0].strip()
        agency = None
        if "\x00" not in code + token and len(code) <= 6:  # PostgreSQL compares no NUL; codes are six digits
            with platform.unit_of_work(actors.SYSTEM, write=False) as uow:
                agency = agencies.authenticate(uow, code, token)
        if agency is None:
            return RedirectResponse("/dashboard/login?error=" + quote("机构编码或令牌不正确"), status_code=303)
        expiry = now_seconds() + SESSION_SECONDS
        response = RedirectResponse("/dashboard", status_code=303)
        response.set_cookie(COOKIE, f"{code}.{expiry}.{_sign(code, expiry, agency['token_hash'])}",
                            max_age=SESSION_SECONDS, httponly=True, samesite="strict")
        return response

    @router.get("/logout")
    def logout() -> Response:
        response = RedirectResponse("/dashboard/login", status_code=303)
        response.delete_cookie(COOKIE)
        return response

    @router.get("")
    def overview(request: Request, month: str = "") -> Response:
        agency = session(request)
        if agency is None:
            return RedirectResponse("/dashboard/login", status_code=303)
        today = platform.clock().date()
        try:
            start = dt.datetime.strptime(month, "%Y-%m").date() if month else today.replace(day=1)
        except ValueError:
            start = today.replace(day=1)
        if not FIRST_MONTH <= start <= LAST_MONTH:  # the previous / next month links must exist too
            return _refused("月份超出范围", f"月份应在 {FIRST_MONTH:%Y-%m} 至 {LAST_MONTH:%Y-%m} 之间，收到 {month[:20]}",
                            400, agency)
        month = start.strftime("%Y-%m")
        previous = (start - dt.timedelta(days=1)).strftime("%Y-%m")
        following = (start + dt.timedelta(days=32)).strftime("%Y-%m")

        def mine(*regions: str) -> bool:
            return any(agencies.administers(agency, region) for region in regions)

        with database.read() as conn:
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
        flow_rows = [[_e(r["insuplc_admdvs"]), _e(r["mdtrtarea_admvs"]), _e(SCOPE_NAMES.get(r["scope"], r["scope"])),
                      f"{r['setl_cnt']} <span class=bar style='width:{max(2, 120 * r['setl_cnt'] // widest)}px'></span>",
                      _e(r["medfee_sumamt"]), _e(r["fund_pay_sumamt"]), _rate(r["direct_rate"])] for r in flows]
        statement_rows = [[_e(s["insuplc_admdvs"]), _e(s["mdtrtarea_admvs"]), s["setl_cnt"],
                           _e(from_fen(s["clearing_amount_fen"])), _e(s["status"])] for s in statements]
        usage_rows = [[_e(u["insured_admdvs"]), _e(u["treatment_prov"]), _e(u["prepaid"]), _e(u["available"]),
                       _e(u["outstanding"]), f"{u['usage'] * 100:.1f}%" if u["usage"] is not None else "—",
                       "<span class=warn>预警</span>" if u["warning"] else ""] for u in usage]
        body = (
            f"<h1>{_e(month)} 结算概况 <small><a href='/dashboard?month={previous}'>‹ 上月</a> "
            f"<a href='/dashboard?month={following}'>下月 ›</a></small></h1>"
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
        return _page(f"yibao {month}", body, agency)

    return router
