"""Settle a case, the schema, imports, the demo, the gateway, the HIS simulator, the check."""

from __future__ import annotations

import sys
from pathlib import Path

import typer
from .common import DB_OPTION, EXIT_REFUSED, NOW_OPTION, _database, _fail, _open, _settings, _setup, app


@app.command()
def settle(
    case_file: Path = typer.Argument(..., help="A settlement case (settlement-spec §2).", metavar="CASE.json"),
    explain: bool = typer.Option(False, "--explain", help="Show the split, the funds and the trace as tables."),
) -> None:
    """Settle one case: print the result JSON (exit 0) or the error object (exit 2)."""
    from yibao.documents.case_document import load_case
    from yibao.documents.render import dumps, settlement_result
    from yibao.domain.errors import SettlementRefused
    from yibao.domain.settle import settle as settle_case

    try:
        settlement = settle_case(load_case(case_file))
    except SettlementRefused as refusal:
        typer.echo(dumps(refusal.as_dict()))
        raise typer.Exit(EXIT_REFUSED) from None
    if explain:
        from yibao.explain import print_explanation

        print_explanation(settlement)
    else:
        typer.echo(dumps(settlement_result(settlement)))


db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
app.add_typer(db_app, name="db")
docs_app = typer.Typer(help="Documents generated from the code.", no_args_is_help=True)
app.add_typer(docs_app, name="docs")


@docs_app.command("error-codes")
def docs_error_codes(output: Path = typer.Option(None, "--output", help="Write here (else stdout), "
                                                                      "e.g. docs/his/error-codes.md.")) -> None:
    """The table of every refusal and warning code (docs/his/error-codes.md)."""
    from yibao.app.error_codes import markdown

    text = markdown()
    if output is None:
        typer.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
        typer.echo(f"{output}: {text.count(chr(10))} lines")

@db_app.command("upgrade")
def db_upgrade(db: str = DB_OPTION) -> None:
    """Create or migrate the schema (idempotent)."""
    from yibao.store.database import mask_url
    from yibao.store.migrate import current_revision

    database = _database(db)
    typer.echo(f"{mask_url(database.url)}: schema at revision {current_revision(database)}")


@app.command("import")
def import_command(
    kind: str = typer.Argument(..., help="policy | hilist | lmtpric | selfpay | institutions | persons | filings | "
                                         "diagnoses | procedures | code_list | practitioners | "
                                         "restrictions | bundles | exclusive_pairs | frequency_limits | price_ceilings | deaths"),
    file: Path = typer.Argument(..., help="CSV with a header row, or JSON (an array of objects)."),
    db: str = DB_OPTION,
    now: str = NOW_OPTION,
) -> None:
    """Import a file in the national shape (all or nothing per file)."""
    settings = _settings(db, now)
    database, clock = _open(settings), settings.clock()
    if kind in ("restrictions", "price_ceilings", "bundles", "exclusive_pairs", "frequency_limits", "deaths"):
        from yibao.app import actors, audit
        from yibao.app.error_codes import coded_text
        from yibao.app.errors import GatewayError
        from yibao.store.unit_of_work import SqlUnitOfWork

        try:
            if kind == "deaths":
                with SqlUnitOfWork(database, actors.SYSTEM, clock()) as uow:
                    count = audit.import_deaths(uow, file)
                typer.echo(f"deaths: {count} rows imported from {file}")
                return
            with SqlUnitOfWork(database, actors.SYSTEM, clock()) as uow:
                results = audit.import_knowledge_file(uow, kind, file)
            for result in results:
                typer.echo(f"{kind}: {result['rows']} rows for region {result['region']} → rule package {result['version']}")
                typer.echo(result["diff"])
        except GatewayError as exc:
            _fail(f"{coded_text(exc)}（未导入任何数据）", EXIT_REFUSED)
        return

    from rich.progress import Progress

    from yibao.app.importing import ImportError_, import_file

    try:
        with Progress(transient=True) as progress:
            task = progress.add_task(f"importing {kind}", total=None)
            result = import_file(database, kind, file, now=clock(), secret_box=settings.secret_box(),
                                 progress=lambda done, total: progress.update(task, completed=done, total=total))
    except ImportError_ as exc:
        _fail(f"{exc} (nothing imported)", 2)
    typer.echo(f"{kind}: {result.rows} rows read, {result.written} written from {file}")
    if result.openings:
        typer.echo(f"{result.openings} 名新参保人按文件中的账户余额建立了期初余额")
    if result.balances_ignored:
        typer.echo(f"{result.balances_ignored} 行的账户余额与当前余额不同，已忽略；如需调整请使用 yibao account adjust")
    if result.insurances_kept:
        typer.echo(f"{result.insurances_kept} 行的参保信息由参保登记或转移接续记录管理，未按文件更改（见 yibao enroll show）")


@app.command()
def demo(
    db: str = DB_OPTION,
    data_dir: Path = typer.Option(Path("yibao-demo-data"), "--data-dir", help="Where the demo world's files are written."),
    persons_per_region: int = typer.Option(400, help="Insured persons per region."),
    seed: int = typer.Option(7, help="Random seed (the same seed gives the same world)."),
    policies: Path = typer.Option(None, "--policies", help="Directory of policy documents (default: the shipped policies/)."),
    now: str = NOW_OPTION,
) -> None:
    """Create the demo world: policies, catalogues, institutions, insured persons."""
    from yibao.app.demo import build_demo
    from yibao.store.database import Database, mask_url

    settings = _settings(db, now)
    database = Database(settings.database_url, pool_size=settings.pool_size)
    summary = build_demo(database, now=settings.clock()(), data_dir=data_dir,
                         policies_dir=policies, seed=seed, persons_per_region=persons_per_region,
                         report=lambda line: typer.echo(f"  {line}"))
    typer.echo(f"demo world loaded into {mask_url(database.url)}; files and institution credentials in {summary['data_dir']}")


@app.command()
def serve(
    host: str = typer.Option("127.0.0.1", help="Address to listen on."),
    port: int = typer.Option(8000, help="Port."),
    workers: int = typer.Option(1, help="Gateway worker processes."),
    insecure_demo: bool = typer.Option(False, "--insecure-demo", help="Do not check institution credentials or sign-in (demo only)."),
    db: str = DB_OPTION,
    log_level: str = typer.Option("warning", help="Log level."),
    now: str = typer.Option(None, "--now", help="Fixed clock, ISO date-time (else $YIBAO_NOW); honoured only with "
                                                "--insecure-demo or YIBAO_ALLOW_FIXED_NOW=1, refused otherwise."),
    migrate: bool = typer.Option(False, "--migrate/--no-migrate",
                                 help="Migrate the schema before serving (demo, development). The default, "
                                      "--no-migrate, refuses to start on a schema that is not at this code's "
                                      "revision: run `yibao db upgrade` as its own deployment step."),
) -> None:
    """Serve the NHSA-compatible gateway."""
    import os

    import uvicorn

    from yibao.store.database import mask_url

    from yibao.gateway.app import platform_key_refusal

    settings = _settings(db, now, insecure_demo=insecure_demo, log_level=log_level)
    database = _open(settings) if migrate else _open_at_head(settings)
    refusal = platform_key_refusal(database, settings)
    if refusal:
        _fail(refusal, 2)
    for key, value in settings.environment().items():  # the workers load the same settings from here
        if value:
            os.environ[key] = value
        else:
            os.environ.pop(key, None)
    typer.echo(f"yibao gateway on http://{host}:{port}  (POST /fsi/api/rsfComIfsService/callService; "
               f"database {mask_url(database.url)}{'; INSECURE DEMO MODE' if insecure_demo else ''})")
    typer.echo(f"agencies' admin API: http://{host}:{port}/admin/api/docs")
    if workers > 1 and not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        # one /metrics over every worker (gateway/metrics.py): the workers count into files here
        import tempfile

        os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="yibao-metrics-")
    uvicorn.run("yibao.gateway.app:app_from_environment", factory=True, host=host, port=port, workers=workers,
                log_level=log_level.lower(), access_log=False)


def _open_at_head(settings):
    """The database of a production start: never migrated by the server (several replicas must
    not race to migrate; a schema change is its own step), refused unless at this code's head."""
    from yibao.store.database import Database
    from yibao.store.migrate import current_revision, head_revision

    database = Database(settings.database_url, pool_size=settings.pool_size)
    found, expected = current_revision(database), head_revision()
    if found != expected:
        _fail(f"数据库结构版本为 {found or '空'}，本程序需要 {expected}：请先运行 `yibao db upgrade` "
              f"(schema at {found or 'none'}, expected {expected}: run `yibao db upgrade`, or serve --migrate)", 2)
    return database


@app.command()
def his(
    visits: int = typer.Option(100, "--visits", help="How many visits to walk through the gateway."),
    url: str = typer.Option("http://127.0.0.1:8000", "--url", help="The gateway's base URL."),
    data_dir: Path = typer.Option(Path("yibao-demo-data"), "--data-dir", help="The demo world's files (from `yibao demo`)."),
    concurrency: int = typer.Option(4, help="Concurrent HIS clients."),
    seed: int = typer.Option(1, help="Random seed for the choice of visits."),
    sign: str = typer.Option("apikey", "--sign", help="apikey | x-tif (sign like the Guangdong proxy) | api | none; "
                                                      "the institutions must be in that auth_mode"),
    path_style: str = typer.Option("callService", "--path", help="callService | infno (callService/{infno}) | "
                                                                 "hgs (/hsa/hgs/{infno})"),
) -> None:
    """A HIS client: walk real visits (sign-in, 1101, register, upload, pre-settle, settle, reversals)."""
    import httpx

    from yibao.sim.his import PATH_STYLES, SIGNINGS, Simulator, World

    if sign not in SIGNINGS or path_style not in PATH_STYLES:
        _fail(f"--sign is one of {', '.join(SIGNINGS)}; --path one of {', '.join(PATH_STYLES)}", 2)

    try:
        world = World.load(data_dir)
    except FileNotFoundError as exc:
        _fail(str(exc), 2)
    simulator = Simulator(url, world, seed=seed, signing=sign, path_style=path_style)
    try:
        summary = simulator.run(visits, concurrency)
    except httpx.HTTPError as exc:
        _fail(f"cannot reach the gateway at {url}: {exc}", 1)
    finally:
        simulator.close()
    for line in summary.lines():
        typer.echo(line)


@app.command()
def check(db: str = DB_OPTION) -> None:
    """Check that balances, accumulators, ledger and request log agree with the settlements."""
    from yibao.app import actors
    from yibao.app.consistency import check_database
    from yibao.store.unit_of_work import SqlUnitOfWork

    database, clock = _setup(db, None)
    with SqlUnitOfWork(database, actors.SYSTEM, clock(), write=False) as uow:
        errors = check_database(uow)
    for error in errors:
        typer.echo(error)
    if errors:
        raise typer.Exit(1)
    typer.echo("一致：每个余额、累计值和总账分录都与已存结算相符 (consistent)")


def main() -> None:
    from sqlalchemy.exc import OperationalError

    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)
    except OperationalError as exc:
        # an unreachable database is one line for the operator, not a traceback
        reason = str(exc.orig).strip().splitlines()[0][:200] if exc.orig else type(exc).__name__
        typer.echo(f"error: [SYSTEM_DATABASE_UNAVAILABLE] 数据库不可达 (database unreachable): {reason}", err=True)
        sys.exit(1)

