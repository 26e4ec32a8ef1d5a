"""Knowledge and registry files: the data-formats.md shapes load; a bad cell is named by
file, row and column."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from yibao.domain.audit import KnowledgeBase, KnowledgeError, Restriction, load_deaths, load_table

RESTRICTIONS_HEADER = ("hilist_code,insu_admdvs,begndate,enddate,gend,age_min,age_max,medins_lv_min,"
                       "med_types,dise_codes,max_cnt_per_day,max_days\n")


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_restrictions_csv_in_the_data_formats_shape(tmp_path):
    path = write(tmp_path, "restrictions.csv", RESTRICTIONS_HEADER
                 + "XA10BAA0001,500000,2024-01-01,,2,,,,,,,\n"
                 + "XC01AAA0002,500100,2024-01-01,2024-12-31,,0,14,2,21;24,E11;E10,3,7\n")
    first, second = load_table("restrictions", path)
    assert first == Restriction("XA10BAA0001", "500000", dt.date(2024, 1, 1), gend="2")
    assert second == Restriction("XC01AAA0002", "500100", dt.date(2024, 1, 1), dt.date(2024, 12, 31), None, 0, 14, 2,
                                 ("21", "24"), ("E11", "E10"), Decimal("3"), 7)


@pytest.mark.parametrize("row, column, message", [
    ("X1,500000,2024-01-01,,M,,,,,,,", "gend", "must be 1 (male) or 2 (female)"),
    ("X1,5000,2024-01-01,,,,,,,,,", "insu_admdvs", "must be a 6-digit admdvs"),
    ("X1,500000,2024/01/01,,,,,,,,,", "begndate", "must be a date yyyy-MM-dd"),
    (",500000,2024-01-01,,,,,,,,,", "hilist_code", "required column is missing or empty"),
    ("X1,500000,2024-01-01,,,60,14,,,,,", "age_max", "must not be below age_min"),
    ("X1,500000,2024-01-01,,,,,4,,,,", "medins_lv_min", "must be a hospital level 0-3"),
    ("X1,500000,2024-01-01,,,,,,,E1%,,", "dise_codes", "code 'E1%' may hold only letters, digits, '.' and '-'"),
    ("X1,500000,2024-01-01,,,,,,,,-1,", "max_cnt_per_day", "must be a positive number"),
    ("X1,500000,2024-01-01,,,,,,,,,0", "max_days", "must be a whole number ≥ 1"),
    ("X1,500000,2024-06-01,2024-01-01,,,,,,,,", "enddate", "must not be before begndate"),
])
def test_a_bad_restriction_cell_is_named(tmp_path, row, column, message):
    path = write(tmp_path, "r.csv", RESTRICTIONS_HEADER + "X0,500000,2024-01-01,,,,,,,,,\n" + row + "\n")
    with pytest.raises(KnowledgeError) as error:
        load_table("restrictions", path)
    assert str(error.value) == f"{path}: row 2, column {column}: {message}"


def test_own_formats_and_json(tmp_path):
    knowledge = KnowledgeBase.load(
        bundles=write(tmp_path, "bundles.csv", "package_code,hilist_code,insu_admdvs,begndate,enddate\nPKG1,ITM1,500000,2024-01-01,\n"),
        exclusive_pairs=write(tmp_path, "excl.csv", "hilist_code,excl_hilist_code,insu_admdvs,begndate\nEX2,EX1,500000,2024-01-01\n"),
        frequency_limits=write(tmp_path, "freq.json",
                               '[{"hilist_code": "CT01", "max_cnt": 2, "period_days": 30, "insu_admdvs": "500000", "begndate": "2024-01-01"}]'),
        price_ceilings=write(tmp_path, "lmtpric.csv",
                             "hilist_code,insu_admdvs,begndate,enddate,hilist_pric_uplmt_amt,hilist_lmtpric_type,overlmt_dspo_way,vali_flag\n"
                             "P001,500000,2024-01-01,,12.00,1,1,1\nP002,500000,2024-01-01,,9.00,1,1,0\n"),
    )
    assert [(b.package_code, b.hilist_code) for b in knowledge.bundles] == [("PKG1", "ITM1")]
    assert [(e.hilist_code, e.excl_hilist_code) for e in knowledge.exclusive_pairs] == [("EX2", "EX1")]
    assert [(f.max_cnt, f.period_days) for f in knowledge.frequency_limits] == [(Decimal(2), 30)]
    assert [p.hilist_code for p in knowledge.price_ceilings] == ["P001"]  # vali_flag 0 is withdrawn
    assert knowledge.price_ceiling("P001", "500155", dt.date(2024, 3, 1)) == Decimal("12.00")
    assert knowledge.price_ceiling("P001", "510100", dt.date(2024, 3, 1)) is None


def test_deaths_file(tmp_path):
    path = write(tmp_path, "deaths.csv", "certno,die_date\n500155198001010011,2024-02-29\n")
    assert load_deaths(path) == {"500155198001010011": dt.date(2024, 2, 29)}
    bad = write(tmp_path, "deaths2.csv", "certno,die_date\n500155198001010011,\n")
    with pytest.raises(KnowledgeError, match=r"deaths2.csv: row 1, column die_date: required"):
        load_deaths(bad)


def test_file_level_errors(tmp_path):
    with pytest.raises(KnowledgeError, match="file not found"):
        load_table("bundles", tmp_path / "missing.csv")
    with pytest.raises(KnowledgeError, match="empty file"):
        load_table("bundles", write(tmp_path, "empty.csv", ""))
    with pytest.raises(KnowledgeError, match="array of objects"):
        load_table("bundles", write(tmp_path, "b.json", '{"package_code": "PKG1"}'))
    with pytest.raises(KnowledgeError, match=r"b2.json: row 1: must be an object"):
        load_table("bundles", write(tmp_path, "b2.json", '["PKG1"]'))
    with pytest.raises(KnowledgeError, match="unknown knowledge table"):
        KnowledgeBase.load(drugs=tmp_path / "x.csv")
