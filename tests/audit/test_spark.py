"""The same SQL on Spark (local mode) gives exactly the DuckDB findings. One session for the
module: starting the JVM is most of the cost."""

from __future__ import annotations

import pytest

from yibao.analytics.audit_batch import run_batch_audit, write_claims_parquet
from yibao.domain.audit import flat_rows

from .generate import generated_claims, generated_package

pytest.importorskip("pyspark")
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def spark():
    from yibao.analytics.audit_spark import find_java_home, spark_session

    if find_java_home() is None:
        pytest.skip("no Java runtime for Spark (CI installs openjdk-17-jre-headless)")
    session = spark_session(partitions=2, small_data=True)
    yield session
    session.stop()


def test_spark_and_duckdb_give_identical_findings(spark, tmp_path):
    claims, deaths = generated_claims()
    rows = [row for visit in claims for row in flat_rows(visit)]
    package = generated_package()
    expected = run_batch_audit("duckdb", rows, package, deaths)
    assert len({item.rule_type for item in expected}) == 14

    assert run_batch_audit("spark", rows, package, deaths, spark=spark) == expected
    write_claims_parquet(rows, tmp_path / "claims.parquet")
    assert run_batch_audit("spark", str(tmp_path / "claims.parquet"), package, deaths, spark=spark) == expected
