"""``yibao import KIND FILE``: files in the national shapes of data-formats.md.

All or nothing per file: every row is validated first; a bad row (or a row repeating the
key of an earlier row) is reported with the file, row number and column, and nothing from
that file is written.

Imports never move money that has moved: a persons file updates identity and insurance
fields only. Its ``acct_balance`` opens the account of a person who has no account entries
yet (one ``opening`` entry); for everyone else a stated balance is ignored and counted in
the result. A later change of a balance is an explicit adjustment (``yibao account adjust``,
app/accounts.py).
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import secrets
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, Callable, Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from yibao.documents.policy_document import parse_policy
from yibao.documents.render import dumps
from yibao.documents.validation import Amount, NonNegative, Ratio, parse_json
from yibao.domain import agreements as agreement_rules
from yibao.domain.errors import SettlementRefused
from yibao.domain.filing import DEFAULT_SUBTYPE, SUBTYPES, add_months
from yibao.sim.idnumbers import is_valid_certno
from yibao.store import repository as repo
from yibao.store.database import Database

from . import actors, agreements, code_lists, family, ledger
from .errors import GatewayError, new_id
from .secret_box import SecretBox
from .unit_of_work import UnitOfWork

# How an institution authenticates at the gateway (gateway/auth.py); the signature modes keep
# the secret sealed under the platform key (app/institution_auth.py).
AUTH_MODES = ("apikey", "x-tif", "api", "none")
SIGNATURE_MODES = ("x-tif", "api")

KINDS = ("policy", "hilist", "lmtpric", "selfpay", "institutions", "persons", "filings", "diagnoses", "procedures",
         "code_list", "practitioners")


class ImportRepository(Protocol):
    """``uow.imports`` (store/repositories/imports.py). Persons are locked and read through
    ``uow.persons``, opening entries posted through ``uow.ledger``, filings added through
    ``uow.filings.add_filing``."""

    def policy_document(self, admdvs: str, insutype: str, valid_from: dt.date) -> str | None: ...

    def add_policy(self, row: dict) -> None: ...

    def upsert_many(self, table: str, key_columns: tuple[str, ...], rows: list[dict]) -> None:
        """``upsert`` of many rows in bulk (their keys unique among them)."""

    def upsert(self, table: str, key_columns: tuple[str, ...], rows: list[dict]) -> None:
        """hilist | lmtpric | selfpay | institutions | persons | insurances, by natural key."""

    def bump_catalogue_version(self) -> int:
        """Every worker stops using its cached catalogue entries when the import commits; the
        new version, written on the import's rows (13xx downloads answer rows by it)."""

    def with_account_entries(self, psn_nos: list[str]) -> set[str]: ...

    def account_balances(self, psn_nos: list[str]) -> dict[str, Decimal]: ...

    def open_accounts(self, openings: list[tuple[str, Decimal]], *, actor: str) -> None:
        """The opening entries of accounts without entries, in bulk."""

    def open_account(self, psn_no: str, balance: Decimal, *, actor: str) -> None:
        """The ``opening`` entry of an account without entries."""

    def filed(self, psn_no: str, filing_type: str, dest_admdvs: str, begndate: dt.date) -> bool: ...


class ImportError_(Exception):
    """A file that cannot be imported; names the file, row and column."""


@dataclass
class ImportResult:
    kind: str
    path: str
    rows: int
    written: int
    # persons: new persons whose stated balance became an opening entry
    openings: int = 0
    # persons: rows stating a balance other than the current one of an existing account
    # (ignored: only `yibao account adjust` changes a balance), and their row numbers
    balances_ignored: int = 0
    balance_ignored_rows: list[int] = field(default_factory=list)
    # persons: rows whose insurance enrollment records manage (left as the records made it)
    insurances_kept: int = 0


# The natural key of each kind: the columns the writers below update a stored row by. A file
# may name each key once (a repeated key would otherwise win silently, row order deciding).
KEYS: dict[str, tuple[str, ...]] = {
    "hilist": ("hilist_code", "insu_admdvs", "begndate"),
    "lmtpric": ("hilist_code", "insu_admdvs", "begndate"),
    "selfpay": ("hilist_code", "insu_admdvs", "begndate", "selfpay_prop_psn_type"),
    "institutions": ("fixmedins_code",),
    "persons": ("psn_no",),
    "filings": ("psn_no", "filing_type", "dest_admdvs", "begndate"),
    "policy": ("admdvs", "insutype", "valid_from"),
    "diagnoses": ("diag_code",),
    "procedures": ("oprn_oprt_code",),
    "code_list": ("list_kind", "code"),
    "practitioners": ("fixmedins_code", "prac_psn_code"),
}


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
    # optional (data-formats.md): how the institution authenticates at the gateway; empty or
    # absent = apikey, so files without the column import as before
    auth_mode: Literal["apikey", "x-tif", "api", "none"] = "apikey"

    # optional (data-formats.md): the institution's agreement when it has none yet; a file
    # without them gives an agreement covering everything, as before (app/agreements.py)
    agreement_begndate: dt.date | None = None
    agreement_enddate: dt.date | None = None
    agreement_services: str = ""
    internet_of: str = Field(default="", pattern=r"^([HP]\d{11})?$")

    _agreement_dates = field_validator("agreement_begndate", "agreement_enddate", mode="before")(_empty_to_none)

    @field_validator("auth_mode", mode="before")
    @classmethod
    def _mode(cls, value):
        return (str(value).strip().lower() or "apikey") if value is not None else "apikey"

    @field_validator("agreement_services", "internet_of", mode="before")
    @classmethod
    def _blank(cls, value):
        return "" if value is None else value

    @field_validator("agreement_services")
    @classmethod
    def _services(cls, value: str) -> str:
        try:
            return agreement_rules.services_text(agreement_rules.parse_services(value))
        except ValueError as unknown:
            raise ValueError(f"unknown services {unknown} (known: {';'.join(agreement_rules.SERVICES)})") from None

    @model_validator(mode="after")
    def _period(self):
        if self.agreement_begndate and self.agreement_enddate and self.agreement_enddate < self.agreement_begndate:
            raise ValueError("agreement_enddate is before agreement_begndate")
        if self.internet_of == self.fixmedins_code:
            raise ValueError("internet_of names the institution itself (list internet in agreement_services instead)")
        return self


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
    # None: the row states no balance (empty cell or no such column)
    acct_balance: Amount | None = None
    card_no: str = ""
    family_psn_no: str | None = None
    # optional (docs/enrollment.md): absent, the person is enrolled and entitled as before
    enroll_date: dt.date | None = None
    benefit_begndate: dt.date | None = None

    _none = field_validator("assistance_group", "family_psn_no", mode="before")(_empty_to_none)
    _no_date = field_validator("enroll_date", "benefit_begndate", mode="before")(_empty_to_none)

    @model_validator(mode="after")
    def _benefit_after_enrollment(self):
        if self.enroll_date and self.benefit_begndate and self.benefit_begndate < self.enroll_date:
            raise ValueError("benefit_begndate is before enroll_date")
        return self

    @field_validator("cvlserv_flag", mode="before")
    @classmethod
    def _flag(cls, value: Any) -> Any:
        return False if value in ("", None) else value

    @field_validator("acct_balance", mode="before")
    @classmethod
    def _balance(cls, value: Any) -> Any:
        return None if value in ("", None) else value

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


class PractitionerRow(_Row):
    """医执人员 registered with an institution (what 5102 answers), national field names."""

    fixmedins_code: str = Field(pattern=r"^[HP]\d{11}$")
    prac_psn_code: str = Field(min_length=1, max_length=20)
    prac_psn_type: Literal["1", "2", "3", "4"]  # 医师, 护士, 药师, 医技人员
    psn_cert_type: str = Field(default="01", max_length=6)
    certno: str = Field(min_length=1, max_length=50)
    prac_psn_name: str = Field(min_length=1, max_length=50)
    prac_psn_no: str = Field(default="", max_length=20)
    prac_psn_cert: str = Field(default="", max_length=30)
    prac_cert_no: str = Field(default="", max_length=30)
    hi_dr_flag: Literal["0", "1"] = "1"
    hosp_dept_codg: str = Field(default="", max_length=30)
    begntime: dt.datetime
    endtime: dt.datetime | None = None
    chg_rea: str = Field(default="", max_length=200)

    _none = field_validator("endtime", mode="before")(_empty_to_none)


ROW_MODELS = {
    "hilist": HilistRow, "lmtpric": LmtpricRow, "selfpay": SelfpayRow,
    "institutions": InstitutionRow, "persons": PersonRow, "filings": FilingRow,
    "diagnoses": code_lists.DiagnosisRow, "procedures": code_lists.ProcedureRow, "code_list": code_lists.CodeListRow,
    "practitioners": PractitionerRow,
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
    return [validate_row(kind, path, number, row) for number, row in enumerate(rows, start=1)]


def validate_row(kind: str, path: Path, number: int, row: dict) -> BaseModel:
    try:
        return ROW_MODELS[kind].model_validate(row)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        column = ".".join(str(part) for part in first["loc"]) or "(row)"
        message = "required column is missing or empty" if first["type"] == "missing" else first["msg"]
        raise ImportError_(f"{path}: row {number}, column {column}: {message}") from None


def _key_text(columns: tuple[str, ...], values: tuple) -> str:
    return ", ".join(f"{column}={'' if value is None else value}" for column, value in zip(columns, values))


def refuse_duplicate_keys(kind: str, path: Path, rows: list[Any]) -> None:
    """A key named twice in one file refuses the file, naming the later row and the key's
    first column (the whole key and the earlier row in the message)."""
    columns = KEYS[kind]
    seen: dict[tuple, int] = {}
    for number, row in enumerate(rows, start=1):
        key = tuple(getattr(row, column) for column in columns)
        if key in seen:
            raise ImportError_(
                f"{path}: row {number}, column {columns[0]}: 键重复（{_key_text(columns, key)}），"
                f"与第 {seen[key]} 行相同；同一文件中每个键只能出现一次"
            )
        seen[key] = number


def hash_secret(secret: str, salt: str) -> str:
    # Secrets are random high-entropy tokens, so a salted SHA-256 is enough and keeps the
    # per-request check cheap.
    return hashlib.sha256((salt + secret).encode()).hexdigest()


def import_file(
    database: Database, kind: str, path: Path, *, now: dt.datetime, progress: Callable[[int, int], None] | None = None,
    secret_box: SecretBox | None = None,
) -> ImportResult:
    """Validate the whole file, then write it in one unit of work (all or nothing per file).
    ``secret_box`` seals the secrets of institutions in a signature mode (the platform key)."""
    from yibao.store.unit_of_work import SqlUnitOfWork

    if kind not in KINDS:
        raise ImportError_(f"unknown import kind '{kind}' (one of {', '.join(KINDS)})")
    if kind == "policy":
        parsed = _parse_policies(path)
        with SqlUnitOfWork(database, actors.SYSTEM, now) as uow:
            return import_policies(uow, path, parsed)
    if kind == "persons" and path.suffix.lower() != ".json":
        # a province's persons file: streamed, validated and written batch by batch in one
        # transaction (app/streaming_import.py); a bad row still rolls the whole file back
        from .streaming_import import import_persons_streamed

        return import_persons_streamed(database, path, now=now, progress=progress)
    rows = validate_rows(kind, path, read_rows(path))
    refuse_duplicate_keys(kind, path, rows)
    with SqlUnitOfWork(database, actors.SYSTEM, now) as uow:
        return import_rows(uow, kind, path, rows, progress=progress, secret_box=secret_box)


def import_rows(uow: UnitOfWork, kind: str, path: Path, rows: list[BaseModel], *,
                progress: Callable[[int, int], None] | None = None, secret_box: SecretBox | None = None) -> ImportResult:
    """Write validated rows of one file in batches of 500, reporting progress after each."""
    result = ImportResult(kind, str(path), len(rows), len(rows))
    writer = _WRITERS[kind]
    if kind == "persons":
        _check_family_links(uow, path, rows)
    if kind == "filings":
        _check_filing_persons(uow, path, rows)
    if kind == "practitioners":
        _check_practitioner_institutions(uow, path, rows)
    if kind == "institutions":
        _check_platform_key(path, rows, secret_box)
        _check_internet_of(uow, path, rows)
    for start in range(0, len(rows), 500):
        batch = rows[start:start + 500]
        if kind == "persons":
            _write_persons(uow, batch, result=result, first_number=start + 1, source=path.name)
        elif kind == "institutions":
            _write_institutions(uow, batch, secret_box)
        else:
            writer(uow, batch)
        if progress:
            progress(min(start + 500, len(rows)), len(rows))
    if kind == "institutions":
        _write_agreements(uow, path, rows)
    if kind == "persons":  # after every batch: an owner may come later in the file than its relative
        family.import_links(uow, [(row.family_psn_no, row.psn_no) for row in rows if row.family_psn_no],
                            actor=f"import:{path.name}")
    return result


def _check_internet_of(uow: UnitOfWork, path: Path, rows: list[InstitutionRow]) -> None:
    in_file = {row.fixmedins_code for row in rows}
    for number, row in enumerate(rows, start=1):
        if row.internet_of and row.internet_of not in in_file and uow.agreements.institution(row.internet_of) is None:
            raise ImportError_(f"{path}: row {number}, column internet_of: unknown institution {row.internet_of}")


def _write_agreements(uow: UnitOfWork, path: Path, rows: list[InstitutionRow]) -> None:
    """Agreements for the institutions that have none (a re-import changes no agreement)."""
    try:
        agreements.from_import(uow, [dict(fixmedins_code=row.fixmedins_code, begndate=row.agreement_begndate,
                                          enddate=row.agreement_enddate, services=row.agreement_services,
                                          internet_of=row.internet_of) for row in rows])
    except GatewayError as refused:
        raise ImportError_(f"{path}: {refused.message}") from None


def _parse_policies(path: Path) -> list[tuple[dict, Any]]:
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
    refuse_duplicate_keys("policy", path, [policy for _, policy in parsed])
    return parsed


def import_policies(uow: UnitOfWork, path: Path, parsed: list[tuple[dict, Any]]) -> ImportResult:
    """New policies are written; one already imported with the same content is skipped, with
    other content refused (settlements refer to it)."""
    written = 0
    for document, policy in parsed:
        text = dumps(document, indent=None)
        existing = uow.imports.policy_document(policy.admdvs, policy.insutype, policy.valid_from)
        if existing is not None:
            if json.loads(existing) != json.loads(text):
                raise ImportError_(
                    f"{path}: policy {policy.admdvs}/{policy.insutype} from {policy.valid_from} is already "
                    "imported with other content; settlements refer to it, so import the change with a "
                    "later valid_from instead"
                )
            continue
        uow.imports.add_policy(dict(
            admdvs=policy.admdvs, insutype=policy.insutype, valid_from=policy.valid_from,
            valid_to=policy.valid_to, name=policy.name, document=text, imported_at=uow.now))
        written += 1
    return ImportResult("policy", str(path), len(parsed), written)


def _write_hilist(uow, rows):
    # every worker stops using its cached entries; the rows carry the new version (downloads)
    ver = uow.imports.bump_catalogue_version()
    uow.imports.upsert("hilist", KEYS["hilist"], [dict(row.model_dump(), ver=ver) for row in rows])


def _write_lmtpric(uow, rows):
    ver = uow.imports.bump_catalogue_version()
    values = []
    for row in rows:
        data = row.model_dump()
        data["hilist_pric_uplmt_amt"] = f"{row.hilist_pric_uplmt_amt:f}"
        values.append(dict(data, ver=ver))
    uow.imports.upsert("lmtpric", KEYS["lmtpric"], values)


def _write_selfpay(uow, rows):
    ver = uow.imports.bump_catalogue_version()
    values = []
    for row in rows:
        data = row.model_dump()
        data["selfpay_prop"] = f"{row.selfpay_prop:f}"
        values.append(dict(data, ver=ver))
    uow.imports.upsert("selfpay", KEYS["selfpay"], values)


def _check_platform_key(path: Path, rows: list[InstitutionRow], box: SecretBox | None) -> None:
    """A signature mode keeps the secret sealed under the platform key: refused without one."""
    if box is not None:
        return
    for number, row in enumerate(rows, start=1):
        if row.auth_mode in SIGNATURE_MODES:
            raise ImportError_(f"{path}: row {number}, column auth_mode: 签名认证方式 {row.auth_mode} 需要平台密钥，"
                               "请先设置 YIBAO_SECRET_KEY（可用 `yibao institution platform-key` 生成）")


def _write_institutions(uow, rows, box: SecretBox | None = None):
    """The file is the agency's register: each row sets the institution's mode and secret (a
    re-import of a file without ``auth_mode`` puts its institutions back to apikey)."""
    values = []
    for row in rows:
        salt = secrets.token_hex(8)
        sealed = box.seal(row.secret, row.fixmedins_code) if row.auth_mode in SIGNATURE_MODES else None
        values.append(dict(
            fixmedins_code=row.fixmedins_code, fixmedins_name=row.fixmedins_name,
            fixmedins_type=row.fixmedins_type, medins_lv=row.medins_lv, admdvs=row.admdvs,
            secret_salt=salt, secret_hash=hash_secret(row.secret, salt),
            auth_mode=row.auth_mode, secret_sealed=sealed,
        ))
    uow.imports.upsert("institutions", KEYS["institutions"], values)


def _check_family_links(uow: UnitOfWork, path: Path, rows: list[PersonRow]) -> None:
    in_file = {row.psn_no for row in rows}
    for number, row in enumerate(rows, start=1):
        if row.family_psn_no and row.family_psn_no not in in_file and uow.persons.get(row.family_psn_no) is None:
            raise ImportError_(f"{path}: row {number}, column family_psn_no: unknown person {row.family_psn_no}")


def _check_filing_persons(uow: UnitOfWork, path: Path, rows: list[FilingRow]) -> None:
    for number, row in enumerate(rows, start=1):
        if uow.persons.get(row.psn_no) is None:
            raise ImportError_(f"{path}: row {number}, column psn_no: unknown person {row.psn_no}")


def _check_practitioner_institutions(uow: UnitOfWork, path: Path, rows: list[PractitionerRow]) -> None:
    for number, row in enumerate(rows, start=1):
        if not uow.practitioners.institution_exists(row.fixmedins_code):
            raise ImportError_(f"{path}: row {number}, column fixmedins_code: unknown institution {row.fixmedins_code}")


def _write_practitioners(uow: UnitOfWork, rows):
    uow.imports.upsert("practitioners", KEYS["practitioners"], [row.model_dump() for row in rows])


def _enrollment_dates(row: PersonRow) -> dict:
    """The optional dates, only when the row states them: a re-import without the columns keeps
    the dates an enrollment recorded; an enroll_date alone entitles from that day."""
    if row.enroll_date is None and row.benefit_begndate is None:
        return {}
    return {"enroll_date": row.enroll_date, "benefit_begndate": row.benefit_begndate or row.enroll_date}


def _write_persons(uow: UnitOfWork, rows, *, result: ImportResult, first_number: int = 1, source: str = ""):
    """Identity and insurance fields only. The stated balance opens the account of a person
    without account entries; an existing account is never touched (a different stated
    balance is counted in ``result`` and otherwise ignored)."""
    # the batch's persons locked in ascending psn_no order, one statement (docs/locking.md, rank 3)
    uow.persons.lock(sorted({row.psn_no for row in rows}))
    uow.imports.upsert_many("persons", KEYS["persons"], [dict(
        psn_no=row.psn_no, psn_cert_type=row.psn_cert_type, certno=row.certno, psn_name=row.psn_name,
        gend=row.gend, brdy=row.brdy, card_no=row.card_no, family_psn_no=row.family_psn_no,
    ) for row in rows])
    # An insurance that enrollment records manage (enrolled, transferred, suspended or ended through
    # app/enrollment.py) is theirs: a file re-imported from either region never moves the person
    # back, resumes an ended insurance or insures anyone twice (issue #15 item 2). Counted, not refused.
    managed = uow.imports.insurances_with_records(sorted({row.psn_no for row in rows}))
    uow.imports.upsert_many("insurances", ("psn_no", "insutype"), [dict(
        psn_no=row.psn_no, insutype=row.insutype, psn_type=row.psn_type,
        insuplc_admdvs=row.insuplc_admdvs, cvlserv_flag=row.cvlserv_flag,
        assistance_group=row.assistance_group, psn_insu_stas="1", **_enrollment_dates(row),
    ) for row in rows if (row.psn_no, row.insutype) not in managed])
    result.insurances_kept += sum(1 for row in rows if (row.psn_no, row.insutype) in managed)
    stating = [row.psn_no for row in rows if row.acct_balance is not None]
    if not stating:
        return
    # Read after the upserts: on PostgreSQL the updated or inserted person rows are locked,
    # so a settlement or a concurrent import of the same person waits for this transaction.
    with_entries = uow.imports.with_account_entries(stating)
    balances = uow.imports.account_balances(sorted(with_entries)) if with_entries else {}
    openings = []
    for number, row in enumerate(rows, start=first_number):
        if row.acct_balance is None:
            continue
        if row.psn_no in with_entries:
            if row.acct_balance != balances.get(row.psn_no, Decimal(0)):
                result.balances_ignored += 1
                result.balance_ignored_rows.append(number)
            continue
        if row.acct_balance:
            openings.append(row)
    # the batch's openings in bulk: their account entries, then one ledger entry each
    uow.imports.open_accounts([(row.psn_no, row.acct_balance) for row in openings], actor=f"import:{source}"[:200])
    uow.ledger.post_many([ledger.account_movement_entry(row.psn_no, row.insuplc_admdvs, repo.to_fen(row.acct_balance),
                                                        f"opening:{row.psn_no}") for row in openings])
    result.openings += len(openings)


def _write_filings(uow: UnitOfWork, rows):
    for row in rows:
        if not uow.imports.filed(row.psn_no, row.filing_type, row.dest_admdvs, row.begndate):
            values = row.model_dump()
            values["subtype"] = row.subtype or DEFAULT_SUBTYPE[row.filing_type]
            uow.filings.add_filing(dict(
                **values, created_at=uow.now, filing_no=new_id("FL"), status="active", source="import", created_by="import",
                end_reason="", locked_until=add_months(row.begndate, 6) if row.commitment_letter else None))


_WRITERS = {
    "hilist": _write_hilist, "lmtpric": _write_lmtpric, "selfpay": _write_selfpay,
    "institutions": _write_institutions, "persons": _write_persons, "filings": _write_filings,
    "diagnoses": lambda uow, rows: code_lists.write_rows(uow, "diagnosis", rows),
    "procedures": lambda uow, rows: code_lists.write_rows(uow, "procedure", rows),
    "code_list": lambda uow, rows: code_lists.write_rows(uow, None, rows),
    "practitioners": _write_practitioners,
}

__all__ = ["KEYS", "KINDS", "ImportError_", "ImportResult", "import_file", "import_policies", "import_rows", "hash_secret",
           "refuse_duplicate_keys"]
