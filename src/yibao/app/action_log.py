"""One action = one transaction = one action-log row naming its actor (architecture.md, app/).

A use case calls ``uow.actions.record`` in its own unit of work after its checks pass, so a
refused action (GatewayError, rolled back) leaves no row and a recorded action cannot commit
without its row. The detail is small JSON for people reading the log (ids and fen amounts),
never a secret.
"""

from __future__ import annotations

from typing import Protocol

from .unit_of_work import UnitOfWork


class ActionLogRepository(Protocol):
    """``uow.action_log`` (store/repositories/action_log.py): the log read back."""

    def entries(self, *, subject: str | None = None, action: str | None = None) -> list[dict]:
        """In the order written, optionally only one subject's or one action's rows."""


def entries(uow: UnitOfWork, *, subject: str | None = None, action: str | None = None) -> list[dict]:
    return uow.action_log.entries(subject=subject, action=action)
