"""E-prescription tables (migration 0018) on SQLite and PostgreSQL: the migration creates what
tables.py declares; a prescription is dispensed by one live dispensing at a time, a dispensing is
returned once, rows are never changed; the repository answers the prescription with its lines,
steps and dispensings, and the latest region setting of a pair."""

from __future__ import annotations

import datetime as dt

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import insert, text
from sqlalchemy.exc import DBAPIError, IntegrityError

from yibao.app import prescriptions
from yibao.app.actors import SYSTEM
from yibao.app.actors import institution as institution_actor
from yibao.store import tables as t
from yibao.store.unit_of_work import SqlUnitOfWork

NOW = dt.datetime(2026, 11, 2, 10, 0, 0)
TABLES_0018 = {"prescriptions", "prescription_lines", "prescription_steps", "prescription_dispensings",
               "prescription_dispensed_lines", "rx_region_settings"}
CODE = "H44030000001"


def test_the_migration_creates_what_tables_py_declares(database):
    with database.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        differences = [str(d) for d in compare_metadata(context, t.metadata)]
    assert [d for d in differences if any(name in d for name in TABLES_0018)] == []


@pytest.fixture
def stored(database):
    """One institution and one prescription of two lines."""
    with database.write() as conn:
        conn.execute(insert(t.institutions).values(
            fixmedins_code=CODE, fixmedins_name="互联网医院", fixmedins_type="1", medins_lv="3", admdvs="440300",
            secret_salt="s" * 32, secret_hash="x" * 64))
    with SqlUnitOfWork(database, institution_actor(CODE, "M1"), NOW) as uow:
        answer = prescriptions.precheck(uow, institution={"fixmedins_code": CODE, "admdvs": "440300"}, rx=dict(
            hosp_rxno="RX-1", psn_no="P1", mdtrt_id="", rx_type_code="1", prsc_time=NOW, valid_days=3,
            maindiag_code="I10", detail={}), lines=[
            dict(med_list_codg="XC01", drug_genname="甲", cnt=prescriptions.Decimal("2"), drug_sumamt_fen=2000),
            dict(med_list_codg="XC02", drug_genname="乙", cnt=prescriptions.Decimal("1"), drug_sumamt_fen=500)],
            msgid="M1")
    return answer["hi_rxno"]


def dispensing(hi_rxno: str, dispensing_id: str, **changes) -> dict:
    return dict(dict(dispensing_id=dispensing_id, hi_rxno=hi_rxno, kind="dispense", fixmedins_code="P44010000001",
                     mdtrt_id="M", setl_id="S" + dispensing_id, returns_dispensing_id=None, follows_return_id=None,
                     actor="t", recorded_at=NOW), **changes)


def test_the_repository_answers_the_prescription_as_stored(database, stored):
    with SqlUnitOfWork(database, SYSTEM, NOW) as uow:
        row = uow.prescriptions.prescription(stored)
        assert (row["valid_end_time"], row["maindiag_code"]) == (dt.datetime(2026, 11, 4, 23, 59, 59), "I10")
        assert {no: (line["med_list_codg"], line["cnt"]) for no, line in row["lines"].items()} == {
            1: ("XC01", "2"), 2: ("XC02", "1")}
        assert uow.prescriptions.by_hosp_rxno(CODE, "RX-1") == stored
        state = prescriptions.folded(row)
        assert (state.status(NOW), state.used_status()) == ("1", "0")


def test_one_live_dispensing_per_prescription_and_one_return_per_dispensing(database, stored):
    with SqlUnitOfWork(database, SYSTEM, NOW) as uow:
        uow.prescriptions.add_dispensing(dispensing(stored, "D1"), [])
    with pytest.raises(IntegrityError):
        with SqlUnitOfWork(database, SYSTEM, NOW) as uow:
            uow.prescriptions.add_dispensing(dispensing(stored, "D2"), [])
    with SqlUnitOfWork(database, SYSTEM, NOW) as uow:
        uow.prescriptions.add_dispensing(dispensing(stored, "R1", kind="return", returns_dispensing_id="D1"), [])
        uow.prescriptions.add_dispensing(dispensing(stored, "D3", follows_return_id="R1"), [])
    with pytest.raises(IntegrityError):
        with SqlUnitOfWork(database, SYSTEM, NOW) as uow:
            uow.prescriptions.add_dispensing(dispensing(stored, "R2", kind="return", returns_dispensing_id="D1"), [])
    with pytest.raises(IntegrityError):
        with SqlUnitOfWork(database, SYSTEM, NOW) as uow:
            uow.prescriptions.add_dispensing(dispensing(stored, "D4", follows_return_id="R1"), [])


@pytest.mark.parametrize("statement", [
    "UPDATE prescriptions SET valid_days = 30",
    "DELETE FROM prescription_lines",
    "UPDATE prescription_dispensings SET kind = 'dispense'",
])
def test_rows_are_never_changed(database, stored, statement):
    with SqlUnitOfWork(database, SYSTEM, NOW) as uow:
        uow.prescriptions.add_dispensing(dispensing(stored, "D1"), [])
    with pytest.raises(DBAPIError):
        with database.write() as conn:
            conn.execute(text(statement))


def test_the_latest_setting_of_a_pair_holds_and_the_default_is_the_province(database):
    with SqlUnitOfWork(database, SYSTEM, NOW) as uow:
        assert prescriptions.region_setting(uow, "440300", "440100") == prescriptions.rules.RegionSetting(True, True)
        assert prescriptions.region_setting(uow, "440300", "110000").recognised is False
        prescriptions.set_region(uow, prescribing="440300", dispensing="110000", recognised=True, upload_required=True)
        prescriptions.set_region(uow, prescribing="440300", dispensing="110000", recognised=True, upload_required=False)
    with SqlUnitOfWork(database, SYSTEM, NOW) as uow:
        assert prescriptions.region_setting(uow, "440300", "110000") == prescriptions.rules.RegionSetting(True, False)


def test_every_stored_prescription_field_is_limited_to_its_column():
    from yibao.gateway.readers import FIELD_LENGTHS

    stored = {"hosp_rxno": t.prescriptions.c.hosp_rxno, "hi_rxno": t.prescriptions.c.hi_rxno,
              "rx_trace_code": t.prescriptions.c.rx_trace_code, "rx_type_code": t.prescriptions.c.rx_type_code,
              "maindiag_code": t.prescriptions.c.maindiag_code, "drug_genname": t.prescription_lines.c.drug_genname,
              "med_list_codg": t.prescription_lines.c.med_list_codg, "mdtrt_id": t.prescriptions.c.mdtrt_id,
              "psn_no": t.prescriptions.c.psn_no, "rxno": t.prescriptions.c.hi_rxno}
    for name, column in stored.items():
        assert FIELD_LENGTHS[name] <= column.type.length, (name, FIELD_LENGTHS[name], column)
