"""The access log: one record per HTTP request (method, path, status, duration, client), on the
logger ``yibao.access``, asked for with ``YIBAO_ACCESS_LOG=1`` and written as JSON with
``YIBAO_LOG_FORMAT=json`` (logging_setup.py masks ID numbers in every field). An ASGI wrapper,
so it sees every answer, the national envelope's and the admin API's alike."""

from __future__ import annotations

import logging
import os
import time

LOGGER = logging.getLogger("yibao.access")


class AccessLog:
    def __init__(self, app):
        self.app = app
        self.worker = os.getpid()

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        started, status = time.perf_counter(), [500]

        async def remember_status(message):
            if message["type"] == "http.response.start":
                status[0] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, remember_status)
        finally:
            client = scope.get("client")
            LOGGER.info("%s %s %s", scope["method"], scope["path"], status[0], extra={
                "method": scope["method"], "path": scope["path"], "status": status[0],
                "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                "client": client[0] if client else None, "worker": self.worker})
