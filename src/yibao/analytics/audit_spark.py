"""The Spark side of the post-event audit: a quiet local session and the engine adapter that
runs the shared SQL of ``audit_batch`` on it.

Local mode (``local[2]``, the size of the machines this runs on) with few shuffle
partitions: audit batches are joins and windows over one table, and Spark's default of 200
partitions would spend most of a small run scheduling empty tasks.
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


def spark_session(partitions: int = 4, cores: int = 2, small_data: bool = False) -> Any:
    """A local SparkSession (created once per process, then reused by getOrCreate).

    ``small_data`` (tests, a few thousand lines) turns off adaptive execution and whole-stage
    code generation: compiling each query's code takes longer than running it on small
    tables, and halves the time of a run.
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

    spark = (
        SparkSession.builder.master(f"local[{cores}]").appName("yibao-audit")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", str(partitions))
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.driver.extraJavaOptions", f"-Dlog4j2.configurationFile=file:{log_config}")
        .config("spark.sql.adaptive.enabled", str(not small_data).lower())
        .config("spark.sql.codegen.wholeStage", str(not small_data).lower())
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    return spark


class SparkEngine:
    """Temp views in the given session; materialized steps are cached and released on close."""

    name = "spark"

    def __init__(self, spark: Any = None):
        self.spark = spark or spark_session()
        self.views: list[str] = []
        self.cached: list[Any] = []

    def _view(self, frame: Any, name: str) -> None:
        frame.createOrReplaceTempView(name)
        self.views.append(name)

    def claims_from_paths(self, paths: list[str]) -> None:
        self._view(self.spark.read.parquet(*paths), "claims_raw")

    def create_table(self, name: str, schema: Sequence[tuple[str, str]], rows: list[tuple]) -> None:
        ddl = ", ".join(f"{column} {sql_type}" for column, sql_type in schema)
        self._view(self.spark.createDataFrame(rows, schema=ddl), name)

    def columns(self, name: str) -> list[str]:
        return self.spark.table(name).columns

    def materialize(self, name: str, sql: str) -> None:
        frame = self.spark.sql(sql).cache()
        frame.count()
        self.cached.append(frame)
        self._view(frame, name)

    def query(self, sql: str) -> list[dict]:
        return [row.asDict() for row in self.spark.sql(sql).collect()]

    def close(self) -> None:
        for frame in self.cached:
            frame.unpersist()
        for name in self.views:
            self.spark.catalog.dropTempView(name)
