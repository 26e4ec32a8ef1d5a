"""The edge of manual claims (零星报销): the claim and review documents an agency sends (admin API
JSON body, CLI file) validated with pydantic, a CSV file of fee lines, and views rendered as JSON
(exact decimal text for money, ISO dates)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, Field

from yibao.domain.claims import REASONS

EARLIEST, LATEST = dt.date(1900, 1, 1), dt.date(2999, 12, 31)
LINE_COLUMNS = ("med_list_codg", "cnt", "pric")
MAX_LINES = 2000


def _in_range(day: dt.date) -> dt.date:
    if not EARLIEST <= day <= LATEST:
        raise ValueError(f"日期应在 {EARLIEST} 至 {LATEST} 之间")
    return day


Day = Annotated[dt.date, AfterValidator(_in_range)]
Reason = Literal[REASONS]  # type: ignore[valid-type]


class ClaimLineIn(BaseModel):
    med_list_codg: str = Field(min_length=1, max_length=50, description="national catalogue code")
    cnt: Decimal = Field(gt=0, max_digits=16, decimal_places=6)
    pric: Decimal = Field(ge=0, max_digits=16, decimal_places=6)
    det_item_fee_sumamt: Decimal | None = Field(default=None, gt=0, max_digits=14, decimal_places=2,
                                                description="when given, must be round(cnt × pric)")


class ClaimIn(BaseModel):
    psn_no: str = Field(min_length=1, max_length=30)
    insutype: str = Field(pattern=r"^\d{3}$")
    fixmedins_code: str | None = Field(default=None, max_length=30, description="an institution of the register")
    fixmedins_name: str | None = Field(default=None, max_length=200, description="else: a non-networked institution")
    mdtrtarea_admvs: str | None = Field(default=None, pattern=r"^\d{6}$")
    medins_lv: str | None = Field(default=None, pattern=r"^[0-3]$")
    med_type: str = Field(pattern=r"^\d{2,6}$")
    begndate: Day
    enddate: Day
    dise_codg: str = Field(default="", max_length=30)
    invoice_no: str = Field(min_length=1, max_length=60)
    mdtrt_id: str | None = Field(default=None, max_length=30, description="the visit registered at the counter, if any")
    reason: Reason = Field(description="why direct settlement did not happen")
    reason_text: str = Field(default="", max_length=200)
    lines: list[ClaimLineIn] = Field(min_length=1, max_length=2000)


class DecisionIn(BaseModel):
    line_no: int = Field(ge=1, le=100_000)
    decision: Literal["approve", "reduce", "reject"]
    approved_amt: Decimal | None = Field(default=None, ge=0, max_digits=14, decimal_places=2)
    reason: str = Field(default="", max_length=200)


class ReviewIn(BaseModel):
    decisions: list[DecisionIn] = Field(min_length=1, max_length=2000)


class ReasonIn(BaseModel):
    reason: str = Field(min_length=1, max_length=200)


class LineFileError(ValueError):
    """A fee-line file that cannot be read, naming the file, row and column."""


def read_claim_lines(path: Path) -> list[dict]:
    """Fee lines from a CSV file (UTF-8, with or without BOM) with the columns med_list_codg,
    cnt, pric and optionally det_item_fee_sumamt; amounts are kept as exact decimal text.
    Excel workbooks need openpyxl, which is not installed: save the sheet as CSV."""
    if path.suffix.lower() in (".xlsx", ".xls"):
        raise LineFileError(f"{path}: 暂不支持 Excel 文件，请另存为 CSV（UTF-8）后上传")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise LineFileError(f"{path}: {exc}") from None
    return claim_lines_from_csv(text, str(path))


def claim_lines_from_csv(text: str, name: str = "lines.csv") -> list[dict]:
    reader = csv.DictReader(io.StringIO(text))
    missing = [column for column in LINE_COLUMNS if column not in (reader.fieldnames or [])]
    if missing:
        raise LineFileError(f"{name}: 缺少列 {', '.join(missing)}")
    lines = []
    for row_no, row in enumerate(reader, start=2):
        if len(lines) >= MAX_LINES:
            raise LineFileError(f"{name}: 明细超过 {MAX_LINES} 行")
        line = {"med_list_codg": (row["med_list_codg"] or "").strip()}
        for column in ("cnt", "pric", "det_item_fee_sumamt"):
            value = (row.get(column) or "").strip()
            if not value:
                continue
            try:
                line[column] = Decimal(value)
            except InvalidOperation:
                raise LineFileError(f"{name}: 第 {row_no} 行 {column} 不是数字：{value[:20]!r}") from None
        lines.append(line)
    return lines


def plain(value):
    """A view as JSON: exact decimal text for money, ISO dates."""
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(item) for item in value]
    if isinstance(value, Decimal):
        return f"{value}"
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return value
