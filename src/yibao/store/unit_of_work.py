"""The SQL unit of work: one transaction (``Database.write()``, or ``Database.read()`` for a
query) and the repositories bound to its connection (app/unit_of_work.py says what each answers).

Subject repositories are found by name: ``uow.clearing`` is the ``Repository`` class of
``yibao.store.repositories.clearing``, built on first use with the unit's connection and clock
(``Repository(conn, now)``). A new subject is one new module, with no registry to edit.
"""

from __future__ import annotations

import datetime as dt
import importlib
from contextlib import ExitStack


from . import action_log, repository as repo
from .database import Database
from .repositories import ledger


class SqlPersons:
    def __init__(self, conn):
        self.conn = conn

    def get(self, psn_no: str) -> dict | None:
        return repo.person(self.conn, psn_no)

    def lock(self, psn_nos: list[str]) -> dict[str, dict]:
        return repo.lock_persons(self.conn, psn_nos)

    def insurances(self, psn_no: str) -> list[dict]:
        return repo.insurances_of(self.conn, psn_no)


class SqlAccounts:
    def __init__(self, conn, now: dt.datetime):
        self.conn, self.now = conn, now

    def tips(self, psn_nos: list[str]) -> dict[str, tuple[int, int]]:
        return repo.account_tips(self.conn, psn_nos)

    def append(self, psn_no: str, amount_fen: int, kind: str, *, setl_id: str | None, actor: str,
               tip: tuple[int, int]) -> int:
        return repo.add_account_entry(self.conn, psn_no, repo.from_fen(amount_fen), kind, setl_id, self.now,
                                      actor=actor, tip=tip)


class SqlActionLog:
    def __init__(self, conn, actor, now: dt.datetime):
        self.conn, self.actor, self.now = conn, actor, now

    def record(self, action: str, subject: str, detail: dict) -> int:
        if not hasattr(self.actor, "kind"):  # a forgotten actor fails loudly instead of logging "None"
            raise TypeError(f"an action needs an actor, got {type(self.actor).__name__}")
        text = action_log.detail_text(detail)
        return action_log.append(self.conn, at=self.now, actor_kind=self.actor.kind, actor_party=self.actor.party,
                                 actor_ref=self.actor.ref, action=action, subject=subject, detail=text)


class SqlUnitOfWork:
    """``with SqlUnitOfWork(database, actor, now) as uow:`` — commits on a normal exit. The actor
    is app/actors.Actor (kind, party, ref); the store only reads those three fields."""

    def __init__(self, database: Database, actor, now: dt.datetime, *, write: bool = True):
        self.database, self.actor, self.now, self.writes = database, actor, now, write
        self._stack = ExitStack()
        self._conn = None

    @classmethod
    def joining(cls, conn, actor, now: dt.datetime) -> "SqlUnitOfWork":
        """A unit of work inside a transaction someone else opened and will commit (the
        gateway's request transaction, which also writes the request log)."""
        unit = cls(None, actor, now)
        unit._joined = conn
        unit._bind(conn)
        return unit

    def __enter__(self) -> "SqlUnitOfWork":
        joined = self.__dict__.get("_joined")
        if joined is not None:
            conn = joined
        else:
            conn = self._stack.enter_context(self.database.write() if self.writes else self.database.read())
        self._bind(conn)
        return self

    def _bind(self, conn) -> None:
        self._conn = conn
        self.persons = SqlPersons(conn)
        self.accounts = SqlAccounts(conn, self.now)
        self.ledger = ledger.Repository(conn, self.now)
        self.actions = SqlActionLog(conn, self.actor, self.now)

    def __exit__(self, *exc) -> None:
        if self.__dict__.get("_joined") is None:
            self._conn = None
        self._stack.__exit__(*exc)

    def __getattr__(self, name: str):
        # Only reached for names not set in __enter__: a subject repository, by convention.
        if name.startswith("_") or self.__dict__.get("_conn") is None:
            raise AttributeError(name)
        try:
            module = importlib.import_module(f"yibao.store.repositories.{name}")
        except ModuleNotFoundError:
            raise AttributeError(f"no repository named {name!r} (yibao/store/repositories/{name}.py)") from None
        repository = module.Repository(self._conn, self.now)
        setattr(self, name, repository)
        return repository
