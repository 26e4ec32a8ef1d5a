"""``?format=`` of the admin API's list and statistics endpoints: ``json`` (the default, the
endpoint's own typed document), ``csv`` (UTF-8 with a BOM, opens in Excel without garbling) or
``xlsx`` (a typed sheet with a Chinese header row; documents/exports.py)."""

from __future__ import annotations

from typing import Literal

from fastapi.responses import Response

from yibao.documents.exports import table_rows, to_csv, to_xlsx

Format = Literal["json", "csv", "xlsx"]
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def as_file(document, fmt: str, name: str) -> Response:
    """The document's table as a download named ``name.csv`` / ``name.xlsx``."""
    rows = table_rows(document)
    if fmt == "xlsx":
        return Response(to_xlsx(rows, name), media_type=XLSX_TYPE,
                        headers={"Content-Disposition": f'attachment; filename="{name}.xlsx"'})
    return Response(to_csv(rows).encode("utf-8"), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}.csv"'})
