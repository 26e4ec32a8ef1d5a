"""What every command group shares: the app, options, settings, output helpers."""

from __future__ import annotations

import typer


app = typer.Typer(
    name="yibao",
    help="Medical-insurance settlement platform (local and cross-region direct settlement).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

EXIT_REFUSED = 2


def _print_version(value: bool) -> None:
    if value:
        from importlib.metadata import PackageNotFoundError, version

        try:
            typer.echo(f"yibao {version('yibao')}")
        except PackageNotFoundError:  # run from a source tree without installing
            typer.echo("yibao (not installed)")
        raise typer.Exit()


@app.callback()
def _root(show_version: bool = typer.Option(False, "--version", callback=_print_version, is_eager=True,
                                             help="Print the version and exit.")) -> None:
    """yibao: settle visits under the national rule 就医地目录、参保地政策、就医地管理."""


DB_OPTION = typer.Option(None, "--db", help="Database URL (else $YIBAO_DATABASE_URL, else sqlite:///./yibao.db).")
NOW_OPTION = typer.Option(None, "--now", help="Fixed clock, ISO date-time (else $YIBAO_NOW); honoured only with "
                                              "YIBAO_ALLOW_FIXED_NOW=1 (serve: or --insecure-demo), refused otherwise.")
OPERATOR_OPTION = typer.Option(None, "--operator", help="Who acts, recorded in the action log "
                                                        "(else $YIBAO_OPERATOR, else the OS user name).")


def _fail(message: str, code: int = 1) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


def _refused(exc) -> None:
    """A refusal of a use case: ``error: [CODE] 中文…（gloss）`` on stderr, exit 2 (docs/his/error-codes.md)."""
    from yibao.app.error_codes import coded_text

    _fail(coded_text(exc), EXIT_REFUSED)


FORMAT_OPTION = typer.Option("table", "--format", help="table | csv | json | xlsx (xlsx: with --out FILE)")


def _settings(db: str | None, now: str | None = None, **flags):
    """yibao.settings, read once per command; a refused fixed clock stops here (exit 2)."""
    from yibao.settings import Settings, SettingsError

    try:
        settings = Settings.load(database_url=db, now=now, **flags)
    except SettingsError as exc:
        _fail(exc.message, 2)
    settings.announce()
    return settings


def _open(settings):
    from yibao.store.database import Database
    from yibao.store.migrate import upgrade

    database = Database(settings.database_url, pool_size=settings.pool_size)
    upgrade(database)
    return database


def _database(db: str | None):
    return _open(_settings(db))


def _setup(db: str | None, now: str | None):
    """The database and the one clock of a command that writes or reports by date."""
    settings = _settings(db, now)
    return _open(settings), settings.clock()


def _operator(name: str | None):
    """The CLI's actor: --operator, else $YIBAO_OPERATOR, else the OS user name."""
    import getpass
    import os

    from yibao.app import actors

    name = (name or os.environ.get("YIBAO_OPERATOR") or "").strip()
    if not name:
        try:
            name = getpass.getuser().strip()
        except (KeyError, OSError):  # no login name (e.g. a container's numeric uid)
            name = ""
    if not name or len(name) > actors.PARTY_MAX:
        _fail(f"必须注明经办人：--operator 姓名（最多 {actors.PARTY_MAX} 个字符），或设置 YIBAO_OPERATOR", 2)
    return actors.operator(name)


def _write(database, action):
    from yibao.app.errors import GatewayError

    try:
        with database.write() as conn:
            return action(conn)
    except GatewayError as exc:
        _refused(exc)


def _print_rows(rows: list[dict], fmt: str, title: str = "") -> None:
    rows = [{k: (v.isoformat() if hasattr(v, "isoformat") and fmt != "xlsx" else v) for k, v in row.items()}
            for row in rows]
    if fmt == "json":
        from yibao.documents.render import dumps

        typer.echo(dumps(rows))
    elif fmt == "csv":
        from yibao.documents.exports import to_csv

        _emit_text(to_csv(rows))  # with a byte-order mark: Excel then reads it as UTF-8 (issue #16)
    elif fmt == "xlsx":
        _add_sheet(rows, title)
    elif fmt == "table":
        from rich.console import Console
        from rich.table import Table

        table = Table(title=title or None, title_justify="left")
        for column in (rows[0] if rows else {}):
            table.add_column(column)
        for row in rows:
            table.add_row(*["" if v is None else str(v) for v in row.values()])
        Console(width=None if Console().is_terminal else 200).print(table)
    else:
        _fail(f"--format must be table, csv, json or xlsx, not {fmt}", 2)


# --- --out FILE: every command with --format gets it once, here (install_out_option) ------------------
_OUT: dict = {"path": None, "sheets": []}


def _emit_text(text: str) -> None:
    if _OUT["path"]:
        with open(_OUT["path"], "a" if _OUT["sheets"] else "w", encoding="utf-8", newline="") as handle:
            handle.write(text if not _OUT["sheets"] else text.lstrip("\ufeff"))
        _OUT["sheets"].append("csv")
    else:
        typer.echo(text, nl=False)


def _add_sheet(rows: list[dict], title: str) -> None:
    """Each table a command prints becomes one sheet of the --out workbook (written again after each)."""
    from openpyxl import load_workbook
    import io

    from yibao.documents.exports import to_xlsx

    if not _OUT["path"]:
        _fail("--format xlsx needs --out FILE (a workbook is not written to the terminal)", 2)
    sheet_book = load_workbook(io.BytesIO(to_xlsx(rows, title or "数据")))
    if not _OUT["sheets"]:
        with open(_OUT["path"], "wb") as handle:
            handle.write(to_xlsx(rows, title or "数据"))
    else:
        book = load_workbook(_OUT["path"])
        target = book.create_sheet(f"{len(_OUT['sheets']) + 1}")
        for row in sheet_book.active.iter_rows():
            for cell in row:
                copied = target.cell(row=cell.row, column=cell.column, value=cell.value)
                copied.data_type, copied.number_format = cell.data_type, cell.number_format
        book.save(_OUT["path"])
    _OUT["sheets"].append(title)
    typer.echo(f"{_OUT['path']}: {len(rows)} rows" + (f" ({title})" if title else ""), err=True)


OUT_OPTION = typer.Option(None, "--out", help="Write the csv or xlsx to this file (--format xlsx requires it).")


def install_out_option(typer_app) -> None:
    """Give ``--out FILE`` to every command whose ``--format`` is FORMAT_OPTION (the table
    commands): once, here, rather than in each command. Each callback is wrapped in a function
    whose signature has one more option, which Typer reads as it reads any command's."""
    import functools
    import inspect

    for group in typer_app.registered_groups:
        install_out_option(group.typer_instance)
    for info in typer_app.registered_commands:
        signature = inspect.signature(info.callback)
        if getattr(info.callback, "_with_out", False) or not any(
                p.default is FORMAT_OPTION for p in signature.parameters.values()):
            continue
        if any("--out" in (getattr(p.default, "param_decls", None) or ()) for p in signature.parameters.values()):
            continue  # the command has an --out of its own (yibao export: the Parquet directory)
        info.callback = _with_out(info.callback, signature, functools, inspect)


def _with_out(callback, signature, functools, inspect):
    @functools.wraps(callback)
    def command(*args, out_file=None, **kwargs):
        _OUT.update(path=out_file, sheets=[])
        return callback(*args, **kwargs)
    extra = inspect.Parameter("out_file", inspect.Parameter.KEYWORD_ONLY, default=OUT_OPTION, annotation=str)
    command.__signature__ = signature.replace(parameters=[*signature.parameters.values(), extra])
    command._with_out = True
    return command


def _date(value: str | None, name: str):
    import datetime as dt

    if value in (None, ""):
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        _fail(f"{name} must be YYYY-MM-DD, got {value!r}", 2)
