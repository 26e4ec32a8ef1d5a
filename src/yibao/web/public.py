"""Public pages, without login: the list of Internet+ institutions with their services and
prices (seed 003 §三: 统筹地区医保经办机构应向社会公布提供"互联网+"医疗服务的定点医疗机构名单、
主要服务内容和收费价格), as JSON and as a page."""

from __future__ import annotations

import html

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from yibao.app import actors, agreements
from yibao.app.platform import Platform


def build_router(platform: Platform) -> APIRouter:
    router = APIRouter(prefix="/public", include_in_schema=False)

    def listed() -> list[dict]:
        with platform.unit_of_work(actors.SYSTEM, write=False) as uow:
            return agreements.internet_institutions(uow, uow.now.date())

    @router.get("/internet-institutions")
    def internet_institutions_json() -> dict:
        rows = listed()
        return {"count": len(rows), "institutions": rows}

    @router.get("/internet-institutions.html", response_class=HTMLResponse)
    def internet_institutions_page() -> HTMLResponse:
        return HTMLResponse(page(listed()))

    return router


def page(rows: list[dict]) -> str:
    e = html.escape
    body = "".join(
        f"<tr><td>{e(r['fixmedins_name'])}<br><small>{e(r['fixmedins_code'])}</small></td>"
        f"<td>{e(r['physical_fixmedins_name'])}</td><td>{e('、'.join(r['services']))}</td>"
        f"<td>{'<br>'.join(e(p['item']) + '：' + e(p['price']) + ' 元' for p in r['prices']) or '—'}</td>"
        f"<td>{e(r['begndate'])} 至 {e(r['enddate'] or '长期')}</td></tr>" for r in rows)
    return ("<!doctype html><html lang=zh><meta charset=utf-8><title>“互联网+”医疗服务定点医疗机构名单</title>"
            "<h1>“互联网+”医疗服务定点医疗机构名单</h1>"
            f"<p>共 {len(rows)} 家（补充协议生效中）。</p>"
            "<table border=1><tr><th>机构</th><th>依托的实体医疗机构</th><th>服务内容</th><th>收费价格</th>"
            f"<th>协议期限</th></tr>{body}</table></html>")
