"""The knowledge base (知识库) as data: per-region, dated rows loaded from CSV or JSON.

Tables (column names are the file columns, docs/audit-rules.md):

- ``restrictions``: exactly the ``yibao import restrictions`` shape of data-formats.md;
- ``price_ceilings``: the 1318 ``lmtpric`` shape (``hilist_pric_uplmt_amt``), for 超标准收费;
- ``bundles``, ``exclusive_pairs``, ``frequency_limits``: the project's own shapes;
- the death registry (``certno``, ``die_date``) is loaded apart: it is data about persons,
  not knowledge a region shares.

Which rows apply to a fee line: the line's treatment region, its city or its province
(``region_chain``, as the catalogue), valid on the fee date. For item attributes
(restrictions, price ceilings) the nearest region wins, so a district can loosen or tighten
its province; relation tables (bundles, exclusive pairs, frequency limits) add up along the
chain, so a city can only add to its province's lists.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import functools
from dataclasses import dataclass, fields
from decimal import Decimal, InvalidOperation
from functools import cached_property
from pathlib import Path
from typing import Any, Callable, Iterable


class KnowledgeError(ValueError):
    """A knowledge or registry row that cannot be read; the message names file, row and column."""


@functools.lru_cache(maxsize=4096)  # asked for every line and rule of an audited visit
def region_chain(admdvs: str) -> tuple[str, ...]:
    """The region, its city and its province (500155 梁平区 → 500100 → 500000)."""
    return tuple(dict.fromkeys((admdvs, admdvs[:4] + "00", admdvs[:2] + "0000")))


@dataclass(frozen=True)
class Restriction:
    hilist_code: str
    insu_admdvs: str
    begndate: dt.date
    enddate: dt.date | None = None
    gend: str | None = None
    age_min: int | None = None
    age_max: int | None = None
    medins_lv_min: int | None = None
    med_types: tuple[str, ...] = ()
    dise_codes: tuple[str, ...] = ()
    max_cnt_per_day: Decimal | None = None
    max_days: int | None = None


@dataclass(frozen=True)
class PriceCeiling:
    hilist_code: str
    insu_admdvs: str
    begndate: dt.date
    hilist_pric_uplmt_amt: Decimal
    enddate: dt.date | None = None


@dataclass(frozen=True)
class Bundle:
    """``package_code`` includes ``hilist_code``: billing both on one day of a visit is 分解收费."""

    package_code: str
    hilist_code: str
    insu_admdvs: str
    begndate: dt.date
    enddate: dt.date | None = None


@dataclass(frozen=True)
class ExclusivePair:
    """``hilist_code`` is not payable on a day the same visit also bills ``excl_hilist_code``."""

    hilist_code: str
    excl_hilist_code: str
    insu_admdvs: str
    begndate: dt.date
    enddate: dt.date | None = None


@dataclass(frozen=True)
class FrequencyLimit:
    """At most ``max_cnt`` of the item per person in any ``period_days`` consecutive days."""

    hilist_code: str
    max_cnt: Decimal
    period_days: int
    insu_admdvs: str
    begndate: dt.date
    enddate: dt.date | None = None


@dataclass(frozen=True)
class Death:
    certno: str
    die_date: dt.date


# --- column parsers: each takes the cell text and returns the value or raises ValueError ----

def _text(value: str) -> str:
    return value


def _admdvs(value: str) -> str:
    if not re.fullmatch(r"\d{6}", value):
        raise ValueError("must be a 6-digit admdvs")
    return value


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ValueError("must be a date yyyy-MM-dd") from None


def _gend(value: str) -> str:
    if value not in ("1", "2"):
        raise ValueError("must be 1 (male) or 2 (female)")
    return value


def _count(minimum: int) -> Callable[[str], int]:
    def parse(value: str) -> int:
        if not re.fullmatch(r"\d+", value) or int(value) < minimum:
            raise ValueError(f"must be a whole number ≥ {minimum}")
        return int(value)
    return parse


def _level(value: str) -> int:
    if value not in ("0", "1", "2", "3"):
        raise ValueError("must be a hospital level 0-3")
    return int(value)


def _quantity(value: str) -> Decimal:
    try:
        number = Decimal(value)
    except InvalidOperation:
        raise ValueError("must be a number") from None
    if not number.is_finite() or number <= 0:
        raise ValueError("must be a positive number")
    return number


def _codes(value: str) -> tuple[str, ...]:
    # The batch matches these by SQL LIKE, so LIKE's wildcards cannot be part of a code.
    codes = tuple(code.strip() for code in value.split(";") if code.strip())
    for code in codes:
        if not re.fullmatch(r"[A-Za-z0-9.\-]+", code):
            raise ValueError(f"code {code!r} may hold only letters, digits, '.' and '-'")
    return codes


# (column, parser, required) per table, in file column order.
Spec = tuple[tuple[str, Callable[[str], Any], bool], ...]
_WHERE_WHEN: Spec = (("insu_admdvs", _admdvs, True), ("begndate", _date, True), ("enddate", _date, False))

TABLES: dict[str, tuple[type, Spec]] = {
    "restrictions": (Restriction, (
        ("hilist_code", _text, True), *_WHERE_WHEN, ("gend", _gend, False),
        ("age_min", _count(0), False), ("age_max", _count(0), False), ("medins_lv_min", _level, False),
        ("med_types", _codes, False), ("dise_codes", _codes, False),
        ("max_cnt_per_day", _quantity, False), ("max_days", _count(1), False),
    )),
    "price_ceilings": (PriceCeiling, (
        ("hilist_code", _text, True), *_WHERE_WHEN, ("hilist_pric_uplmt_amt", _quantity, True),
    )),
    "bundles": (Bundle, (("package_code", _text, True), ("hilist_code", _text, True), *_WHERE_WHEN)),
    "exclusive_pairs": (ExclusivePair, (("hilist_code", _text, True), ("excl_hilist_code", _text, True), *_WHERE_WHEN)),
    "frequency_limits": (FrequencyLimit, (
        ("hilist_code", _text, True), ("max_cnt", _quantity, True), ("period_days", _count(1), True), *_WHERE_WHEN,
    )),
    "deaths": (Death, (("certno", _text, True), ("die_date", _date, True))),
}
KNOWLEDGE_TABLES = ("restrictions", "price_ceilings", "bundles", "exclusive_pairs", "frequency_limits")


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        raise ValueError("must not be true/false")
    return str(value).strip()


def _check_row(table: str, row: Any) -> str | None:
    """Cross-column checks: None, or the problem as 'column: message'."""
    if table == "restrictions" and row.age_min is not None and row.age_max is not None and row.age_min > row.age_max:
        return "age_max: must not be below age_min"
    if table == "bundles" and row.package_code == row.hilist_code:
        return "hilist_code: a package cannot include itself"
    if table == "exclusive_pairs" and row.hilist_code == row.excl_hilist_code:
        return "excl_hilist_code: an item cannot exclude itself"
    if getattr(row, "enddate", None) and row.enddate < row.begndate:
        return "enddate: must not be before begndate"
    return None


def parse_row(table: str, record: dict, where: str) -> Any | None:
    """One record of ``table`` (a CSV row or JSON object); ``where`` names file and row.

    Returns None for a withdrawn price ceiling (``vali_flag`` 0, as in the 1318 shape).
    """
    model, spec = TABLES[table]
    if not isinstance(record, dict):
        raise KnowledgeError(f"{where}: must be an object with the table's columns")
    if table == "price_ceilings" and str(record.get("vali_flag", "")).strip() == "0":
        return None
    values = {}
    for column, parse, required in spec:
        try:
            text = _cell(record.get(column))
            if not text:
                if required:
                    raise ValueError("required column is missing or empty")
                continue
            values[column] = parse(text)
        except ValueError as exc:
            raise KnowledgeError(f"{where}, column {column}: {exc}") from None
    row = model(**values)
    problem = _check_row(table, row)
    if problem:
        column, message = problem.split(": ", 1)
        raise KnowledgeError(f"{where}, column {column}: {message}")
    return row


def row_record(row: Any) -> dict[str, str]:
    """A row as file cells (the inverse of ``parse_row``); empty cells are left out."""
    record = {}
    for item in fields(row):
        value = getattr(row, item.name)
        if value is None or value == ():
            continue
        if isinstance(value, tuple):
            value = ";".join(value)
        elif isinstance(value, Decimal):
            value = format(value, "f")
        elif isinstance(value, dt.date):
            value = value.isoformat()
        record[item.name] = str(value)
    return record


def read_records(path: Path) -> list[dict]:
    """A CSV file with a header row, or a JSON array of objects (numbers read as Decimal)."""
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise KnowledgeError(f"{path}: file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise KnowledgeError(f"{path}: cannot read: {exc}") from None
    if Path(path).suffix.lower() == ".json":
        try:
            data = json.loads(text, parse_float=Decimal)
        except json.JSONDecodeError as exc:
            raise KnowledgeError(f"{path}: not valid JSON: {exc.msg} at line {exc.lineno}") from None
        if not isinstance(data, list):
            raise KnowledgeError(f"{path}: a JSON knowledge file is an array of objects")
        return data
    reader = csv.DictReader(io.StringIO(text))
    if not reader.fieldnames:
        raise KnowledgeError(f"{path}: empty file (no header row)")
    return [{(key or "").strip(): value for key, value in row.items()} for row in reader]


def load_table(table: str, path: Path | str) -> tuple:
    """All rows of one file, or KnowledgeError naming file, row (1 = first data row) and column."""
    if table not in TABLES:
        raise KnowledgeError(f"unknown knowledge table {table!r} (one of {', '.join(TABLES)})")
    rows = (parse_row(table, record, f"{path}: row {number}") for number, record in enumerate(read_records(Path(path)), 1))
    return tuple(row for row in rows if row is not None)


def load_deaths(path: Path | str) -> dict[str, dt.date]:
    """The death registry file (``yibao import deaths`` shape) as certno → die_date."""
    return {row.certno: row.die_date for row in load_table("deaths", path)}


def _valid_on(row: Any, day: dt.date) -> bool:
    return row.begndate <= day and (row.enddate is None or row.enddate >= day)


@dataclass(frozen=True)
class KnowledgeBase:
    restrictions: tuple[Restriction, ...] = ()
    price_ceilings: tuple[PriceCeiling, ...] = ()
    bundles: tuple[Bundle, ...] = ()
    exclusive_pairs: tuple[ExclusivePair, ...] = ()
    frequency_limits: tuple[FrequencyLimit, ...] = ()

    @classmethod
    def load(cls, **paths: Path | str) -> "KnowledgeBase":
        """``KnowledgeBase.load(restrictions="r.csv", bundles="b.csv", …)``; tables not named are empty."""
        unknown = set(paths) - set(KNOWLEDGE_TABLES)
        if unknown:
            raise KnowledgeError(f"unknown knowledge table(s): {', '.join(sorted(unknown))}")
        return cls(**{table: load_table(table, path) for table, path in paths.items()})

    def table(self, name: str) -> tuple:
        return getattr(self, name)

    @cached_property
    def _by_code(self) -> dict[str, dict[str, list]]:
        index: dict[str, dict[str, list]] = {table: {} for table in KNOWLEDGE_TABLES}
        for table in KNOWLEDGE_TABLES:
            for row in self.table(table):
                index[table].setdefault(row.hilist_code, []).append(row)
        return index

    def _applicable(self, table: str, code: str, region: str, day: dt.date) -> list:
        chain = region_chain(region)
        return [row for row in self._by_code[table].get(code, ()) if row.insu_admdvs in chain and _valid_on(row, day)]

    def _nearest(self, table: str, code: str, region: str, day: dt.date) -> Any | None:
        chain = region_chain(region)
        rows = self._applicable(table, code, region, day)
        # Nearest region first, then the most recent row (the batch orders the same way).
        rows.sort(key=lambda row: (chain.index(row.insu_admdvs), -row.begndate.toordinal()))
        return rows[0] if rows else None

    def restriction(self, code: str, region: str, day: dt.date) -> Restriction | None:
        return self._nearest("restrictions", code, region, day)

    def price_ceiling(self, code: str, region: str, day: dt.date) -> Decimal | None:
        row = self._nearest("price_ceilings", code, region, day)
        return row.hilist_pric_uplmt_amt if row else None

    def packages_including(self, code: str, region: str, day: dt.date) -> set[str]:
        return {row.package_code for row in self._applicable("bundles", code, region, day)}

    def excluded_by(self, code: str, region: str, day: dt.date) -> set[str]:
        return {row.excl_hilist_code for row in self._applicable("exclusive_pairs", code, region, day)}

    def frequency_limits_for(self, code: str, region: str, day: dt.date) -> list[FrequencyLimit]:
        return self._applicable("frequency_limits", code, region, day)


def records(rows: Iterable[Any]) -> list[dict[str, str]]:
    return [row_record(row) for row in rows]
