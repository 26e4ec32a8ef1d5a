"""National code lists that carry no price: the diagnosis catalogue (医疗保障疾病诊断分类与代码,
ICD-10 医保版, served by 1307), the procedure catalogue (医疗保障手术操作分类与代码,
ICD-9-CM-3 医保版, 1308) and the other lists of 1309–1315, imported with ``yibao import
diagnoses|procedures|code_list FILE`` (docs/catalogue-files.md).

The import rows use the national column names of the 1307/1308 download files; ``diag_code``
/ ``oprn_oprt_code`` and the name are required, the rest optional. Each row is kept with the
catalogue version its import took (as hilist rows are), so downloads can answer the rows
written after a version.
"""

from __future__ import annotations

import json
from typing import Protocol

from pydantic import BaseModel, ConfigDict, Field, field_validator

from .unit_of_work import UnitOfWork

# The national columns of the 1307 and 1308 download files, in their order (nhsa-interface
# §3.16: one row per line, columns per catalogue). ``rid``, ``crte_time``, ``updt_time`` and
# ``ver`` are the platform's when a row is served.
DIAGNOSIS_COLUMNS = (
    "diag_list_id", "cpr", "cpr_code_scp", "cpr_name", "sec_code_scp", "sec_name", "cgy_code", "cgy_name",
    "sor_code", "sor_name", "diag_code", "diag_name", "used_std", "natstd_diag_code", "natstd_diag_name",
    "clnc_diag_code", "clnc_diag_name", "memo", "vali_flag", "rid", "crte_time", "updt_time", "ver", "ver_name",
)
PROCEDURE_COLUMNS = (
    "oprn_std_list_id", "cpr", "cpr_code_scp", "cpr_name", "cgy_code", "cgy_name", "sor_code", "sor_name",
    "dtls_code", "dtls_name", "oprn_oprt_code", "oprn_oprt_name", "used_std", "rtl_oprn_oprt_code",
    "rtl_oprn_oprt_name", "clnc_oprn_oprt_code", "clnc_oprn_oprt_name", "memo", "vali_flag", "rid", "crte_time",
    "updt_time", "ver", "ver_name",
)
# The other lists: the platform keeps code, name, category and memo (docs/catalogue-files.md).
GENERIC_COLUMNS = ("code", "name", "cgy_code", "memo", "vali_flag", "rid", "updt_time", "ver")

# list_kind → the download that serves it.
LIST_KINDS = {
    "diagnosis": "1307", "procedure": "1308", "chronic_disease": "1309", "bydise": "1310", "daysrg": "1311",
    "tumour_morphology": "1313", "tcm_disease": "1314", "tcm_syndrome": "1315",
}
SERVED_BY_PLATFORM = ("rid", "crte_time", "updt_time", "ver")


class CodeListRepository(Protocol):
    """``uow.code_lists`` (store/repositories/code_lists.py)."""

    def upsert(self, list_kind: str, rows: list[dict], ver: int) -> None:
        """Each row ({code, name, cgy_code, vali_flag, detail}) replaces the stored row of its
        code, or is added, with ``ver`` and the unit's time."""

    def rows_after(self, list_kind: str, ver: int) -> list[dict]:
        """The list's rows written after ``ver``, by version then code."""


class _Row(BaseModel):
    # As app/importing.py's rows: unknown columns ignored, numbers read as text, blanks trimmed.
    model_config = ConfigDict(extra="ignore", coerce_numbers_to_str=True, str_strip_whitespace=True)


class DiagnosisRow(_Row):
    diag_code: str = Field(min_length=3, max_length=50, pattern=r"^[A-Z][0-9]{2}[0-9A-Za-z.+x]*$")
    diag_name: str = Field(min_length=1, max_length=300)
    vali_flag: str = Field(default="1", pattern=r"^[01]$")
    cgy_code: str = Field(default="", max_length=50)
    diag_list_id: str = ""
    cpr: str = ""
    cpr_code_scp: str = ""
    cpr_name: str = ""
    sec_code_scp: str = ""
    sec_name: str = ""
    cgy_name: str = ""
    sor_code: str = ""
    sor_name: str = ""
    used_std: str = ""
    natstd_diag_code: str = ""
    natstd_diag_name: str = ""
    clnc_diag_code: str = ""
    clnc_diag_name: str = ""
    memo: str = Field(default="", max_length=500)
    ver_name: str = ""

    _flag = field_validator("vali_flag", mode="before")(lambda value: "1" if value in ("", None) else value)

    def stored(self) -> dict:
        return _stored(self, "diag_code", "diag_name", DIAGNOSIS_COLUMNS)


class ProcedureRow(_Row):
    oprn_oprt_code: str = Field(min_length=2, max_length=50, pattern=r"^[0-9]{2}[0-9A-Za-z.x]*$")
    oprn_oprt_name: str = Field(min_length=1, max_length=300)
    vali_flag: str = Field(default="1", pattern=r"^[01]$")
    cgy_code: str = Field(default="", max_length=50)
    oprn_std_list_id: str = ""
    cpr: str = ""
    cpr_code_scp: str = ""
    cpr_name: str = ""
    cgy_name: str = ""
    sor_code: str = ""
    sor_name: str = ""
    dtls_code: str = ""
    dtls_name: str = ""
    used_std: str = ""
    rtl_oprn_oprt_code: str = ""
    rtl_oprn_oprt_name: str = ""
    clnc_oprn_oprt_code: str = ""
    clnc_oprn_oprt_name: str = ""
    memo: str = Field(default="", max_length=500)
    ver_name: str = ""

    _flag = field_validator("vali_flag", mode="before")(lambda value: "1" if value in ("", None) else value)

    def stored(self) -> dict:
        return _stored(self, "oprn_oprt_code", "oprn_oprt_name", PROCEDURE_COLUMNS)


class CodeListRow(_Row):
    list_kind: str = Field(pattern="^(" + "|".join(kind for kind in LIST_KINDS if kind not in ("diagnosis", "procedure")) + ")$")
    code: str = Field(min_length=1, max_length=50)
    name: str = Field(min_length=1, max_length=300)
    cgy_code: str = Field(default="", max_length=50)
    memo: str = Field(default="", max_length=500)
    vali_flag: str = Field(default="1", pattern=r"^[01]$")

    _flag = field_validator("vali_flag", mode="before")(lambda value: "1" if value in ("", None) else value)

    def stored(self) -> dict:
        return dict(code=self.code, name=self.name, cgy_code=self.cgy_code, vali_flag=self.vali_flag,
                    detail=json.dumps({"memo": self.memo} if self.memo else {}, ensure_ascii=False, sort_keys=True))


def _stored(row: _Row, code_column: str, name_column: str, columns: tuple[str, ...]) -> dict:
    """The stored row: code, name, category and validity as columns; the other national
    columns that have a value in ``detail``."""
    values = row.model_dump()
    as_columns = {code_column, name_column, "cgy_code", "vali_flag", *SERVED_BY_PLATFORM}
    detail = {column: values[column] for column in columns if column not in as_columns and values.get(column)}
    return dict(code=values[code_column], name=values[name_column], cgy_code=row.cgy_code, vali_flag=row.vali_flag,
                detail=json.dumps(detail, ensure_ascii=False, sort_keys=True))


def write_rows(uow: UnitOfWork, list_kind: str | None, rows: list[_Row]) -> None:
    """One batch of an import: a new catalogue version, then the rows with it (a generic
    code_list file may hold several lists)."""
    ver = uow.imports.bump_catalogue_version()
    by_kind: dict[str, list[dict]] = {}
    for row in rows:
        by_kind.setdefault(list_kind or row.list_kind, []).append(row.stored())
    for kind in sorted(by_kind):
        uow.code_lists.upsert(kind, by_kind[kind], ver)
