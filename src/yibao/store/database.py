"""Engines and transactions for SQLite (embedded default) and PostgreSQL.

``Database.write()`` is one write transaction: ``BEGIN IMMEDIATE`` on SQLite (writers
queue instead of failing on upgrade), an ordinary transaction on PostgreSQL where the
use cases take row locks. ``Database.read()`` is a read transaction.
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from sqlalchemy import Connection, Engine, create_engine, event

DEFAULT_URL = "sqlite:///./yibao.db"
URL_ENV = "YIBAO_DATABASE_URL"


def resolve_url(url: str | None) -> str:
    """data-formats.md: --db URL, else $YIBAO_DATABASE_URL, else sqlite:///./yibao.db."""
    return url or os.environ.get(URL_ENV) or DEFAULT_URL


def mask_url(url: str) -> str:
    """A URL fit for logs and messages: the password replaced by ***."""
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        credentials, host = rest.rsplit("@", 1)
        if ":" in credentials:
            credentials = credentials.split(":", 1)[0] + ":***"
        return f"{scheme}://{credentials}@{host}"
    return url


class Database:
    def __init__(self, url: str | None = None, *, pool_size: int = 10):
        self.url = resolve_url(url)
        self.is_sqlite = self.url.startswith("sqlite")
        if self.is_sqlite:
            # hide_parameters: an error message never carries a person's data into a log
            self.engine = create_engine(self.url, connect_args={"timeout": 30, "check_same_thread": False},
                                        hide_parameters=True)
            _configure_sqlite(self.engine)
        else:
            # No pre-ping: it is a round trip before every transaction. A connection the server
            # dropped fails its request with "database unavailable; retry with the same msgid"
            # and SQLAlchemy then replaces every pooled connection (a disconnect invalidates the pool).
            self.engine: Engine = create_engine(self.url, pool_size=pool_size, max_overflow=pool_size, pool_recycle=3600,
                                                hide_parameters=True)
            from .write_batch import install_autoflush

            install_autoflush(self.engine)

    @contextmanager
    def write(self) -> Iterator[Connection]:
        with self.engine.connect() as conn:
            conn = conn.execution_options(yibao_write=True)
            with conn.begin():
                yield conn

    @contextmanager
    def read(self) -> Iterator[Connection]:
        with self.engine.connect() as conn:
            with conn.begin():
                yield conn

    def dispose(self) -> None:
        self.engine.dispose()


def _configure_sqlite(engine: Engine) -> None:
    path = engine.url.database
    if path and path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        # Let SQLAlchemy's begin event decide how a transaction starts (pysqlite would
        # otherwise start deferred transactions on its own).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection):
        if conn.get_execution_options().get("yibao_write"):
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            conn.exec_driver_sql("BEGIN")
