"""Every admin money action writes exactly one action-log row naming its actor, in the same
transaction as the change: over the admin API (the agency and its token's fingerprint) and
the CLI (the operator); a refused action writes none; the log is append-only in the database."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import insert, select, text
from sqlalchemy.exc import DatabaseError
from typer.testing import CliRunner

from yibao.admin.api import mount
from yibao.app import action_log, agencies, prepayment
from yibao.app.actors import Actor, SYSTEM
from yibao.app.clock import fixed_clock
from yibao.app.importing import import_file
from yibao.app.platform import Platform
from yibao.cli import app as cli
from yibao.store import tables as t
from yibao.store.database import Database
from yibao.store.migrate import upgrade
from yibao.store.unit_of_work import SqlUnitOfWork

from .platform.conftest import new_database_url, pg_cluster  # noqa: F401  (pg_cluster: a fixture)
from .test_import_money import PERSON_COLUMNS, person_row, write_csv

NOW = dt.datetime(2026, 2, 10, 10, 0, 0)
TREATED, TREATED_PROV, OTHER = "110105", "110000", "320000"
INSTITUTION = "H44030000001"


def settlement_row(setl_id: str, setl_time: dt.datetime, fund_fen: int) -> dict:
    """A cross-province settlement 440300 → 110105, only what clearing and planning read."""
    row = {c.name: (0 if c.name.endswith("_fen") or c.name in ("year", "policy_id") else "")
           for c in t.settlements.columns if not c.nullable}
    return dict(row, setl_id=setl_id, mdtrt_id=f"M{setl_id}", kind="settlement", setl_time=setl_time,
                year=setl_time.year, insuplc_admdvs="440300", mdtrtarea_admvs=TREATED, fund_pay_sumamt_fen=fund_fen,
                medfee_sumamt_fen=fund_fen, detail="{}", trace="[]")


@pytest.fixture
def world(tmp_path):
    database = Database(f"sqlite:///{tmp_path}/yibao.db")
    upgrade(database)
    with database.write() as conn:
        with SqlUnitOfWork.joining(conn, SYSTEM, NOW) as uow:
            tokens = {code: agencies.add_agency(uow, code, f"agency {code}") for code in ("440300", TREATED_PROV, OTHER)}
        conn.execute(insert(t.institutions).values(fixmedins_code=INSTITUTION, fixmedins_name="医院", fixmedins_type="1",
                                                   medins_lv="", admdvs="440300", secret_salt="", secret_hash=""))
        conn.execute(insert(t.settlements), [settlement_row("S1", dt.datetime(2025, 6, 1, 9), 120_000),
                                             settlement_row("S2", dt.datetime(2026, 1, 15, 9), 30_000)])
        conn.execute(insert(t.clearing_statements).values(
            statement_id="CS0000000001", month="2026-01", insuplc_admdvs="440300", mdtrtarea_admvs=TREATED, setl_cnt=1,
            medfee_sumamt_fen=30_000, fund_pay_sumamt_fen=30_000, acct_pay_fen=0, psn_cash_pay_fen=0,
            clearing_amount_fen=30_000, status="generated", generated_at=NOW))
        with SqlUnitOfWork.joining(conn, SYSTEM, NOW) as uow:
            top_up = prepayment.approve(uow, year=2026, insured="440300", prov=TREATED_PROV, amount_fen=50_000,
                                        kind="top_up", basis_fen=0, months=Decimal(0))
    app = FastAPI()
    mount(app, Platform(database, clock=fixed_clock(NOW)))
    client = TestClient(app, raise_server_exceptions=False)
    yield {"database": database, "tokens": tokens, "client": client, "prepay_id": top_up["prepay_id"],
           "url": database.url}
    client.close()
    database.dispose()


def call(world, agency: str, path: str, body: dict | None = None, **params):
    response = world["client"].post("/admin/api" + path, json=body, params=params or None,
                                    headers={"Authorization": f"Bearer {agency}:{world['tokens'][agency]}"})
    is_json = response.headers.get("content-type", "").startswith(("application/json", "application/problem+json"))
    return response.status_code, response.json() if is_json else response.text


def rows(world) -> list[dict]:
    with SqlUnitOfWork(world["database"], SYSTEM, NOW, write=False) as uow:
        return action_log.entries(uow)


def fingerprint(world, code: str) -> str:
    with SqlUnitOfWork(world["database"], SYSTEM, NOW, write=False) as uow:
        return agencies.token_fingerprint(agencies.get(uow, code))


def one_new_row(world, before: int, action: str, subject: str, agency: str) -> dict:
    """Exactly one row was added, for this action, subject and agency (with its token's fingerprint)."""
    log = rows(world)
    assert len(log) == before + 1, log[before:]
    row = log[-1]
    assert (row["action"], row["subject"], row["at"]) == (action, subject, NOW)
    assert (row["actor_kind"], row["actor_party"], row["actor_ref"]) == ("agency", agency, f"token:{fingerprint(world, agency)}")
    assert world["tokens"][agency] not in json.dumps(row, default=str)  # never the token itself
    return row


def test_confirm_by_both_sides_and_pay_each_write_one_row_naming_the_agency(world):
    statement = "CS0000000001"
    assert call(world, "440300", f"/clearing/statements/{statement}/confirm")[0] == 200
    row = one_new_row(world, 0, "clearing.confirm", statement, "440300")
    assert json.loads(row["detail"]) == {"side": "insured", "status": "generated"}
    status, body = call(world, TREATED_PROV, f"/clearing/statements/{statement}/confirm")
    assert status == 200 and body["status"] == "confirmed"
    one_new_row(world, 1, "clearing.confirm", statement, TREATED_PROV)
    assert call(world, "440300", f"/clearing/statements/{statement}/pay")[0] == 200
    paid = json.loads(one_new_row(world, 2, "clearing.pay", statement, "440300")["detail"])
    assert paid == {"amount_fen": 30_000, "drawn_from_prepayment_fen": 0, "paid_in_cash_fen": 30_000}


def test_clearing_run_is_one_row_even_when_it_changes_nothing(world):
    assert call(world, "440300", "/clearing/2026-01/run")[0] == 200
    assert json.loads(one_new_row(world, 0, "clearing.run", "2026-01", "440300")["detail"]) == {"statements": 1}
    assert call(world, "440300", "/clearing/2026-01/run")[0] == 200
    one_new_row(world, 1, "clearing.run", "2026-01", "440300")


def test_prepayment_plan_pay_and_receive_each_write_one_row(world):
    status, planned = call(world, "440300", "/prepayments/plan", year=2026)
    assert status == 200 and len(planned) == 1
    detail = json.loads(one_new_row(world, 0, "prepayment.plan", "2026", "440300")["detail"])
    assert detail["approved"] == [{"prepay_id": planned[0]["prepay_id"], "amount_fen": 20_000}]  # 2 months of 1200.00
    prepay_id = world["prepay_id"]
    assert call(world, "440300", f"/prepayments/{prepay_id}/pay")[0] == 200
    assert json.loads(one_new_row(world, 1, "prepayment.paid", prepay_id, "440300")["detail"]) == {"amount_fen": 50_000}
    assert call(world, TREATED_PROV, f"/prepayments/{prepay_id}/receive")[0] == 200
    one_new_row(world, 2, "prepayment.received", prepay_id, TREATED_PROV)


def test_case_actions_and_sanctions_each_write_one_row(world):
    status, case = call(world, "440300", "/cases", {"subject_type": "institution", "subject_id": INSTITUTION,
                                                    "summary": "重复收费", "amount": "120.00"})
    assert status == 201
    case_id = case["case_id"]
    one_new_row(world, 0, "case.open", case_id, "440300")
    assert call(world, "440300", f"/cases/{case_id}/status", {"status": "investigating"})[0] == 200
    assert json.loads(one_new_row(world, 1, "case.status", case_id, "440300")["detail"]) == {
        "from": "suspected", "to": "investigating"}
    assert call(world, "440300", f"/cases/{case_id}/money", {"kind": "refund", "amount": "20.50"})[0] == 200
    assert json.loads(one_new_row(world, 2, "case.money", case_id, "440300")["detail"]) == {"kind": "refund", "amount_fen": 2050}
    status, sanction = call(world, "440300", "/sanctions", {
        "subject_type": "institution", "subject_id": INSTITUTION, "kind": "suspend", "begndate": "2026-02-10",
        "enddate": "2026-05-10", "reason": "分解住院", "case_id": case_id})
    assert status == 201
    one_new_row(world, 3, "sanction.add", sanction["sanction_id"], "440300")
    assert call(world, "440300", f"/sanctions/{sanction['sanction_id']}/lift")[0] == 200
    one_new_row(world, 4, "sanction.lift", sanction["sanction_id"], "440300")
    with world["database"].read() as conn:  # the case's own history names the agency too
        assert {r.by for r in conn.execute(select(t.case_events.c.by))} == {"440300"}


def test_refused_actions_write_no_row(world):
    statement, prepay_id = "CS0000000001", world["prepay_id"]
    assert call(world, "440300", f"/clearing/statements/{statement}/pay")[0] == 422  # not confirmed
    assert call(world, OTHER, f"/clearing/statements/{statement}/confirm")[0] == 403  # neither side
    assert call(world, TREATED_PROV, f"/prepayments/{prepay_id}/receive")[0] == 422  # not paid yet
    assert call(world, OTHER, f"/prepayments/{prepay_id}/pay")[0] == 403
    assert call(world, "440300", "/sanctions", {"subject_type": "institution", "subject_id": INSTITUTION, "kind": "suspend",
                                                "begndate": "2026-02-10", "reason": "x"})[0] == 422  # no end date
    assert rows(world) == []


def test_the_row_and_the_change_commit_together(world, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("the action log is unavailable")

    monkeypatch.setattr("yibao.store.action_log.append", broken)
    assert call(world, "440300", "/clearing/statements/CS0000000001/confirm")[0] == 500
    with world["database"].read() as conn:
        statement = conn.execute(select(t.clearing_statements)).mappings().one()
    assert statement["insured_confirmed_at"] is None and statement["status"] == "generated"


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_the_log_is_append_only_in_the_database(backend, request, tmp_path_factory):
    database = Database(new_database_url(backend, request, tmp_path_factory))
    upgrade(database)
    with SqlUnitOfWork(database, SYSTEM, NOW) as uow:
        uow.actions.record("clearing.run", "2026-01", {"statements": 0})
    for statement in ("UPDATE action_log SET actor_party = 'someone else'", "DELETE FROM action_log"):
        with pytest.raises(DatabaseError, match="append-only"):
            with database.write() as conn:
                conn.execute(text(statement))
    with SqlUnitOfWork(database, SYSTEM, NOW, write=False) as uow:
        assert [r["actor_party"] for r in action_log.entries(uow)] == ["yibao"]
    database.dispose()


def test_an_actor_label_and_its_limits():
    assert Actor("agency", "440300", "token:3f2a").label() == "agency:440300/token:3f2a"
    assert Actor("operator", "王五").label() == "operator:王五"
    with pytest.raises(ValueError):
        Actor("root", "x")
    with pytest.raises(ValueError):
        Actor("operator", "")


# --- the CLI: the operator is the actor ---------------------------------------------------

def yibao(world, *args: str, env: dict | None = None):
    environment = {"YIBAO_OPERATOR": None, "YIBAO_NOW": None, "YIBAO_ALLOW_FIXED_NOW": None, **(env or {})}
    return CliRunner().invoke(cli, [*args, "--db", world["url"]], env=environment)


def operator_rows(world) -> list[tuple]:
    return [(r["actor_kind"], r["actor_party"], r["actor_ref"], r["action"], r["subject"]) for r in rows(world)]


def test_cli_money_actions_each_write_one_row_naming_the_operator(world):
    import getpass

    statement, prepay_id = "CS0000000001", world["prepay_id"]
    steps = [
        (("clearing", "confirm", statement, "--side", "insured", "--operator", "王五"), {}, "王五", "clearing.confirm", statement),
        (("clearing", "confirm", statement, "--side", "treatment"), {"YIBAO_OPERATOR": "李四"}, "李四", "clearing.confirm", statement),
        (("clearing", "pay", statement), {}, getpass.getuser(), "clearing.pay", statement),  # the OS user by default
        (("prepay", "pay", prepay_id, "--operator", "王五"), {}, "王五", "prepayment.paid", prepay_id),
        (("prepay", "receive", prepay_id, "--operator", "赵六"), {}, "赵六", "prepayment.received", prepay_id),
        (("prepay", "plan", "--year", "2026", "--operator", "王五"), {}, "王五", "prepayment.plan", "2026"),
        (("clear", "--month", "2026-01", "--operator", "王五"), {}, "王五", "clearing.run", "2026-01"),
    ]
    for number, (args, env, who, action, subject) in enumerate(steps, start=1):
        result = yibao(world, *args, env=env)
        assert result.exit_code == 0, (args, result.output)
        log = operator_rows(world)
        assert len(log) == number and log[-1] == ("operator", who, "", action, subject), args


def test_cli_top_up_and_account_adjust_write_one_row_each(world, tmp_path):
    result = yibao(world, "prepay", "top-up", "--insured", "440300", "--province", TREATED_PROV, "--amount", "300.00",
                   "--year", "2026", "--operator", "王五")
    assert result.exit_code == 0, result.output
    kind, party, _, action, prepay_id = operator_rows(world)[-1]
    assert (kind, party, action) == ("operator", "王五", "prepayment.top_up") and prepay_id in result.output
    person = person_row(1, "100.00")
    import_file(world["database"], "persons", write_csv(tmp_path / "p.csv", [person], PERSON_COLUMNS), now=NOW)
    result = yibao(world, "account", "adjust", person["psn_no"], "-20.50", "--reason", "更正", "--operator", "王五")
    assert result.exit_code == 0, result.output
    assert operator_rows(world)[-1] == ("operator", "王五", "", "account.adjust", person["psn_no"])
    assert json.loads(rows(world)[-1]["detail"])["amount_fen"] == -2050


def test_cli_refused_actions_write_no_row(world):
    for args in (("clearing", "pay", "CS0000000001", "--operator", "王五"),
                 ("prepay", "receive", world["prepay_id"], "--operator", "王五"),
                 ("clearing", "confirm", "CS0000000001", "--side", "nobody", "--operator", "王五")):
        result = yibao(world, *args)
        assert result.exit_code == 2, (args, result.output)
    assert rows(world) == []


def test_a_refusal_answers_the_status_of_its_kind_and_logs_nothing(world):
    """One refusal type, mapped mechanically by its kind (app/errors.py): an unknown statement
    or prepayment is 404, a statement not yet confirmed is 422; none leaves an action-log row."""
    status, body = call(world, "440300", "/clearing/statements/CS0000000000/confirm")
    assert status == 404 and body["code"] == "CLEARING_STATEMENT_NOT_FOUND" and "CS0000000000" in body["detail"]
    status, _ = call(world, "440300", "/prepayments/PP0000000000/pay")
    assert status == 404
    with SqlUnitOfWork(world["database"], SYSTEM, NOW, write=False) as uow:
        assert action_log.entries(uow) == []
