"""The HTTP application: the national dispatcher endpoint plus health and a landing page.

Configuration comes from the environment so ``uvicorn --workers N`` can build one app per
worker process: YIBAO_DATABASE_URL, YIBAO_INSECURE_DEMO=1.
"""

from __future__ import annotations

import os

from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, JSONResponse, Response

from yibao.app.dispatch import MAX_BODY_BYTES, Dispatcher, Settings
from yibao.app.platform import Platform
from yibao.app.transactions import TRANSACTIONS
from yibao.admin.api import mount as mount_admin
from yibao.web.dashboard import build_router as dashboard_router
from yibao.store.database import Database

DISPATCH_PATH = "/fsi/api/rsfComIfsService/callService"


def create_app(platform: Platform, settings: Settings) -> FastAPI:
    dispatcher = Dispatcher(platform, settings)
    app = FastAPI(title="yibao", version="0.1.0", docs_url="/admin/api/docs", redoc_url=None,
                  openapi_url="/admin/api/openapi.json")
    mount_admin(app, platform)
    app.include_router(dashboard_router(platform))

    async def call(request: Request, infno: str | None = None) -> Response:
        declared = request.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > MAX_BODY_BYTES:
            body = b"x" * (MAX_BODY_BYTES + 1)  # answered as too large without reading it
        else:
            body = await request.body()
        text = await run_in_threadpool(dispatcher.handle_bytes, body, request.headers, infno)
        return Response(content=text, media_type="application/json; charset=utf-8")

    @app.post(DISPATCH_PATH, include_in_schema=False)
    async def call_service(request: Request) -> Response:
        return await call(request)

    @app.post(DISPATCH_PATH + "/{infno}", include_in_schema=False)
    async def call_service_infno(infno: str, request: Request) -> Response:
        return await call(request, infno)

    @app.get("/health", include_in_schema=False)
    def health() -> JSONResponse:
        with platform.database.read() as conn:
            conn.exec_driver_sql("SELECT 1")
        return JSONResponse({"status": "ok"})

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def index() -> str:
        rows = "".join(f"<tr><td>{code}</td><td>{spec.name}</td></tr>" for code, spec in sorted(TRANSACTIONS.items()))
        mode = " (insecure demo mode: no credentials checked)" if settings.insecure_demo else ""
        return (
            "<!doctype html><meta charset=utf-8><title>yibao</title>"
            f"<h1>yibao settlement gateway{mode}</h1>"
            f"<p>POST national envelopes to <code>{DISPATCH_PATH}</code>. Agencies: "
            "<a href='/dashboard'>dashboard</a>, <a href='/admin/api/docs'>admin API</a>.</p>"
            f"<table><tr><th>infno</th><th>交易</th></tr>{rows}</table>"
        )

    return app


def app_from_environment() -> FastAPI:
    from yibao.logging_setup import configure

    configure(os.environ.get("YIBAO_LOG_LEVEL", "WARNING"))
    database = Database(os.environ.get("YIBAO_DATABASE_URL"))
    settings = Settings(insecure_demo=os.environ.get("YIBAO_INSECURE_DEMO") == "1")
    return create_app(Platform(database), settings)
