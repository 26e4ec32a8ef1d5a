"""The post-event audit (事后) over ``yibao export``'s Parquet files, on DuckDB or a Spark
cluster (docs/batch.md): the database path of ``audit.post_audit`` reads the period's claim
lines into the process; this one reads only the rule package, streams the death registry to
a Parquet file beside the run, and keeps the findings as a run exactly as ``post_audit`` does.

Locks: none while the batch runs (it may take minutes, outside any transaction); keeping the
run takes the run key's lock of ``findings.record_run`` (docs/locking.md) in one write unit."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path
from typing import Any, Callable

from .audit import current_package
from .error_codes import refusal
from .unit_of_work import UnitOfWork



def spark_for(master: str) -> Any:
    """A session on the cluster at ``master``, or the refusal that says how to get pyspark."""
    try:
        import pyspark  # noqa: F401
    except ImportError:
        raise refusal("BATCH_SPARK_MISSING") from None
    from yibao.analytics.audit_spark import spark_session

    return spark_session(master=master, partitions=4)


def _check_exported(exported: Path) -> None:
    for dataset in ("claim-lines", "settlements"):
        if not any(Path(exported, dataset).glob("month=*/region=*/*.parquet")):
            raise refusal("BATCH_NO_EXPORT", directory=str(exported), dataset=dataset)


def post_audit_exported(units: Callable[..., UnitOfWork], *, exported: str | Path, begin: dt.date, end: dt.date,
                        region: str, engine: str = "duckdb", spark: Any = None, store: bool = True,
                        workdir: str | Path | None = None, progress: Callable | None = None) -> dict:
    """Findings, their stored ids (empty with ``store`` False) and the run, as ``post_audit``.
    ``workdir``: where the run's own Parquet files go (deaths, knowledge, findings); on a
    cluster it must be visible to every executor (default: a temporary directory)."""
    from yibao.analytics.audit_batch import institutions_of, run_exported_audit
    from yibao.analytics.export import CHUNK_ROWS, write_deaths

    from . import findings as queue

    exported = Path(exported)
    _check_exported(exported)
    with tempfile.TemporaryDirectory(prefix="yibao-audit-", dir=workdir) as scratch:
        with units(write=False) as uow:
            found = current_package(uow, region)
            if found is None:
                raise refusal("AUDIT_NO_PACKAGE", admdvs=region)
            write_deaths(uow.exports.deaths(CHUNK_ROWS), Path(scratch, "deaths"))
        findings = run_exported_audit(engine, exported, found[1], Path(scratch, "deaths"), begin=begin, end=end,
                                      region=region, spark=spark, workdir=scratch, progress=progress)
    if not store:
        return {"findings": findings, "finding_ids": [], "run": None}
    institutions = institutions_of(exported, {f.mdtrt_id for f in findings})
    with units(write=True) as uow:
        run = queue.record_run(uow, region=region, begin=begin, end=end, package_row=found[0], findings=findings,
                               institutions=institutions)
    return {"findings": findings, "finding_ids": run["finding_ids"], "run": run}
