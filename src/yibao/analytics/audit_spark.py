"""The Spark side of the post-event audit: a quiet session, local or on a standalone cluster
(``master``, docs/batch.md), and the engine adapter that runs the shared SQL of
``audit_batch`` on it. pyspark is the optional ``yibao[spark]`` extra: nothing else imports it.

Few shuffle partitions: audit batches are joins and windows over one table, and Spark's
default of 200 partitions would spend most of a small run scheduling empty tasks.
"""

from __future__ import annotations

import glob
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any, Sequence

# Errors only. Spark prints a notice at start-up unless its own logger (under org.apache)
# has an explicit level equal to the root's, hence the second logger.
_LOG4J = """\
rootLogger.level = error
rootLogger.appenderRef.stderr.ref = console
appender.console.type = Console
appender.console.name = console
appender.console.target = SYSTEM_ERR
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = %d{HH:mm:ss} %p %c{1}: %m%n
logger.apache.name = org.apache
logger.apache.level = error
"""


def find_java_home() -> str | None:
    """JAVA_HOME if it holds a java, else the JDK behind ``java`` on PATH, else a JVM under
    /usr/lib/jvm (where Debian's openjdk-17-jre-headless installs)."""
    home = os.environ.get("JAVA_HOME")
    if home and Path(home, "bin", "java").exists():
        return home
    java = shutil.which("java")
    if java:
        return str(Path(os.path.realpath(java)).parents[1])
    candidates = sorted(glob.glob("/usr/lib/jvm/*/bin/java"))
    return str(Path(candidates[-1]).parents[1]) if candidates else None


def spark_session(partitions: int = 4, cores: int = 2, small_data: bool = False, master: str | None = None,
                  executor_memory: str = "512m") -> Any:
    """A SparkSession (created once per process, then reused by getOrCreate): local with
    ``cores`` threads, or on the standalone cluster at ``master`` (``spark://host:7077``).

    ``small_data`` (tests, a few thousand lines) turns off adaptive execution and whole-stage
    code generation: compiling each query's code takes longer than running it on small
    tables, and halves the time of a run. Partition directories (month=2025-01,
    region=440300) stay strings: inferred, 440300 would become a number.
    """
    java_home = find_java_home()
    if java_home is None:
        raise RuntimeError("Spark needs Java 17: install openjdk-17-jre-headless or set JAVA_HOME")
    os.environ["JAVA_HOME"] = java_home
    # Local mode talks to itself only; binding to loopback also avoids the hostname warning.
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    log_config = Path(tempfile.gettempdir(), "yibao-audit-log4j2.properties")
    if not log_config.exists() or log_config.read_text() != _LOG4J:
        log_config.write_text(_LOG4J)
    from pyspark.sql import SparkSession

    builder = (
        SparkSession.builder.master(master or f"local[{cores}]").appName("yibao-batch")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", str(partitions))
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.sources.partitionColumnTypeInference.enabled", "false")
        .config("spark.driver.extraJavaOptions", f"-Dlog4j2.configurationFile=file:{log_config}")
        .config("spark.sql.adaptive.enabled", str(not small_data).lower())
        .config("spark.sql.codegen.wholeStage", str(not small_data).lower())
    )
    if master:
        builder = builder.config("spark.executor.memory", executor_memory).config("spark.driver.host", os.environ["SPARK_LOCAL_IP"])
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    return spark


class SparkEngine:
    """Temp views in the given session; materialized steps are cached and released on close.

    With a ``workdir`` (a directory every executor can read and write: the same machine, NFS,
    HDFS) nothing goes row by row through the driver: knowledge tables are written there as
    Parquet by DuckDB and read as DataFrames, and each rule's findings are written there as
    Parquet by the executors and read back by DuckDB. Without one (small in-process runs),
    rows are handed to Spark and collected, as before."""

    name = "spark"

    def __init__(self, spark: Any = None, workdir: str | Path | None = None):
        self.spark = spark or spark_session()
        self.workdir = Path(workdir) if workdir else None
        self.views: list[str] = []
        self.cached: list[Any] = []
        self.queries = 0

    def _view(self, frame: Any, name: str) -> None:
        frame.createOrReplaceTempView(name)
        self.views.append(name)

    def claims_from_paths(self, paths: list[str]) -> None:
        self._view(self.spark.read.parquet(*paths), "claims_raw")

    def register_parquet(self, name: str, directory: str | Path, partitioned: bool = True) -> None:
        """The Parquet files of a directory as a view; a hive-partitioned dataset's
        (month=…/region=…) partition columns stay strings (the session's setting)."""
        self._view(self.spark.read.option("basePath", str(directory)).parquet(str(directory)), name)

    def view(self, name: str, sql: str) -> None:
        self._view(self.spark.sql(sql), name)

    def create_table(self, name: str, schema: Sequence[tuple[str, str]], rows: list[tuple]) -> None:
        if self.workdir is None:
            ddl = ", ".join(f"{column} {sql_type}" for column, sql_type in schema)
            self._view(self.spark.createDataFrame(rows, schema=ddl), name)
            return
        from .audit_batch import write_table_parquet

        path = self.workdir / "tables" / f"{name}.parquet"
        write_table_parquet(schema, rows, path)
        self._view(self.spark.read.parquet(str(path)), name)

    def columns(self, name: str) -> list[str]:
        return self.spark.table(name).columns

    def materialize(self, name: str, sql: str) -> None:
        frame = self.spark.sql(sql).cache()
        frame.count()
        self.cached.append(frame)
        self._view(frame, name)

    def query(self, sql: str) -> list[dict]:
        if self.workdir is None:
            return [row.asDict() for row in self.spark.sql(sql).collect()]
        import duckdb

        self.queries += 1
        target = self.workdir / "findings" / f"q{self.queries}"
        # one file per rule: findings are few, and a file per shuffle partition only adds tasks
        self.spark.sql(sql).coalesce(1).write.mode("overwrite").parquet(str(target))
        con = duckdb.connect()
        try:
            cursor = con.execute(f"SELECT * FROM read_parquet('{target}/*.parquet', union_by_name = true)")
            names = [column[0] for column in cursor.description]
            return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
        except duckdb.IOException:  # no part files: Spark wrote an empty result as no rows at all
            return []
        finally:
            con.close()

    def close(self) -> None:
        for frame in self.cached:
            frame.unpersist()
        for name in self.views:
            self.spark.catalog.dropTempView(name)
