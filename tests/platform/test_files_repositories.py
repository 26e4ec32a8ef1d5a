"""Exchanged files, list mappings, code lists and catalogue versions on both backends
(store/repositories/exchange_files.py, list_mappings.py, code_lists.py, catalogue_downloads.py,
migration 0010)."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import insert, select, text
from sqlalchemy.exc import IntegrityError

from yibao.app import actors, catalogue_downloads, exchange_files, list_mapping
from yibao.app.errors import GatewayError
from yibao.app.importing import import_file
from yibao.store import repository as repo
from yibao.store import tables as t
from yibao.store.database import Database
from yibao.store.migrate import alembic_config, upgrade
from yibao.store.repositories import list_mappings as mapping_store
from yibao.store.unit_of_work import SqlUnitOfWork

from .conftest import new_database_url

NOW = dt.datetime(2026, 12, 1, 9, 0)
HOSPITAL = "H44030500001"


def unit(database, msgid: str = "M1", now: dt.datetime = NOW, *, write: bool = True) -> SqlUnitOfWork:
    return SqlUnitOfWork(database, actors.institution(HOSPITAL, msgid), now, write=write)


def write_csv(path: Path, header: str, *rows: str) -> Path:
    path.write_text("\n".join((header, *rows)) + "\n", encoding="utf-8")
    return path


def test_a_file_keeps_its_bytes_is_taken_once_and_its_content_is_purged_after_expiry(database):
    content = bytes(range(256)) * 3  # every byte value survives both backends
    with unit(database) as uow:
        row = exchange_files.store_file(uow, fixmedins_code=HOSPITAL, filename="result.zip", content=content,
                                        origin="9101", ttl=dt.timedelta(hours=1))
    number = row["file_qury_no"]
    with unit(database, "M2") as uow:
        exchange_files.take_for_download(uow, number, HOSPITAL)
    with unit(database, "M2", write=False) as uow:
        assert exchange_files.content_for(uow, number, HOSPITAL, "M2") == content
    with pytest.raises(GatewayError) as refused:
        with unit(database, "M3") as uow:
            exchange_files.take_for_download(uow, number, HOSPITAL)
    assert refused.value.code == "FILE_ALREADY_DOWNLOADED"
    with unit(database, "M4", NOW + dt.timedelta(hours=1)) as uow:
        assert exchange_files.purge_expired(uow) == 1
    with database.read() as conn:
        stored = conn.execute(select(t.exchange_files)).mappings().one()
    assert (bytes(stored["content"]), stored["downloaded_msgid"], stored["size"]) == (b"", "M2", 768)


def test_a_second_download_mark_and_a_second_active_mapping_are_refused_by_the_database(database):
    with database.write() as conn:
        conn.execute(insert(t.list_mappings).values(
            fixmedins_code=HOSPITAL, medins_list_codg="YP1", medins_list_name="药", list_type="101", med_list_codg="X1",
            begndate=dt.date(2026, 1, 1), created_at=NOW, created_msgid="M1"))
    with pytest.raises(IntegrityError):
        with database.write() as conn:
            conn.execute(insert(t.list_mappings).values(
                fixmedins_code=HOSPITAL, medins_list_codg="YP1", medins_list_name="药", list_type="101", med_list_codg="X2",
                begndate=dt.date(2026, 1, 1), created_at=NOW, created_msgid="M2"))
    with pytest.raises(IntegrityError):  # a download is recorded with its msgid, or not at all
        with database.write() as conn:
            conn.execute(insert(t.exchange_files).values(
                file_qury_no="F1", fixmedins_code=HOSPITAL, filename="a", origin="9101", content=b"1", size=1, sha256="",
                created_at=NOW, created_msgid="M1", expires_at=NOW + dt.timedelta(hours=1), downloaded_at=NOW))


def catalogue_files(tmp_path: Path) -> tuple[Path, Path]:
    hilist = write_csv(tmp_path / "hilist.csv", "hilist_code,hilist_name,insu_admdvs,begndate,chrgitm_lv,list_type",
                       "XA01ABD075A002010100483,地喹氯铵含片,440300,2026-01-01,02,101",
                       "001102000010000,普通门诊诊查费,440300,2026-01-01,01,201")
    more = write_csv(tmp_path / "more.csv", "hilist_code,hilist_name,insu_admdvs,begndate,chrgitm_lv,list_type,vali_flag",
                     "XA01ABD075A002010100483,地喹氯铵含片,440300,2026-01-01,02,101,0")
    return hilist, more


def test_imports_version_catalogue_rows_and_a_download_answers_those_after_a_version(database, tmp_path):
    hilist, more = catalogue_files(tmp_path)
    import_file(database, "hilist", hilist, now=NOW)
    with database.read() as conn:
        first = repo.catalogue_version(conn)
    import_file(database, "hilist", more, now=NOW)
    with unit(database) as uow:
        full = catalogue_downloads.build_download(uow, "1301", 0, fixmedins_code=HOSPITAL, admdvs="440305")
        later = catalogue_downloads.build_download(uow, "1301", first, fixmedins_code=HOSPITAL, admdvs="440305")
        services = catalogue_downloads.build_download(uow, "1305", 0, fixmedins_code=HOSPITAL, admdvs="440305")
    assert (full["data_cn"], full["ver"], later["data_cn"], services["data_cn"]) == (1, str(first + 1), 1, 1)
    with unit(database, "M2") as uow:
        exchange_files.take_for_download(uow, later["file_qury_no"], HOSPITAL)
    with unit(database, "M2", write=False) as uow:
        content = exchange_files.content_for(uow, later["file_qury_no"], HOSPITAL, "M2")
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        header, line = archive.read(archive.namelist()[0]).decode("utf-8").splitlines()
    row = dict(zip(header.split("\t"), line.split("\t")))
    assert (row["med_list_codg"], row["vali_flag"], row["ver"]) == ("XA01ABD075A002010100483", "0", str(first + 1))


def test_mappings_are_read_from_the_cache_while_their_version_holds(database, tmp_path):
    import_file(database, "hilist", catalogue_files(tmp_path)[0], now=NOW)
    with unit(database) as uow:
        list_mapping.upload(uow, fixmedins_code=HOSPITAL, admdvs="440305", medins_list_codg="YP1", medins_list_name="含片",
                            list_type="101", med_list_codg="XA01ABD075A002010100483", begndate=dt.date(2026, 1, 1),
                            enddate=None, detail={})

    def as_a_request_would() -> dict:
        with database.read() as conn:
            versions = {row.name: row.version for row in conn.execute(t.cache_versions.select())}
            token = repo.current_cache_versions.set(versions)
            try:
                return mapping_store.national_codes(conn, HOSPITAL, {"YP1", "YP2"})
            finally:
                repo.current_cache_versions.reset(token)

    assert {code: row["med_list_codg"] for code, row in as_a_request_would().items()} == {"YP1": "XA01ABD075A002010100483"}
    assert as_a_request_would()["YP1"]["begndate"] == dt.date(2026, 1, 1)  # from the cache now
    with unit(database, "M2") as uow:  # the trigger bumps the version: every worker reads again
        list_mapping.revoke(uow, fixmedins_code=HOSPITAL, medins_list_codg="YP1", med_list_codg="XA01ABD075A002010100483")
    assert as_a_request_would() == {}
    with unit(database, "M3", write=False) as uow:
        total, rows = list_mapping.page(uow, HOSPITAL, {"vali_flag": "0"}, 1, 10)
    assert total == 1 and rows[0]["revoked_msgid"] == "M2"


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_rows_imported_before_0010_get_a_version_a_download_from_0_includes(backend, request, tmp_path_factory):
    database = Database(new_database_url(backend, request, tmp_path_factory))
    try:
        upgrade(database, "0008")
        with database.write() as conn:  # a row as 0008 knew it, without a version
            conn.execute(text("INSERT INTO hilist (hilist_code, hilist_name, insu_admdvs, begndate, med_chrgitm_type, "
                              "chrgitm_lv, lmt_used_flag, list_type, vali_flag) "
                              "VALUES ('OLD', '旧项目', '440300', '2020-01-01', '', '01', '0', '201', '1')"))
        upgrade(database, "0010")
        with database.read() as conn:
            ver = conn.execute(select(t.hilist.c.ver)).scalar_one()
            assert ver >= 1 and ver == repo.catalogue_version(conn)
        config = alembic_config(database)
        with database.engine.connect() as conn:  # and back down, and up again (0026 and later cannot
            config.attributes["connection"] = conn  # go down: the round trip is 0010's own)
            command.downgrade(config, "0008")
            command.upgrade(config, "0010")
            conn.commit()
        upgrade(database)
        with database.read() as conn:
            assert conn.execute(select(t.hilist.c.ver)).scalar_one() >= 1
    finally:
        database.dispose()

