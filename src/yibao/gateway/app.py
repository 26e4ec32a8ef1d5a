"""The HTTP application: the national dispatcher endpoint plus health and a landing page.

Configuration comes from the environment so ``uvicorn --workers N`` can build one app per
worker process: YIBAO_DATABASE_URL, YIBAO_INSECURE_DEMO=1.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import time
import urllib.parse

import anyio
from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, JSONResponse, Response
from starlette.datastructures import Headers

from yibao.gateway.auth import AuthPolicy
from yibao.gateway.dispatch import MAX_BODY_BYTES, Dispatcher, Settings, envelope
from yibao.documents.render import dumps
from yibao.app.platform import Platform
from yibao.gateway.registry import TRANSACTIONS, RawAnswer
from yibao.admin.api import mount as mount_admin
from yibao.admin import problems
from yibao.admin.problems import is_admin_path
from yibao.web.dashboard import build_router as dashboard_router
from yibao.web.claims_pages import build_router as claims_pages_router
from yibao.web.daily_pages import build_router as daily_pages_router
from yibao.web.public import build_router as public_router
from yibao.store.database import Database

from yibao.gateway.body import TOO_LARGE, BodyTooLarge, read_limited
from yibao.gateway.paths import DISPATCH_PATH, has_other_owner, national_infno
from yibao.gateway import metrics


class BodyLimit:
    """ASGI middleware in front of every endpoint: the body is read as a stream and a request
    whose body passes MAX_BODY_BYTES is answered at once, without reading the rest, so a
    chunked upload of any size costs at most MAX_BODY_BYTES of memory. The gateway answers
    the national error envelope (HTTP 200, infcode -1), the dashboard a 413 page, the admin
    API (and anything else) a 413 JSON. The connection is closed after such an answer."""

    def __init__(self, app, receiver: str = "000000", limit: int = MAX_BODY_BYTES):
        self.app = app
        self.receiver = receiver
        self.limit = limit

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = next((value for name, value in scope.get("headers", ()) if name == b"content-length"), b"")
        if declared.isdigit() and (len(declared) > 15 or int(declared) > self.limit):
            await self.refuse(scope, send)
            return
        chunks, size = [], 0
        while True:
            message = await receive()
            if message["type"] != "http.request":  # the client went away
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.limit:
                await self.refuse(scope, send)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body, replayed = b"".join(chunks), False

        async def replay():
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def refuse(self, scope, send) -> None:
        path = scope.get("path", "")
        if national_infno(path) is not None:
            status, kind = 200, "application/json; charset=utf-8"
            content = dumps(envelope(-1, None, TOO_LARGE, self.receiver, time.time_ns()), indent=None).encode()
        elif path == "/dashboard" or path.startswith("/dashboard/"):
            status, kind = 413, "text/html; charset=utf-8"
            content = (f"<!doctype html><html lang=zh><meta charset=utf-8><title>请求体过大</title>"
                       f"<p class=err>{html.escape(TOO_LARGE)}</p></html>").encode()
        elif is_admin_path(path):
            status, kind = 413, problems.MEDIA_TYPE
            content = problems.problem_bytes("ENVELOPE_BODY_TOO_LARGE", 413, TOO_LARGE, path)
        else:
            status, kind = 413, "application/json"
            content = json.dumps({"detail": TOO_LARGE}, ensure_ascii=False).encode()
        await send({"type": "http.response.start", "status": status, "headers": [
            (b"content-type", kind.encode()), (b"content-length", str(len(content)).encode()), (b"connection", b"close")]})
        await send({"type": "http.response.body", "body": content})


class NationalFastPath:
    """ASGI middleware answering the national endpoint in every URL form of gateway/paths.py
    (``callService``, ``callService/{infno}``, ``…/hsa/hgs/{infno}``, the per-service aliases,
    each with or without a trailing slash) directly: the dispatcher gets the body, the headers
    and the peer's address and returns the envelope's text, so routing, request objects and
    response classes (half a millisecond per request, three requests per visit) are not in the
    way of the hot path. It sits inside ``BodyLimit``, which has already read and limited the
    body. Everything else goes on to the FastAPI app, which also declares the two callService
    routes (same behaviour) and answers unknown paths with the national envelope."""

    def __init__(self, app, dispatcher: Dispatcher, threads: int = 2, requests_per_connection: int = 1000):
        self.app, self.dispatcher, self.thread_count = app, dispatcher, threads
        self._limiter = None
        # Every so many answers on one kept-alive connection, the answer closes it: the client
        # reconnects and the workers share connections again (connections opened while one worker
        # was restarting would otherwise stay on the others for good).
        self.requests_per_connection = requests_per_connection
        self._answered: dict[tuple, int] = {}

    def _threads(self):
        # Made on first use, inside the worker's event loop.
        if self._limiter is None:
            self._limiter = anyio.CapacityLimiter(self.thread_count)
        return self._limiter

    async def __call__(self, scope, receive, send):
        infno = self._infno(scope)
        if infno is None:
            await self.app(scope, receive, send)
            return
        chunks = []
        while True:
            message = await receive()
            if message["type"] != "http.request":  # the client went away
                return
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        client = scope.get("client")
        answer = await anyio.to_thread.run_sync(self.dispatcher.handle_http, b"".join(chunks), Headers(scope=scope),
                                                infno or None, client[0] if client else None, limiter=self._threads())
        content, media_type, extra = _body(answer)
        headers = [(b"content-type", media_type.encode()), (b"content-length", str(len(content)).encode()), *extra]
        if self._time_to_close(scope.get("client")):
            headers.append((b"connection", b"close"))
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": content})

    def _time_to_close(self, client) -> bool:
        if client is None:
            return False
        key = tuple(client)
        count = self._answered.get(key, 0) + 1
        if len(self._answered) > 10_000:
            self._answered.clear()  # closed connections' counts; a live one starts again
        if count >= self.requests_per_connection:
            self._answered.pop(key, None)
            return True
        self._answered[key] = count
        return False

    @staticmethod
    def _infno(scope) -> str | None:
        """"" for a dispatcher path, the infno a path names, None for any other request."""
        if scope["type"] != "http" or scope.get("method") != "POST":
            return None
        return national_infno(scope.get("path", ""))


def _body(answer: str | RawAnswer) -> tuple[bytes, str, list[tuple[bytes, bytes]]]:
    """The HTTP body, its media type and extra headers: the envelope's JSON text, or a file's
    bytes (9102) with its name."""
    if isinstance(answer, RawAnswer):
        extra = []
        if answer.filename:
            quoted = urllib.parse.quote(answer.filename)
            extra.append((b"content-disposition", f"attachment; filename*=UTF-8''{quoted}".encode("ascii")))
        return answer.content, answer.media_type, extra
    # the answer is JSON text; a character UTF-8 cannot carry never makes it a 500
    return answer.encode("utf-8", "replace"), "application/json; charset=utf-8", []


def create_app(platform: Platform, settings: Settings, *, gateway_threads: int = 2) -> FastAPI:
    dispatcher = Dispatcher(platform, settings)
    app = FastAPI(title="yibao", version="0.1.0", docs_url=None, redoc_url=None,  # docs: admin/docs_pages.py
                  openapi_url="/admin/api/openapi.json")
    mount_admin(app, platform)
    app.include_router(dashboard_router(platform))
    app.include_router(claims_pages_router(platform))
    app.include_router(daily_pages_router(platform))
    app.include_router(public_router(platform))

    async def call(request: Request, infno: str | None = None) -> Response:
        try:
            body = await read_limited(request)
        except BodyTooLarge:
            body = b"x" * (MAX_BODY_BYTES + 1)  # answered as too large without reading the rest
        answer = await run_in_threadpool(dispatcher.handle_http, body, request.headers, infno,
                                         request.client.host if request.client else None)
        content, media_type, extra = _body(answer)
        return Response(content=content, media_type=media_type, headers={k.decode(): v.decode() for k, v in extra})

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

    @app.get("/health/live", include_in_schema=False)
    def live() -> JSONResponse:
        """The process answers (a liveness probe: no database)."""
        return JSONResponse({"status": "ok"})

    @app.get("/health/ready", include_in_schema=False)
    def ready() -> JSONResponse:
        """Ready for traffic: the database answers and its schema is at this code's revision
        (a gateway started before `yibao db upgrade` ran is not ready)."""
        problem = readiness_problem(platform.database)
        if problem:
            return JSONResponse({"status": "not ready", "reason": problem}, status_code=503)
        return JSONResponse({"status": "ready"})

    @app.get("/metrics", include_in_schema=False)
    def prometheus_metrics() -> Response:
        body, content_type = metrics.exposition()
        return Response(content=body, media_type=content_type)

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

    _answer_unknown_paths_nationally(app, settings.receiver_admdvs or "000000")
    app.add_middleware(NationalFastPath, dispatcher=dispatcher, threads=gateway_threads)
    app.add_middleware(BodyLimit, receiver=settings.receiver_admdvs or "000000")  # outermost
    return app


def _answer_unknown_paths_nationally(app: FastAPI, receiver: str) -> None:
    """A HIS that posts to a path yibao does not serve reads the national envelope (infcode -1,
    err_msg naming the accepted paths) with HTTP 404 or 405, not FastAPI's {"detail": …}; the
    agencies' API and the dashboard keep their own answers."""
    from starlette.exceptions import HTTPException as StarletteHTTPException
    from fastapi.exception_handlers import http_exception_handler

    from yibao.admin.problems import http_problem

    @app.exception_handler(StarletteHTTPException)
    async def national_not_found(request: Request, exc: StarletteHTTPException) -> Response:
        path = request.url.path
        if is_admin_path(path):  # the admin API's problem+json (admin/problems.py)
            return http_problem(request, exc)
        if exc.status_code not in (404, 405) or has_other_owner(path):
            return await http_exception_handler(request, exc)
        what = "不支持该请求方法，国家接口只接受 POST" if exc.status_code == 405 else "未知的接口路径"
        message = (f"{what}：{path[:100]}；请使用 POST {DISPATCH_PATH}（或 …/callService/{{infno}}、"
                   f"…/hsa/hgs/{{infno}}）(unknown path or method)")
        content = dumps(envelope(-1, None, message, receiver, time.time_ns()), indent=None).encode()
        return Response(content=content, status_code=exc.status_code, media_type="application/json; charset=utf-8")


def readiness_problem(database: Database) -> str:
    """Why the gateway should not take traffic ("" = it may): the database unreachable, or its
    schema not at the revision this code migrates to."""
    from sqlalchemy.exc import SQLAlchemyError

    from yibao.store.migrate import current_revision, head_revision

    try:
        current = current_revision(database)
    except SQLAlchemyError as exc:
        return f"database unreachable: {type(exc).__name__}"
    expected = head_revision()
    return "" if current == expected else f"schema at revision {current}, expected {expected} (run yibao db upgrade)"


def app_from_environment() -> FastAPI:
    """One app per worker from yibao.settings (YIBAO_DATABASE_URL, YIBAO_POOL_SIZE, YIBAO_LOG_LEVEL,
    YIBAO_INSECURE_DEMO=1, YIBAO_NOW with its permission, YIBAO_SECRET_KEY, YIBAO_TRUSTED_NETWORKS,
    YIBAO_AUTH_WINDOW); a refused setting stops the worker, and so does a database with
    institutions in a signature mode when no platform key is set (outside the insecure demo)."""
    from yibao.logging_setup import configure
    from yibao.settings import Settings as PlatformSettings, SettingsError

    try:
        loaded = PlatformSettings.load()
    except SettingsError as exc:
        raise SystemExit(exc.message) from None
    configure(loaded.log_level)
    loaded.announce()
    database = Database(loaded.database_url, pool_size=loaded.pool_size)
    from yibao.store.reports import reports_database

    platform = Platform(database, clock=loaded.clock(), file_ttl=dt.timedelta(hours=loaded.file_ttl_hours),
                        tokens=loaded.token_settings(), reports=reports_database(loaded.read_database_url, database))
    refusal = platform_key_refusal(database, loaded)
    if refusal:
        raise SystemExit(refusal)
    application = create_app(platform, gateway_settings(loaded), gateway_threads=loaded.gateway_threads)
    from yibao.logging_setup import access_log_enabled

    if access_log_enabled():  # YIBAO_ACCESS_LOG=1 (gateway/access_log.py)
        from .access_log import AccessLog

        return AccessLog(application)
    return application


def gateway_settings(loaded) -> Settings:
    """The dispatcher's settings from the platform's (yibao.settings.Settings)."""
    policy = AuthPolicy(window_seconds=loaded.auth_window_seconds, trusted_networks=loaded.trusted_networks,
                        box=loaded.secret_box())
    return Settings(insecure_demo=loaded.insecure_demo, auth_policy=policy)


def platform_key_refusal(database: Database, loaded) -> str:
    """Why the gateway must not start ("" = it may): institutions in a signature mode and no key."""
    from yibao.app import actors
    from yibao.app.institution_auth import platform_key_missing
    from yibao.store.unit_of_work import SqlUnitOfWork

    if loaded.insecure_demo or loaded.secret_key:
        return ""
    with SqlUnitOfWork(database, actors.SYSTEM, loaded.clock()(), write=False) as uow:
        return platform_key_missing(uow)
