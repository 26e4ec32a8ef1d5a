"""Agreements in the database (migration 0014), on SQLite and PostgreSQL: the institutions
import with and without the agreement columns, a re-import that changes nothing, the records'
constraints and append-only triggers, the cache version the triggers bump, the cascade through
the SQL unit of work, and the migration of existing institutions and their sanctions."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
import sqlalchemy as sa
from sqlalchemy import insert, select, update
from sqlalchemy.exc import DBAPIError, IntegrityError

from yibao.app import actors, agreements
from yibao.app.importing import ImportError_, import_file
from yibao.domain import agreements as rules
from yibao.store import repository as repo
from yibao.store import tables as t
from yibao.store.database import Database
from yibao.store.migrate import upgrade
from yibao.store.unit_of_work import SqlUnitOfWork

from .conftest import new_database_url

NOW = dt.datetime(2026, 12, 1, 9, 0)
HOSPITAL, ONLINE, PLAIN = "H44030000001", "H44030000002", "H44030000003"
HEADER = "fixmedins_code,fixmedins_name,fixmedins_type,medins_lv,admdvs,secret"


def write(path, lines: list[str]):
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def imported(database, tmp_path):
    file = write(tmp_path / f"{uuid.uuid4().hex}.csv", [
        HEADER + ",agreement_begndate,agreement_enddate,agreement_services,internet_of",
        f"{ONLINE},互联网医院,1,2,440300,secret-00000002,,,,{HOSPITAL}",
        f"{HOSPITAL},实体医院,1,3,440300,secret-00000001,2026-01-01,2027-12-31,outpatient;inpatient;internet,",
        f"{PLAIN},普通医院,1,1,440300,secret-00000003,,,,"])
    import_file(database, "institutions", file, now=NOW)


def records(database) -> list[dict]:
    with database.read() as conn:
        return [dict(r) for r in conn.execute(select(t.agreement_records).order_by(t.agreement_records.c.record_id))
                .mappings()]


def test_the_import_columns_make_agreements_and_a_reimport_changes_none(database, tmp_path):
    imported(database, tmp_path)
    found = rules.fold(records(database))
    assert rules.coverage(found, HOSPITAL, dt.date(2026, 6, 1)) == {"outpatient", "inpatient", "internet"}
    assert rules.coverage(found, HOSPITAL, dt.date(2028, 1, 1)) == frozenset()
    assert rules.coverage(found, PLAIN, dt.date(2026, 6, 1)) == set(rules.PHYSICAL_SERVICES)
    assert rules.coverage(found, ONLINE, dt.date(2026, 6, 1)) == set(rules.SERVICES)
    assert rules.coverage(found, ONLINE, dt.date(2028, 1, 1)) == frozenset()  # follows the physical agreement
    before = records(database)
    write(tmp_path / "again.csv", [HEADER + ",agreement_services", f"{HOSPITAL},实体医院,1,3,440300,secret-00000001,"
                                   "outpatient;inpatient;pharmacy;chronic;cross_region;account"])
    import_file(database, "institutions", tmp_path / "again.csv", now=NOW)
    assert records(database) == before


def test_bad_agreement_columns_refuse_the_file(database, tmp_path):
    for row, words in ((f"{HOSPITAL},医院,1,3,440300,secret-00000001,dental,", "unknown services"),
                       (f"{HOSPITAL},医院,1,3,440300,secret-00000001,,H44030000009", "unknown institution")):
        file = write(tmp_path / "bad.csv", [HEADER + ",agreement_services,internet_of", row])
        with pytest.raises(ImportError_, match=words):
            import_file(database, "institutions", file, now=NOW)
    assert records(database) == []


def test_records_are_append_only_and_every_insert_bumps_the_cache_version(database, tmp_path):
    imported(database, tmp_path)
    with database.read() as conn:
        version = conn.execute(select(t.cache_versions.c.version).where(t.cache_versions.c.name == "agreements")).scalar_one()
    assert version >= 1
    with pytest.raises((IntegrityError, DBAPIError)):
        with database.write() as conn:
            conn.execute(update(t.agreement_records).values(reason="rewritten"))
    first = records(database)[0]
    with pytest.raises(IntegrityError):  # an agreement is signed once
        with database.write() as conn:
            conn.execute(insert(t.agreement_records).values(
                {k: v for k, v in first.items() if k != "record_id"}))
    with pytest.raises(IntegrityError):  # a suspension has an end
        with database.write() as conn:
            conn.execute(insert(t.agreement_records).values(dict(
                {k: v for k, v in first.items() if k != "record_id"}, step="suspend", enddate=None)))
    with SqlUnitOfWork(database, actors.operator("王经办"), NOW) as uow:
        agreements.suspend(uow, first["agreement_id"], begndate=NOW.date(), enddate=dt.date(2027, 1, 31), reason="x")
    with database.read() as conn:
        bumped = conn.execute(select(t.cache_versions.c.version).where(t.cache_versions.c.name == "agreements")).scalar_one()
        assert bumped > version
        token = repo.current_cache_versions.set({"agreements": bumped})
        try:
            assert repo.agreement_coverage(conn, HOSPITAL, NOW.date()) == frozenset()
            assert repo.agreements_now(conn) is repo.agreements_now(conn)  # the worker's copy, read once
        finally:
            repo.current_cache_versions.reset(token)


def test_suspending_the_physical_agreement_cascades_in_the_database(database, tmp_path):
    imported(database, tmp_path)
    physical = next(r["agreement_id"] for r in records(database) if r["fixmedins_code"] == HOSPITAL
                    and r["kind"] == "designation")
    with SqlUnitOfWork(database, actors.operator("王经办"), NOW) as uow:
        row = agreements.suspend(uow, physical, begndate=NOW.date(), enddate=dt.date(2027, 1, 31), reason="分解住院")
    cascaded = [r for r in records(database) if r.get("refers_to") == row["record_id"]]
    assert sorted(r["fixmedins_code"] for r in cascaded) == [HOSPITAL, ONLINE]  # its own supplement and ONLINE's
    assert {r["actor"] for r in cascaded} == {"operator:王经办"}
    with SqlUnitOfWork(database, actors.SYSTEM, NOW, write=False) as uow:
        assert agreements.internet_institutions(uow, NOW.date()) == []
        assert len(agreements.internet_institutions(uow, dt.date(2027, 2, 1))) == 2


@pytest.fixture(params=["sqlite", "postgresql"])
def database_at_0012(request, tmp_path_factory):
    database = Database(new_database_url(request.param, request, tmp_path_factory))
    upgrade(database, "0012")
    institutions = sa.table("institutions", *(sa.column(n) for n in (
        "fixmedins_code", "fixmedins_name", "fixmedins_type", "medins_lv", "admdvs", "secret_salt", "secret_hash")))
    sanctions = sa.table("sanctions", *(sa.column(n) for n in (
        "sanction_id", "subject_type", "subject_id", "kind", "begndate", "enddate", "reason", "created_at", "lifted_at")))
    with database.write() as conn:
        conn.execute(sa.insert(institutions), [dict(fixmedins_code=code, fixmedins_name="医院", fixmedins_type="1",
                                                    medins_lv="1", admdvs="440300", secret_salt="s", secret_hash="h")
                                               for code in (HOSPITAL, PLAIN)])
        conn.execute(sa.insert(sanctions), [
            dict(sanction_id="SA1", subject_type="institution", subject_id=HOSPITAL, kind="suspend",
                 begndate=dt.date(2026, 11, 1), enddate=dt.date(2027, 3, 1), reason="分解住院", created_at=NOW,
                 lifted_at=dt.datetime(2026, 11, 20, 10, 0)),
            dict(sanction_id="SA2", subject_type="institution", subject_id=PLAIN, kind="terminate",
                 begndate=dt.date(2026, 11, 15), enddate=None, reason="欺诈骗保", created_at=NOW, lifted_at=None),
            dict(sanction_id="SA3", subject_type="person", subject_id="P1", kind="suspend",
                 begndate=dt.date(2026, 11, 1), enddate=dt.date(2027, 3, 1), reason="冒名", created_at=NOW,
                 lifted_at=None)])
    yield database
    database.dispose()


def test_the_migration_gives_every_institution_its_agreement_and_turns_sanctions_into_steps(database_at_0012):
    upgrade(database_at_0012, "0014")
    rows = records(database_at_0012)
    assert sorted((r["fixmedins_code"], r["step"]) for r in rows) == [
        (HOSPITAL, "resume"), (HOSPITAL, "sign"), (HOSPITAL, "suspend"), (PLAIN, "sign"), (PLAIN, "terminate")]
    found = rules.fold(rows)
    day = dt.date(2026, 11, 10)
    assert rules.coverage(found, HOSPITAL, day) == frozenset()  # suspended until the lift
    assert rules.coverage(found, HOSPITAL, dt.date(2026, 11, 20)) == set(rules.PHYSICAL_SERVICES)
    assert rules.coverage(found, PLAIN, dt.date(2026, 11, 14)) == set(rules.PHYSICAL_SERVICES)
    assert rules.coverage(found, PLAIN, dt.date(2026, 11, 15)) == frozenset()
