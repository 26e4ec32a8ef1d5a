"""The findings queue's repository and constraints on SQLite and PostgreSQL (migration 0022)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import insert, text
from sqlalchemy.exc import DBAPIError, IntegrityError

from yibao.app import actors, findings
from yibao.domain.audit import Finding
from yibao.store import tables as t
from yibao.store.unit_of_work import SqlUnitOfWork

from ..refusals import refused

NOW = dt.datetime(2026, 12, 1, 9, 0)
SHENZHEN = actors.agency("440300", "3f2a")
HOSPITAL, OTHER = "H44030500001", "H44010000001"
PACKAGE = {"admdvs": "440300", "version": "7"}
TABLES_0022 = {"audit_runs", "finding_transitions", "ix_audit_findings_run"}


def unit(database, actor=SHENZHEN):
    return SqlUnitOfWork(database, actor, NOW)


def institutions(database) -> None:
    with database.write() as conn:
        for code, region in ((HOSPITAL, "440305"), (OTHER, "440100")):
            conn.execute(insert(t.institutions).values(fixmedins_code=code, fixmedins_name=code, fixmedins_type="1",
                                                       medins_lv="3", admdvs=region, secret_salt="s", secret_hash="h"))


def finding(mdtrt_id: str) -> Finding:
    return Finding("PRICE-01", "超标准收费", "超标准收费", "明确违规", "明确违规", "单价高于限价", Decimal("5.00"),
                   mdtrt_id, f"S{mdtrt_id}", "1", "P1")


def run(database, mdtrt_ids) -> dict:
    found = [finding(m) for m in mdtrt_ids]
    with unit(database) as uow:
        return findings.record_run(uow, region="440300", begin=dt.date(2026, 11, 1), end=dt.date(2026, 11, 30),
                                   package_row=PACKAGE, findings=found,
                                   institutions={m: (OTHER if m.startswith("G") else HOSPITAL) for m in mdtrt_ids})


def test_the_migration_creates_what_tables_py_declares(database):
    with database.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        differences = [str(d) for d in compare_metadata(context, t.metadata)]
    assert [d for d in differences if any(name in d for name in TABLES_0022)] == []


def test_a_re_run_supersedes_and_the_queue_moves_with_dated_steps(database):
    institutions(database)
    first = run(database, ["V1", "V2", "G1"])
    with unit(database) as uow:
        findings.move(uow, first["finding_ids"][0], "checking", agency_region="440300")
    second = run(database, ["V1", "V2", "G1"])
    assert second["supersedes"] == first["run_id"] and second["carried"] == 1
    with unit(database) as uow:
        page = findings.list_findings(uow, agency_region="440300")
        assert page["total"] == 2 and {row["finding_id"] for row in page["findings"]} <= set(second["finding_ids"])
        assert {row["status"] for row in page["findings"]} == {"checking", "new"}
        assert findings.list_findings(uow)["total"] == 3
        assert findings.list_findings(uow, status="checking")["findings"][0]["mdtrt_id"] == "V1"
        with refused("FINDING_SUPERSEDED"):
            findings.move(uow, first["finding_ids"][1], "checking")
        with refused("AUTHZ_NOT_TREATMENT_PLACE"):
            findings.move(uow, second["finding_ids"][2], "checking", agency_region="440300")
    with unit(database) as uow:
        moved = findings.move(uow, second["finding_ids"][0], "confirmed", agency_region="440000")
    assert [(s["seq"], s["to_status"]) for s in moved["history"]] == [(1, "checking"), (2, "confirmed")]
    with database.read() as conn:
        assert conn.execute(text("SELECT count(*) FROM audit_findings")).scalar() == 6


def test_the_constraints_refuse_two_first_runs_a_second_successor_and_a_repeated_step(database):
    first = run(database, ["V1"])
    row = dict(run_id="RN1", run_key=first["run_key"], admdvs="440300", begndate=dt.date(2026, 11, 1),
               enddate=dt.date(2026, 11, 30), package_version="440300:7", supersedes_run_id=None, findings=0, ran_at=NOW,
               ran_by="x")
    with pytest.raises(IntegrityError):
        with database.write() as conn:
            conn.execute(insert(t.audit_runs).values(**row))
    second = run(database, ["V1"])
    with pytest.raises(IntegrityError):
        with database.write() as conn:
            conn.execute(insert(t.audit_runs).values(**dict(row, supersedes_run_id=first["run_id"])))
    step = dict(finding_id=second["finding_ids"][0], seq=1, from_status="new", to_status="checking", reason="", by="x", at=NOW)
    with database.write() as conn:
        conn.execute(insert(t.finding_transitions).values(**step))
    for bad in (step, dict(step, seq=2, to_status="closed"), dict(step, seq=0)):
        with pytest.raises(IntegrityError):
            with database.write() as conn:
                conn.execute(insert(t.finding_transitions).values(**bad))


@pytest.mark.parametrize("statement", [
    "UPDATE finding_transitions SET reason = 'rewritten'", "DELETE FROM finding_transitions",
    "UPDATE audit_runs SET findings = 0", "DELETE FROM audit_runs",
])
def test_runs_and_steps_are_never_rewritten_or_deleted(database, statement):
    first = run(database, ["V1"])
    with unit(database) as uow:
        findings.move(uow, first["finding_ids"][0], "checking")
    with pytest.raises(DBAPIError):
        with database.write() as conn:
            conn.execute(text(statement))
