"""Running yibao as a service: monthly partitions, backup and restore (docs/operations.md)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import typer

from .common import DB_OPTION, _database, _fail, _settings, app
from .core import db_app


@db_app.command("partitions")
def db_partitions(
    months_ahead: int = typer.Option(3, "--months-ahead", min=0, help="Create this month's and the next N months' partitions."),
    detach_before: str = typer.Option(None, "--detach-before", metavar="YYYY-MM",
                                      help="Detach the month partitions older than this month, for archive."),
    db: str = DB_OPTION,
) -> None:
    """PostgreSQL: monthly partitions of the request log and the ledger postings (store/partitions.py)."""
    from yibao.store import partitions

    before = None
    if detach_before:
        try:
            before = dt.date.fromisoformat(detach_before + "-01")
        except ValueError:
            _fail(f"--detach-before must be YYYY-MM, got {detach_before!r}", 2)
    database = _database(db)
    if database.is_sqlite:
        typer.echo("SQLite: no partitions (one file; nothing to do)")
        return
    with database.write() as conn:
        created = partitions.create_ahead(conn, dt.date.today(), months_ahead)
        detached = partitions.detach_before(conn, before) if before else []
    typer.echo(f"created {len(created)}: {' '.join(created) or '-'}")
    if before:
        typer.echo(f"detached {len(detached)} (archive with pg_dump -t NAME, then DROP TABLE): {' '.join(detached) or '-'}")


@app.command()
def backup(out: Path = typer.Option(..., "--out", help="The backup file to write."), db: str = DB_OPTION) -> None:
    """Back up the database: SQLite through its online backup API, PostgreSQL with pg_dump (custom format)."""
    from yibao.store.backup import BackupError, backup_database

    settings = _settings(db)
    try:
        kind = backup_database(settings.database_url, out)
    except BackupError as exc:
        _fail(str(exc), 1)
    typer.echo(f"{kind} backup written to {out} ({out.stat().st_size} bytes)")


@app.command()
def restore(file: Path = typer.Argument(..., help="A file written by `yibao backup`."), db: str = DB_OPTION) -> None:
    """Restore a backup into an empty database (SQLite file or PostgreSQL database)."""
    from yibao.store.backup import BackupError, restore_database

    settings = _settings(db)
    try:
        kind = restore_database(settings.database_url, file)
    except BackupError as exc:
        _fail(str(exc), 1)
    typer.echo(f"{kind} backup {file} restored")
