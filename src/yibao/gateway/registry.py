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
class Transaction:
    handler: Handler
    writes: bool
    name: str


TRANSACTIONS: dict[str, Transaction] = {}


def transaction(infno: str, name: str, *, writes: bool):
    def register(handler: Handler) -> Handler:
        TRANSACTIONS[infno] = Transaction(handler, writes, name)
        return handler

    return register


