"""Request bodies read as a stream with a limit, for every endpoint that reads one (the
national gateway, the dashboard's sign-in, the admin API): a chunked upload of any size costs
at most the limit in memory."""

from __future__ import annotations

from starlette.requests import Request

from .dispatch import MAX_BODY_BYTES, TOO_LARGE

__all__ = ["TOO_LARGE", "BodyTooLarge", "read_limited"]


class BodyTooLarge(Exception):
    pass


async def read_limited(request: Request, limit: int = MAX_BODY_BYTES) -> bytes:
    """The request body, read as a stream: BodyTooLarge as soon as it passes ``limit`` bytes
    (a declared Content-Length over the limit is refused without reading anything)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and (len(declared) > 15 or int(declared) > limit):
        raise BodyTooLarge
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge
        chunks.append(chunk)
    return b"".join(chunks)
