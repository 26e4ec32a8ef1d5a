"""The post-event batch over exported Parquet files on a real standalone Spark cluster (a
master and two workers, tests/sparkcluster.py) gives exactly the DuckDB findings, and those of
the batch over the same rows in memory. The claims are written as ``yibao export`` writes
them (month=/region= partitions, a settlements dataset naming one reversal)."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from yibao.analytics.audit_batch import CLAIM_SCHEMA, run_batch_audit, run_exported_audit
from yibao.analytics.export import stage_chunks, write_deaths
from yibao.domain.audit import flat_rows

from .generate import generated_claims, generated_package

pytestmark = pytest.mark.slow
PERIOD = dict(begin=dt.date(2024, 1, 1), end=dt.date(2024, 12, 31), region="500000")


def _write_export(rows: list[dict], reversed_setl_id: str, out) -> None:
    """claim-lines and settlements as yibao export lays them out."""
    schema = [(column, "VARCHAR" if sql_type == "STRING" else sql_type) for column, sql_type, _ in CLAIM_SCHEMA]
    out.mkdir(parents=True)
    con = duckdb.connect()
    stage_chunks(con, "lines", schema, [[tuple(row.get(column) for column, _ in schema) for row in rows]])
    con.execute("""CREATE VIEW out AS SELECT *, CAST(coalesce(enddate, begndate) AS TIMESTAMP) AS setl_time,
                     strftime(coalesce(enddate, begndate), '%Y-%m') AS month,
                     coalesce(nullif(mdtrtarea_admvs, ''), substr(fixmedins_code, 2, 6)) AS region FROM lines""")
    partitioned = "(FORMAT parquet, PARTITION_BY (month, region))"
    con.execute(f"COPY (SELECT * FROM out) TO '{out}/claim-lines' {partitioned}")
    con.execute(f"""COPY (SELECT DISTINCT 'R-' || setl_id AS setl_id, 'reversal' AS kind, setl_id AS reverses_setl_id,
                           setl_time, month, region FROM out WHERE setl_id = '{reversed_setl_id}'
                         UNION ALL SELECT DISTINCT setl_id, 'settlement', NULL, setl_time, month, region FROM out)
                    TO '{out}/settlements' {partitioned}""")
    con.close()


def test_spark_cluster_and_duckdb_give_identical_findings_over_the_export(spark_cluster, tmp_path):
    spark = spark_cluster["spark"]
    claims, deaths = generated_claims(persons=16)  # the fewest persons that show all 14 rule types
    rows = [dict(row, setl_id=f"S-{row['mdtrt_id']}") for visit in claims for row in flat_rows(visit)]
    package = generated_package()
    everything = run_batch_audit("duckdb", rows, package, deaths)
    assert len({item.rule_type for item in everything}) == 14
    reversed_visit = everything[0].mdtrt_id
    expected = run_batch_audit("duckdb", [row for row in rows if row["mdtrt_id"] != reversed_visit], package, deaths)
    assert len(expected) < len(everything) and len({item.rule_type for item in expected}) == 14

    _write_export(rows, f"S-{reversed_visit}", tmp_path / "out")
    write_deaths([sorted(deaths.items())], tmp_path / "deaths")
    on_duckdb = run_exported_audit("duckdb", tmp_path / "out", package, tmp_path / "deaths", **PERIOD)
    assert on_duckdb == expected
    on_spark = run_exported_audit("spark", tmp_path / "out", package, tmp_path / "deaths", **PERIOD,
                                  spark=spark, workdir=tmp_path / "spark-work")
    assert on_spark == expected
    # the work ran on the cluster's two executors, and findings went out as Parquet files
    assert spark.sparkContext.master == spark_cluster["cluster"].url
    assert spark.sparkContext._jsc.sc().getExecutorMemoryStatus().size() == 3  # the driver and two executors
    assert len(list((tmp_path / "spark-work" / "findings").glob("q*/*.parquet"))) >= 14
