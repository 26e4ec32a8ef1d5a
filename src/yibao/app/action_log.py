"""One action = one transaction = one action-log row naming its actor (architecture.md, app/).

A use case calls ``record`` on the connection of its own write transaction after its checks
pass, so a refused action (GatewayError, rolled back) leaves no row and a recorded action
cannot commit without its row. The detail is small JSON for people reading the log (ids and
fen amounts), never a secret.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Connection

from yibao.store import action_log as store

from .actors import Actor


def record(conn: Connection, actor: Actor, action: str, subject: str, detail: dict, now: dt.datetime) -> int:
    if not isinstance(actor, Actor):  # a forgotten actor fails loudly instead of logging "None"
        raise TypeError(f"record() needs an Actor, got {type(actor).__name__}")
    text = store.detail_text(detail)
    return store.append(conn, at=now, actor_kind=actor.kind, actor_party=actor.party, actor_ref=actor.ref,
                        action=action, subject=subject, detail=text)


entries = store.entries
