"""Migration 0011 and its repositories on SQLite and PostgreSQL: the schema as store/tables.py
says, department and settlement-list chains, append-only uploads, coded rows queryable by code."""

from __future__ import annotations

import datetime as dt

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import insert, text
from sqlalchemy.exc import DBAPIError, IntegrityError

from yibao.app.actors import institution as institution_actor
from yibao.store import tables as t
from yibao.store.unit_of_work import SqlUnitOfWork

NOW = dt.datetime(2026, 12, 1, 9, 0)
TABLES_0011 = {"departments", "practitioners", "designated_filings", "setl_lists", "setl_list_statuses",
               "medical_records", "coded_diagnoses", "coded_operations"}


def unit(database):
    return SqlUnitOfWork(database, institution_actor("H50000000001", "M1"), NOW)


def test_the_migration_creates_what_tables_py_declares(database):
    with database.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        differences = [str(d) for d in compare_metadata(context, t.metadata)]
    assert [d for d in differences if any(name in d for name in TABLES_0011)] == []


def dept_row(**changes) -> dict:
    return dict({"fixmedins_code": "H50000000001", "hosp_dept_codg": "NK01", "hosp_dept_name": "心内科", "caty": "A03",
                 "begntime": NOW, "vali_flag": "1", "action": "upload", "replaces_dept_id": None, "created_at": NOW,
                 "created_by": "msgid:M1"}, **changes)


def test_a_department_chain_has_one_first_row_and_one_successor_per_row(database):
    with unit(database) as uow:
        first = uow.departments.add(dept_row())
        second = uow.departments.add(dept_row(action="change", replaces_dept_id=first, hosp_dept_name="心血管内科"))
        uow.departments.add(dept_row(hosp_dept_codg="NK02"))
        assert uow.departments.tip("H50000000001", "NK01")["dept_id"] == second
        assert [r["hosp_dept_codg"] for r in uow.departments.tips("H50000000001")] == ["NK01", "NK02"]
        assert uow.departments.tip("H50000000002", "NK01") is None
    for row in (dept_row(), dept_row(action="change", replaces_dept_id=first)):
        with pytest.raises(IntegrityError):
            with unit(database) as uow:
                uow.departments.add(row)


def list_row(list_id: str, supersedes: str | None) -> dict:
    return dict(setl_list_id=list_id, setl_id="S1", mdtrt_id="V1", psn_no="P1", fixmedins_code="H50000000001",
                infno="4101", supersedes_list_id=supersedes, psn_selfpay_fen=2500, psn_ownpay_fen=3500, acct_pay_fen=2000,
                psn_cashpay_fen=4000, setlinfo="{}", payinfo="[]", iteminfo="[]", icuinfo="[]", qc_problems="[]",
                created_at=NOW, created_by="msgid:M1")


DIAGNOSES = [dict(source="diseinfo", diag_type="1", diag_code="I10.x00", maindiag_flag="1"),
             dict(source="opspdise", diag_type="", diag_code="M03900", maindiag_flag="")]


def test_settlement_lists_chain_per_settlement_and_are_append_only(database):
    with unit(database) as uow:
        uow.setl_lists.add_list(list_row("QD1", None), DIAGNOSES, [dict(oprn_oprt_code="88.7200")])
        uow.setl_lists.add_list(list_row("QD2", "QD1"), DIAGNOSES[:1], [])
        uow.setl_lists.add_status("QD2", "1", changed_by="msgid:M2")
        uow.setl_lists.add_status("QD2", "0", changed_by="msgid:M3")
    with unit(database) as uow:
        assert uow.setl_lists.current_list("S1")["setl_list_id"] == "QD2"
        assert uow.setl_lists.status_of("QD2") == "0" and uow.setl_lists.status_of("QD1") is None
        diagnoses, operations = uow.setl_lists.coded("QD1")
        assert [(d["seq"], d["diag_code"]) for d in diagnoses] == [(1, "I10.x00"), (2, "M03900")]
        assert [o["oprn_oprt_code"] for o in operations] == ["88.7200"]
        # grouping reads the current lists only: QD1's I10.x00 is superseded by QD2's
        assert uow.setl_lists.current_lists_with_diagnosis("I10.x00") == ["S1"]
        assert uow.setl_lists.current_lists_with_diagnosis("M03900") == []
    for row in (list_row("QD3", None), list_row("QD3", "QD1")):  # a second first upload; two successors of QD1
        with pytest.raises(IntegrityError):
            with unit(database) as uow:
                uow.setl_lists.add_list(row, [], [])
    for statement in ("UPDATE setl_lists SET acct_pay_fen = 0 WHERE setl_list_id = 'QD2'",
                      "DELETE FROM setl_list_statuses", "DELETE FROM setl_lists WHERE setl_list_id = 'QD2'"):
        with pytest.raises(DBAPIError, match="append-only"):
            with database.write() as conn:
                conn.execute(text(statement))


def test_a_status_outside_0_and_1_is_refused_by_the_database(database):
    with unit(database) as uow:
        uow.setl_lists.add_list(list_row("QD1", None), [], [])
    with pytest.raises(IntegrityError):
        with database.write() as conn:
            conn.execute(insert(t.setl_list_statuses).values(setl_list_id="QD1", stas_type="2", changed_at=NOW,
                                                             changed_by="x"))


def test_practitioners_are_imported_for_known_institutions_only(database, tmp_path):
    from yibao.app.importing import ImportError_, import_file

    (tmp_path / "inst.csv").write_text("fixmedins_code,fixmedins_name,fixmedins_type,medins_lv,admdvs,secret\n"
                                       "H50000000001,测试医院,1,3,500000,secret-0001\n", encoding="utf-8")
    import_file(database, "institutions", tmp_path / "inst.csv", now=NOW)
    header = "fixmedins_code,prac_psn_code,prac_psn_type,certno,prac_psn_name,begntime\n"
    good = tmp_path / "prac.csv"
    good.write_text(header + "H50000000001,D500000000001,1,500101198505170011,张医生,2020-01-01 00:00:00\n"
                    "H50000000001,N500000000001,2,500101199001010022,李护士,2021-03-01 00:00:00\n", encoding="utf-8")
    assert import_file(database, "practitioners", good, now=NOW).written == 2
    with unit(database) as uow:
        rows = uow.practitioners.of_institution("H50000000001")
    assert [(r["prac_psn_code"], r["prac_psn_type"], r["hi_dr_flag"]) for r in rows] == [
        ("D500000000001", "1", "1"), ("N500000000001", "2", "1")]
    unknown = tmp_path / "unknown.csv"
    unknown.write_text(header + "H50000000009,D500000000002,1,500101198505170011,王医生,2020-01-01\n", encoding="utf-8")
    with pytest.raises(ImportError_, match="row 1, column fixmedins_code: unknown institution H50000000009"):
        import_file(database, "practitioners", unknown, now=NOW)
