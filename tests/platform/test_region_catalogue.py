"""A worker's copy of a region's catalogue (store/repository/caches.py ``RegionCatalogue``)
answers exactly what the catalogue join in SQL answers (``load_catalog_entries``), for any code
and day, on both backends: rows of the region, its city and its province, validity periods,
withdrawn rows (vali_flag 0), price limits and self-pay ratios general or by person type."""

from __future__ import annotations

import datetime as dt

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, insert

from yibao.store import repository as repo
from yibao.store import tables as t
from yibao.store.repository.caches import RegionCatalogue

CHAIN = ["440305", "440300", "440000"]
CODES = ["A1", "B2", "C3"]
YEARS = [dt.date(2024, 1, 1), dt.date(2025, 1, 1), dt.date(2026, 1, 1)]


def periods():
    """Consecutive, non-overlapping validity periods (two rows valid on one day would make
    either answer right), each open-ended or ending before the next begins."""
    return st.lists(st.booleans(), min_size=1, max_size=3).map(
        lambda closes: [(YEARS[i], YEARS[i] + dt.timedelta(days=300) if closed else
                         (YEARS[i + 1] - dt.timedelta(days=1) if i + 1 < len(closes) else None))
                        for i, closed in enumerate(closes)])


row_sets = st.lists(
    st.tuples(st.sampled_from(CODES), st.sampled_from(CHAIN), st.sampled_from(["hilist", "lmtpric", "selfpay", "selfpay_psn"]),
              periods(), st.sampled_from(["1", "1", "0"]), st.sampled_from(["01", "02", "03"]),
              st.integers(min_value=1, max_value=9999)),
    max_size=14,
    unique_by=lambda row: (row[0], row[1], row[2]),
)


def load(conn, rows) -> None:
    for table in (t.hilist, t.lmtpric, t.selfpay):
        conn.execute(delete(table))
    for code, region, kind, spans, vali_flag, level, number in rows:
        for begndate, enddate in spans:
            common = {"hilist_code": code, "insu_admdvs": region, "begndate": begndate, "enddate": enddate, "vali_flag": vali_flag}
            if kind == "hilist":
                conn.execute(insert(t.hilist).values({**common, "hilist_name": f"{code}@{region}", "chrgitm_lv": level}))
            elif kind == "lmtpric":
                conn.execute(insert(t.lmtpric).values({**common, "hilist_pric_uplmt_amt": f"{number}.50"}))
            else:
                psn_type = "1101" if kind == "selfpay_psn" else ""
                conn.execute(insert(t.selfpay).values({**common, "selfpay_prop": f"0.{number:04d}", "selfpay_prop_psn_type": psn_type}))


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=row_sets, days=st.lists(st.dates(dt.date(2023, 12, 1), dt.date(2027, 3, 1)), min_size=1, max_size=4))
def test_the_region_copy_answers_what_the_join_answers(database, rows, days):
    with database.write() as conn:
        load(conn, rows)
        region = RegionCatalogue.load(conn, CHAIN[0])
        for day in days:
            assert region.entries(CODES, day) == repo.load_catalog_entries(conn, CHAIN[0], CODES, day)


def test_an_import_is_seen_at_the_next_request(database):
    """The copy is kept per catalogue version: a new row after an import (which bumps the
    version) is answered by the next lookup, the old copy is not used."""
    day = dt.date(2026, 11, 2)
    with database.write() as conn:
        load(conn, [("A1", "440300", "hilist", [(YEARS[0], None)], "1", "01", 1)])
        repo.bump_catalogue_version(conn)
    with database.read() as conn:
        assert repo.catalog_entries(conn, "440305", ["A1", "B2"], day)["A1"].chrgitm_lv == "01"
        assert "B2" not in repo.catalog_entries(conn, "440305", ["A1", "B2"], day)
    with database.write() as conn:
        conn.execute(insert(t.hilist).values(hilist_code="B2", insu_admdvs="440000", begndate=YEARS[0],
                                             hilist_name="B2", chrgitm_lv="02", vali_flag="1"))
        repo.bump_catalogue_version(conn)
    with database.read() as conn:
        assert repo.catalog_entries(conn, "440305", ["A1", "B2"], day)["B2"].chrgitm_lv == "02"
