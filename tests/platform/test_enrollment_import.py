"""The persons import's optional columns enroll_date and benefit_begndate (data-formats.md), on
both backends: stated dates reach the insurance the settlement path checks; a person without
them is entitled as before; a re-import without the columns keeps the dates."""

from __future__ import annotations

import datetime as dt

import pytest

from yibao.app.importing import ImportError_, import_file
from yibao.sim.idnumbers import make_certno
from yibao.store import repository as repo

from .golden_world import write_csv

NOW = dt.datetime(2026, 3, 10, 9, 0)


def person(psn_no: str, n: int, **extra) -> dict:
    return dict({"psn_no": psn_no, "certno": make_certno("510100", dt.date(1990, 1, n), n, True), "psn_name": "某",
                 "gend": "1", "brdy": f"1990-01-{n:02d}", "insutype": "390", "psn_type": "1501",
                 "insuplc_admdvs": "510100"}, **extra)


def insurance(database, psn_no):
    with database.engine.connect() as conn:
        return repo.insurances_of(conn, psn_no)[0]


def test_the_optional_dates_reach_the_insurance_and_survive_a_reimport_without_them(database, tmp_path):
    rows = [person("A1", 1, enroll_date="2026-03-01", benefit_begndate="2026-06-01"),
            person("A2", 2, enroll_date="2026-03-01", benefit_begndate=""),
            person("A3", 3, enroll_date="", benefit_begndate="")]
    import_file(database, "persons", write_csv(tmp_path / "p.csv", rows), now=NOW)
    dates = {p: (insurance(database, p)["enroll_date"], insurance(database, p)["benefit_begndate"]) for p in ("A1", "A2", "A3")}
    assert dates == {"A1": (dt.date(2026, 3, 1), dt.date(2026, 6, 1)), "A2": (dt.date(2026, 3, 1), dt.date(2026, 3, 1)),
                     "A3": (None, None)}
    import_file(database, "persons", write_csv(tmp_path / "q.csv", [person("A1", 1)]), now=NOW)
    assert insurance(database, "A1")["benefit_begndate"] == dt.date(2026, 6, 1)


def test_benefits_before_enrollment_are_refused_by_row_and_column(database, tmp_path):
    rows = [person("B1", 4, enroll_date="2026-03-01", benefit_begndate="2026-02-01")]
    with pytest.raises(ImportError_) as refused:
        import_file(database, "persons", write_csv(tmp_path / "p.csv", rows), now=NOW)
    assert "row 1" in str(refused.value) and "benefit_begndate is before enroll_date" in str(refused.value)


def test_a_reimport_never_changes_an_insurance_that_enrollment_records_manage(database, tmp_path):
    """After an end recorded through app/enrollment.py, the old file re-imported (same region,
    status active) leaves the ended insurance as the records made it, and says so; a person
    without records is still updated by the file."""
    from yibao.app import actors, enrollment
    from yibao.store.unit_of_work import SqlUnitOfWork

    import_file(database, "persons", write_csv(tmp_path / "p.csv", [person("C1", 5), person("C2", 6)]), now=NOW)
    with SqlUnitOfWork(database, actors.SYSTEM, NOW) as uow:
        enrollment.change_state(uow, "C1", "390", "end", dt.date(2026, 3, 31), reason="迁出")
    ended = insurance(database, "C1")
    again = import_file(database, "persons", write_csv(tmp_path / "q.csv", [person("C1", 5, psn_type="1502"),
                                                                           person("C2", 6, psn_type="1502")]), now=NOW)
    assert again.insurances_kept == 1
    assert insurance(database, "C1") == ended and ended["insu_enddate"] == dt.date(2026, 3, 31)
    assert insurance(database, "C2")["psn_type"] == "1502"
