"""``yibao export settlements|claim-lines|ledger``: Parquet files partitioned by month and
region (hive-style ``DATASET/month=YYYY-MM/region=XXXXXX/data_0.parquet``), read by the batch
jobs on DuckDB or Spark (docs/batch.md).

Incremental: a month is written whole or not at all, and a month already in the manifest
(``manifest.json`` next to the datasets: files, row counts, SHA-256) is not rewritten unless
``force``; a month not yet over when it was exported is rewritten on the next run, since
settlements may still arrive in it. Rows come from the database in chunks
(``uow.exports``) into a DuckDB staging file (spilled to disk, never the whole table in
Python memory), and DuckDB's ``COPY … (FORMAT parquet, PARTITION_BY (month, region))`` writes
the month. Regions: the treatment region for settlements and claim lines (the region whose
agency audits them, 就医地管理), the region named in a ledger account for postings.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
from pathlib import Path
from typing import Any, Callable, Iterable, NamedTuple

from yibao.app.error_codes import refusal
from yibao.store.repositories import exports as columns

DATASETS = ("settlements", "claim-lines", "ledger")
MANIFEST = "manifest.json"
CHUNK_ROWS = 20_000

_SETTLEMENT_TYPES = {"setl_time": "TIMESTAMP", "year": "INTEGER", "reverses_setl_id": "VARCHAR"}
_FEN = "BIGINT"
_LINE_TYPES = {"setl_time": "TIMESTAMP", "brdy": "DATE", "begntime": "TIMESTAMP", "endtime": "TIMESTAMP",
               "fee_ocur_time": "TIMESTAMP", "det_item_fee_sumamt_fen": _FEN}
_POSTING_TYPES = {"entry_id": "BIGINT", "created_at": "TIMESTAMP", "posting_id": "BIGINT", "amount_fen": _FEN}


def _schema(names: Iterable[str], types: dict[str, str]) -> list[tuple[str, str]]:
    return [(name, types.get(name, _FEN if name.endswith("_fen") else "VARCHAR")) for name in names]


# Amounts in fen become yuan as exact DECIMAL (the ×0.01 of domain/money.from_fen, never a float).
_CLAIM_LINES_SQL = """
WITH dg AS (SELECT mdtrt_id, list(diag_code ORDER BY diag_id) AS codes FROM raw_diagnoses GROUP BY mdtrt_id),
l AS (
  SELECT r.*, CAST(r.fee_ocur_time AS DATE) AS fee_date,
    CASE WHEN r.dise_codg <> '' THEN r.dise_codg ELSE coalesce(dg.codes[1], '') END AS main,
    coalesce(dg.codes, []) AS codes
  FROM raw_lines r LEFT JOIN dg ON dg.mdtrt_id = r.mdtrt_id)
SELECT setl_id, mdtrt_id, psn_no, certno, gend,
  CAST(year(fee_date) - year(brdy)
       - CASE WHEN month(fee_date) * 100 + day(fee_date) < month(brdy) * 100 + day(brdy) THEN 1 ELSE 0 END AS INTEGER) AS age,
  fixmedins_code, coalesce(medins_lv, '') AS medins_lv, med_type, insuplc_admdvs, mdtrtarea_admvs,
  CAST(begntime AS DATE) AS begndate, CAST(coalesce(endtime, begntime) AS DATE) AS enddate,
  main AS main_diag, array_to_string(list_filter(codes, lambda c: c <> main), ';') AS diag_codes,
  feedetl_sn, med_list_codg AS hilist_code, fee_date,
  CAST(cnt AS DECIMAL(16,4)) AS cnt, CAST(pric AS DECIMAL(16,6)) AS pric,
  CAST(CAST(det_item_fee_sumamt_fen AS DECIMAL(18,0)) * CAST(0.01 AS DECIMAL(3,2)) AS DECIMAL(16,2)) AS det_item_fee_sumamt,
  CAST(NULL AS INTEGER) AS prd_days, '' AS scenario, setl_time,
  strftime(setl_time, '%Y-%m') AS month, mdtrtarea_admvs AS region
FROM l"""

_SETTLEMENTS_SQL = "SELECT *, strftime(setl_time, '%Y-%m') AS month, mdtrtarea_admvs AS region FROM raw_settlements"

# A ledger account names its region (fund:440300:…, due_to:440300>…) or an institution whose
# code carries it after its letter (payable:H44030000001); personal accounts have none.
_LEDGER_SQL = """
SELECT *, strftime(created_at, '%Y-%m') AS month,
  coalesce(nullif(regexp_extract(account, ':([0-9]{6})', 1), ''),
           nullif(regexp_extract(account, '^(?:payable|budget_advance|quality_deposit):[A-Z]([0-9]{6})', 1), ''),
           '000000') AS region
FROM raw_postings"""


class Source(NamedTuple):
    table: str
    schema: list[tuple[str, str]]
    chunks: Callable[[Any, dt.datetime, dt.datetime, int], Iterable[list[tuple]]]


class Dataset(NamedTuple):
    sources: tuple[Source, ...]
    output_sql: str


def _dataset(name: str) -> Dataset:
    if name == "settlements":
        return Dataset((Source("raw_settlements", _schema(columns.SETTLEMENT_COLUMNS, _SETTLEMENT_TYPES),
                               lambda uow, a, b, n: uow.exports.settlements(a, b, n)),), _SETTLEMENTS_SQL)
    if name == "claim-lines":
        return Dataset((Source("raw_lines", _schema(columns.LINE_COLUMNS, _LINE_TYPES),
                               lambda uow, a, b, n: uow.exports.claim_lines(a, b, n)),
                        Source("raw_diagnoses", _schema(columns.DIAGNOSIS_COLUMNS, {"diag_id": "BIGINT"}),
                               lambda uow, a, b, n: uow.exports.claim_diagnoses(a, b, n))), _CLAIM_LINES_SQL)
    if name == "ledger":
        return Dataset((Source("raw_postings", _schema(columns.POSTING_COLUMNS, _POSTING_TYPES),
                               lambda uow, a, b, n: uow.exports.ledger_postings(a, b, n)),), _LEDGER_SQL)
    raise refusal("EXPORT_BAD_DATASET", dataset=name, datasets=" | ".join(DATASETS))


def months_between(first: str, last: str) -> list[str]:
    try:
        start, stop = dt.datetime.strptime(first, "%Y-%m"), dt.datetime.strptime(last, "%Y-%m")
    except ValueError:
        raise refusal("EXPORT_BAD_MONTHS", first=first, last=last) from None
    if start > stop:
        raise refusal("EXPORT_BAD_MONTHS", first=first, last=last)
    months, year, month = [], start.year, start.month
    while (year, month) <= (stop.year, stop.month):
        months.append(f"{year:04d}-{month:02d}")
        year, month = year + month // 12, month % 12 + 1
    return months


def month_range(month: str) -> tuple[dt.datetime, dt.datetime]:
    start = dt.datetime.strptime(month, "%Y-%m")
    return start, dt.datetime(start.year + start.month // 12, start.month % 12 + 1, 1)


# --- staging: chunks of tuples into a DuckDB table, one statement per chunk -------------------

def stage_chunks(con: Any, table: str, schema: list[tuple[str, str]], chunks: Iterable[list[tuple]]) -> int:
    """Create ``table`` and append each chunk as columns (``unnest`` of one list per column):
    DuckDB's executemany binds row by row and is a hundred times slower."""
    con.execute(f"CREATE OR REPLACE TABLE {table} ({', '.join(f'{c} {t}' for c, t in schema)})")
    unnests = ", ".join(f"CAST(unnest(?) AS {sql_type}) AS {column}" for column, sql_type in schema)
    total = 0
    for chunk in chunks:
        if chunk:
            con.execute(f"INSERT INTO {table} SELECT {unnests}", [list(values) for values in zip(*chunk, strict=True)])
            total += len(chunk)
    return total


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _quoted(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def _write_month(con: Any, output_sql: str, dataset_dir: Path, month: str) -> dict:
    """COPY the staged month into a scratch directory, then move its ``month=`` directory in
    place of the old one: a reader never sees half a month."""
    scratch = dataset_dir.parent / ".writing" / f"{dataset_dir.name}-{month}"
    shutil.rmtree(scratch, ignore_errors=True)
    scratch.parent.mkdir(parents=True, exist_ok=True)
    con.execute(f"CREATE OR REPLACE TEMP VIEW month_out AS {output_sql}")
    counts = dict(con.execute("SELECT region, count(*) FROM month_out GROUP BY region").fetchall())
    target = dataset_dir / f"month={month}"
    shutil.rmtree(target, ignore_errors=True)
    if counts:
        con.execute(f"COPY (SELECT * FROM month_out) TO {_quoted(scratch)} "
                    "(FORMAT parquet, PARTITION_BY (month, region), OVERWRITE_OR_IGNORE)")
        os.replace(scratch / f"month={month}", target)
        shutil.rmtree(scratch.parent, ignore_errors=True)
    files = []
    for path in sorted(target.rglob("*.parquet")) if counts else []:
        region = path.parent.name.removeprefix("region=")
        files.append({"path": str(path.relative_to(dataset_dir.parent)), "region": region,
                      "rows": int(counts[region]), "sha256": _sha256(path)})
    checksum = hashlib.sha256("".join(f"{f['path']} {f['sha256']}\n" for f in files).encode()).hexdigest()
    return {"rows": int(sum(counts.values())), "files": files, "sha256": checksum}


def read_manifest(out_dir: Path) -> dict:
    path = Path(out_dir, MANIFEST)
    return json.loads(path.read_text()) if path.exists() else {"datasets": {}}


def _save_manifest(out_dir: Path, manifest: dict) -> None:
    scratch = Path(out_dir, MANIFEST + ".writing")
    scratch.write_text(json.dumps(manifest, indent=1, sort_keys=True, ensure_ascii=False))
    os.replace(scratch, Path(out_dir, MANIFEST))


def export(units: Callable[[], Any], dataset: str, first: str, last: str, out_dir: str | Path, *,
           now: dt.datetime, force: bool = False, chunk_rows: int = CHUNK_ROWS) -> list[dict]:
    """Export the months first..last of ``dataset``; ``units()`` opens a read unit of work.
    Returns one line per month: written or skipped, rows, files."""
    import duckdb

    spec, months = _dataset(dataset), months_between(first, last)
    out_dir = Path(out_dir)
    (out_dir / dataset).mkdir(parents=True, exist_ok=True)
    manifest = read_manifest(out_dir)
    done = manifest["datasets"].setdefault(dataset, {})
    staging_path = out_dir / f".staging-{dataset}.duckdb"
    report = []
    for month in months:
        earlier = done.get(month)
        if earlier and earlier.get("complete") and not force:
            report.append({"dataset": dataset, "month": month, "action": "skipped", "rows": earlier["rows"],
                           "files": len(earlier["files"])})
            continue
        start, stop = month_range(month)
        staging_path.unlink(missing_ok=True)
        con = duckdb.connect(str(staging_path))
        try:
            with units() as uow:
                for source in spec.sources:
                    stage_chunks(con, source.table, source.schema, source.chunks(uow, start, stop, chunk_rows))
            written = _write_month(con, spec.output_sql, out_dir / dataset, month)
        finally:
            con.close()
            staging_path.unlink(missing_ok=True)
        done[month] = {**written, "complete": stop <= now, "exported_at": now.isoformat(timespec="seconds")}
        _save_manifest(out_dir, manifest)
        report.append({"dataset": dataset, "month": month, "action": "written", "rows": written["rows"],
                       "files": len(written["files"])})
    return report


def write_deaths(chunks: Iterable[list[tuple]], directory: Path) -> int:
    """The death registry's (certno, die_date) chunks as ``directory/deaths.parquet``."""
    import duckdb

    directory.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    try:
        count = stage_chunks(con, "deaths_out", [("certno", "VARCHAR"), ("die_date", "DATE")], chunks)
        con.execute(f"COPY deaths_out TO {_quoted(directory / 'deaths.parquet')} (FORMAT parquet)")
        return count
    finally:
        con.close()
