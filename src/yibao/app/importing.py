"""``yibao import KIND FILE``: files in the national shapes of data-formats.md.

All or nothing per file: every row is validated first; a bad row is reported with the
file, row number and column, and nothing from that file is written.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import secrets
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, Callable, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from sqlalchemy import Connection, insert, select, update

from yibao.documents.policy_document import parse_policy
from yibao.documents.render import dumps
from yibao.documents.validation import Amount, NonNegative, Ratio, parse_json
from yibao.domain.errors import SettlementRefused
from yibao.domain.filing import DEFAULT_SUBTYPE, SUBTYPES, add_months
from yibao.sim.idnumbers import is_valid_certno
from yibao.store import repository as repo
from yibao.store import tables as t
from yibao.store.database import Database

from . import ledger
from .errors import new_id

KINDS = ("policy", "hilist", "lmtpric", "selfpay", "institutions", "persons", "filings")


class ImportError_(Exception):
    """A file that cannot be imported; names the file, row and column."""


@dataclass
class ImportResult:
    kind: str
    path: str
    rows: int
    written: int


class _Row(BaseModel):
    model_config = ConfigDict(extra="ignore", coerce_numbers_to_str=True, str_strip_whitespace=True)


def _empty_to_none(value: Any) -> Any:
    return None if value == "" else value


class HilistRow(_Row):
    hilist_code: str = Field(min_length=1, max_length=50)
    hilist_name: str = Field(min_length=1)
    insu_admdvs: str = Field(pattern=r"^\d{6}$")
    begndate: dt.date
    enddate: dt.date | None = None
    med_chrgitm_type: str = ""
    chrgitm_lv: Literal["01", "02", "03"]
    lmt_used_flag: Literal["0", "1"] = "0"
    list_type: str = ""
    vali_flag: Literal["0", "1"] = "1"

    _none = field_validator("enddate", mode="before")(_empty_to_none)


class LmtpricRow(_Row):
    hilist_code: str = Field(min_length=1, max_length=50)
    insu_admdvs: str = Field(pattern=r"^\d{6}$")
    begndate: dt.date
    enddate: dt.date | None = None
    hilist_pric_uplmt_amt: NonNegative
    hilist_lmtpric_type: str = ""
    overlmt_dspo_way: str = ""
    vali_flag: Literal["0", "1"] = "1"

    _none = field_validator("enddate", mode="before")(_empty_to_none)


class SelfpayRow(_Row):
    hilist_code: str = Field(min_length=1, max_length=50)
    insu_admdvs: str = Field(pattern=r"^\d{6}$")
    begndate: dt.date
    enddate: dt.date | None = None
    selfpay_prop: Ratio
    selfpay_prop_psn_type: str = ""
    selfpay_prop_type: str = ""
    vali_flag: Literal["0", "1"] = "1"

    _none = field_validator("enddate", mode="before")(_empty_to_none)


class InstitutionRow(_Row):
    fixmedins_code: str = Field(pattern=r"^[HP]\d{11}$")
    fixmedins_name: str = Field(min_length=1)
    fixmedins_type: Literal["1", "2"]
    medins_lv: Literal["", "0", "1", "2", "3"] = ""
    admdvs: str = Field(pattern=r"^\d{6}$")
    secret: str = Field(min_length=8)


class PersonRow(_Row):
    psn_no: str = Field(min_length=1, max_length=30)
    psn_cert_type: str = "01"
    certno: str = Field(min_length=1, max_length=50)
    psn_name: str = Field(min_length=1)
    gend: Literal["1", "2"]
    brdy: dt.date
    insutype: str = Field(pattern=r"^\d{3}$")
    psn_type: str = Field(min_length=1)
    insuplc_admdvs: str = Field(pattern=r"^\d{6}$")
    cvlserv_flag: bool = False
    assistance_group: str | None = None
    acct_balance: Amount = Decimal(0)
    card_no: str = ""
    family_psn_no: str | None = None

    _none = field_validator("assistance_group", "family_psn_no", mode="before")(_empty_to_none)

    @field_validator("cvlserv_flag", mode="before")
    @classmethod
    def _flag(cls, value: Any) -> Any:
        return False if value in ("", None) else value

    @field_validator("acct_balance", mode="before")
    @classmethod
    def _balance(cls, value: Any) -> Any:
        return "0" if value in ("", None) else value

    @field_validator("certno")
    @classmethod
    def _certno(cls, value: str, info) -> str:
        if info.data.get("psn_cert_type", "01") == "01" and not is_valid_certno(value):
            raise ValueError("not a valid 18-character resident ID number (checksum)")
        return value


class FilingRow(_Row):
    psn_no: str = Field(min_length=1, max_length=30)
    filing_type: Literal["long_term", "referral", "emergency", "temporary_other"]
    dest_admdvs: str = Field(pattern=r"^\d{6}$")
    begndate: dt.date
    enddate: dt.date | None = None
    # project extensions (optional columns)
    subtype: str | None = None
    commitment_letter: bool = False

    _none = field_validator("enddate", "subtype", mode="before")(_empty_to_none)

    @field_validator("commitment_letter", mode="before")
    @classmethod
    def _flag(cls, value: Any) -> Any:
        return False if value in ("", None) else value

    @field_validator("subtype")
    @classmethod
    def _subtype(cls, value: str | None, info) -> str | None:
        if value is not None and (value not in SUBTYPES or SUBTYPES[value][0] != info.data.get("filing_type")):
            raise ValueError(f"subtype {value} does not belong to filing_type {info.data.get('filing_type')}")
        return value


ROW_MODELS = {
    "hilist": HilistRow, "lmtpric": LmtpricRow, "selfpay": SelfpayRow,
    "institutions": InstitutionRow, "persons": PersonRow, "filings": FilingRow,
}


def read_rows(path: Path) -> list[dict]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ImportError_(f"{path}: file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ImportError_(f"{path}: cannot read: {exc}") from None
    if path.suffix.lower() == ".json":
        try:
            data = parse_json(text, str(path))
        except SettlementRefused as exc:
            raise ImportError_(exc.message) from None
        if isinstance(data, dict):
            data = [data]
        if not isinstance(data, list) or not all(isinstance(row, dict) for row in data):
            raise ImportError_(f"{path}: a JSON import file is an array of objects")
        return data
    reader = csv.DictReader(io.StringIO(text))
    if not reader.fieldnames:
        raise ImportError_(f"{path}: empty file (no header row)")
    return [{(key or "").strip(): (value if value is not None else "") for key, value in row.items()} for row in reader]


def validate_rows(kind: str, path: Path, rows: list[dict]) -> list[BaseModel]:
    model = ROW_MODELS[kind]
    valid = []
    for number, row in enumerate(rows, start=1):
        try:
            valid.append(model.model_validate(row))
        except ValidationError as exc:
            first = exc.errors(include_url=False)[0]
            column = ".".join(str(part) for part in first["loc"]) or "(row)"
            message = "required column is missing or empty" if first["type"] == "missing" else first["msg"]
            raise ImportError_(f"{path}: row {number}, column {column}: {message}") from None
    return valid


def hash_secret(secret: str, salt: str) -> str:
    # Secrets are random high-entropy tokens, so a salted SHA-256 is enough and keeps the
    # per-request check cheap.
    return hashlib.sha256((salt + secret).encode()).hexdigest()


def import_file(
    database: Database, kind: str, path: Path, *, now: dt.datetime, progress: Callable[[int, int], None] | None = None
) -> ImportResult:
    if kind not in KINDS:
        raise ImportError_(f"unknown import kind '{kind}' (one of {', '.join(KINDS)})")
    if kind == "policy":
        return _import_policies(database, path, now)
    rows = validate_rows(kind, path, read_rows(path))
    writer = _WRITERS[kind]
    with database.write() as conn:
        if kind == "persons":
            _check_family_links(conn, path, rows)
        for start in range(0, len(rows), 500):
            writer(conn, rows[start:start + 500], now)
            if progress:
                progress(min(start + 500, len(rows)), len(rows))
    return ImportResult(kind, str(path), len(rows), len(rows))


def _import_policies(database: Database, path: Path, now: dt.datetime) -> ImportResult:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ImportError_(f"{path}: cannot read: {exc}") from None
    try:
        data = parse_json(text, str(path))
        documents = data if isinstance(data, list) else [data]
        parsed = []
        for index, document in enumerate(documents):
            prefix = f"[{index}]" if isinstance(data, list) else ""
            parsed.append((document, parse_policy(document, prefix)))
    except SettlementRefused as exc:
        raise ImportError_(f"{path}: {exc.message}") from None
    written = 0
    with database.write() as conn:
        for document, policy in parsed:
            text = dumps(document, indent=None)
            existing = conn.execute(
                select(t.policies.c.document).where(
                    t.policies.c.admdvs == policy.admdvs,
                    t.policies.c.insutype == policy.insutype,
                    t.policies.c.valid_from == policy.valid_from,
                )
            ).scalar_one_or_none()
            if existing is not None:
                if json.loads(existing) != json.loads(text):
                    raise ImportError_(
                        f"{path}: policy {policy.admdvs}/{policy.insutype} from {policy.valid_from} is already "
                        "imported with other content; settlements refer to it, so import the change with a "
                        "later valid_from instead"
                    )
                continue
            conn.execute(insert(t.policies).values(
                admdvs=policy.admdvs, insutype=policy.insutype, valid_from=policy.valid_from,
                valid_to=policy.valid_to, name=policy.name, document=text, imported_at=now))
            written += 1
    return ImportResult("policy", str(path), len(parsed), written)


def _upsert(conn: Connection, table, key_columns: tuple[str, ...], values: list[dict]) -> None:
    for row in values:
        condition = [getattr(table.c, column) == row[column] for column in key_columns]
        if conn.execute(select(*[getattr(table.c, c) for c in key_columns]).where(*condition)).first():
            conn.execute(update(table).where(*condition).values(**row))
        else:
            conn.execute(insert(table).values(**row))


def _write_hilist(conn, rows, now):
    _upsert(conn, t.hilist, ("hilist_code", "insu_admdvs", "begndate"), [row.model_dump() for row in rows])


def _write_lmtpric(conn, rows, now):
    values = []
    for row in rows:
        data = row.model_dump()
        data["hilist_pric_uplmt_amt"] = f"{row.hilist_pric_uplmt_amt:f}"
        values.append(data)
    _upsert(conn, t.lmtpric, ("hilist_code", "insu_admdvs", "begndate"), values)


def _write_selfpay(conn, rows, now):
    values = []
    for row in rows:
        data = row.model_dump()
        data["selfpay_prop"] = f"{row.selfpay_prop:f}"
        values.append(data)
    _upsert(conn, t.selfpay, ("hilist_code", "insu_admdvs", "begndate", "selfpay_prop_psn_type"), values)


def _write_institutions(conn, rows, now):
    values = []
    for row in rows:
        salt = secrets.token_hex(8)
        values.append(dict(
            fixmedins_code=row.fixmedins_code, fixmedins_name=row.fixmedins_name,
            fixmedins_type=row.fixmedins_type, medins_lv=row.medins_lv, admdvs=row.admdvs,
            secret_salt=salt, secret_hash=hash_secret(row.secret, salt),
        ))
    _upsert(conn, t.institutions, ("fixmedins_code",), values)


def _check_family_links(conn: Connection, path: Path, rows: list[PersonRow]) -> None:
    in_file = {row.psn_no for row in rows}
    for number, row in enumerate(rows, start=1):
        if row.family_psn_no and row.family_psn_no not in in_file and repo.person(conn, row.family_psn_no) is None:
            raise ImportError_(f"{path}: row {number}, column family_psn_no: unknown person {row.family_psn_no}")


def _write_persons(conn, rows, now):
    for row in rows:
        person = dict(
            psn_no=row.psn_no, psn_cert_type=row.psn_cert_type, certno=row.certno, psn_name=row.psn_name,
            gend=row.gend, brdy=row.brdy, card_no=row.card_no, family_psn_no=row.family_psn_no,
        )
        _upsert(conn, t.persons, ("psn_no",), [person])
        _upsert(conn, t.insurances, ("psn_no", "insutype"), [dict(
            psn_no=row.psn_no, insutype=row.insutype, psn_type=row.psn_type,
            insuplc_admdvs=row.insuplc_admdvs, cvlserv_flag=row.cvlserv_flag,
            assistance_group=row.assistance_group, psn_insu_stas="1",
        )])
        # The file states the balance; movements keep history, so add the difference.
        difference = row.acct_balance - repo.account_balance(conn, row.psn_no)
        if difference:
            repo.add_account_entry(conn, row.psn_no, difference, "import", None, now)
            ledger.post(conn, ledger.account_movement_entry(row.psn_no, row.insuplc_admdvs, repo.to_fen(difference),
                                                            f"import:{row.psn_no}"), now)


def _write_filings(conn, rows, now):
    for row in rows:
        if repo.person(conn, row.psn_no) is None:
            raise ImportError_(f"filings: unknown person {row.psn_no}")
        exists = conn.execute(select(t.filings.c.filing_id).where(
            t.filings.c.psn_no == row.psn_no, t.filings.c.filing_type == row.filing_type,
            t.filings.c.dest_admdvs == row.dest_admdvs, t.filings.c.begndate == row.begndate,
        )).first()
        if not exists:
            values = row.model_dump()
            values["subtype"] = row.subtype or DEFAULT_SUBTYPE[row.filing_type]
            conn.execute(insert(t.filings).values(
                **values, created_at=now, filing_no=new_id("FL"), status="active", source="import", created_by="import",
                end_reason="", locked_until=add_months(row.begndate, 6) if row.commitment_letter else None))


_WRITERS = {
    "hilist": _write_hilist, "lmtpric": _write_lmtpric, "selfpay": _write_selfpay,
    "institutions": _write_institutions, "persons": _write_persons, "filings": _write_filings,
}

__all__ = ["KINDS", "ImportError_", "ImportResult", "import_file", "hash_secret"]
