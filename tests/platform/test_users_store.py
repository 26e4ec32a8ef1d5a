"""Users in the database (store/repositories/users.py, migration 0023) on SQLite and PostgreSQL:
the same requests accepted and refused, the constraints behind the use cases' checks."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError

from yibao.app import agencies, passwords, users
from yibao.app.actors import operator
from yibao.app.errors import GatewayError
from yibao.store import tables as t
from yibao.store.unit_of_work import SqlUnitOfWork

NOW = dt.datetime(2026, 12, 1, 9, 0)
PASSWORD = "stored-password-1"


@pytest.fixture(autouse=True)
def cheap_scrypt(monkeypatch):
    monkeypatch.setattr(passwords, "N", 2 ** 8)


def unit(database):
    return SqlUnitOfWork(database, operator("王五"), NOW)


@pytest.fixture
def agency(database):
    with unit(database) as uow:
        agencies.add_agency(uow, "441500", "汕尾市医疗保障事务中心", "agency-token")
    return database


def test_a_user_round_trips_and_signs_in_with_its_token_and_password(agency):
    with unit(agency) as uow:
        added = users.add_user(uow, "441500", "zhang", ["auditor", "clerk"], PASSWORD, "张三")
        token = users.issue_token(uow, "441500", "zhang")
    with unit(agency) as uow:
        assert users.list_users(uow, "441500") == [{**added, "created_at": NOW}]
        assert users.sign_in(uow, "441500", "zhang", PASSWORD)["roles"] == ["auditor", "clerk"]
        assert users.token_principal(uow, "441500", token)["actor_ref"].startswith("user:zhang/token:K")
    with agency.read() as conn:
        actions = conn.execute(select(t.action_log.c.action, t.action_log.c.actor_party)
                               .order_by(t.action_log.c.action_id)).all()
    assert [tuple(a) for a in actions] == [("user.add", "王五"), ("user.token", "王五")]


def test_a_second_user_of_a_name_is_refused_and_the_constraint_backs_it(agency):
    with unit(agency) as uow:
        users.add_user(uow, "441500", "zhang", "clerk", PASSWORD)
    with pytest.raises(GatewayError) as refused, unit(agency) as uow:
        users.add_user(uow, "441500", "zhang", "auditor", PASSWORD)
    assert refused.value.code == "USER_EXISTS"
    row = dict(user_id="U99999999999", agency_code="441500", username="zhang", roles="clerk", password_hash="x",
               created_at=NOW, created_by="test")
    with pytest.raises(IntegrityError), agency.write() as conn:
        conn.execute(insert(t.agency_users).values(**row))


@pytest.mark.parametrize("values", [
    dict(agency_code="110000", username="nobody", roles="clerk"),  # no such agency (foreign key)
    dict(agency_code="441500", username="empty", roles=""),  # no role
])
def test_the_database_refuses_a_user_without_agency_or_roles(agency, values):
    row = dict(user_id="U99999999998", password_hash="x", created_at=NOW, created_by="test", **values)
    with pytest.raises(IntegrityError), agency.write() as conn:
        conn.execute(insert(t.agency_users).values(**row))


def test_disabling_ends_sign_in_and_tokens_and_is_recorded(agency):
    with unit(agency) as uow:
        users.add_user(uow, "441500", "li", ["accountant"], PASSWORD)
        token = users.issue_token(uow, "441500", "li")
    with unit(agency) as uow:
        disabled = users.disable_user(uow, "441500", "li")
    assert disabled["disabled_at"] == NOW and disabled["disabled_by"] == "operator:王五"
    with unit(agency) as uow:
        assert users.sign_in(uow, "441500", "li", PASSWORD) is None
        assert users.token_principal(uow, "441500", token) is None
    with pytest.raises(GatewayError) as refused, unit(agency) as uow:
        users.disable_user(uow, "441500", "li")
    assert refused.value.code == "USER_DISABLED"
