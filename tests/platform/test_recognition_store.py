"""Catalogue recognition in the database (migration 0027) on SQLite and PostgreSQL: the tables
match tables.py, the comparison reads both regions' catalogues (region chain, the day's rows),
steps are refused a second time by the primary key, the checks and the append-only triggers."""

from __future__ import annotations

import datetime as dt

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import insert, text
from sqlalchemy.exc import DBAPIError, IntegrityError

from yibao.app import recognition
from yibao.app.actors import operator
from yibao.app.errors import GatewayError
from yibao.store import tables as t
from yibao.store.unit_of_work import SqlUnitOfWork

NOW = dt.datetime(2026, 7, 10, 9, 0)
DAY = dt.date(2026, 7, 1)
CD, CQ = "510100", "500000"


def unit(database):
    return SqlUnitOfWork(database, operator("目录科"), NOW)


def test_the_migration_creates_what_tables_py_declares(database):
    with database.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        differences = [str(d) for d in compare_metadata(context, t.metadata)]
    assert [d for d in differences if "recogni" in d] == []


def _catalogues(database) -> None:
    start, old = dt.date(2026, 1, 1), dt.date(2025, 1, 1)
    hilist = [dict(hilist_code=code, insu_admdvs=region, begndate=start, enddate=None, hilist_name=code, chrgitm_lv=level)
              for region, code, level in ((CD, "XA01", "01"), ("510000", "XB02", "02"), (CD, "XD04", "02"),
                                          (CQ, "XA01", "01"), (CQ, "XB02", "01"), (CQ, "XE05", "01"))]
    hilist.append(dict(hilist_code="XF06", insu_admdvs=CD, begndate=old, enddate=dt.date(2025, 12, 31),
                       hilist_name="ended", chrgitm_lv="01"))
    with database.write() as conn:
        conn.execute(insert(t.hilist), hilist)
        conn.execute(insert(t.lmtpric), [dict(hilist_code="XA01", insu_admdvs=CD, begndate=start,
                                              hilist_pric_uplmt_amt="12.5")])


def test_compare_and_agree_on_both_backends(database):
    _catalogues(database)
    with unit(database) as uow:
        compared = recognition.compare(uow, CD, CQ, DAY)
        rid = recognition.propose(uow, CQ, CD, CQ, "XD04", DAY)["recognition_id"]
    # XB02 comes from Sichuan's provincial catalogue (510000) for Chengdu; XF06 ended last year
    assert (compared["only_a"], compared["only_b"], compared["same"]) == (["XD04"], ["XE05"], 0)
    assert compared["differences"] == [
        {"code": "XA01", "category": None, "selfpay_prop": None, "ceiling": ["12.5", None]},
        {"code": "XB02", "category": ["02", "01"], "selfpay_prop": None, "ceiling": None}]
    with unit(database) as uow:
        recognition.agree(uow, rid, CD)
    with pytest.raises(GatewayError) as caught:
        with unit(database) as uow:
            recognition.agree(uow, rid, CD)
    assert caught.value.code == "RECOGNITION_STEP_DONE"
    with unit(database) as uow:
        shown = recognition.table(uow, CQ, DAY)
    assert shown["recognised"] == {"XD04": CD}
    assert [(s["step"], s["by_admdvs"], s["actor"]) for s in shown["recognitions"][0]["steps"]] == [
        ("agree", CD, "operator:目录科")]
    for statement in ("UPDATE recognitions SET begndate = '2020-01-01'", "DELETE FROM recognition_steps"):
        with pytest.raises(DBAPIError):
            with database.write() as conn:
                conn.execute(text(statement))


def test_the_checks_refuse_a_region_recognising_itself_or_a_third_proposer(database):
    row = dict(recognition_id="RG1", from_admdvs=CD, to_admdvs=CD, hilist_code="X", begndate=DAY, proposed_by=CD,
               actor="a", recorded_at=NOW)
    for bad in (row, dict(row, to_admdvs=CQ, proposed_by="440300")):
        with pytest.raises(IntegrityError):
            with database.write() as conn:
                conn.execute(insert(t.recognitions).values(**bad))
