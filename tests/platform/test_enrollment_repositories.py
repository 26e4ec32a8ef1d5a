"""Enrollment, transfers and crediting on SQLite and PostgreSQL: the migration matches tables.py,
the records' constraints refuse a second open period and a transfer that leaves a gap, the
append-only tables refuse rewrites, and the use cases run end to end over the SQL unit of work."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import insert, text
from sqlalchemy.exc import DBAPIError, IntegrityError

from yibao.app import actors, enrollment
from yibao.app.errors import GatewayError
from yibao.store import tables as t
from yibao.store.unit_of_work import SqlUnitOfWork

NOW = dt.datetime(2026, 3, 10, 9, 0)
TABLES_0020 = {"enrollment_records", "contributions", "transfers", "transfer_acceptances", "account_credits",
               "enroll_date", "benefit_begndate", "insu_enddate"}
PERSON = dict(certno="500101199001011234", psn_name="测试", gend="1", brdy=dt.date(1990, 1, 1))
CHENGDU_310 = {"admdvs": "510100", "name": "成都职工", "insutype": "310", "valid_from": "2024-01-01",
               "benefits": [], "enrollment": {
                   "account_crediting": {"share_of_personal_contribution": "0.50", "retiree_monthly": "120.00"},
                   "pooled_fund_transfer_in": [{"from_admdvs": "500000", "effective_from": "2025-01-01",
                                                "amount_per_year": "200.00", "max_years": 10}]}}


def unit(database, now=NOW):
    return SqlUnitOfWork(database, actors.operator("clerk"), now)


def add_policy(database, document: dict) -> None:
    with database.engine.begin() as conn:
        conn.execute(insert(t.policies).values(admdvs=document["admdvs"], insutype=document["insutype"],
                                               valid_from=dt.date.fromisoformat(document["valid_from"]),
                                               name=document["name"], document=json.dumps(document), imported_at=NOW))


def enroll(database, psn_no="P1", region="500000", kind="employee", psn_type="1101", day=dt.date(2026, 1, 5)):
    with unit(database) as uow:
        return enrollment.register(uow, psn_no=psn_no, insutype="310", insuplc_admdvs=region, kind=kind,
                                   psn_type=psn_type, enroll_date=day, emp_no="E1", person=PERSON)


def test_the_migration_creates_what_tables_py_declares(database):
    with database.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        differences = [str(d) for d in compare_metadata(context, t.metadata)]
    assert [d for d in differences if any(name in d for name in TABLES_0020)] == []


def test_a_second_open_period_and_a_transfer_leaving_a_gap_are_refused_by_the_database(database):
    first = enroll(database)
    record = dict(psn_no="P1", insutype="310", insuplc_admdvs="510100", step="enroll", begndate=dt.date(2026, 2, 1),
                  actor="x", recorded_at=NOW)
    with pytest.raises(IntegrityError):  # uq_enrollment_records_first: a second chain start
        with unit(database) as uow:
            uow.enrollment.add_record(record)
    with unit(database) as uow:
        end_id = uow.enrollment.add_record(dict(record, step="end", begndate=dt.date(2026, 2, 28),
                                                enddate=dt.date(2026, 2, 28), refers_to=first["record_id"]))
    gap = dict(record, step="transfer_in", begndate=dt.date(2026, 3, 2), follows_end_id=end_id,
               prev_enddate=dt.date(2026, 2, 28))
    for bad in (gap, dict(gap, prev_enddate=dt.date(2026, 2, 27), begndate=dt.date(2026, 2, 28)),
                dict(gap, psn_no="P2")):
        with pytest.raises((IntegrityError, DBAPIError)):
            with unit(database) as uow:
                if bad["psn_no"] == "P2":
                    uow.enrollment.add_person(dict(PERSON, psn_no="P2"))
                uow.enrollment.add_record(bad)
    with unit(database) as uow:
        uow.enrollment.add_record(dict(gap, begndate=dt.date(2026, 3, 1)))  # the day after: accepted
    with pytest.raises(IntegrityError):  # an end is followed once
        with unit(database) as uow:
            uow.enrollment.add_record(dict(gap, begndate=dt.date(2026, 3, 1)))


def test_records_contributions_and_credits_are_append_only(database):
    enroll(database)
    with unit(database) as uow:
        enrollment.contribute(uow, "P1", "310", "2026-01", emp_amt="600.00", psn_amt="200.00")
    for statement in ("UPDATE enrollment_records SET reason = 'x'", "DELETE FROM contributions"):
        with pytest.raises(DBAPIError):
            with database.engine.begin() as conn:
                conn.execute(text(statement))


def test_mid_year_resident_waits_three_months_and_the_insurance_row_follows(database):
    with unit(database) as uow:
        enrollment.register(uow, psn_no="R1", insutype="390", insuplc_admdvs="510100", kind="resident",
                            psn_type="1501", enroll_date=dt.date(2026, 3, 10), person=PERSON)
        row = uow.enrollment.insurance("R1", "390")
    assert (row["enroll_date"], row["benefit_begndate"], row["insu_enddate"]) == (
        dt.date(2026, 3, 10), dt.date(2026, 6, 10), None)
    with unit(database) as uow:
        enrollment.change_state(uow, "R1", "390", "end", dt.date(2026, 12, 31), "离开")
    with pytest.raises(GatewayError) as refused:
        with unit(database) as uow:
            enrollment.change_state(uow, "R1", "390", "end", dt.date(2027, 1, 31))
    assert refused.value.code == "ENROLL_ALREADY_ENDED"
    with unit(database) as uow:  # re-enrollment after the end: a new period following it
        again = enrollment.register(uow, psn_no="R1", insutype="390", insuplc_admdvs="510100", kind="resident",
                                    psn_type="1501", enroll_date=dt.date(2027, 2, 1))
    assert again["prev_enddate"] == dt.date(2026, 12, 31) and again["benefit_begndate"] == dt.date(2027, 5, 1)


def test_transfer_from_chongqing_to_chengdu_moves_the_balance_and_the_pooled_fund(database):
    add_policy(database, CHENGDU_310)
    enroll(database, day=dt.date(2013, 1, 1))
    with unit(database) as uow:
        for month in [f"{year}-{m:02d}" for year in range(2013, 2026) for m in range(1, 13)] + ["2026-01", "2026-02"]:
            enrollment.contribute(uow, "P1", "310", month, emp_amt="600.00", psn_amt="200.00")
        uow.accounts.append("P1", 123456, "opening", setl_id=None, actor="t", tip=(0, 0))
    with unit(database) as uow:
        issued = enrollment.issue_transfer(uow, psn_no="P1", from_admdvs="500000", to_admdvs="510100", insutype="310")
    assert (issued["contribution_months"], issued["contribution_years"], issued["acct_balance_fen"]) == (158, 13, 123456)
    with unit(database) as uow:
        accepted = enrollment.accept_transfer(uow, issued["transfer_id"])
        insurance, records = uow.enrollment.insurance("P1", "310"), uow.enrollment.records("P1", "310")
        balances = uow.ledger.balances()
    assert (accepted["begndate"], accepted["benefit_begndate"]) == (dt.date(2026, 3, 10), dt.date(2026, 3, 10))
    assert accepted["pooled_fund_fen"] == 10 * 20000  # 13 years, capped at 10, 200.00 each
    assert (insurance["insuplc_admdvs"], insurance["insu_enddate"]) == ("510100", None)
    assert [(r["step"], r["insuplc_admdvs"], r["begndate"]) for r in records][-2:] == [
        ("end", "500000", dt.date(2026, 3, 9)), ("transfer_in", "510100", dt.date(2026, 3, 10))]
    assert balances["acct_funding:510100"] == 123456 and balances["acct_funding:500000"] == -123456
    assert balances["fund:500000:310100"] == 200000 and balances["fund:510100:310100"] == -200000
    with pytest.raises(GatewayError) as refused:
        with unit(database) as uow:
            enrollment.accept_transfer(uow, issued["transfer_id"])
    assert refused.value.code == "ENROLL_TRANSFER_ACCEPTED"
    with unit(database) as uow:
        assert enrollment.person_view(uow, "P1")["insurances"][0]["contribution_years"] == 13


def test_crediting_is_once_per_person_and_month(database):
    add_policy(database, CHENGDU_310)
    enroll(database, psn_no="E1", region="510100")
    enroll(database, psn_no="E2", region="510100", psn_type="1201")
    enroll(database, psn_no="E3", region="510100")  # no contribution this month: nothing credited
    with unit(database) as uow:
        enrollment.contribute(uow, "E1", "310", "2026-02", emp_amt="600.00", psn_amt="200.01")
    with unit(database) as uow:
        first = enrollment.credit_month(uow, "2026-02")
    with unit(database) as uow:
        second = enrollment.credit_month(uow, "2026-02")
        tips = uow.accounts.tips(["E1", "E2", "E3"])
        funding = uow.ledger.balance("acct_funding:510100")
    assert (first["persons"], str(first["amount"]), first["psn_nos"]) == (2, "220.01", ["E1", "E2"])
    assert (second["persons"], second["skipped_already_credited"]) == (0, 2)
    assert tips == {"E1": (1, 10001), "E2": (1, 12000)} and funding == 22001
