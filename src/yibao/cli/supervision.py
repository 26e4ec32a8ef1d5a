"""Supervision statistics, the audit rule base, the post-event audit."""

from __future__ import annotations

from pathlib import Path

import typer
from .common import (DB_OPTION, FORMAT_OPTION, NOW_OPTION, OPERATOR_OPTION, _date, _fail, _operator, _print_rows, _refused,
                     _setup, app)


def _run(database, now, action, actor=None):
    """One write use case in one unit of work; a refusal exits 2. The rule base's own commands
    leave no action-log row, so the system is their actor unless an operator is named."""
    from yibao.app import actors
    from yibao.app.errors import GatewayError
    from yibao.store.unit_of_work import SqlUnitOfWork

    try:
        with SqlUnitOfWork(database, actor or actors.SYSTEM, now) as uow:
            return action(uow)
    except GatewayError as exc:
        _refused(exc)


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
    result = _run(database, now, lambda uow: audit.import_rule_package(uow, export_package(audit.standard_package(region, now)),
                                                                      admdvs=region, source="standard",
                                                                      refuse_definite=refuse_definite))
    typer.echo(f"region {region}: rule package {result['version']}" + ("" if result["changed"] else " (unchanged)"))
    typer.echo(result["diff"])


@rules_app.command("import")
def rules_import(file: Path = typer.Argument(..., help="a rule package (JSON), e.g. shared by another region"),
                 region: str = typer.Option(..., "--region", help="the importing region"),
                 preview: bool = typer.Option(False, "--preview", help="print the diff per item and change nothing"),
                 accept: str = typer.Option(None, "--accept", help="all, or item ids separated by commas"),
                 refuse_definite: bool = typer.Option(None, "--refuse-definite/--warn-only",
                                                      help="definite violations refuse the settlement, or only warn"),
                 operator: str = OPERATOR_OPTION, db: str = DB_OPTION, now: str = NOW_OPTION) -> None:
    """Merge a rule package into the region's: --preview shows each rule and knowledge row as new,
    changed, same or only-mine; --accept applies the chosen items. The region's own rules and
    knowledge are never removed. Without --accept nothing changes."""
    from yibao.app import rule_sharing

    try:
        document = file.read_text(encoding="utf-8")
    except OSError as exc:
        _fail(f"cannot read {file}: {exc}", 2)
    database, clock = _setup(db, now)
    if preview or accept is None:
        view = _run(database, clock(), lambda uow: rule_sharing.preview(uow, document, admdvs=region))
        _print_preview(view)
        if not preview:
            typer.echo("nothing applied: add --accept all or --accept ID,ID")
        return
    chosen = "all" if accept.strip() == "all" else [item.strip() for item in accept.split(",") if item.strip()]
    result = _run(database, clock(), lambda uow: rule_sharing.accept(uow, document, admdvs=region, accept=chosen,
                                                                    refuse_definite=refuse_definite),
                  actor=_operator(operator))
    typer.echo(f"region {region}: rule package {result['version']}" + ("" if result["changed"] else " (unchanged)")
               + f"; applied {len(result['applied'])}, kept {result['kept_only_mine']} only this region has, "
               f"not accepted {len(result['not_accepted'])}")
    for item_id in result["applied"]:
        typer.echo(f"  applied {item_id}")


def _print_preview(view: dict) -> None:
    counts = ", ".join(f"{status} {count}" for status, count in view["counts"].items())
    typer.echo(f"region {view['region']} ← package {view['source_version']} of {view['source_region']}: {counts}")
    for item in view["items"]:
        if item["status"] == "same":
            continue
        typer.echo(f"{item['status']:>9}  {item['item_id']}")
        if item["status"] == "changed":
            for key in sorted(set(item["mine"]) | set(item["theirs"])):
                if item["mine"].get(key) != item["theirs"].get(key):
                    typer.echo(f"           {key}: {item['mine'].get(key)!r} -> {item['theirs'].get(key)!r}")


@rules_app.command("origins")
def rules_origins(region: str = typer.Option(..., "--region"), db: str = DB_OPTION, fmt: str = FORMAT_OPTION) -> None:
    """Where each rule and knowledge row of the region's package came from."""
    from yibao.app import rule_sharing

    database, clock = _setup(db, None)
    found = _run(database, clock(), lambda uow: rule_sharing.origins(uow, region))
    _print_rows([{"item_id": key, **origin} for key, origin in sorted(found.items())], fmt,
                f"region {region}: {len(found)} items")


@rules_app.command("export")
def rules_export(region: str = typer.Option(..., "--region"), db: str = DB_OPTION) -> None:
    """Print the region's current rule package (JSON) to share it."""
    from yibao.app import actors, audit
    from yibao.app.errors import GatewayError
    from yibao.store.unit_of_work import SqlUnitOfWork

    database, clock = _setup(db, None)
    try:
        with SqlUnitOfWork(database, actors.SYSTEM, clock(), write=False) as uow:
            typer.echo(audit.export_rule_package(uow, region))
    except GatewayError as exc:
        _refused(exc)


@app.command()
def audit(begin: str = typer.Option(..., "--from", help="YYYY-MM-DD"), end: str = typer.Option(..., "--to"),
          region: str = typer.Option(..., "--region", help="treatment region whose rule package applies"),
          engine: str = typer.Option("duckdb", "--engine", help="duckdb | spark"),
          store: bool = typer.Option(True, "--store/--dry-run", help="keep the findings for cases"),
          db: str = DB_OPTION, fmt: str = FORMAT_OPTION, now: str = NOW_OPTION) -> None:
    """Post-event audit (事后) of the period's settlements with the region's rule package."""
    from rich.console import Console

    from yibao.app import actors, audit as audit_use_case
    from yibao.app.errors import GatewayError
    from yibao.store.unit_of_work import SqlUnitOfWork

    if engine not in ("duckdb", "spark"):
        _fail("--engine is duckdb or spark", 2)
    database, clock = _setup(db, now)
    moment = clock()
    console = Console(stderr=True)
    try:
        with console.status("auditing") as status:
            result = audit_use_case.post_audit(
                lambda write: SqlUnitOfWork(database, actors.SYSTEM, moment, write=write),
                begin=_date(begin, "--from"), end=_date(end, "--to"), region=region, engine=engine, store=store,
                progress=lambda p: status.update(f"auditing: {getattr(p, 'rule_id', '')} {getattr(p, 'done', '')}/{getattr(p, 'total', '')}"))
    except GatewayError as exc:
        _refused(exc)
    findings, ids = result["findings"], result["finding_ids"] or [""] * len(result["findings"])
    rows = [{"finding_id": finding_id, "rule_id": f.rule_id, "rule_type": f.rule_type, "result_type": f.result_type,
             "sev_deg": f.sev_deg, "mdtrt_id": f.mdtrt_id, "setl_id": f.setl_id, "feedetl_sn": f.feedetl_sn,
             "psn_no": f.psn_no, "vola_amt": f.vola_amt, "vola_cont": f.vola_cont} for finding_id, f in zip(ids, findings)]
    run = result["run"]
    note = "" if run is None else f", run {run['run_id']}" + (f" (replaces {run['supersedes']})" if run["supersedes"] else "")
    _print_rows(rows, fmt, f"post-event audit {begin}..{end}, region {region}: {len(rows)} findings{note}")
