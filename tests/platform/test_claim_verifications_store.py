"""Claim verifications (协查) on both backends: the use cases through the SQL repository, the
listing's status filter in SQL, and the constraints of migration 0017 refusing what the use
cases refuse (a second answer, an outcome without an answer, discrepancies without text, an
edited or deleted record)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import delete, insert, update
from sqlalchemy.exc import DatabaseError, IntegrityError

from yibao.app import claim_verifications as verifications
from yibao.app import claims
from yibao.app.errors import GatewayError
from yibao.store import tables as t

from .test_claims_store import NOW, TREATED, form, world  # noqa: F401  (world: the fixture)

DUE = dt.date(2026, 12, 15)


def asked(world, invoice_no="FP-0001") -> tuple[dict, dict]:  # noqa: F811
    _, platform, run = world
    view = run(lambda uow: claims.submit_claim(uow, form(invoice_no=invoice_no)))
    run(lambda uow: claims.review_claim(uow, platform, view["claim_id"],
                                        [{"line_no": n, "decision": "approve"} for n in (1, 2, 3, 4)]))
    request = run(lambda uow: verifications.request_verification(
        uow, view["claim_id"], [{"question": "核实费用"}, {"line_no": 2, "question": "核实药品"}], DUE))
    return view, request


def test_the_payment_waits_for_the_answer_and_the_claim_shows_every_step(world):  # noqa: F811
    _, platform, run = world
    view, request = asked(world)
    vid = request["verification_id"]
    with pytest.raises(GatewayError) as held:
        run(lambda uow: claims.pay_claim(uow, platform, view["claim_id"]))
    assert held.value.code == "VERIFY_OPEN"
    later = NOW + dt.timedelta(days=2)
    run(lambda uow: verifications.answer_verification(uow, vid, "discrepancies", "药品数量不符",
                                                      [{"line_no": 2, "finding": "少发 1 盒"}]), now=later)
    with pytest.raises(GatewayError) as twice:
        run(lambda uow: verifications.answer_verification(uow, vid, "confirmed", "", []))
    assert twice.value.code == "VERIFY_ANSWERED"
    run(lambda uow: verifications.close_verification(uow, vid, "已采纳"), now=later + dt.timedelta(hours=1))
    paid = run(lambda uow: claims.pay_claim(uow, platform, view["claim_id"]), now=later + dt.timedelta(hours=2))
    [shown] = paid["verifications"]
    assert (shown["status"], shown["answer"]["outcome"], shown["answer"]["answered_at"], shown["close"]["reason"]) == (
        "closed", "discrepancies", later, "已采纳")
    assert shown["answer"]["lines"] == [{"line_no": 2, "finding": "少发 1 盒"}]
    assert paid["status"] == "paid"


def test_listing_filters_by_side_and_status_in_sql(world):  # noqa: F811
    _, _, run = world
    _, first = asked(world)
    _, second = asked(world, "FP-0002")
    run(lambda uow: verifications.answer_verification(uow, second["verification_id"], "confirmed", "", []))

    def listed(role, regions, status=None):
        return [v["verification_id"] for v in run(lambda uow: verifications.list_verifications(
            uow, role=role, regions=regions, status=status), write=False)]
    assert sorted(listed("incoming", ["11"])) == sorted([first["verification_id"], second["verification_id"]])
    assert listed("incoming", ["11"], "open") == [first["verification_id"]]
    assert listed("requested", ["3713"], "answered") == [second["verification_id"]]
    assert listed("requested", ["3713"], "closed") == [] and listed("incoming", ["3713"]) == []
    [row] = run(lambda uow: verifications.list_verifications(uow, role="incoming", regions=[TREATED], status="open"),
                write=False)
    assert (row["claim"]["invoice_no"], str(row["claim"]["medfee_sumamt"]), row["claim"]["status"]) == (
        "FP-0001", "50000.00", "reviewed")


def test_the_database_refuses_a_second_answer_and_edits(world):  # noqa: F811
    database, _, _ = world
    _, request = asked(world)
    vid = request["verification_id"]
    step = {"verification_id": vid, "step": "answer", "outcome": "confirmed", "text": "", "line_findings": "[]",
            "recorded_at": NOW, "recorded_by": "agency:110000"}
    with database.write() as conn:
        conn.execute(insert(t.claim_verification_steps).values(**step))
    refused = [
        insert(t.claim_verification_steps).values(**step),  # answered twice
        insert(t.claim_verification_steps).values(**dict(step, step="close")),  # a close with an outcome
        insert(t.claim_verification_steps).values(**dict(step, step="answer", verification_id="VR-NONE")),
        update(t.claim_verification_steps).values(text="改写"),
        delete(t.claim_verification_steps),
        update(t.claim_verifications).values(due_date=DUE + dt.timedelta(days=30)),
        delete(t.claim_verifications),
    ]
    for statement in refused:
        with pytest.raises((IntegrityError, DatabaseError)):
            with database.write() as conn:
                conn.execute(statement)
    _, other = asked(world, "FP-0003")
    with pytest.raises(IntegrityError):  # discrepancies need a text
        with database.write() as conn:
            conn.execute(insert(t.claim_verification_steps).values(
                **dict(step, verification_id=other["verification_id"], outcome="discrepancies")))


def test_migration_0017_creates_what_tables_py_declares(database):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    with database.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        differences = [str(d) for d in compare_metadata(context, t.metadata)]
    assert [d for d in differences if "claim_verification" in d] == []
