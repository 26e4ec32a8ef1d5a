"""Joint supervision, experts, reports and credit on SQLite and PostgreSQL (migration 0025): the
repository answers the use cases alike, the constraints refuse alike, the records are append-only."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import insert, text
from sqlalchemy.exc import DBAPIError, IntegrityError

from yibao.app import actors, credit, experts, joint_supervision as joint, supervision
from yibao.store import tables as t
from yibao.store.repository.credit import credit_standings
from yibao.store.unit_of_work import SqlUnitOfWork

from ..refusals import refused

NOW = dt.datetime(2026, 12, 1, 9, 0)
SHENZHEN, GUANGZHOU = "440300", "440100"
HOSPITAL, CLINIC = "H44010600001", "H44030500001"
TABLES_0025 = ("check_request", "inspection", "expert", "supervision_policies", "report", "uq_credit_records_case")


def unit(database, region=SHENZHEN):
    return SqlUnitOfWork(database, actors.agency(region, "3f2a"), NOW)


@pytest.fixture
def world(database):
    with database.write() as conn:
        for code, region in ((HOSPITAL, "440106"), (CLINIC, "440305")):
            conn.execute(insert(t.institutions).values(fixmedins_code=code, fixmedins_name=code, fixmedins_type="1",
                                                       medins_lv="3", admdvs=region, secret_salt="s", secret_hash="h"))
    return database


def test_the_migration_creates_what_tables_py_declares(database):
    with database.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        differences = [str(d) for d in compare_metadata(context, t.metadata)]
    assert [d for d in differences if any(name in d for name in TABLES_0025)] == []


def test_a_check_request_is_stored_step_by_step_and_never_rewritten(world):
    with unit(world) as uow:
        request_id = joint.request_check(uow, from_admdvs=SHENZHEN, to_admdvs=GUANGZHOU, fixmedins_code=HOSPITAL,
                                         items=["核对费用清单"])["request_id"]
    with unit(world, GUANGZHOU) as uow:
        joint.assign_inspector(uow, request_id, "李检查", agency_region=GUANGZHOU)
        joint.answer_check(uow, request_id, "多计床位费", [{"name": "a.pdf", "sha256": "0f" * 32}], agency_region=GUANGZHOU)
    with unit(world, GUANGZHOU) as uow, refused("JOINT_CHECK_TRANSITION"):
        joint.answer_check(uow, request_id, "again", [], agency_region=GUANGZHOU)
    with unit(world) as uow:
        done = joint.conclude_check(uow, request_id, "查实", agency_region=SHENZHEN)
        assert [s["step"] for s in done["steps"]] == ["request", "assign", "result", "conclude"]
        assert done["steps"][2]["evidence"] == [{"name": "a.pdf", "sha256": "0f" * 32}]
        assert [r["request_id"] for r in joint.check_requests(uow, agency_region="440000")] == [request_id]
        assert joint.check_requests(uow, agency_region="450000") == []
    with pytest.raises((IntegrityError, DBAPIError)), world.write() as conn:  # each step once
        conn.execute(insert(t.check_request_steps).values(request_id=request_id, step="conclude", seq=5, by="x", at=NOW))
    with pytest.raises(DBAPIError), world.write() as conn:
        conn.execute(text("UPDATE check_request_steps SET text = 'changed' WHERE step = 'result'"))
    with pytest.raises((IntegrityError, DBAPIError)), world.write() as conn:  # to another region only
        conn.execute(insert(t.check_requests).values(request_id="XC1", from_admdvs=SHENZHEN, to_admdvs=SHENZHEN,
                                                     fixmedins_code=HOSPITAL, items="[]", requested_at=NOW))


def test_experts_inspections_and_requests_across_regions(world):
    with unit(world, GUANGZHOU) as uow:
        inspection_id = joint.plan_inspection(uow, lead_admdvs=GUANGZHOU, title="联合检查", fixmedins_code=HOSPITAL,
                                              begndate=dt.date(2026, 12, 10), agencies=[SHENZHEN])["inspection_id"]
    with unit(world) as uow:
        expert_id = experts.add_expert(uow, name="王", specialties=["骨科"], home_admdvs=SHENZHEN)["expert_id"]
        experts.set_availability(uow, expert_id, begndate=dt.date(2026, 12, 20), enddate=None, available=False,
                                 agency_region=SHENZHEN)
    with unit(world, GUANGZHOU) as uow:
        asked = experts.assign(uow, expert_id, target="inspection", target_id=inspection_id, day=dt.date(2026, 12, 10),
                               agency_region=GUANGZHOU)
        with refused("JOINT_EXPERT_UNAVAILABLE"):
            experts.assign(uow, expert_id, target="inspection", target_id=inspection_id, day=dt.date(2026, 12, 21),
                           agency_region=GUANGZHOU)
    with unit(world) as uow:
        experts.answer_request(uow, asked["assignment_id"], accepted=True, agency_region=SHENZHEN)
        found = experts.expert(uow, expert_id)
        assert [a["effective"] for a in found["assignments"]] == [True]
        members = joint.inspection(uow, inspection_id)["members"]
        assert [(m["member_type"], m["member_id"]) for m in members] == [
            ("agency", GUANGZHOU), ("agency", SHENZHEN), ("expert", expert_id)]
        assert [e["available"] for e in experts.experts(uow, specialty="骨科", day=dt.date(2026, 12, 25))] == [False]
    with pytest.raises((IntegrityError, DBAPIError)), world.write() as conn:  # answered once
        conn.execute(insert(t.expert_request_answers).values(assignment_id=asked["assignment_id"], accepted=False,
                                                             by="x", at=NOW))


def confirm(uow, subject_type, subject_id, amount_fen=0) -> str:
    case_id = supervision.open_case(uow, admdvs=SHENZHEN, subject_type=subject_type, subject_id=subject_id,
                                    summary="串换", amount_fen=amount_fen, source="manual")["case_id"]
    supervision.move(uow, case_id, "investigating")
    supervision.move(uow, case_id, "confirmed")
    return case_id


def test_credit_from_confirmed_cases_the_cached_standings_and_a_reward(world):
    with unit(world) as uow:
        credit.set_policy(uow, admdvs=SHENZHEN, begndate=dt.date(2026, 1, 1), points_per_case=-30,
                          reward_share=Decimal("0.1"), reward_floor_fen=0, reward_cap_fen=100_000)
        case_id = confirm(uow, "institution", CLINIC, amount_fen=1_500_000)  # -30 - 5
        report_id = credit.receive_report(uow, admdvs=SHENZHEN, subject_type="institution", subject_id=CLINIC,
                                          content="串换", reporter_name="张三")["report_id"]
        supervision.record_money(uow, case_id, "recovery", Decimal("15000.00"))
        paid = credit.pay_reward(uow, report_id, case_id=case_id, agency_region=SHENZHEN)
    assert paid["amount_fen"] == 100_000  # 10% of 15 000 yuan is 1 500: the 1 000 yuan cap
    with world.read() as conn:
        points, policies = credit_standings(conn)
    assert points == {("institution", CLINIC): -35} and [p["points_per_case"] for p in policies] == [-30]
    with unit(world) as uow:
        found = credit.standing(uow, "institution", CLINIC, region="440305")
        assert (found["score"], found["level"], found["restriction"]) == (65, "C", "strict_audit")
        assert uow.ledger.balance(f"fund_report_reward:{SHENZHEN}") == 100_000
        with refused("REPORT_ALREADY_REWARDED"):
            credit.pay_reward(uow, report_id, case_id=case_id, agency_region=SHENZHEN)
    with pytest.raises((IntegrityError, DBAPIError)), world.write() as conn:  # a case's credit once per subject
        conn.execute(insert(t.credit_records).values(subject_type="institution", subject_id=CLINIC, points=-1,
                                                     reason="x", case_id=case_id, at=NOW))
    with pytest.raises(DBAPIError), world.write() as conn:
        conn.execute(text("DELETE FROM report_rewards"))


def test_a_credit_record_bumps_the_sanctions_version(world):
    with world.read() as conn:
        before = conn.execute(text("SELECT version FROM cache_versions WHERE name = 'sanctions'")).scalar_one()
    with unit(world) as uow:
        confirm(uow, "institution", CLINIC)
    with world.read() as conn:
        assert conn.execute(text("SELECT version FROM cache_versions WHERE name = 'sanctions'")).scalar_one() > before


def test_the_migration_goes_down_to_0026_and_up_again(database):
    """0025 follows 0026 (partitions, which cannot be undone): down one step and up again."""
    from alembic import command

    from yibao.store.migrate import alembic_config

    config = alembic_config(database)
    with database.engine.connect() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, "0026")
        command.upgrade(config, "head")
        conn.commit()
    with database.read() as conn:
        assert conn.execute(text("SELECT count(*) FROM report_rewards")).scalar_one() == 0
