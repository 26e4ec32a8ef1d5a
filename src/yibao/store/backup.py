"""``yibao backup`` / ``yibao restore``: SQLite through its online backup API (a consistent copy
while the gateway writes), PostgreSQL through pg_dump / pg_restore in the custom format. A
restore goes into an empty database only: it never overwrites data in place."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy.engine import make_url


class BackupError(Exception):
    pass


def _sqlite_path(url: str) -> Path:
    path = make_url(url).database
    if not path or path == ":memory:":
        raise BackupError("an in-memory SQLite database cannot be backed up")
    return Path(path)


def _libpq(url: str) -> tuple[list[str], dict[str, str]]:
    """Connection arguments for the PostgreSQL tools; the password goes in PGPASSWORD, never argv."""
    parsed = make_url(url)
    args = ["--host", parsed.host or "localhost", "--port", str(parsed.port or 5432), "--dbname", parsed.database or ""]
    if parsed.username:
        args += ["--username", parsed.username]
    env = {"PGPASSWORD": parsed.password} if parsed.password else {}
    return args, env


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(f"{name} not found: install the PostgreSQL client (apt-get install postgresql-client)")
    return found


def _run(command: list[str], env: dict[str, str]) -> None:
    import os

    done = subprocess.run(command, capture_output=True, text=True, env={**os.environ, **env})
    if done.returncode != 0:
        raise BackupError(f"{Path(command[0]).name} failed: {done.stderr.strip().splitlines()[-1] if done.stderr.strip() else done.returncode}")


def backup_database(url: str, out: Path) -> str:
    if url.startswith("sqlite"):
        source = _sqlite_path(url)
        if not source.exists():
            raise BackupError(f"no database at {source}")
        with sqlite3.connect(source) as live, sqlite3.connect(out) as copy:
            live.backup(copy)  # page by page, consistent, while others keep writing
        return "sqlite"
    args, env = _libpq(url)
    _run([_tool("pg_dump"), "--format=custom", "--no-owner", "--file", str(out), *args], env)
    return "postgresql"


def restore_database(url: str, file: Path) -> str:
    if not file.exists():
        raise BackupError(f"no backup at {file}")
    if url.startswith("sqlite"):
        target = _sqlite_path(url)
        if target.exists() and target.stat().st_size > 0:
            raise BackupError(f"{target} exists: restore into a new file (nothing is overwritten)")
        target.parent.mkdir(parents=True, exist_ok=True)
        with sqlite3.connect(file) as backup, sqlite3.connect(target) as restored:
            backup.backup(restored)
        return "sqlite"
    args, env = _libpq(url)
    _run([_tool("pg_restore"), "--no-owner", "--exit-on-error", "--single-transaction", *args, str(file)], env)
    return "postgresql"
