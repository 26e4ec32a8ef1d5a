"""Logging that never writes a full ID number: a filter masks anything shaped like one."""

from __future__ import annotations

import logging
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


def configure(level: str = "INFO") -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(MaskingFormatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    handler.addFilter(MaskingFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
