"""The ``yibao`` command: one composition root for every entry point."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

app = typer.Typer(
    name="yibao",
    help="Medical-insurance settlement platform (local and cross-region direct settlement).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

EXIT_REFUSED = 2


@app.callback()
def _root() -> None:
    """yibao: settle visits under the national rule 就医地目录、参保地政策、就医地管理."""


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

DB_OPTION = typer.Option(None, "--db", help="Database URL (else $YIBAO_DATABASE_URL, else sqlite:///./yibao.db).")
NOW_OPTION = typer.Option(None, "--now", help="Fixed clock, ISO date-time (else $YIBAO_NOW); honoured only with "
                                              "YIBAO_ALLOW_FIXED_NOW=1 (serve: or --insecure-demo), refused otherwise.")
OPERATOR_OPTION = typer.Option(None, "--operator", help="Who acts, recorded in the action log "
                                                        "(else $YIBAO_OPERATOR, else the OS user name).")


def _fail(message: str, code: int = 1) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


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
                                         "restrictions | bundles | exclusive_pairs | frequency_limits | price_ceilings | deaths"),
    file: Path = typer.Argument(..., help="CSV with a header row, or JSON (an array of objects)."),
    db: str = DB_OPTION,
    now: str = NOW_OPTION,
) -> None:
    """Import a file in the national shape (all or nothing per file)."""
    database, clock = _setup(db, now)
    if kind in ("restrictions", "price_ceilings", "bundles", "exclusive_pairs", "frequency_limits", "deaths"):
        from yibao.app import audit
        from yibao.app.errors import GatewayError

        try:
            if kind == "deaths":
                count = audit.import_deaths(database, file, clock())
                typer.echo(f"deaths: {count} rows imported from {file}")
                return
            for result in audit.import_knowledge_file(database, kind, file, now=clock()):
                typer.echo(f"{kind}: {result['rows']} rows for region {result['region']} → rule package {result['version']}")
                typer.echo(result["diff"])
        except GatewayError as exc:
            _fail(f"{exc.message} (nothing imported)", 2)
        return

    from rich.progress import Progress

    from yibao.app.importing import ImportError_, import_file

    try:
        with Progress(transient=True) as progress:
            task = progress.add_task(f"importing {kind}", total=None)
            result = import_file(database, kind, file, now=clock(),
                                 progress=lambda done, total: progress.update(task, completed=done, total=total))
    except ImportError_ as exc:
        _fail(f"{exc} (nothing imported)", 2)
    typer.echo(f"{kind}: {result.rows} rows read, {result.written} written from {file}")
    if result.openings:
        typer.echo(f"{result.openings} 名新参保人按文件中的账户余额建立了期初余额")
    if result.balances_ignored:
        typer.echo(f"{result.balances_ignored} 行的账户余额与当前余额不同，已忽略；如需调整请使用 yibao account adjust")


account_app = typer.Typer(help="Personal accounts (个人账户): balance, movements, explicit adjustments.",
                          no_args_is_help=True)
app.add_typer(account_app, name="account")


@account_app.command("adjust", context_settings={"ignore_unknown_options": True})
def account_adjust(
    psn_no: str = typer.Argument(...),
    amount: str = typer.Argument(..., help="Yuan, signed, at most two decimals (e.g. 100.00 or -20.50)."),
    reason: str = typer.Option(..., "--reason", help="Why (recorded with the entry)."),
    operator: str = OPERATOR_OPTION,
    db: str = DB_OPTION,
    now: str = NOW_OPTION,
) -> None:
    """Adjust a personal account balance: one logged adjustment entry, posted to the ledger."""
    from yibao.app.accounts import adjust_account, parse_amount
    from yibao.app.errors import GatewayError

    actor = _operator(operator)
    database, clock = _setup(db, now)
    try:
        result = adjust_account(database, psn_no, parse_amount(amount), reason, actor.party, clock())
    except GatewayError as exc:
        _fail(exc.message, 2)
    typer.echo(f"参保人 {psn_no} 个人账户调整 {result.amount:+} 元："
               f"{result.balance_before} → {result.balance_after} 元（经办人 {actor.party}）")


@account_app.command("show")
def account_show(psn_no: str = typer.Argument(...), db: str = DB_OPTION,
                 fmt: str = typer.Option("table", "--format", help="table | csv | json")) -> None:
    """A personal account: its balance and every movement."""
    from yibao.app.accounts import account_view
    from yibao.app.errors import GatewayError

    try:
        with _database(db).read() as conn:
            view = account_view(conn, psn_no)
    except GatewayError as exc:
        _fail(exc.message, 2)
    if fmt == "json":
        from yibao.documents.render import dumps

        movements = [{k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in row.items()}
                     for row in view["movements"]]
        typer.echo(dumps({"psn_no": view["psn_no"], "balance": view["balance"], "movements": movements}))
        return
    if fmt == "table":
        typer.echo(f"参保人 {psn_no} 个人账户余额 {view['balance']} 元，{len(view['movements'])} 笔变动")
    _print_rows(view["movements"], fmt, "账户变动")


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
) -> None:
    """Serve the NHSA-compatible gateway."""
    import os

    import uvicorn

    from yibao.store.database import mask_url

    settings = _settings(db, now, insecure_demo=insecure_demo, log_level=log_level)
    database = _open(settings)
    for key, value in settings.environment().items():  # the workers load the same settings from here
        if value:
            os.environ[key] = value
        else:
            os.environ.pop(key, None)
    typer.echo(f"yibao gateway on http://{host}:{port}  (POST /fsi/api/rsfComIfsService/callService; "
               f"database {mask_url(database.url)}{'; INSECURE DEMO MODE' if insecure_demo else ''})")
    typer.echo(f"agencies' admin API: http://{host}:{port}/admin/api/docs")
    uvicorn.run("yibao.gateway.app:app_from_environment", factory=True, host=host, port=port, workers=workers,
                log_level=log_level.lower(), access_log=False)


@app.command()
def his(
    visits: int = typer.Option(100, "--visits", help="How many visits to walk through the gateway."),
    url: str = typer.Option("http://127.0.0.1:8000", "--url", help="The gateway's base URL."),
    data_dir: Path = typer.Option(Path("yibao-demo-data"), "--data-dir", help="The demo world's files (from `yibao demo`)."),
    concurrency: int = typer.Option(4, help="Concurrent HIS clients."),
    seed: int = typer.Option(1, help="Random seed for the choice of visits."),
) -> None:
    """A HIS client: walk real visits (sign-in, 1101, register, upload, pre-settle, settle, reversals)."""
    import httpx

    from yibao.sim.his import Simulator, World

    try:
        world = World.load(data_dir)
    except FileNotFoundError as exc:
        _fail(str(exc), 2)
    simulator = Simulator(url, world, seed=seed)
    try:
        summary = simulator.run(visits, concurrency)
    except httpx.HTTPError as exc:
        _fail(f"cannot reach the gateway at {url}: {exc}", 1)
    finally:
        simulator.close()
    for line in summary.lines():
        typer.echo(line)


filing_app = typer.Typer(help="Cross-region filings (备案) for agencies.", no_args_is_help=True)
qualification_app = typer.Typer(help="门慢特 qualifications (资格认定) for agencies.", no_args_is_help=True)
agency_app = typer.Typer(help="Agencies and their admin API tokens.", no_args_is_help=True)
stats_app = typer.Typer(help="Statistics over settled data.", no_args_is_help=True)
app.add_typer(filing_app, name="filing")
app.add_typer(qualification_app, name="qualification")
app.add_typer(agency_app, name="agency")
app.add_typer(stats_app, name="stats")

FORMAT_OPTION = typer.Option("table", "--format", help="table | csv | json")


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
        _fail(exc.message, 2)


def _print_rows(rows: list[dict], fmt: str, title: str = "") -> None:
    import csv
    import io

    from yibao.documents.render import dumps

    rows = [{k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in row.items()} for row in rows]
    if fmt == "json":
        typer.echo(dumps(rows))
    elif fmt == "csv":
        buffer = io.StringIO()
        if rows:
            writer = csv.DictWriter(buffer, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
        typer.echo(buffer.getvalue(), nl=False)
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
        _fail(f"--format must be table, csv or json, not {fmt}", 2)


def _date(value: str | None, name: str):
    import datetime as dt

    if value in (None, ""):
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        _fail(f"{name} must be YYYY-MM-DD, got {value!r}", 2)


FILING_COLUMNS = ("filing_no", "psn_no", "filing_type", "subtype", "dest_admdvs", "begndate", "enddate", "status",
                  "commitment_letter", "locked_until", "source", "created_by", "replaces_filing_no")


@filing_app.command("create")
def filing_create(
    psn_no: str = typer.Option(..., "--psn-no"),
    filing_type: str = typer.Option(..., "--type", help="long_term | referral | emergency | temporary_other"),
    dest: str = typer.Option(..., "--dest", help="destination region: a province xx0000 or a city"),
    begin: str = typer.Option(None, "--begin", help="YYYY-MM-DD (default today; earlier only for 补办备案)"),
    end: str = typer.Option(None, "--end", help="YYYY-MM-DD (temporary filings: at least six months)"),
    subtype: str = typer.Option(None, "--subtype", help="resettled_retiree | long_term_residence | posted_worker | …"),
    commitment: bool = typer.Option(False, "--commitment", help="filed on a personal commitment (locked six months)"),
    agency: str = typer.Option("cli", "--agency", help="the filing agency's code, recorded with the filing"),
    db: str = DB_OPTION,
    now_option: str = NOW_OPTION,
) -> None:
    """File a cross-region visit for a person."""
    from yibao.app import filings

    database, clock = _setup(db, now_option)
    now = clock()
    row = _write(database, lambda conn: filings.create_filing(
        conn, now=now, psn_no=psn_no, filing_type=filing_type, dest_admdvs=dest,
        begndate=_date(begin, "--begin") or now.date(), enddate=_date(end, "--end"), subtype=subtype,
        commitment_letter=commitment, source="agency", created_by=agency))
    _print_rows([{k: row[k] for k in FILING_COLUMNS}], "table", "filing created")


@filing_app.command("list")
def filing_list(psn_no: str = typer.Argument(...), db: str = DB_OPTION, fmt: str = FORMAT_OPTION) -> None:
    """A person's filings."""
    from yibao.app import filings

    with _database(db).read() as conn:
        rows = filings.filings_of(conn, psn_no)
    _print_rows([{k: row[k] for k in FILING_COLUMNS} for row in rows], fmt, f"filings of {psn_no}")


@filing_app.command("cancel")
def filing_cancel(filing_no: str = typer.Argument(...), reason: str = typer.Option("", "--reason"), db: str = DB_OPTION,
                  now: str = NOW_OPTION) -> None:
    """Cancel a filing (refused within six months of a commitment-letter filing)."""
    from yibao.app import filings

    database, clock = _setup(db, now)
    row = _write(database, lambda conn: filings.end_filing(conn, filing_no, now=clock(), reason=reason or "cancelled"))
    typer.echo(f"filing {row['filing_no']} cancelled")


@filing_app.command("change")
def filing_change(
    filing_no: str = typer.Argument(...),
    dest: str = typer.Option(None, "--dest"),
    filing_type: str = typer.Option(None, "--type"),
    subtype: str = typer.Option(None, "--subtype"),
    end: str = typer.Option(None, "--end"),
    agency: str = typer.Option("cli", "--agency"),
    db: str = DB_OPTION,
    now: str = NOW_OPTION,
) -> None:
    """Change a filing: the old one ends, a new one names it."""
    from yibao.app import filings

    database, clock = _setup(db, now)
    row = _write(database, lambda conn: filings.change_filing(
        conn, filing_no, now=clock(), created_by=agency, source="agency", dest_admdvs=dest, filing_type=filing_type,
        subtype=subtype, enddate=_date(end, "--end")))
    _print_rows([{k: row[k] for k in FILING_COLUMNS}], "table", f"filing {filing_no} changed")


@qualification_app.command("grant")
def qualification_grant(
    psn_no: str = typer.Option(..., "--psn-no"),
    insutype: str = typer.Option(..., "--insutype"),
    disease: str = typer.Option(..., "--disease", help="门慢特病种 code, e.g. M03900 (高血压)"),
    begin: str = typer.Option(None, "--begin"),
    end: str = typer.Option(None, "--end"),
    agency: str = typer.Option("cli", "--agency"),
    db: str = DB_OPTION,
    now_option: str = NOW_OPTION,
) -> None:
    """Qualify a person for a 门慢特 disease."""
    from yibao.app import filings

    database, clock = _setup(db, now_option)
    now = clock()
    row = _write(database, lambda conn: filings.grant_qualification(
        conn, now=now, psn_no=psn_no, insutype=insutype, dise_code=disease, begndate=_date(begin, "--begin") or now.date(),
        enddate=_date(end, "--end"), source="agency", created_by=agency))
    typer.echo(f"qualification {row['qual_no']}: {psn_no} {disease} {row['opsp_dise_name']} from {row['begndate']}")


@qualification_app.command("list")
def qualification_list(psn_no: str = typer.Argument(...), db: str = DB_OPTION, fmt: str = FORMAT_OPTION) -> None:
    """A person's qualifications."""
    from yibao.app import filings

    with _database(db).read() as conn:
        rows = filings.qualifications_of(conn, psn_no)
    _print_rows([{k: row[k] for k in ("qual_no", "insutype", "opsp_dise_code", "opsp_dise_name", "begndate", "enddate",
                                      "status", "source")} for row in rows], fmt, f"qualifications of {psn_no}")


@qualification_app.command("cancel")
def qualification_cancel(qual_no: str = typer.Argument(...), db: str = DB_OPTION, now: str = NOW_OPTION) -> None:
    """End a qualification."""
    from yibao.app import filings

    database, clock = _setup(db, now)
    _write(database, lambda conn: filings.cancel_qualification(conn, qual_no, now=clock()))
    typer.echo(f"qualification {qual_no} cancelled")


@agency_app.command("add")
def agency_add(code: str = typer.Argument(..., help="the region it administers"), name: str = typer.Argument(...),
               db: str = DB_OPTION) -> None:
    """Create an agency (or give it a new token); prints the token once."""
    from yibao.app.agencies import add_agency

    token = _write(_database(db), lambda conn: add_agency(conn, code, name))
    typer.echo(f"agency {code} {name}: Authorization: Bearer {code}:{token}")


@stats_app.command("flows")
def stats_flows(month: str = typer.Option(..., "--month", help="YYYY-MM"), db: str = DB_OPTION, fmt: str = FORMAT_OPTION) -> None:
    """Settlements, fees and fund payments by insured region × treatment region."""
    from yibao.analytics.flows import flows_for_month, totals_by_scope

    try:
        with _database(db).read() as conn:
            rows = flows_for_month(conn, month)
    except ValueError as exc:
        _fail(str(exc), 2)
    _print_rows(rows, fmt, f"flows {month}")
    if fmt == "table":
        _print_rows(totals_by_scope(rows), "table", "by scope (local / in-province / cross-province)")


clearing_app = typer.Typer(help="Clearing statements: confirm and pay.", no_args_is_help=True)
prepay_app = typer.Typer(help="Prepayments (预付金) between regions.", no_args_is_help=True)
app.add_typer(clearing_app, name="clearing")
app.add_typer(prepay_app, name="prepay")


@app.command()
def clear(month: str = typer.Option(..., "--month", help="YYYY-MM"), db: str = DB_OPTION, fmt: str = FORMAT_OPTION,
          operator: str = OPERATOR_OPTION, now: str = NOW_OPTION) -> None:
    """Monthly clearing: statements per (insured region, treatment region); idempotent."""
    from rich.console import Console

    from yibao.app.clearing import province_positions, run_clearing, statement_view
    from yibao.app.errors import GatewayError

    actor = _operator(operator)
    database, clock = _setup(db, now)
    console = Console(stderr=True)
    try:
        with console.status("clearing") as status:
            rows = run_clearing(database, month, now=clock(), actor=actor, progress=lambda step: status.update(f"{month}: {step}"))
    except ValueError as exc:
        _fail(str(exc), 2)
    except GatewayError as exc:
        _fail(exc.message, 2)
    _print_rows([statement_view(row) for row in rows], fmt, f"clearing statements {month}")
    if fmt == "table":
        with database.read() as conn:
            _print_rows(province_positions(conn, month), "table", "positions against prepayment")


@clearing_app.command("confirm")
def clearing_confirm(statement_id: str = typer.Argument(...), side: str = typer.Option(..., "--side", help="insured | treatment"),
                     db: str = DB_OPTION, operator: str = OPERATOR_OPTION, now: str = NOW_OPTION) -> None:
    """Confirm a statement for one side."""
    from yibao.app.clearing import confirm

    actor = _operator(operator)
    database, clock = _setup(db, now)
    row = _write(database, lambda conn: confirm(conn, statement_id, side, clock(), actor=actor))
    typer.echo(f"statement {statement_id}: {row['status']}")


@clearing_app.command("pay")
def clearing_pay(statement_id: str = typer.Argument(...), db: str = DB_OPTION, operator: str = OPERATOR_OPTION,
                 now: str = NOW_OPTION) -> None:
    """Pay a confirmed statement (first from the prepayment, then cash)."""
    from yibao.app.clearing import pay
    from yibao.store.repository import from_fen

    actor = _operator(operator)
    database, clock = _setup(db, now)
    row = _write(database, lambda conn: pay(conn, statement_id, clock(), actor=actor))
    typer.echo(f"statement {statement_id} paid: {from_fen(row['drawn_from_prepayment_fen'])} from prepayment, "
               f"{from_fen(row['paid_in_cash_fen'])} in cash")


@prepay_app.command("plan")
def prepay_plan(year: int = typer.Option(..., "--year"), months: str = typer.Option("2", "--months", help="months' worth of the prior year"),
                db: str = DB_OPTION, fmt: str = FORMAT_OPTION, operator: str = OPERATOR_OPTION,
                now: str = NOW_OPTION) -> None:
    """Approve the year's prepayments from the prior year's cross-province payments."""
    from decimal import Decimal, InvalidOperation

    from yibao.app.prepayment import plan_year
    from yibao.store.repository import from_fen

    try:
        months_value = Decimal(months)
    except InvalidOperation:
        _fail("--months must be a number", 2)
    actor = _operator(operator)
    database, clock = _setup(db, now)
    rows = _write(database, lambda conn: plan_year(conn, year, now=clock(), actor=actor, months=months_value))
    _print_rows([{"prepay_id": r["prepay_id"], "insured_admdvs": r["insured_admdvs"], "treatment_prov": r["treatment_prov"],
                  "basis": from_fen(r["basis_fen"]), "amount": from_fen(r["amount_fen"]), "status": r["status"]} for r in rows],
                fmt, f"prepayments approved for {year}")


@prepay_app.command("pay")
def prepay_pay(prepay_id: str = typer.Argument(...), db: str = DB_OPTION, operator: str = OPERATOR_OPTION,
               now: str = NOW_OPTION) -> None:
    """The insured region pays an approved prepayment."""
    from yibao.app.prepayment import mark_paid

    actor = _operator(operator)
    database, clock = _setup(db, now)
    _write(database, lambda conn: mark_paid(conn, prepay_id, clock(), actor=actor))
    typer.echo(f"prepayment {prepay_id} paid")


@prepay_app.command("receive")
def prepay_receive(prepay_id: str = typer.Argument(...), db: str = DB_OPTION, operator: str = OPERATOR_OPTION,
                   now: str = NOW_OPTION) -> None:
    """The treatment province receives a paid prepayment."""
    from yibao.app.prepayment import mark_received

    actor = _operator(operator)
    database, clock = _setup(db, now)
    _write(database, lambda conn: mark_received(conn, prepay_id, clock(), actor=actor))
    typer.echo(f"prepayment {prepay_id} received")


@prepay_app.command("top-up")
def prepay_top_up(insured: str = typer.Option(..., "--insured"), province: str = typer.Option(..., "--province"),
                  amount: str = typer.Option(..., "--amount", help="yuan"), year: int = typer.Option(..., "--year"),
                  db: str = DB_OPTION, operator: str = OPERATOR_OPTION, now: str = NOW_OPTION) -> None:
    """Approve an emergency top-up when usage crosses the warning line."""
    from decimal import Decimal, InvalidOperation

    from yibao.app.prepayment import top_up
    from yibao.store.repository import to_fen

    try:
        fen = to_fen(Decimal(amount))
    except (InvalidOperation, AssertionError):
        _fail("--amount must be yuan with at most two decimals", 2)
    actor = _operator(operator)
    database, clock = _setup(db, now)
    row = _write(database, lambda conn: top_up(conn, year=year, insured=insured, prov=province, amount_fen=fen,
                                                now=clock(), actor=actor))
    typer.echo(f"top-up {row['prepay_id']} approved")


@prepay_app.command("status")
def prepay_status(year: int = typer.Option(..., "--year"), warning_line: str = typer.Option("0.7", "--warning-line"),
                  db: str = DB_OPTION, fmt: str = FORMAT_OPTION) -> None:
    """Prepaid, available, outstanding and usage per pair; warnings call for a top-up."""
    from decimal import Decimal

    from yibao.app.prepayment import usage

    with _database(db).read() as conn:
        rows = usage(conn, year, Decimal(warning_line))
    _print_rows(rows, fmt, f"prepayment usage {year}")


@app.command()
def check(db: str = DB_OPTION) -> None:
    """Check that balances, accumulators, ledger and request log agree with the settlements."""
    from yibao.app.consistency import check_database

    with _database(db).read() as conn:
        errors = check_database(conn)
    for error in errors:
        typer.echo(error)
    if errors:
        raise typer.Exit(1)
    typer.echo("一致：每个余额、累计值和总账分录都与已存结算相符 (consistent)")


@stats_app.command("supervision")
def stats_supervision(begin: str = typer.Option(..., "--from", help="YYYY-MM-DD"), end: str = typer.Option(..., "--to"),
                      region: str = typer.Option(None, "--region"), db: str = DB_OPTION, fmt: str = FORMAT_OPTION) -> None:
    """Fund supervision figures: cases, recovered, penalties, suspensions, terminations."""
    from yibao.app.supervision import supervision_stats

    with _database(db).read() as conn:
        stats = supervision_stats(conn, begin=_date(begin, "--from"), end=_date(end, "--to"), admdvs=region)
    if fmt == "json":
        from yibao.documents.render import dumps

        typer.echo(dumps(stats))
        return
    rows = [{"figure": key, "value": value if not isinstance(value, dict) else ", ".join(f"{k} {v}" for k, v in value.items())}
            for key, value in stats.items()]
    _print_rows(rows, fmt, "fund supervision")


rules_app = typer.Typer(help="The audit rule base (规则库/知识库): packages per region.", no_args_is_help=True)
app.add_typer(rules_app, name="rules")


@rules_app.command("init")
def rules_init(region: str = typer.Option(..., "--region"), refuse_definite: bool = typer.Option(False, "--refuse-definite"),
               db: str = DB_OPTION, now_option: str = NOW_OPTION) -> None:
    """Give a region the standard rules (one of every type)."""
    from yibao.app import audit
    from yibao.domain.audit import export_package

    database, clock = _setup(db, now_option)
    now = clock()
    result = _write(database, lambda conn: audit.import_rule_package(conn, export_package(audit.standard_package(region, now)),
                                                              admdvs=region, source="standard", now=now,
                                                              refuse_definite=refuse_definite))
    typer.echo(f"region {region}: rule package {result['version']}" + ("" if result["changed"] else " (unchanged)"))
    typer.echo(result["diff"])


@rules_app.command("import")
def rules_import(file: Path = typer.Argument(..., help="a rule package (JSON)"), region: str = typer.Option(..., "--region"),
                 refuse_definite: bool = typer.Option(None, "--refuse-definite/--warn-only",
                                                      help="definite violations refuse the settlement, or only warn"),
                 db: str = DB_OPTION, now: str = NOW_OPTION) -> None:
    """Import a rule package (e.g. shared by another region); prints what changed."""
    from yibao.app import audit

    try:
        document = file.read_text(encoding="utf-8")
    except OSError as exc:
        _fail(f"cannot read {file}: {exc}", 2)
    database, clock = _setup(db, now)
    result = _write(database, lambda conn: audit.import_rule_package(conn, document, admdvs=region,
                                                                    source=f"file {file.name}", now=clock(),
                                                                    refuse_definite=refuse_definite))
    typer.echo(f"region {region}: rule package {result['version']}" + ("" if result["changed"] else " (unchanged)"))
    typer.echo(result["diff"])


@rules_app.command("export")
def rules_export(region: str = typer.Option(..., "--region"), db: str = DB_OPTION) -> None:
    """Print the region's current rule package (JSON) to share it."""
    from yibao.app import audit
    from yibao.app.errors import GatewayError

    try:
        with _database(db).read() as conn:
            typer.echo(audit.export_rule_package(conn, region))
    except GatewayError as exc:
        _fail(exc.message, 2)


@app.command()
def audit(begin: str = typer.Option(..., "--from", help="YYYY-MM-DD"), end: str = typer.Option(..., "--to"),
          region: str = typer.Option(..., "--region", help="treatment region whose rule package applies"),
          engine: str = typer.Option("duckdb", "--engine", help="duckdb | spark"),
          store: bool = typer.Option(True, "--store/--dry-run", help="keep the findings for cases"),
          db: str = DB_OPTION, fmt: str = FORMAT_OPTION, now: str = NOW_OPTION) -> None:
    """Post-event audit (事后) of the period's settlements with the region's rule package."""
    from rich.console import Console

    from yibao.app import audit as audit_use_case
    from yibao.app.errors import GatewayError

    if engine not in ("duckdb", "spark"):
        _fail("--engine is duckdb or spark", 2)
    database, clock = _setup(db, now)
    console = Console(stderr=True)
    try:
        with console.status("auditing") as status:
            findings = audit_use_case.run_post_audit(
                database, begin=_date(begin, "--from"), end=_date(end, "--to"), region=region, engine=engine,
                now=clock(), store=store,
                progress=lambda p: status.update(f"auditing: {getattr(p, 'rule_id', '')} {getattr(p, 'done', '')}/{getattr(p, 'total', '')}"))
    except GatewayError as exc:
        _fail(exc.message, 2)
    rows = [{"rule_id": f.rule_id, "rule_type": f.rule_type, "result_type": f.result_type, "sev_deg": f.sev_deg,
             "mdtrt_id": f.mdtrt_id, "setl_id": f.setl_id, "feedetl_sn": f.feedetl_sn, "psn_no": f.psn_no,
             "vola_amt": f.vola_amt, "vola_cont": f.vola_cont} for f in findings]
    _print_rows(rows, fmt, f"post-event audit {begin}..{end}, region {region}: {len(rows)} findings")


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)


if __name__ == "__main__":
    main()
