"""Logging that never writes a full ID number: a filter masks anything shaped like one."""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import re

ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])(\d{6})(\d{8})(\d{3}[\dXx])(?![0-9A-Za-z])")


def mask_text(text: str) -> str:
    return ID_NUMBER.sub(lambda m: m.group(1)[:3] + "*" * 13 + m.group(3)[-2:], text)


class MaskingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask_text(message)
        if masked != message:
            record.msg, record.args = masked, ()
        return True


class MaskingFormatter(logging.Formatter):
    """Masks the whole formatted record, tracebacks included."""

    def format(self, record: logging.LogRecord) -> str:
        return mask_text(super().format(record))


LOG_FORMAT = "YIBAO_LOG_FORMAT"  # text (default) | json: one JSON object per line, for a log collector
ACCESS_LOG = "YIBAO_ACCESS_LOG"  # 1: one access record per HTTP request (logger yibao.access, INFO)
# The fields a record may carry besides its message (access records: gateway/access_log.py).
EXTRA_FIELDS = ("method", "path", "status", "duration_ms", "client", "infno", "worker")


class JsonFormatter(logging.Formatter):
    """One JSON object per line; the message, the extra fields and any traceback masked, so a
    collector indexing the fields never holds a full ID number either."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {"ts": dt.datetime.fromtimestamp(record.created).isoformat(timespec="milliseconds"),
                 "level": record.levelname, "logger": record.name, "msg": mask_text(record.getMessage())}
        for name in EXTRA_FIELDS:
            value = getattr(record, name, None)
            if value is not None:
                entry[name] = mask_text(value) if isinstance(value, str) else value
        if record.exc_info:
            entry["exc"] = mask_text(self.formatException(record.exc_info))
        return json.dumps(entry, ensure_ascii=False, separators=(",", ":"))


def configure(level: str = "INFO", *, log_format: str | None = None, stream=None) -> None:
    log_format = (log_format or os.environ.get(LOG_FORMAT) or "text").lower()
    handler = logging.StreamHandler(stream)
    if log_format == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(MaskingFormatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    handler.addFilter(MaskingFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # the access log is asked for on its own, whatever the application's level
    logging.getLogger("yibao.access").setLevel("INFO" if access_log_enabled() else "WARNING")


def access_log_enabled() -> bool:
    return os.environ.get(ACCESS_LOG) == "1"
