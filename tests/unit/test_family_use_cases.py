"""亲情账户 bindings over a fake unit of work: relations, who may bind, the policy's limit,
dated unbinding records, the import's links."""

from __future__ import annotations

import datetime as dt

import pytest

from yibao.app import actors, family

from ..refusals import refused
from .fake_family import FakeFamily
from .fakes import FakeUnitOfWork

NOW = dt.datetime(2026, 12, 1, 10, 0)


def insured(uow, psn_no, insutype, admdvs="510100", status="1"):
    uow.persons.rows[psn_no] = {"psn_no": psn_no}
    uow.persons.insurance_rows.setdefault(psn_no, []).append(
        {"psn_no": psn_no, "insutype": insutype, "insuplc_admdvs": admdvs, "psn_insu_stas": status})


@pytest.fixture
def uow():
    unit = FakeUnitOfWork(actors.operator("王五"), NOW)
    unit.family = FakeFamily(unit.persons)
    insured(unit, "EMP", "310")
    for psn_no in ("KID", "MUM", "GRANNY"):
        insured(unit, psn_no, "390")
    return unit


def test_an_employee_binds_a_child_and_the_binding_is_dated_and_logged(uow):
    with uow:
        row = family.bind(uow, "EMP", "KID", "child")
    assert (row["binding_id"], row["begndate"], row["actor"]) == (1, NOW.date(), "operator:王五")
    assert uow.family.locked == [["EMP", "KID"]]
    assert uow.actions.rows[-1][1:] == ("family.bind", "KID", {"binding_id": 1, "owner": "EMP", "relation": "child"})
    assert [b["relative_psn_no"] for b in family.listing(uow, "EMP")] == ["KID"]


def test_relations_outside_close_relatives_and_self_are_refused(uow):
    with refused("FAMILY_BAD_RELATION"):
        family.bind(uow, "EMP", "KID", "cousin")
    with refused("FAMILY_SELF"):
        family.bind(uow, "EMP", "EMP", "spouse")


def test_only_an_insured_employee_shares_and_only_with_an_insured_relative(uow):
    with refused("FAMILY_OWNER_NOT_EMPLOYEE"):
        family.bind(uow, "KID", "MUM", "parent")
    insured(uow, "UNINSURED", "390", status="2")
    with refused("FAMILY_RELATIVE_NOT_INSURED"):
        family.bind(uow, "EMP", "UNINSURED", "sibling")
    with refused("FAMILY_PERSON_NOT_FOUND"):
        family.bind(uow, "EMP", "NOBODY", "sibling")


def test_the_policy_limits_the_number_of_relatives(uow):
    uow.family.policies["510100"] = {"family_account": {"max_relatives": 2}}
    family.bind(uow, "EMP", "KID", "child")
    family.bind(uow, "EMP", "MUM", "parent")
    with refused("FAMILY_TOO_MANY"):
        family.bind(uow, "EMP", "GRANNY", "parent")
    assert family.max_relatives(uow, "440300") == family.DEFAULT_MAX_RELATIVES


def test_unbinding_is_a_new_record_and_a_second_is_refused_and_rebinding_is_allowed(uow):
    first = family.bind(uow, "EMP", "KID", "child")
    with refused("FAMILY_ALREADY_BOUND"):
        family.bind(uow, "EMP", "KID", "child")
    ended = family.unbind(uow, first["binding_id"])
    assert (ended["kind"], ended["unbinds"]) == ("unbind", first["binding_id"])
    assert len(uow.family.rows) == 2 and uow.family.rows[0]["kind"] == "bind"  # nothing rewritten
    with refused("FAMILY_ALREADY_UNBOUND"):
        family.unbind(uow, first["binding_id"])
    assert family.listing(uow, "KID") == []
    assert [b["ended_by"] for b in family.listing(uow, "KID", include_ended=True)] == [ended["binding_id"]]
    assert family.bind(uow, "EMP", "KID", "child")["binding_id"] == 3


def test_many_to_many(uow):
    insured(uow, "EMP2", "310")
    family.bind(uow, "EMP", "KID", "child")
    family.bind(uow, "EMP2", "KID", "child")
    family.bind(uow, "EMP", "MUM", "parent")
    assert [b["owner_psn_no"] for b in family.listing(uow, "KID")] == ["EMP", "EMP2"]
    assert [b["relative_psn_no"] for b in uow.family.live(owners=["EMP"])] == ["KID", "MUM"]


def test_the_import_link_adds_one_binding_and_a_reimport_never_removes_one(uow):
    assert family.import_links(uow, [("EMP", "KID")], actor="import:persons.csv") == 1
    assert family.import_links(uow, [("EMP", "KID")], actor="import:persons.csv") == 0
    insured(uow, "EMP2", "310")
    assert family.import_links(uow, [("EMP2", "KID")], actor="import:persons.csv") == 1  # a changed link adds
    assert [(b["owner_psn_no"], b["relation"]) for b in family.listing(uow, "KID")] == [
        ("EMP", "unstated"), ("EMP2", "unstated")]
