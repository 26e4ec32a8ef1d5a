"""E-vouchers on both backends: the repository's reads (current state from the chain, counts by
region, the database's token key) and the constraints of migration 0013 refusing what the use
cases refuse (a second voucher of a person, two writers of one state seq, an edited history)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import insert, text, update
from sqlalchemy.exc import DatabaseError, IntegrityError

from yibao.app import actors, evouchers
from yibao.app.errors import GatewayError
from yibao.store import tables as t
from yibao.store.unit_of_work import SqlUnitOfWork

from .test_claims_store import AGENCY, NOW, load_world


@pytest.fixture
def run(database, tmp_path):
    load_world(database, tmp_path)  # LY0001..LY0003 insured in 371300

    def run(action, *, now=NOW, write=True):
        with SqlUnitOfWork(database, AGENCY, now, write=write) as uow:
            return action(uow)
    return run


def test_activation_suspension_and_resumption_read_back_as_the_chain_says(run):
    voucher = run(lambda uow: evouchers.activate(uow, "LY0001"))
    run(lambda uow: evouchers.activate(uow, "LY0002"))
    later = NOW + dt.timedelta(hours=1)
    run(lambda uow: evouchers.suspend(uow, "LY0002", "挂失"), now=later)
    run(lambda uow: evouchers.resume(uow, "LY0002", "找回"), now=later)
    run(lambda uow: evouchers.suspend(uow, "LY0002", "冒用"), now=later)
    view = run(lambda uow: evouchers.voucher_view(uow, "LY0002"), write=False)
    assert (view["state"], view["seq"], view["insuplc_admdvs"]) == ("suspended", 3, "371300")
    assert [(row["seq"], row["state"], row["changed_at"]) for row in view["history"]] == [
        (1, "suspended", later), (2, "active", later), (3, "suspended", later)]
    found = run(lambda uow: uow.evouchers.voucher(voucher["voucher_id"]), write=False)
    assert (found["psn_no"], found["state"], found["seq"], found["activated_by"]) == (
        "LY0001", "active", 0, "agency:371300/token:0badc0de")
    assert run(lambda uow: evouchers.counts(uow, ["37"]), write=False) == [
        {"insuplc_admdvs": "371300", "active": 1, "suspended": 1, "activated": 2}]
    assert run(lambda uow: evouchers.counts(uow, ["44"]), write=False) == []
    with pytest.raises(GatewayError, match="EVOUCHER|已激活") as caught:
        run(lambda uow: evouchers.activate(uow, "LY0001"))
    assert caught.value.code == "EVOUCHER_ALREADY_ACTIVATED"
    actions = run(lambda uow: [r.action for r in uow._conn.execute(text(
        "SELECT action FROM action_log WHERE action LIKE 'evoucher.%' ORDER BY action_id"))], write=False)
    assert actions == ["evoucher.activate", "evoucher.activate", "evoucher.suspend", "evoucher.resume", "evoucher.suspend"]


def test_tokens_verify_against_the_stored_state_with_the_database_key(run):
    settings = evouchers.TokenSettings(None, 300)
    run(lambda uow: evouchers.activate(uow, "LY0001"))
    issued = run(lambda uow: evouchers.issue_token(uow, settings, "LY0001"))
    fresh = evouchers.TokenSettings(None, 300)  # another worker: reads the stored key
    assert run(lambda uow: evouchers.verified_holder(uow, fresh, issued["token"], NOW), write=False) == "LY0001"
    run(lambda uow: evouchers.suspend(uow, "LY0001", "挂失"))
    with pytest.raises(GatewayError) as caught:
        run(lambda uow: evouchers.verified_holder(uow, fresh, issued["token"], NOW), write=False)
    assert caught.value.code == "EVOUCHER_SUSPENDED"
    assert run(lambda uow: uow.evouchers.keep_token_key("another"), write=True) != "another"  # the first key stays


def test_the_constraints_refuse_a_second_voucher_a_reused_seq_and_edited_history(run, database):
    voucher = run(lambda uow: evouchers.activate(uow, "LY0001"))
    run(lambda uow: evouchers.suspend(uow, "LY0001", "挂失"))
    row = dict(voucher_id="EV0000000002", psn_no="LY0001", insuplc_admdvs="371300", activated_at=NOW, activated_by="x")
    state = dict(voucher_id=voucher["voucher_id"], seq=1, state="active", reason="", changed_at=NOW, changed_by="x")
    for table, values in ((t.evouchers, row), (t.evoucher_states, state), (t.evoucher_states, dict(state, seq=0)),
                          (t.evoucher_states, dict(state, seq=2, state="lost")), (t.evoucher_keys, dict(
                              key_id=2, key_b64="k", created_at=NOW))):
        with pytest.raises(IntegrityError):
            with database.write() as conn:
                conn.execute(insert(table).values(**values))
    for statement in (update(t.evoucher_states).values(state="active"), t.evoucher_states.delete(),
                      update(t.evouchers).values(insuplc_admdvs="440300"), t.evouchers.delete()):
        with pytest.raises(DatabaseError, match="append-only"):
            with database.write() as conn:
                conn.execute(statement)
    view = run(lambda uow: evouchers.voucher_view(uow, "LY0001"), write=False)
    assert view["state"] == "suspended" and len(view["history"]) == 1


def test_an_operator_at_the_command_line_is_recorded_as_the_activating_actor(run, database):
    operator = actors.operator("王五")
    with SqlUnitOfWork(database, operator, NOW) as uow:
        voucher = evouchers.activate(uow, "LY0003")
    assert voucher["activated_by"] == "operator:王五"
