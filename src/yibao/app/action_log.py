"""One action = one transaction = one action-log row naming its actor (architecture.md, app/).

A use case calls ``uow.actions.record`` in its own unit of work after its checks pass, so a
refused action (GatewayError, rolled back) leaves no row and a recorded action cannot commit
without its row. The detail is small JSON for people reading the log (ids and fen amounts),
never a secret. ``record`` below does the same on a bare connection, for the use cases not
yet run over a unit of work.
"""

from __future__ import annotations

import datetime as dt
from typing import Protocol

from yibao.store import action_log as store

from .actors import Actor
from .unit_of_work import UnitOfWork


class ActionLogRepository(Protocol):
    """``uow.action_log`` (store/repositories/action_log.py): the log read back."""

    def entries(self, *, subject: str | None = None, action: str | None = None) -> list[dict]:
        """In the order written, optionally only one subject's or one action's rows."""


def record(conn, actor: Actor, action: str, subject: str, detail: dict, now: dt.datetime) -> int:
    if not isinstance(actor, Actor):  # a forgotten actor fails loudly instead of logging "None"
        raise TypeError(f"record() needs an Actor, got {type(actor).__name__}")
    text = store.detail_text(detail)
    return store.append(conn, at=now, actor_kind=actor.kind, actor_party=actor.party, actor_ref=actor.ref,
                        action=action, subject=subject, detail=text)


def entries(uow: UnitOfWork, *, subject: str | None = None, action: str | None = None) -> list[dict]:
    return uow.action_log.entries(subject=subject, action=action)
