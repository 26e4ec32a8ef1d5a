"""``yibao export`` on SQLite and PostgreSQL: month/region partitions, the manifest, months
skipped unless forced, claim lines equal to the database path's, and the post-event audit
over the files equal to the audit over the database."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from yibao.analytics import export
from yibao.app import actors, audit, batch_audit
from yibao.app.errors import GatewayError
from yibao.domain.audit import KnowledgeBase, export_package
from yibao.domain.audit.claims import FLAT_COLUMNS
from yibao.domain.audit.knowledge import Restriction
from yibao.store.unit_of_work import SqlUnitOfWork

from . import parquet_world as world

NOW = dt.datetime(2025, 2, 15, 8, 0)


@pytest.fixture
def exported(database, tmp_path):
    world.load(database)
    return {"database": database, "out": tmp_path / "out"}


def _run(database, dataset, first, last, out, now=NOW, force=False, chunk_rows=2):
    units = lambda: SqlUnitOfWork(database, actors.SYSTEM, now, write=False)  # noqa: E731
    return export.export(units, dataset, first, last, out, now=now, force=force, chunk_rows=chunk_rows)


def _read(out: Path, dataset: str, where: str = "true") -> list[dict]:
    con = duckdb.connect()
    cursor = con.execute(f"SELECT * FROM read_parquet('{out}/{dataset}/**/*.parquet', hive_partitioning = true, "
                         "hive_types = {'month': VARCHAR, 'region': VARCHAR}) WHERE " + where)
    names = [column[0] for column in cursor.description]
    return [dict(zip(names, row)) for row in cursor.fetchall()]


def test_settlements_by_month_and_region_with_manifest(exported):
    database, out = exported["database"], exported["out"]
    report = _run(database, "settlements", "2025-01", "2025-03", out)
    assert [(line["month"], line["action"], line["rows"], line["files"]) for line in report] == [
        ("2025-01", "written", 2, 2), ("2025-02", "written", 1, 1), ("2025-03", "written", 1, 1)]
    assert sorted(str(p.relative_to(out)) for p in out.rglob("*.parquet")) == [
        "settlements/month=2025-01/region=440300/data_0.parquet", "settlements/month=2025-01/region=510100/data_0.parquet",
        "settlements/month=2025-02/region=440300/data_0.parquet", "settlements/month=2025-03/region=440300/data_0.parquet"]
    rows = {row["setl_id"]: row for row in _read(out, "settlements")}
    assert rows["R3"]["reverses_setl_id"] == "S3" and rows["R3"]["medfee_sumamt_fen"] == -10000
    assert rows["S2"]["region"] == "510100" and rows["S2"]["setl_time"] == dt.datetime(2025, 1, 20, 12)
    manifest = json.loads((out / "manifest.json").read_text())["datasets"]["settlements"]
    assert [manifest[m]["complete"] for m in ("2025-01", "2025-02", "2025-03")] == [True, False, False]
    files = manifest["2025-01"]["files"]
    assert [(f["region"], f["rows"]) for f in files] == [("440300", 1), ("510100", 1)]
    assert all(len(f["sha256"]) == 64 for f in files) and len(manifest["2025-01"]["sha256"]) == 64


def test_a_finished_month_is_not_rewritten_unless_forced(exported):
    database, out = exported["database"], exported["out"]
    _run(database, "settlements", "2025-01", "2025-02", out)
    january = out / "settlements/month=2025-01/region=440300/data_0.parquet"
    stamp = january.stat().st_mtime_ns
    again = _run(database, "settlements", "2025-01", "2025-02", out)
    # January is over: skipped; February was still open at NOW: written again
    assert [(line["month"], line["action"], line["rows"]) for line in again] == [
        ("2025-01", "skipped", 2), ("2025-02", "written", 1)]
    assert january.stat().st_mtime_ns == stamp
    forced = _run(database, "settlements", "2025-01", "2025-01", out, force=True)
    assert forced[0]["action"] == "written" and january.stat().st_mtime_ns != stamp


def test_claim_lines_equal_the_database_path(exported):
    database, out = exported["database"], exported["out"]
    _run(database, "claim-lines", "2025-01", "2025-02", out)
    rows = _read(out, "claim-lines", "setl_id <> 'S3'")
    with SqlUnitOfWork(database, actors.SYSTEM, NOW, write=False) as uow:
        expected = audit.export_claim_rows(uow, dt.date(2025, 1, 1), dt.date(2025, 2, 28))
    key = lambda row: tuple(row[column] for column in FLAT_COLUMNS)  # noqa: E731
    assert sorted(map(key, rows)) == sorted(map(key, expected)) and len(rows) == 3
    first = next(row for row in rows if row["mdtrt_id"] == "V1" and row["feedetl_sn"] == "0002")
    assert (first["main_diag"], first["diag_codes"], first["age"]) == ("I10", "E11.9", 44)
    assert first["det_item_fee_sumamt"] == Decimal("151.00") and first["cnt"] == Decimal("2")
    # the reversed settlement's lines stay in its month; the batch drops them (the reversal is in March)
    assert [row["setl_id"] for row in _read(out, "claim-lines", "month = '2025-02'")] == ["S3"]


def test_ledger_postings_by_the_region_their_account_names(exported):
    database, out = exported["database"], exported["out"]
    _run(database, "ledger", "2025-01", "2025-01", out)
    regions = {row["account"]: row["region"] for row in _read(out, "ledger")}
    assert regions == {"fund:440300:310100": "440300", f"payable:{world.SZ_HOSPITAL}": "440300",
                       "psn_acct:P1": "000000"}
    assert sum(row["amount_fen"] for row in _read(out, "ledger")) == 0


def test_bad_dataset_and_months_are_refused(exported):
    database, out = exported["database"], exported["out"]
    with pytest.raises(GatewayError) as refused:
        _run(database, "persons", "2025-01", "2025-01", out)
    assert refused.value.code == "EXPORT_BAD_DATASET"
    with pytest.raises(GatewayError) as refused:
        _run(database, "ledger", "2025-03", "2025-01", out)
    assert refused.value.code == "EXPORT_BAD_MONTHS"


def _package(database) -> None:
    knowledge = KnowledgeBase(restrictions=(Restriction("F001", "440300", dt.date(2000, 1, 1), gend="2"),
                                            Restriction("F001", "510100", dt.date(2000, 1, 1), gend="1")))
    for region in (world.SZ, world.CD):
        with SqlUnitOfWork(database, actors.SYSTEM, NOW) as uow:
            audit.import_rule_package(uow, export_package(audit.standard_package(region, NOW, knowledge)),
                                      admdvs=region, source="test", refuse_definite=False)


@pytest.mark.parametrize("region", [world.SZ, world.CD])
def test_batch_audit_over_the_files_equals_the_database_audit(exported, region, tmp_path):
    database, out = exported["database"], exported["out"]
    _package(database)
    for dataset in ("settlements", "claim-lines"):
        _run(database, dataset, "2025-01", "2025-03", out)
    units = lambda write: SqlUnitOfWork(database, actors.SYSTEM, NOW, write=write)  # noqa: E731
    period = dict(begin=dt.date(2025, 1, 1), end=dt.date(2025, 3, 31), region=region)
    expected = audit.post_audit(units, **period, store=False)["findings"]
    result = batch_audit.post_audit_exported(units, exported=out, **period, workdir=tmp_path)
    assert result["findings"] == expected
    kinds = {(f.rule_type, f.mdtrt_id) for f in expected}
    # 深圳: P1 is a man billed a women-only item on V1; V3 was reversed. 成都: P2 died before her fee date.
    assert kinds == ({("限性别", "V1")} if region == world.SZ else {("限性别", "V2"), ("死亡后就医", "V2")})
    with database.read() as conn:
        stored = conn.exec_driver_sql("SELECT count(*) FROM audit_findings WHERE stage = '事后'").scalar()
    assert stored == len(expected) == len(result["finding_ids"])


def test_batch_audit_without_an_export_is_refused(database, tmp_path):
    units = lambda write: SqlUnitOfWork(database, actors.SYSTEM, NOW, write=write)  # noqa: E731
    with pytest.raises(GatewayError) as refused:
        batch_audit.post_audit_exported(units, exported=tmp_path, begin=dt.date(2025, 1, 1), end=dt.date(2025, 1, 31),
                                        region=world.SZ)
    assert refused.value.code == "BATCH_NO_EXPORT"


def test_the_commands_export_then_audit_the_files(exported, tmp_path):
    from typer.testing import CliRunner

    from yibao.cli import app

    database, out = exported["database"], exported["out"]
    _package(database)
    runner = CliRunner()
    env = {"YIBAO_ALLOW_FIXED_NOW": "1"}
    common = ["--db", database.url, "--now", "2025-04-01T08:00:00"]
    for dataset in ("settlements", "claim-lines"):
        result = runner.invoke(app, ["export", dataset, "--from", "2025-01", "--to", "2025-03", "--out", str(out),
                                     *common], env=env)
        assert result.exit_code == 0, result.output
    assert "3 month(s) written, 0 skipped" in result.output
    result = runner.invoke(app, ["batch", "audit", "--parquet", str(out), "--from", "2025-01-01", "--to", "2025-03-31",
                                 "--region", world.CD, "--dry-run", *common], env=env)
    assert result.exit_code == 0, result.output
    assert "duckdb: 2 findings" in result.output and "死亡后就医" in result.output
    result = runner.invoke(app, ["export", "persons", "--from", "2025-01", "--to", "2025-01", "--out", str(out),
                                 *common], env=env)
    assert result.exit_code == 2 and "[EXPORT_BAD_DATASET]" in result.output
