"""``yibao export``: Parquet files by month and region; ``yibao batch audit``: the post-event
audit over them on DuckDB or a Spark cluster (docs/batch.md)."""

from __future__ import annotations

import typer

from .common import DB_OPTION, FORMAT_OPTION, NOW_OPTION, _date, _fail, _print_rows, _refused, _setup, app

batch_app = typer.Typer(help="Batch jobs over the exported Parquet files (DuckDB, or Spark with --spark-master).",
                        no_args_is_help=True)
app.add_typer(batch_app, name="batch")


@app.command("export")
def export_command(
    dataset: str = typer.Argument(..., help="settlements | claim-lines | ledger"),
    first: str = typer.Option(..., "--from", help="first month, YYYY-MM"),
    last: str = typer.Option(..., "--to", help="last month, YYYY-MM"),
    out: str = typer.Option(..., "--out", help="directory of the datasets and manifest.json"),
    force: bool = typer.Option(False, "--force", help="rewrite months already exported"),
    db: str = DB_OPTION, now: str = NOW_OPTION, fmt: str = FORMAT_OPTION,
) -> None:
    """Export a dataset as Parquet partitioned by month and region (incremental)."""
    from yibao.analytics import export
    from yibao.app import actors
    from yibao.app.errors import GatewayError
    from yibao.store.unit_of_work import SqlUnitOfWork

    database, clock = _setup(db, now)
    moment = clock()
    try:
        report = export.export(lambda: SqlUnitOfWork(database, actors.SYSTEM, moment, write=False), dataset,
                               first, last, out, now=moment, force=force)
    except GatewayError as exc:
        _refused(exc)
    written = sum(1 for line in report if line["action"] == "written")
    _print_rows(report, fmt, f"{dataset}: {written} month(s) written, {len(report) - written} skipped, in {out}")


@batch_app.command("audit")
def batch_audit_command(
    parquet: str = typer.Option(..., "--parquet", help="the directory yibao export wrote"),
    begin: str = typer.Option(..., "--from", help="YYYY-MM-DD"), end: str = typer.Option(..., "--to"),
    region: str = typer.Option(..., "--region", help="treatment region whose rule package applies"),
    spark_master: str = typer.Option(None, "--spark-master", help="spark://host:7077 (default: DuckDB here)"),
    workdir: str = typer.Option(None, "--workdir", help="scratch directory every Spark executor can read"),
    store: bool = typer.Option(True, "--store/--dry-run", help="keep the findings for cases"),
    db: str = DB_OPTION, fmt: str = FORMAT_OPTION, now: str = NOW_OPTION,
) -> None:
    """Post-event audit (事后) of the period's exported claim lines with the region's rule package."""
    from yibao.app import actors, batch_audit
    from yibao.app.errors import GatewayError
    from yibao.store.unit_of_work import SqlUnitOfWork

    database, clock = _setup(db, now)
    moment = clock()
    try:
        spark = batch_audit.spark_for(spark_master) if spark_master else None
        result = batch_audit.post_audit_exported(
            lambda write: SqlUnitOfWork(database, actors.SYSTEM, moment, write=write), exported=parquet,
            begin=_date(begin, "--from"), end=_date(end, "--to"), region=region,
            engine="spark" if spark_master else "duckdb", spark=spark, store=store, workdir=workdir)
    except GatewayError as exc:
        _refused(exc)
    except ValueError as exc:
        _fail(str(exc), 2)
    findings, ids = result["findings"], result["finding_ids"] or [""] * len(result["findings"])
    rows = [{"finding_id": finding_id, "rule_id": f.rule_id, "rule_type": f.rule_type, "mdtrt_id": f.mdtrt_id,
             "setl_id": f.setl_id, "feedetl_sn": f.feedetl_sn, "vola_amt": f.vola_amt}
            for finding_id, f in zip(ids, findings, strict=True)]
    run = result["run"]
    note = "" if run is None else f", run {run['run_id']}"
    _print_rows(rows, fmt, f"post-event audit {begin}..{end}, region {region}, "
                           f"{'spark' if spark_master else 'duckdb'}: {len(rows)} findings{note}")
