from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
VENDORED_GOLDEN = REPO_ROOT / "tests" / "golden"
SHARED_GOLDEN = Path(os.environ.get("YIBAO_SHARED_DIR", REPO_ROOT.parent / "shared")) / "golden"


def golden_cases() -> list[Path]:
    """Golden cases: the copy kept in tests/golden plus any newer ones in ../shared/golden."""
    cases = {path.name: path for path in sorted(VENDORED_GOLDEN.glob("*.case.json"))}
    if SHARED_GOLDEN.is_dir():
        cases.update({path.name: path for path in sorted(SHARED_GOLDEN.glob("*.case.json"))})
    return [cases[name] for name in sorted(cases)]


@pytest.fixture
def repo_root() -> Path:
    return REPO_ROOT


def pytest_collection_modifyitems(config, items):
    """Mark the end-to-end tests (a real gateway server in front of a database) ``server``, so
    ``pytest -m "not server"`` runs everything else: use cases against fakes, repositories and
    the dispatcher in process, on both backends."""
    for item in items:
        module = getattr(item, "module", None)
        if "platform_world" in getattr(item, "fixturenames", ()) or (module is not None and "Server" in vars(module)):
            item.add_marker(pytest.mark.server)


@pytest.fixture(scope="module")
def spark_cluster(tmp_path_factory):
    """A standalone Spark master with two workers (tests/sparkcluster.py) and a session on it.
    One module uses it (tests/audit/test_spark.py), so the JVMs start once per run; the module
    scope stops them when that module ends instead of leaving four idle JVMs taking CPU from
    the rest of the run (a session fixture would keep them to the end)."""
    pytest.importorskip("pyspark")
    from yibao.analytics.audit_spark import find_java_home, spark_session

    from .sparkcluster import SparkCluster

    java_home = find_java_home()
    if java_home is None:
        pytest.skip("no Java runtime for Spark (CI installs openjdk-17-jre-headless)")
    cluster = SparkCluster(tmp_path_factory.mktemp("spark"), java_home).start()
    session = spark_session(master=cluster.url, partitions=2, small_data=True)
    yield {"cluster": cluster, "spark": session}
    session.stop()
    cluster.stop()
