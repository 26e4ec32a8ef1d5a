"""A persons file streamed in batches (app/streaming_import.py) on both backends: still all or
nothing when the bad row comes after batches were written, a key repeated across batches is
refused, a family owner later in the file is found, opening balances are written in bulk
with their ledger entries, and the reader is lazy (the file is never read whole)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from yibao.app import streaming_import
from yibao.app.importing import ImportError_, import_file
from yibao.sim.idnumbers import make_certno
from yibao.store import tables as t
from yibao.store.repository.accounts import account_balances
from yibao.store.repositories import ledger

NOW = dt.datetime(2026, 12, 1, 9, 0)
HEADER = "psn_no,certno,psn_name,gend,brdy,insutype,psn_type,insuplc_admdvs,acct_balance,family_psn_no\n"


def person(number: int, *, balance: str = "", owner: str = "", certno: str | None = None) -> str:
    born = dt.date(1960, 1, 1) + dt.timedelta(days=number % 9000)
    certno = certno or make_certno("440300", born, number // 9000, True)
    return f"P{number:07d},{certno},参保人{number},1,{born},310,11,440300,{balance},{owner}\n"


def counts(database) -> tuple[int, int, int]:
    with database.read() as conn:
        return tuple(conn.execute(select(func.count()).select_from(table)).scalar_one()
                     for table in (t.persons, t.insurances, t.account_entries))


@pytest.fixture(autouse=True)
def small_batches(monkeypatch):
    monkeypatch.setattr(streaming_import, "BATCH_ROWS", 50)


def test_a_file_of_many_batches_is_written_with_openings_and_a_later_owner(database, tmp_path):
    lines = [person(n, balance="12.34" if n % 10 == 0 else "", owner="P0000199" if n == 3 else "") for n in range(1, 201)]
    path = tmp_path / "persons.csv"
    path.write_text(HEADER + "".join(lines), encoding="utf-8")
    result = import_file(database, "persons", path, now=NOW)
    assert (result.rows, result.written, result.openings) == (200, 200, 20)
    assert counts(database) == (200, 200, 20)
    with database.read() as conn:
        assert account_balances(conn, ["P0000010", "P0000011"]) == {"P0000010": Decimal("12.34")}
        assert conn.execute(select(t.persons.c.family_psn_no).where(t.persons.c.psn_no == "P0000003")).scalar_one() == "P0000199"
        assert ledger.check_ledger(conn) == []
        assert conn.execute(select(func.count()).select_from(t.ledger_entries)).scalar_one() == 20
    again = import_file(database, "persons", path, now=NOW + dt.timedelta(days=1))  # every row an update
    assert (again.rows, again.openings, again.balances_ignored) == (200, 0, 0) and counts(database) == (200, 200, 20)


@pytest.mark.parametrize("bad, message", [
    (person(170, certno="440300196001010000"), "row 170, column certno"),
    (person(5), "row 170, column psn_no: 键重复"),
    (person(170, owner="P9999999"), "row 170, column family_psn_no: unknown person P9999999"),
])
def test_a_bad_row_after_written_batches_rolls_back_the_whole_file(database, tmp_path, bad, message):
    lines = [person(n, balance="5.00") for n in range(1, 170)] + [bad] + [person(n) for n in range(171, 181)]
    path = tmp_path / "persons.csv"
    path.write_text(HEADER + "".join(lines), encoding="utf-8")
    with pytest.raises(ImportError_, match=message):
        import_file(database, "persons", path, now=NOW)
    assert counts(database) == (0, 0, 0)
    with database.read() as conn:
        assert conn.execute(select(func.count()).select_from(t.ledger_entries)).scalar_one() == 0


def test_the_reader_is_lazy(tmp_path):
    path = tmp_path / "persons.csv"
    rows = "".join(person(n) for n in range(1, 3001))  # ~250 kB before the broken tail
    path.write_bytes((HEADER + rows).encode("utf-8") + b"\xff\xfe broken\n")
    reader = streaming_import.iter_csv_rows(path)
    assert next(reader)["psn_no"] == "P0000001"  # read without decoding the whole file
    with pytest.raises(ImportError_, match="cannot read"):
        for _ in reader:
            pass
