"""DuckDB against Spark on the same exported Parquet files: the post-event audit of
``bench/audit_bench.py``'s generated claim lines, laid out as ``yibao export`` writes them
(claim-lines and settlements by month and region), run by both engines; prints the seconds of
each and checks the findings are the same.

    python bench/batch_engines_bench.py [--lines 200000] [--spark-master spark://host:7077]

Without --spark-master Spark runs in local mode with two threads (the machine's cores).
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
import time
from pathlib import Path

import duckdb

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent / "src"), str(HERE)]

from audit_bench import bench_package, generate  # noqa: E402

from yibao.analytics.audit_batch import run_exported_audit  # noqa: E402
from yibao.analytics.export import write_deaths  # noqa: E402

PERIOD = dict(begin=dt.date(2024, 1, 1), end=dt.date(2024, 12, 31), region="500000")


def export_layout(claims: Path, out: Path) -> None:
    """claim-lines and settlements by month and region, as yibao export lays them out."""
    con = duckdb.connect()
    con.execute(f"""CREATE VIEW lines AS SELECT *, CAST(enddate AS TIMESTAMP) AS setl_time,
                      strftime(enddate, '%Y-%m') AS month, mdtrtarea_admvs AS region FROM '{claims}'""")
    out.mkdir(parents=True, exist_ok=True)
    partitioned = "(FORMAT parquet, PARTITION_BY (month, region))"
    con.execute(f"COPY (SELECT * FROM lines) TO '{out}/claim-lines' {partitioned}")
    con.execute(f"""COPY (SELECT DISTINCT setl_id, 'settlement' AS kind, CAST(NULL AS VARCHAR) AS reverses_setl_id,
                           setl_time, month, region FROM lines) TO '{out}/settlements' {partitioned}""")
    con.close()


def timed(label: str, run) -> tuple[list, float]:
    started = time.perf_counter()
    findings = run()
    seconds = time.perf_counter() - started
    print(f"{label:<28}{seconds:>8.1f} s  {len(findings):,} findings")
    return findings, seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=200_000)
    parser.add_argument("--spark-master", default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        count, deaths = generate(work / "claims.parquet", args.lines)
        export_layout(work / "claims.parquet", work / "out")
        write_deaths([sorted(deaths.items())], work / "deaths")
        package = bench_package()
        print(f"{count:,} claim lines, 14 rule types, the same Parquet files for both engines")
        duck, duck_s = timed("duckdb", lambda: run_exported_audit("duckdb", work / "out", package, work / "deaths",
                                                                   **PERIOD))
        from yibao.analytics.audit_spark import spark_session

        started = time.perf_counter()
        spark = spark_session(master=args.spark_master, partitions=4)
        print(f"{'spark session start':<28}{time.perf_counter() - started:>8.1f} s  "
              f"({args.spark_master or 'local[2]'})")
        sparked, spark_s = timed("spark", lambda: run_exported_audit(
            "spark", work / "out", package, work / "deaths", **PERIOD, spark=spark, workdir=work / "spark"))
        spark.stop()
    same = "the same findings" if sparked == duck else "DIFFERENT findings"
    print(f"\n{count:,} lines: duckdb {duck_s:.1f} s ({count / duck_s:,.0f} lines/s), "
          f"spark {spark_s:.1f} s ({count / spark_s:,.0f} lines/s); {same}")
    if sparked != duck:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
