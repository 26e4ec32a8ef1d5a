"""Family bindings and maternity records on both backends: migration 0021 turns the import's
family links into bindings; the live binders ride on the visit's and the persons' lock
statements (the PostgreSQL one-statement read answers what the separate statements answer),
in binding order, without ended bindings; the constraints refuse what the use cases refuse
(a binding ended twice, an unknown relation, a second allowance of one delivery, an edited
record)."""

from __future__ import annotations


import pytest
from sqlalchemy import insert, text, update
from sqlalchemy.exc import DatabaseError, IntegrityError

from yibao.app import actors, family
from yibao.store import repository as repo
from yibao.store import tables as t
from yibao.store.database import Database
from yibao.store.migrate import upgrade
from yibao.store.repositories.settlements import Repository, lock_for_settlement_separately
from yibao.store.unit_of_work import SqlUnitOfWork

from .conftest import new_database_url
from .test_lock_for_settlement import NOW, row, visit


def people(conn, links: dict[str, str | None]) -> None:
    for psn_no, link in links.items():
        conn.execute(insert(t.persons).values(row(t.persons, psn_no=psn_no, certno=f"C{psn_no}", family_psn_no=link)))
        conn.execute(insert(t.insurances).values(row(t.insurances, psn_no=psn_no, insutype="310", psn_insu_stas="1",
                                                     insuplc_admdvs="441500")))


def bind(conn, owner: str, relative: str, *, unbinds: int | None = None) -> int:
    values = dict(kind="unbind" if unbinds else "bind", owner_psn_no=owner, relative_psn_no=relative, relation="child",
                  unbinds=unbinds, source="admin", actor="test", recorded_at=NOW)
    return conn.execute(insert(t.family_bindings).values(**values).returning(t.family_bindings.c.binding_id)).scalar_one()


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_migration_0021_turns_each_family_link_into_one_binding(kind, request, tmp_path_factory):
    database = Database(new_database_url(kind, request, tmp_path_factory))
    upgrade(database, "0016")
    with database.write() as conn:
        for psn_no, link in (("P0", None), ("P1", "P0"), ("P2", "P0"), ("P3", "P3")):
            conn.execute(text("INSERT INTO persons (psn_no, psn_cert_type, certno, psn_name, gend, brdy, card_no, "
                              "family_psn_no) VALUES (:p, '01', :c, 'x', '1', '1990-01-01', '', :f)"),
                         {"p": psn_no, "c": f"C{psn_no}", "f": link})
    upgrade(database)
    with database.read() as conn:
        rows = conn.execute(text("SELECT owner_psn_no, relative_psn_no, relation, kind FROM family_bindings "
                                 "ORDER BY binding_id")).all()
        assert [tuple(r) for r in rows] == [("P0", "P1", "unstated", "bind"), ("P0", "P2", "unstated", "bind")]
        assert repo.person_with_binders(conn, "P1")["family_binders"] == "P0"
    database.dispose()


def test_the_binders_ride_on_the_lock_statements_in_binding_order(database):
    with database.write() as conn:
        people(conn, {"P1": None, "P5": None, "P3": None, "P9": None})
        visit(conn, "V1", "P1", NOW)
        bind(conn, "P5", "P1")
        ended = bind(conn, "P9", "P1")
        bind(conn, "P3", "P1")
        bind(conn, "P9", "P1", unbinds=ended)
        _, link = repo.lock_visit_and_family_link(conn, "V1")
        assert link == "P5,P3"  # bound first pays first, whatever the psn_no order; P9 was unbound
        person, _, locked = repo.lock_settling_persons(conn, "P1", link, "310")
        assert person["family_binders"] == link and sorted(locked) == ["P1", "P3", "P5"]
        found = Repository(conn, NOW).lock_for_settlement(mdtrt_id="V1", psn_no="P1", family_psn_no=link,
                                                          insutype="310", history_since=None)
        assert found["person"]["family_binders"] == link and sorted(found["locked"]) == ["P1", "P3", "P5"]
        if conn.dialect.name == "postgresql":
            assert found == lock_for_settlement_separately(conn, mdtrt_id="V1", psn_no="P1", family_psn_no=link,
                                                           insutype="310", history_since=None)
        assert repo.person_with_binders(conn, "P5")["family_binders"] is None


def test_use_cases_over_the_sql_repository(database):
    with database.write() as conn:
        people(conn, {"E1": None, "E2": None, "R1": None})

    def run(action):
        with SqlUnitOfWork(database, actors.operator("王五"), NOW) as uow:
            return action(uow)

    first = run(lambda uow: family.bind(uow, "E1", "R1", "spouse"))
    run(lambda uow: family.bind(uow, "E2", "R1", "sibling"))
    run(lambda uow: family.unbind(uow, first["binding_id"]))
    listed = run(lambda uow: family.listing(uow, "R1", include_ended=True))
    assert [(b["owner_psn_no"], b["relation"], b["ended_by"] is not None) for b in listed] == [
        ("E1", "spouse", True), ("E2", "sibling", False)]
    assert run(lambda uow: family.import_links(uow, [("E2", "R1"), ("E1", "R1")], actor="import:x")) == 1
    assert [b["owner_psn_no"] for b in run(lambda uow: family.listing(uow, "R1"))] == ["E2", "E1"]


def test_the_constraints_refuse_a_second_end_an_unknown_relation_and_edits(database):
    with database.write() as conn:
        people(conn, {"E1": None, "R1": None})
        binding = bind(conn, "E1", "R1")
        bind(conn, "E1", "R1", unbinds=binding)
    bad = [dict(kind="unbind", owner_psn_no="E1", relative_psn_no="R1", relation="child", unbinds=binding),
           dict(kind="bind", owner_psn_no="E1", relative_psn_no="R1", relation="cousin", unbinds=None),
           dict(kind="bind", owner_psn_no="E1", relative_psn_no="E1", relation="child", unbinds=None),
           dict(kind="unbind", owner_psn_no="E1", relative_psn_no="R1", relation="child", unbinds=None)]
    for values in bad:
        with pytest.raises(IntegrityError):
            with database.write() as conn:
                conn.execute(insert(t.family_bindings).values(**values, source="admin", actor="x", recorded_at=NOW))
    allowance = dict(allowance_id="MA1", psn_no="R1", insuplc_admdvs="441500", policy_id=1, delivery_date=NOW.date(),
                     delivery_type="natural", days=178, avg_monthly_wage_fen=900000, amount_fen=5340000, actor="x",
                     recorded_at=NOW)
    with database.write() as conn:
        conn.execute(insert(t.maternity_allowances).values(**allowance))
    with pytest.raises(IntegrityError):
        with database.write() as conn:
            conn.execute(insert(t.maternity_allowances).values(**dict(allowance, allowance_id="MA2")))
    for statement in (update(t.family_bindings).values(relation="spouse"), t.family_bindings.delete(),
                      update(t.maternity_allowances).values(amount_fen=1), t.maternity_allowances.delete()):
        with pytest.raises(DatabaseError):
            with database.write() as conn:
                conn.execute(statement)
