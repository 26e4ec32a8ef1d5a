"""Exchanged files, catalogue downloads, list mappings and code-list imports against in-memory
repositories (milliseconds)."""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile
from pathlib import Path

import pytest

from yibao.app import actors, catalogue_downloads, code_lists, exchange_files, importing, list_mapping
from yibao.app.errors import GatewayError

from .fake_files import FakeCatalogue, FakeCodeLists, FakeExchangeFiles, FakeListMappings
from .fake_registry import FakeImports
from .fakes import FakeUnitOfWork

NOW = dt.datetime(2026, 12, 1, 9, 0)
HOSPITAL = "H44030000001"


def unit(msgid: str = "M1", now: dt.datetime = NOW) -> FakeUnitOfWork:
    uow = FakeUnitOfWork(actors.institution(HOSPITAL, msgid), now)
    uow.exchange_files = FakeExchangeFiles(now=now)
    uow.list_mappings = FakeListMappings(catalogue={"440300": {"XA01ABD075A002010100483", "001102000010000"}}, now=now)
    uow.code_lists = FakeCodeLists(now=now)
    uow.catalogue_downloads = FakeCatalogue()
    uow.imports = FakeImports(uow.accounts)
    return uow


def as_of(uow: FakeUnitOfWork, msgid: str, now: dt.datetime = NOW) -> FakeUnitOfWork:
    """The same repositories, another request."""
    uow.actor, uow.now = actors.institution(HOSPITAL, msgid), now
    uow.exchange_files.now = now
    return uow


# --- 9101 / 9102 ------------------------------------------------------------------------------------

def test_a_file_is_stored_for_its_institution_with_its_expiry_and_fetched_once():
    uow = unit()
    row = exchange_files.store_file(uow, fixmedins_code=HOSPITAL, filename="C:\\his\\mx.txt", content=b"abc",
                                    origin="9101", ttl=dt.timedelta(hours=2))
    assert (row["filename"], row["size"], row["expires_at"], row["created_msgid"]) == \
        ("mx.txt", 3, NOW + dt.timedelta(hours=2), "M1")
    assert len(row["file_qury_no"]) == 30 and row["file_qury_no"].startswith("FQ20261201090000")
    taken = exchange_files.take_for_download(as_of(uow, "M2"), row["file_qury_no"], HOSPITAL)
    assert taken["downloaded_msgid"] == "M2" and uow.exchange_files.locked == [row["file_qury_no"]]
    assert exchange_files.content_for(uow, row["file_qury_no"], HOSPITAL, "M2") == b"abc"
    with pytest.raises(GatewayError) as refused:
        exchange_files.take_for_download(as_of(uow, "M3"), row["file_qury_no"], HOSPITAL)
    assert refused.value.code == "FILE_ALREADY_DOWNLOADED" and "只能下载一次" in refused.value.message
    with pytest.raises(GatewayError) as refused:  # only the msgid that took it is served its bytes
        exchange_files.content_for(uow, row["file_qury_no"], HOSPITAL, "M3")
    assert refused.value.code == "FILE_NOT_FOUND"


def test_an_expired_file_is_refused_and_its_content_can_be_purged():
    uow = unit()
    row = exchange_files.store_file(uow, fixmedins_code=HOSPITAL, filename="a.zip", content=b"zip", origin="1301",
                                    ttl=dt.timedelta(hours=24))
    later = as_of(uow, "M2", NOW + dt.timedelta(hours=24))
    with pytest.raises(GatewayError) as refused:
        exchange_files.take_for_download(later, row["file_qury_no"], HOSPITAL)
    assert refused.value.code == "FILE_EXPIRED" and "2026-12-02 09:00:00" in refused.value.message
    assert uow.exchange_files.rows[row["file_qury_no"]]["downloaded_at"] is None
    assert exchange_files.purge_expired(later) == 1 and exchange_files.purge_expired(later) == 0
    assert uow.exchange_files.rows[row["file_qury_no"]]["content"] == b""


def test_another_institutions_file_is_not_found_and_an_empty_file_or_a_path_is_refused():
    uow = unit()
    row = exchange_files.store_file(uow, fixmedins_code="H44030000002", filename="x", content=b"1", origin="9101")
    with pytest.raises(GatewayError) as refused:
        exchange_files.take_for_download(uow, row["file_qury_no"], HOSPITAL)
    assert refused.value.code == "FILE_NOT_FOUND" and refused.value.kind == "not_found"
    with pytest.raises(GatewayError) as refused:
        exchange_files.store_file(uow, fixmedins_code=HOSPITAL, filename="x", content=b"", origin="9101")
    assert refused.value.code == "FILE_EMPTY"
    with pytest.raises(GatewayError) as refused:
        exchange_files.store_file(uow, fixmedins_code=HOSPITAL, filename="../", content=b"1", origin="9101")
    assert refused.value.code == "FILE_BAD_NAME"
    assert len(uow.exchange_files.rows) == 1


# --- 13xx downloads ---------------------------------------------------------------------------------

def hilist_row(code, region, ver, **extra):
    return dict(hilist_code=code, hilist_name=f"项目{code}", insu_admdvs=region, list_type="201", med_chrgitm_type="05",
                chrgitm_lv="01", lmt_used_flag="0", begndate=dt.date(2026, 1, 1), enddate=None, vali_flag="1", ver=ver,
                **extra)


def unzip(uow, file_qury_no) -> list[list[str]]:
    content = uow.exchange_files.rows[file_qury_no]["content"]
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        (name,) = archive.namelist()
        return [line.split("\t") for line in archive.read(name).decode("utf-8").splitlines()]


def test_a_download_answers_the_regions_rows_after_the_hiss_version_as_a_zip():
    uow = unit()
    uow.catalogue_downloads.hilist = [hilist_row("S1", "440300", 3), hilist_row("S2", "440000", 5),
                                      hilist_row("S3", "440300", 7, ), hilist_row("S4", "500000", 9),
                                      dict(hilist_row("D1", "440300", 8), list_type="101")]
    full = catalogue_downloads.build_download(uow, "1305", 0, fixmedins_code=HOSPITAL, admdvs="440305")
    assert (full["data_cn"], full["ver"], full["filename"]) == (3, "7", "1305_7.zip")
    lines = unzip(uow, full["file_qury_no"])
    assert lines[0] == list(catalogue_downloads.HILIST_COLUMNS)
    assert [line[0] for line in lines[1:]] == ["S1", "S2", "S3"]  # by version; Shenzhen's province too, not Chongqing
    assert lines[1][lines[0].index("rid")] == "440300-S1-20260101"
    later = catalogue_downloads.build_download(uow, "1305", 5, fixmedins_code=HOSPITAL, admdvs="440305")
    assert [line[0] for line in unzip(uow, later["file_qury_no"])[1:]] == ["S3"]
    none_new = catalogue_downloads.build_download(uow, "1305", 7, fixmedins_code=HOSPITAL, admdvs="440305")
    assert (none_new["data_cn"], none_new["ver"]) == (0, "7")
    assert uow.exchange_files.rows[full["file_qury_no"]]["origin"] == "1305"


@pytest.mark.parametrize("ver", ["abc", "-1", "１２", "1" * 19])
def test_a_version_that_is_not_ours_is_refused(ver):
    with pytest.raises(GatewayError) as refused:
        catalogue_downloads.parse_ver(ver)
    assert refused.value.code == "CATALOG_BAD_VER" and "首次下载传 0" in refused.value.message
    assert catalogue_downloads.parse_ver("") == 0 and catalogue_downloads.parse_ver(" 12 ") == 12


def test_diagnosis_and_procedure_imports_are_versioned_and_downloaded_in_the_national_column_order(tmp_path: Path):
    uow = unit()
    diagnoses = tmp_path / "diagnoses.csv"
    diagnoses.write_text("diag_code,diag_name,cgy_code,cgy_name,ver_name\nI63.900,脑梗死,I63,脑梗死,医保版2.0\n"
                         "E11.900,2型糖尿病,E11,2型糖尿病,医保版2.0\n", encoding="utf-8")
    rows = importing.validate_rows("diagnoses", diagnoses, importing.read_rows(diagnoses))
    importing.import_rows(uow, "diagnoses", diagnoses, rows)
    stored = uow.code_lists.rows[("diagnosis", "I63.900")]
    assert (stored["ver"], stored["cgy_code"], json.loads(stored["detail"])) == \
        (1, "I63", {"cgy_name": "脑梗死", "ver_name": "医保版2.0"})
    answer = catalogue_downloads.build_download(uow, "1307", 0, fixmedins_code=HOSPITAL, admdvs="440300")
    lines = unzip(uow, answer["file_qury_no"])
    assert lines[0] == list(code_lists.DIAGNOSIS_COLUMNS)
    first = dict(zip(lines[0], lines[1]))
    assert (first["diag_code"], first["diag_name"], first["cgy_code"], first["vali_flag"], first["ver"]) == \
        ("E11.900", "2型糖尿病", "E11", "1", "1")
    procedures = tmp_path / "procedures.csv"
    procedures.write_text("oprn_oprt_code,oprn_oprt_name\n36.0600x001,冠状动脉支架置入术\n", encoding="utf-8")
    importing.import_rows(uow, "procedures", procedures, importing.validate_rows("procedures", procedures,
                                                                                 importing.read_rows(procedures)))
    answer = catalogue_downloads.build_download(uow, "1308", 1, fixmedins_code=HOSPITAL, admdvs="440300")
    assert answer["data_cn"] == 1 and answer["ver"] == "2"


def test_a_malformed_diagnosis_code_names_its_row_and_column(tmp_path: Path):
    bad = tmp_path / "diagnoses.csv"
    bad.write_text("diag_code,diag_name\nI63.900,脑梗死\n63X,?\n", encoding="utf-8")
    with pytest.raises(importing.ImportError_, match="row 2, column diag_code"):
        importing.validate_rows("diagnoses", bad, importing.read_rows(bad))


# --- 3301 / 3302 and fee lines ----------------------------------------------------------------------

def upload(uow, **overrides):
    fields = dict(fixmedins_code=HOSPITAL, admdvs="440305", medins_list_codg="YP-0001", medins_list_name="地喹氯铵含片",
                  list_type="101", med_list_codg="XA01ABD075A002010100483", begndate=dt.date(2026, 1, 1), enddate=None,
                  detail={"spec": "0.25mg", "aprvno": ""})
    return list_mapping.upload(uow, **{**fields, **overrides})


def test_a_mapping_is_stored_once_and_a_different_code_waits_for_its_revocation():
    uow = unit()
    row = upload(uow)
    assert (row["created_msgid"], json.loads(row["detail"])) == ("M1", {"spec": "0.25mg"})
    assert upload(uow) == uow.list_mappings.active(HOSPITAL, "YP-0001")  # the same mapping again: nothing new
    with pytest.raises(GatewayError) as refused:
        upload(uow, med_list_codg="001102000010000")
    assert refused.value.code == "MAPPING_ACTIVE" and "3302" in refused.value.message
    list_mapping.revoke(as_of(uow, "M9"), fixmedins_code=HOSPITAL, medins_list_codg="YP-0001",
                        med_list_codg="XA01ABD075A002010100483")
    assert uow.list_mappings.rows[0]["revoked_msgid"] == "M9"
    upload(uow, med_list_codg="001102000010000")
    assert [r["med_list_codg"] for r in uow.list_mappings.rows] == ["XA01ABD075A002010100483", "001102000010000"]
    assert uow.list_mappings.locks == [(HOSPITAL, "YP-0001")] * 5  # every upload and revocation locks first


def test_unknown_codes_bad_dates_and_missing_mappings_are_refused():
    uow = unit()
    with pytest.raises(GatewayError) as refused:
        upload(uow, med_list_codg="NOT-LISTED")
    assert refused.value.code == "MAPPING_UNKNOWN_CODE"
    with pytest.raises(GatewayError) as refused:
        upload(uow, enddate=dt.date(2025, 12, 31))
    assert refused.value.code == "MAPPING_BAD_DATES"
    with pytest.raises(GatewayError) as refused:
        list_mapping.revoke(uow, fixmedins_code=HOSPITAL, medins_list_codg="YP-0001", med_list_codg="X")
    assert refused.value.code == "MAPPING_NOT_FOUND"
    assert uow.list_mappings.rows == []


def test_a_fee_line_without_a_national_code_takes_the_mapping_in_force_on_its_date():
    uow = unit()
    upload(uow, begndate=dt.date(2026, 6, 1), enddate=dt.date(2026, 12, 31))
    line = dict(feedetl_sn="1", medins_list_codg="YP-0001", fee_ocur_time=dt.datetime(2026, 7, 1, 10, 0))
    assert list_mapping.national_codes_for(uow, HOSPITAL, [line]) == {"YP-0001": "XA01ABD075A002010100483"}
    for when in (dt.datetime(2026, 5, 31, 23, 0), dt.datetime(2027, 1, 1, 8, 0)):
        with pytest.raises(GatewayError) as refused:
            list_mapping.national_codes_for(uow, HOSPITAL, [dict(line, fee_ocur_time=when)])
        assert refused.value.code == "MAPPING_NOT_IN_FORCE" and "YP-0001" in refused.value.message
    with pytest.raises(GatewayError) as refused:
        list_mapping.national_codes_for(uow, HOSPITAL, [dict(line, medins_list_codg="YP-9999")])
    assert refused.value.code == "MAPPING_NOT_IN_FORCE" and "YP-9999" in refused.value.message
