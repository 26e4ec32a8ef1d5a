"""The transaction registry: one handler per infno, with the request it receives."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Callable

from sqlalchemy import Connection

from yibao.app.platform import Platform


@dataclass
class Request:
    infno: str
    msgid: str
    envelope: dict
    input: dict
    institution: dict
    now: dt.datetime
    warnings: list[str] = field(default_factory=list)  # answered in the envelope's warn_msg
    # The request's unit of work, joined to its transaction: the institution with its msgid as
    # actor, the request's "now" (app/unit_of_work.py). Set by the dispatcher.
    uow: Any = None


Handler = Callable[[Platform, Connection, Request], dict]


@dataclass(frozen=True)
class RawAnswer:
    """An answer that is not the JSON envelope: 9102 answers a file's bytes in the HTTP body
    (nhsa-interface §1.1)."""

    content: bytes
    media_type: str = "application/octet-stream"
    filename: str = ""


# Turns a successful answer's output into the HTTP body (platform, fixmedins_code, msgid, output).
RawRenderer = Callable[[Platform, str, str, dict], RawAnswer]


@dataclass(frozen=True)
class Transaction:
    handler: Handler
    writes: bool
    name: str
    raw: RawRenderer | None = None


TRANSACTIONS: dict[str, Transaction] = {}


def transaction(infno: str, name: str, *, writes: bool, raw: RawRenderer | None = None):
    def register(handler: Handler) -> Handler:
        TRANSACTIONS[infno] = Transaction(handler, writes, name, raw)
        return handler

    return register


