"""A settlement's reads under the persons' lock (``uow.settlements.lock_for_settlement``): on
PostgreSQL one statement (store/repository/settlements.py), on SQLite separate ones; both
answer the same, and on PostgreSQL the one statement answers exactly what the separate
statements answer on the same data."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Date, DateTime, Integer, BigInteger, insert

from yibao.store import tables as t
from yibao.store.repositories.settlements import Repository, lock_for_settlement_separately

NOW = dt.datetime(2026, 11, 20, 9, 0)


def row(table, **values) -> dict:
    """A row with every required column filled with a neutral value, then ``values``."""
    neutral = {Boolean: False, Date: NOW.date(), DateTime: NOW, Integer: 0, BigInteger: 0}
    filled = {}
    for column in table.c:
        if column.nullable or column.autoincrement is True and isinstance(column.type, Integer) and column.primary_key:
            continue
        filled[column.name] = next((value for kind, value in neutral.items() if isinstance(column.type, kind)), "x")
    filled.update(values)
    return filled


def visit(conn, mdtrt_id: str, psn_no: str, begntime: dt.datetime, status: str = "registered") -> None:
    conn.execute(insert(t.visits).values(row(t.visits, mdtrt_id=mdtrt_id, psn_no=psn_no, begntime=begntime, endtime=None,
                                             status=status, kind="outpatient", ipt_otp_no=mdtrt_id, emergency=False)))


def line(conn, mdtrt_id: str, feedetl_sn: str, fen: int, status: str = "uploaded") -> None:
    conn.execute(insert(t.fee_lines).values(row(t.fee_lines, mdtrt_id=mdtrt_id, feedetl_sn=feedetl_sn, init_feedetl_sn="",
                                                cnt="1", pric=f"{fen / 100:.2f}", det_item_fee_sumamt_fen=fen,
                                                fee_ocur_time=NOW.replace(hour=8, minute=int(feedetl_sn)),
                                                status=status)))


def diagnosis(conn, mdtrt_id: str, code: str) -> None:
    conn.execute(insert(t.diagnoses).values(mdtrt_id=mdtrt_id, stage="1", diag_type="1", diag_srt_no="1",
                                            diag_code=code, diag_name=code, maindiag_flag="1"))


def settlement(conn, setl_id: str, mdtrt_id: str, kind: str, reverses: str | None = None, follows: str | None = None) -> None:
    conn.execute(insert(t.settlements).values(row(t.settlements, setl_id=setl_id, mdtrt_id=mdtrt_id, psn_no="P1", kind=kind,
                                                  reverses_setl_id=reverses, follows_reversal_id=follows,
                                                  medins_setl_id=setl_id, detail="{}", trace="[]")))


def world(conn) -> None:
    for psn_no, family in (("P1", "P0"), ("P0", None), ("P2", None)):
        conn.execute(insert(t.persons).values(row(t.persons, psn_no=psn_no, certno=f"C{psn_no}", family_psn_no=family)))
    conn.execute(insert(t.insurances).values(row(t.insurances, psn_no="P1", insutype="310", psn_insu_stas="1")))
    conn.execute(insert(t.deaths).values(certno="CP1", die_date=dt.date(2026, 12, 24), imported_at=NOW))
    visit(conn, "V9", "P1", NOW)  # the visit being settled: settled once, reversed
    for sn, fen in (("0002", 250), ("0001", 1200)):
        line(conn, "V9", sn, fen)
    line(conn, "V9", "0003", 999, status="cancelled")
    diagnosis(conn, "V9", "J06.9")
    settlement(conn, "S1", "V9", "settlement")
    settlement(conn, "R1", "V9", "reversal", reverses="S1")
    visit(conn, "V1", "P1", NOW - dt.timedelta(days=30))  # history: a visit with lines and two diagnoses
    line(conn, "V1", "0001", 300)
    diagnosis(conn, "V1", "I10")
    diagnosis(conn, "V1", "E11.9")
    visit(conn, "V2", "P1", NOW - dt.timedelta(days=3))  # history: no lines, no diagnoses
    visit(conn, "V3", "P1", NOW - dt.timedelta(days=2), status="cancelled")  # not history
    visit(conn, "V4", "P1", NOW - dt.timedelta(days=400))  # before the window
    visit(conn, "V5", "P2", NOW - dt.timedelta(days=1))  # someone else's


def read(conn, fold, history: bool) -> dict:
    return fold(conn, mdtrt_id="V9", psn_no="P1", family_psn_no="P0", insutype="310",
                history_since=(NOW - dt.timedelta(days=365)).date() if history else None)


def test_the_reads_under_the_persons_lock(database):
    with database.write() as conn:
        world(conn)
        repository = Repository(conn, NOW)
        for history in (True, False):
            found = read(conn, lambda c, **kw: repository.lock_for_settlement(**kw), history)
            assert found["person"]["psn_no"] == "P1" and found["person"]["die_date"] == dt.date(2026, 12, 24)
            assert found["insurance"]["insutype"] == "310"
            assert sorted(found["locked"]) == ["P0", "P1"]
            assert [(x["feedetl_sn"], x["det_item_fee_sumamt_fen"]) for x in found["lines"]] == [("0001", 1200), ("0002", 250)]
            assert found["lines"][0]["fee_ocur_time"] == NOW.replace(hour=8, minute=1)
            assert (found["active"], found["follows"]) == (False, "R1")
            if not history:
                assert found["history"] is None
                continue
            visits, diagnoses, lines = found["history"]
            assert [v["mdtrt_id"] for v in visits] == ["V1", "V2"]
            assert visits[0]["begntime"] == NOW - dt.timedelta(days=30) and visits[0]["emergency"] is False
            assert {k: [d["diag_code"] for d in v] for k, v in diagnoses.items()} == {"V9": ["J06.9"], "V1": ["I10", "E11.9"], "V2": []}
            assert {k: [x["feedetl_sn"] for x in v] for k, v in lines.items()} == {"V1": ["0001"], "V2": []}
        if conn.dialect.name == "postgresql":
            for history in (True, False):
                assert read(conn, lambda c, **kw: repository.lock_for_settlement(**kw), history) == read(
                    conn, lock_for_settlement_separately, history)


def test_an_active_settlement_and_a_visit_without_lines(database):
    with database.write() as conn:
        world(conn)
        settlement(conn, "S2", "V9", "settlement", follows="R1")
        visit(conn, "V8", "P1", NOW)
        repository = Repository(conn, NOW)
        found = repository.lock_for_settlement(mdtrt_id="V9", psn_no="P1", family_psn_no=None, insutype="390", history_since=None)
        assert (found["active"], found["follows"], found["insurance"], sorted(found["locked"])) == (True, None, None, ["P1"])
        empty = repository.lock_for_settlement(mdtrt_id="V8", psn_no="P1", family_psn_no="P0", insutype="310", history_since=None)
        assert (empty["lines"], empty["active"], empty["follows"]) == ([], False, None)
        if conn.dialect.name == "postgresql":
            assert empty == lock_for_settlement_separately(conn, mdtrt_id="V8", psn_no="P1", family_psn_no="P0",
                                                           insutype="310", history_since=None)


def test_a_visit_named_by_a_live_manual_claim_is_claimed(database):
    """A visit a manual claim names (not rejected or reversed) is not settled at the counter too."""
    with database.write() as conn:
        world(conn)
        repository = Repository(conn, NOW)

        def claimed(mdtrt_id: str) -> bool:
            found = repository.lock_for_settlement(mdtrt_id=mdtrt_id, psn_no="P1", family_psn_no=None, insutype="310",
                                                   history_since=None)
            if conn.dialect.name == "postgresql":
                assert found == lock_for_settlement_separately(conn, mdtrt_id=mdtrt_id, psn_no="P1", family_psn_no=None,
                                                               insutype="310", history_since=None)
            return found["claimed"]

        assert not claimed("V9")
        for claim_id, mdtrt_id, status in (("C1", "V9", "rejected"), ("C2", "V1", "submitted")):
            conn.execute(insert(t.claims).values(row(t.claims, claim_id=claim_id, mdtrt_id=mdtrt_id, status=status,
                                                     invoice_no=claim_id, psn_no="P1", medfee_sumamt_fen=100)))
        assert not claimed("V9") and claimed("V1")
