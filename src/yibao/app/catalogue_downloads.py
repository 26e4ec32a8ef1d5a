"""Catalogue downloads and paged catalogue queries (nhsa-interface §2.1, §3.16).

1301–1303, 1305–1311, 1313–1315 answer ``data{ver}`` (the version the HIS has, ``0`` for
everything) with a ``file_qury_no`` of a zip that the HIS then fetches with 9102, as
nationally. The zip holds one UTF-8 text file, tab-separated, one catalogue row per line.
Where §3.16 is silent, the national 接口规范 conventions are followed: the rows carry their
``ver`` (版本号) and the HIS keeps the highest as its next ``ver``. The platform keeps fewer
columns than the national files (e.g. 1301's drug registration data), so each file starts
with a header line naming its columns (national field names), rather than relying on
positions: a HIS maps columns by name. 1307/1308 keep the national column order.

Versions: every catalogue import takes a new catalogue version and writes it on its rows
(migration 0010); a download answers the rows written after the HIS's ``ver`` for the
institution's region, its city and its province (hilist-based lists) or nationally (code
lists). A withdrawn row comes back with ``vali_flag`` 0, so an incremental download also
carries withdrawals.

1304, 1316–1319 are paged queries (``page_num``, ``page_size`` → ``data``, ``recordCounts``,
``pages``), as 1312.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile
from dataclasses import dataclass
from typing import Protocol

from . import exchange_files
from .code_lists import DIAGNOSIS_COLUMNS, GENERIC_COLUMNS, PROCEDURE_COLUMNS
from .error_codes import refusal
from .unit_of_work import UnitOfWork


@dataclass(frozen=True)
class Download:
    name: str
    source: str  # hilist | code_lists
    kind: str  # the hilist list_type, or the code list's list_kind


DOWNLOADS = {
    "1301": Download("西药中成药目录下载", "hilist", "101"),
    "1302": Download("中药饮片目录下载", "hilist", "102"),
    "1303": Download("医疗机构制剂目录下载", "hilist", "103"),
    "1305": Download("医疗服务项目目录下载", "hilist", "201"),
    "1306": Download("医用耗材目录下载", "hilist", "301"),
    "1307": Download("疾病与诊断目录下载", "code_lists", "diagnosis"),
    "1308": Download("手术操作目录下载", "code_lists", "procedure"),
    "1309": Download("门诊慢特病种目录下载", "code_lists", "chronic_disease"),
    "1310": Download("按病种付费病种目录下载", "code_lists", "bydise"),
    "1311": Download("日间手术治疗病种目录下载", "code_lists", "daysrg"),
    "1313": Download("肿瘤形态学目录下载", "code_lists", "tumour_morphology"),
    "1314": Download("中医疾病目录下载", "code_lists", "tcm_disease"),
    "1315": Download("中医证候目录下载", "code_lists", "tcm_syndrome"),
}
HILIST_COLUMNS = ("med_list_codg", "hilist_name", "insu_admdvs", "list_type", "med_chrgitm_type", "chrgitm_lv",
                  "lmt_used_flag", "begndate", "enddate", "vali_flag", "rid", "ver")
CODE_LIST_COLUMNS = {"diagnosis": DIAGNOSIS_COLUMNS, "procedure": PROCEDURE_COLUMNS}


class CatalogueRepository(Protocol):
    """``uow.catalogue_downloads`` (store/repositories/catalogue_downloads.py); code lists
    through ``uow.code_lists``."""

    def hilist_after(self, admdvs: str, list_type: str, ver: int) -> list[dict]:
        """The rows of the list type for the region chain written after ``ver``, by version then key."""

    def page(self, table: str, filters: dict, page_num: int, page_size: int) -> tuple[int, list[dict]]:
        """hilist | lmtpric | selfpay rows equal to the filters, by region, code and begin date."""


def parse_ver(value: str) -> int:
    text = (value or "0").strip()
    if not text.isascii() or not text.isdigit() or len(text) > 18:
        raise refusal("CATALOG_BAD_VER", value=repr(text[:20]))
    return int(text)


def build_download(uow: UnitOfWork, infno: str, ver: int, *, fixmedins_code: str, admdvs: str,
                   ttl: dt.timedelta = exchange_files.DEFAULT_TTL) -> dict:
    """Write the rows after ``ver`` as a zip file for the institution; the national 13xx output
    (``file_qury_no``, ``filename``, ``dld_end_time``, ``data_cn``) and the highest ``ver``."""
    spec = DOWNLOADS.get(infno)
    if spec is None:
        raise refusal("CATALOG_UNKNOWN", infno=infno)
    columns, lines = _rows(uow, spec, ver, admdvs)
    newest = max((int(line["ver"]) for line in lines), default=ver)
    content = zip_text(f"{infno}_{newest}.txt", columns, lines, uow.now)
    stored = exchange_files.store_file(uow, fixmedins_code=fixmedins_code, filename=f"{infno}_{newest}.zip",
                                       content=content, origin=infno, ttl=ttl)
    return {"file_qury_no": stored["file_qury_no"], "filename": stored["filename"],
            "dld_end_time": f"{stored['expires_at']:%Y-%m-%d %H:%M:%S}", "data_cn": len(lines), "ver": str(newest)}


def _rows(uow: UnitOfWork, spec: Download, ver: int, admdvs: str) -> tuple[tuple[str, ...], list[dict]]:
    if spec.source == "hilist":
        rows = uow.catalogue_downloads.hilist_after(admdvs, spec.kind, ver)
        return HILIST_COLUMNS, [_hilist_line(row) for row in rows]
    columns = CODE_LIST_COLUMNS.get(spec.kind, GENERIC_COLUMNS)
    return columns, [_code_list_line(spec.kind, row) for row in uow.code_lists.rows_after(spec.kind, ver)]


def _hilist_line(row: dict) -> dict:
    return dict(row, med_list_codg=row["hilist_code"], begndate=_day(row["begndate"]), enddate=_day(row["enddate"]),
                rid=f"{row['insu_admdvs']}-{row['hilist_code']}-{row['begndate']:%Y%m%d}")


def _code_list_line(kind: str, row: dict) -> dict:
    code_column, name_column = {"diagnosis": ("diag_code", "diag_name"),
                                "procedure": ("oprn_oprt_code", "oprn_oprt_name")}.get(kind, ("code", "name"))
    updated = f"{row['updated_at']:%Y-%m-%d %H:%M:%S}"
    return {**json.loads(row["detail"] or "{}"), code_column: row["code"], name_column: row["name"],
            "cgy_code": row["cgy_code"], "vali_flag": row["vali_flag"], "rid": f"{kind}-{row['code']}",
            "crte_time": updated, "updt_time": updated, "ver": row["ver"]}


def zip_text(name: str, columns: tuple[str, ...], lines: list[dict], now: dt.datetime) -> bytes:
    """One tab-separated UTF-8 text file in a zip: a header line, then one line per row (a tab
    or line break inside a value becomes a space)."""
    text = io.StringIO()
    text.write("\t".join(columns) + "\n")
    for line in lines:
        text.write("\t".join(_cell(line.get(column)) for column in columns) + "\n")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        info = zipfile.ZipInfo(name, date_time=now.timetuple()[:6])
        info.compress_type = zipfile.ZIP_DEFLATED
        archive.writestr(info, text.getvalue().encode("utf-8"))
    return buffer.getvalue()


def _cell(value) -> str:
    if value is None:
        return ""
    return str(value).replace("\t", " ").replace("\r", " ").replace("\n", " ")


def _day(value: dt.date | None) -> str:
    return value.isoformat() if value else ""


def page(uow: UnitOfWork, table: str, filters: dict, page_num: int, page_size: int) -> tuple[int, list[dict]]:
    return uow.catalogue_downloads.page(table, filters, page_num, page_size)
