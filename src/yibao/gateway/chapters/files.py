"""File exchange: 9101 upload, 9102 download (nhsa-interface §1.1, §2.1).

9101 ``fsUploadIn{in, filename, fixmedins_code}`` stores the file for the institution and
answers ``file_qury_no``, ``filename``, ``dld_endtime``. ``in`` is the file's bytes: the
national clients send a byte array, which JSON serialisers write as Base64 text (C#) or as
an array of numbers 0–255 (some Java clients); both are accepted.

9102 ``fsDownloadIn{file_qury_no, filename, fixmedins_code}`` answers the file's raw bytes
in the HTTP body (§1.1: "returns the raw zip bytes in the HTTP body, not JSON"), once per
file, before it expires (app/exchange_files.py); a refusal is the JSON envelope with
infcode -1. ``filename`` is ``plc`` for 13xx files nationally and is not checked. A retry of
the same msgid is served the same file again.
"""

from __future__ import annotations

import base64
import binascii

from sqlalchemy import Connection

from yibao.app import actors, exchange_files
from yibao.app.error_codes import refusal
from yibao.app.platform import Platform
from ..readers import node, text
from ..registry import RawAnswer, Request, transaction


def own_institution(data: dict, where: str, request: Request) -> str:
    """The node's fixmedins_code, when sent, is the authenticated institution's."""
    code = request.institution["fixmedins_code"]
    sent = text(data, "fixmedins_code", where, required=False)
    if sent and sent != code:
        raise refusal("FILE_OTHER_INSTITUTION", field=f"{where}.fixmedins_code", sent=sent, fixmedins_code=code)
    return code


def file_content(data: dict, where: str) -> bytes:
    """``in`` as Base64 text or as an array of byte values."""
    value = data.get("in")
    if isinstance(value, str) and value.strip():
        try:
            return base64.b64decode("".join(value.split()), validate=True)
        except (binascii.Error, ValueError):
            pass
    elif isinstance(value, list) and value and all(type(item) is int and 0 <= item <= 255 for item in value):
        return bytes(value)
    raise refusal("FILE_BAD_CONTENT", field=f"{where}.in")


@transaction("9101", "文件上传", writes=True)
def file_upload(platform: Platform, conn: Connection, request: Request) -> dict:
    where = "input.fsUploadIn"
    data = node(request, "fsUploadIn")
    code = own_institution(data, where, request)
    filename = text(data, "filename", where)
    content = file_content(data, where)
    with request.uow as uow:
        row = exchange_files.store_file(uow, fixmedins_code=code, filename=filename, content=content, origin="9101",
                                        ttl=platform.file_ttl)
    return {"file_qury_no": row["file_qury_no"], "filename": row["filename"],
            "dld_endtime": f"{row['expires_at']:%Y-%m-%d %H:%M:%S}"}


def file_body(platform: Platform, fixmedins_code: str, msgid: str, output: dict) -> RawAnswer:
    """The bytes of the file a 9102 took, read after its transaction committed."""
    actor = actors.institution(fixmedins_code, msgid)
    with platform.unit_of_work(actor, write=False) as uow:
        content = exchange_files.content_for(uow, output["file_qury_no"], fixmedins_code, msgid)
    media_type = "application/zip" if output["filename"].lower().endswith(".zip") else "application/octet-stream"
    return RawAnswer(content, media_type, output["filename"])


@transaction("9102", "文件下载", writes=True, raw=file_body)
def file_download(platform: Platform, conn: Connection, request: Request) -> dict:
    where = "input.fsDownloadIn"
    data = node(request, "fsDownloadIn")
    code = own_institution(data, where, request)
    file_qury_no = text(data, "file_qury_no", where)
    text(data, "filename", where, required=False)
    with request.uow as uow:
        row = exchange_files.take_for_download(uow, file_qury_no, code)
    # What the request log keeps for this msgid; the HTTP answer is the file itself.
    return {"file_qury_no": row["file_qury_no"], "filename": row["filename"], "size": row["size"], "sha256": row["sha256"]}
