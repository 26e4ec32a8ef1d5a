"""Files exchanged with institutions (nhsa-interface §2.1 9101/9102, §3.16): an upload (9101)
or a catalogue download (13xx) is stored under a ``file_qury_no``; 9102 fetches it once, by
the institution it belongs to, before it expires.

"Once": the first 9102 marks the file with its msgid; a retry of that same msgid (its answer
was lost) is served the file again, any other msgid is refused. The time a file stays
fetchable is the platform's ``file_ttl`` (``YIBAO_FILE_TTL_HOURS``, 24 hours by default).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from typing import Protocol

from .error_codes import refusal
from .unit_of_work import UnitOfWork

MAX_FILENAME = 200
DEFAULT_TTL = dt.timedelta(hours=24)


class ExchangeFileRepository(Protocol):
    """``uow.exchange_files`` (store/repositories/exchange_files.py)."""

    def add(self, row: dict) -> None: ...

    def lock(self, file_qury_no: str) -> dict | None:
        """The file's row without its content, locked for the transaction (docs/locking.md,
        rank 9) and read after the lock."""

    def mark_downloaded(self, file_qury_no: str, msgid: str) -> bool:
        """Set the download once; False when it was already set."""

    def with_content(self, file_qury_no: str) -> dict | None:
        """The row with its content (no lock)."""

    def purge_expired(self) -> int:
        """Empty the content of files expired before the unit's now; how many were."""


def new_file_qury_no(now: dt.datetime) -> str:
    """30 characters like the national 文件查询号: a time stamp and 14 random hex digits (the
    number is all an institution needs to fetch its own file, so it is not guessable)."""
    return f"FQ{now:%Y%m%d%H%M%S}{secrets.token_hex(7)}"


def clean_filename(filename: str) -> str:
    """The name without any directory part (a file name, never a path on anyone's disk)."""
    name = filename.replace("\\", "/").rsplit("/", 1)[-1].strip()
    if not name or name in (".", ".."):
        raise refusal("FILE_BAD_NAME", filename=repr(filename[:40]))
    return name[:MAX_FILENAME]


def store_file(uow: UnitOfWork, *, fixmedins_code: str, filename: str, content: bytes, origin: str,
               ttl: dt.timedelta = DEFAULT_TTL) -> dict:
    """Keep a file for its institution; the stored row (without the content)."""
    if not content:
        raise refusal("FILE_EMPTY")
    msgid = uow.actor.ref.removeprefix("msgid:")
    row = dict(file_qury_no=new_file_qury_no(uow.now), fixmedins_code=fixmedins_code, filename=clean_filename(filename),
               origin=origin, size=len(content), sha256=hashlib.sha256(content).hexdigest(), created_at=uow.now,
               created_msgid=msgid, expires_at=uow.now + ttl, downloaded_at=None, downloaded_msgid=None, purged_at=None)
    uow.exchange_files.add(dict(row, content=content))
    return row


def take_for_download(uow: UnitOfWork, file_qury_no: str, fixmedins_code: str) -> dict:
    """9102: lock the file, check it may be fetched now by this institution, and mark it
    fetched by the unit's msgid; the row (without content)."""
    row = uow.exchange_files.lock(file_qury_no)
    if row is None or row["fixmedins_code"] != fixmedins_code:
        # another institution's file is "not found" too: its number tells nothing
        raise refusal("FILE_NOT_FOUND", file_qury_no=file_qury_no)
    if uow.now >= row["expires_at"] or row["purged_at"] is not None:
        raise refusal("FILE_EXPIRED", file_qury_no=file_qury_no, expires_at=f"{row['expires_at']:%Y-%m-%d %H:%M:%S}")
    if row["downloaded_at"] is not None or not uow.exchange_files.mark_downloaded(file_qury_no, _msgid(uow)):
        raise refusal("FILE_ALREADY_DOWNLOADED", file_qury_no=file_qury_no)
    return dict(row, downloaded_at=uow.now, downloaded_msgid=_msgid(uow))


def content_for(uow: UnitOfWork, file_qury_no: str, fixmedins_code: str, msgid: str) -> bytes:
    """The bytes a 9102 answer carries: only to the msgid that fetched the file, before it expires."""
    row = uow.exchange_files.with_content(file_qury_no)
    if row is None or row["fixmedins_code"] != fixmedins_code or row["downloaded_msgid"] != msgid:
        raise refusal("FILE_NOT_FOUND", file_qury_no=file_qury_no)
    if uow.now >= row["expires_at"] or row["purged_at"] is not None:
        raise refusal("FILE_EXPIRED", file_qury_no=file_qury_no, expires_at=f"{row['expires_at']:%Y-%m-%d %H:%M:%S}")
    return bytes(row["content"])


def purge_expired(uow: UnitOfWork) -> int:
    """Empty the content of expired files (reference data, never financial); rows stay."""
    return uow.exchange_files.purge_expired()


def _msgid(uow: UnitOfWork) -> str:
    return uow.actor.ref.removeprefix("msgid:")
