"""The admin API's one error shape: RFC 9457 problem details (docs/admin-api.md).

Every refusal of ``/admin/api`` (a use case's coded refusal, a request that fails validation,
an unknown path or method, a value the database will not store, a body too large) answers
``application/problem+json``::

    {"type": "urn:yibao:error:ADMIN_BAD_MONTH", "title": "month must be YYYY-MM",
     "status": 422, "detail": "月份应为 YYYY-MM…（month must be YYYY-MM）",
     "code": "ADMIN_BAD_MONTH", "kind": "invalid", "instance": "/admin/api/v1/clearing/2026-13"}

``code`` and ``kind`` are those of the registry (app/error_codes.py, docs/his/error-codes.md);
``type`` is a URN naming the code (nothing to fetch), ``title`` the code's English gloss (the
same for every occurrence), ``detail`` the filled Chinese message with its gloss. A validation
failure adds ``errors``: ``[{"loc": [...], "msg": ..., "type": ...}]``.
"""

from __future__ import annotations

import json

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from yibao.app.error_codes import CODES
from yibao.app.errors import GatewayError

MEDIA_TYPE = "application/problem+json"
ADMIN_PREFIX = "/admin/api"


def is_admin_path(path: str) -> bool:
    return path == ADMIN_PREFIX or path.startswith(ADMIN_PREFIX + "/")


def problem_body(code: str, status: int, detail: str, instance: str = "", **extra) -> dict:
    entry = CODES[code]
    body = {"type": f"urn:yibao:error:{code}", "title": entry.english or entry.chinese, "status": status,
            "detail": detail, "code": code, "kind": entry.kind}
    if instance:
        body["instance"] = instance[:200]
    return {**body, **extra}


def problem(code: str, status: int, detail: str, instance: str = "", headers: dict | None = None, **extra) -> JSONResponse:
    return JSONResponse(problem_body(code, status, detail, instance, **extra), status_code=status,
                        media_type=MEDIA_TYPE, headers=headers)


def problem_bytes(code: str, status: int, detail: str, instance: str = "") -> bytes:
    """For the ASGI middleware that answers before routing (a body too large)."""
    return json.dumps(problem_body(code, status, detail, instance), ensure_ascii=False).encode()


def _fields(errors: list[dict]) -> str:
    return "、".join(".".join(str(part) for part in error.get("loc", ())) for error in errors[:5]) or "—"


def refusal_problem(request: Request, exc: GatewayError) -> JSONResponse:
    code = exc.code if exc.code in CODES else "API_HTTP_ERROR"
    return problem(code, exc.http_status, exc.message, request.url.path)


def validation_problem(request: Request, exc: RequestValidationError) -> JSONResponse:
    errors = [{"loc": list(e.get("loc", ())), "msg": str(e.get("msg", "")), "type": str(e.get("type", ""))}
              for e in exc.errors()]
    return problem("API_VALIDATION", 422, CODES["API_VALIDATION"].text(fields=_fields(errors)), request.url.path,
                   errors=errors)


def http_problem(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    path = request.url.path[:100]
    if exc.status_code == 404:
        code, detail = "API_NO_SUCH_PATH", CODES["API_NO_SUCH_PATH"].text(path=path)
    elif exc.status_code == 405:
        code, detail = "API_METHOD_NOT_ALLOWED", CODES["API_METHOD_NOT_ALLOWED"].text(path=path, method=request.method)
    else:
        code, detail = "API_HTTP_ERROR", CODES["API_HTTP_ERROR"].text(status=exc.status_code)
    return problem(code, exc.status_code, detail, request.url.path, headers=getattr(exc, "headers", None))


def install(app: FastAPI) -> None:
    """The handlers: coded refusals and database value errors everywhere (only the admin API lets
    them reach the app), validation failures as problems under /admin/api. Unknown paths and
    methods are mapped by the gateway's handler (gateway/app.py), which calls ``http_problem``."""
    from fastapi.exception_handlers import request_validation_exception_handler
    from sqlalchemy.exc import DataError

    @app.exception_handler(GatewayError)
    async def refused(request: Request, exc: GatewayError) -> JSONResponse:
        # its kind decides the status (app/errors.py), its code is for programs, the detail for people
        return refusal_problem(request, exc)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError):
        if not is_admin_path(request.url.path):
            return await request_validation_exception_handler(request, exc)
        return validation_problem(request, exc)

    @app.exception_handler(DataError)
    async def value_the_database_refuses(request: Request, exc: DataError) -> JSONResponse:
        # e.g. a NUL character or an out-of-range number that PostgreSQL will not store or compare
        code = "ENVELOPE_VALUE_NOT_STORABLE"
        return problem(code, 422, CODES[code].text(), request.url.path)
