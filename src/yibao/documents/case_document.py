"""Settlement case files (settlement-spec §2): validation and conversion to a domain case."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from yibao.domain import codes
from yibao.domain.case import CatalogEntry, FeeLine, Person, SettlementCase, Visit, YearToDate
from yibao.domain.errors import bad_input
from yibao.domain.money import ZERO

from .policy_document import ADMDVS_PATTERN, parse_policy
from .validation import MAX_MAGNITUDE, Amount, NonNegative, Ratio, load_json, parse_json, refusal_from, shown

MAX_VISITS = 100_000  # visits of one person in one year: far above any real count


class _Doc(BaseModel):
    model_config = ConfigDict(extra="ignore", coerce_numbers_to_str=True, frozen=True)


class CatalogEntryDoc(_Doc):
    code: str = Field(min_length=1)
    name: str = ""
    chrgitm_lv: Literal["01", "02", "03"]
    selfpay_prop: Ratio = ZERO
    pric_uplmt_amt: NonNegative | None = None


class PersonDoc(_Doc):
    psn_no: str = Field(min_length=1, max_length=30)
    insutype: str | None = Field(default=None, pattern=r"^\d{3}$")
    psn_type: str | None = None
    retired: bool | None = None
    cvlserv_flag: bool = False
    assistance_group: str | None = None
    acct_balance: Amount = ZERO
    mutual_aid_balance: Amount = ZERO
    qualified_diseases: list[str] | None = None

    @model_validator(mode="after")
    def _retired_is_known(self) -> "PersonDoc":
        if self.retired is None and self.psn_type is None:
            raise ValueError("give retired (true/false) or psn_type")
        return self


class YtdDoc(_Doc):
    visits: dict[str, int] = Field(default_factory=dict)
    inscp: dict[str, Amount] = Field(default_factory=dict)
    deductible_paid: dict[str, Amount] = Field(default_factory=dict)
    fund_paid: dict[str, Amount] = Field(default_factory=dict)
    layer_base: dict[str, Amount] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _visits_not_negative(self) -> "YtdDoc":
        for key, count in self.visits.items():
            if count < 0:
                raise ValueError(f"visits.{key} must not be negative")
            if count > MAX_VISITS:
                raise ValueError(f"visits.{key} 超出范围（最多 {MAX_VISITS}），收到 {shown(count)}")
        return self


class VisitDoc(_Doc):
    med_type: str = Field(min_length=1)
    medins_lv: str = ""
    begndate: dt.date | None = None
    enddate: dt.date
    insuplc_admdvs: str = Field(pattern=ADMDVS_PATTERN)
    mdtrtarea_admvs: str = Field(pattern=ADMDVS_PATTERN)
    filing: Literal["long_term", "referral", "emergency", "temporary_other"] | None = None
    acct_used_flag: bool = True
    dise_codg: str | None = None

    @model_validator(mode="after")
    def _dates_in_order(self) -> "VisitDoc":
        if self.begndate is not None and self.begndate > self.enddate:
            raise ValueError(f"begndate {self.begndate} is after enddate {self.enddate}")
        return self


class LineDoc(_Doc):
    code: str = Field(min_length=1)
    cnt: NonNegative | None = None
    pric: NonNegative | None = None
    det_item_fee_sumamt: Amount | None = None

    @model_validator(mode="after")
    def _has_amount(self) -> "LineDoc":
        if self.det_item_fee_sumamt is None and (self.cnt is None or self.pric is None):
            raise ValueError("a fee line needs det_item_fee_sumamt, or both cnt and pric")
        if self.det_item_fee_sumamt is None and self.cnt * self.pric >= MAX_MAGNITUDE:
            # the line amount is round(cnt × pric): as out of range as any amount (and past
            # 1e26 it could not even be rounded to the fen)
            raise ValueError(f"cnt × pric = {self.cnt * self.pric:.3E} 超出范围（应小于 {MAX_MAGNITUDE:.0E}）")
        return self


class CaseDoc(_Doc):
    policy: dict[str, Any] | None = None
    policy_file: str | None = None
    catalog: list[CatalogEntryDoc] | None = None
    catalog_file: str | None = None
    person: PersonDoc
    ytd: YtdDoc | None = None
    visit: VisitDoc
    lines: list[LineDoc] = Field(min_length=1)


CATALOG_COLUMN_ALIASES = {
    "hilist_code": "code",
    "hilist_name": "name",
    "hilist_pric_uplmt_amt": "pric_uplmt_amt",
}


def parse_case(data: Any, base_dir: Path | None = None) -> SettlementCase:
    """Validate a case document; ``policy_file``/``catalog_file`` resolve against base_dir."""
    if not isinstance(data, dict):
        raise bad_input("$", "a settlement case is a JSON object")
    try:
        doc = CaseDoc.model_validate(data)
    except ValidationError as exc:
        raise refusal_from(exc) from None
    base_dir = base_dir or Path(".")

    if doc.policy is not None:
        policy = parse_policy(doc.policy, "policy")
    elif doc.policy_file is not None:
        policy = parse_policy(load_json(base_dir / doc.policy_file, "policy_file"), "policy_file")
    else:
        raise bad_input("policy", "required field is missing (give policy or policy_file)")

    if doc.catalog is not None:
        entries = doc.catalog
        catalog_path = "catalog"
    elif doc.catalog_file is not None:
        entries = load_catalog_file(base_dir / doc.catalog_file)
        catalog_path = "catalog_file"
    else:
        raise bad_input("catalog", "required field is missing (give catalog or catalog_file)")
    catalog = build_catalog(entries, catalog_path)

    person_doc = doc.person
    if person_doc.insutype is not None and person_doc.insutype != policy.insutype:
        raise bad_input(
            "person.insutype",
            f"the person is insured under {person_doc.insutype} but the policy is for {policy.insutype}",
        )
    retired = person_doc.retired
    if retired is None:
        retired = codes.psn_type_is_retired(person_doc.psn_type)
    person = Person(
        psn_no=person_doc.psn_no,
        insutype=person_doc.insutype,
        psn_type=person_doc.psn_type,
        retired=retired,
        cvlserv_flag=person_doc.cvlserv_flag,
        assistance_group=person_doc.assistance_group or None,
        acct_balance=person_doc.acct_balance,
        mutual_aid_balance=person_doc.mutual_aid_balance,
        qualified_diseases=frozenset(person_doc.qualified_diseases) if person_doc.qualified_diseases is not None else None,
    )
    ytd_doc = doc.ytd or YtdDoc()
    ytd = YearToDate(
        visits=dict(ytd_doc.visits),
        inscp=dict(ytd_doc.inscp),
        deductible_paid=dict(ytd_doc.deductible_paid),
        fund_paid=dict(ytd_doc.fund_paid),
        layer_base=dict(ytd_doc.layer_base),
    )
    v = doc.visit
    visit = Visit(
        med_type=v.med_type,
        medins_lv=v.medins_lv,
        begndate=v.begndate,
        enddate=v.enddate,
        insuplc_admdvs=v.insuplc_admdvs,
        mdtrtarea_admvs=v.mdtrtarea_admvs,
        filing=v.filing,
        acct_used_flag=v.acct_used_flag,
        dise_codg=v.dise_codg or None,
    )
    for i, ln in enumerate(doc.lines):
        entry = catalog.get(ln.code)
        if entry is not None and entry.pric_uplmt_amt is not None and ln.cnt is not None \
                and entry.pric_uplmt_amt * ln.cnt >= MAX_MAGNITUDE:
            # the line's price ceiling is round(pric_uplmt_amt × cnt) (spec §5.3)
            raise bad_input(f"lines[{i}].cnt", f"cnt × 目录限价 pric_uplmt_amt = {entry.pric_uplmt_amt * ln.cnt:.3E} "
                                               f"超出范围（应小于 {MAX_MAGNITUDE:.0E}）")
    lines = tuple(FeeLine(ln.code, ln.cnt, ln.pric, ln.det_item_fee_sumamt) for ln in doc.lines)
    return SettlementCase(policy, catalog, person, ytd, visit, lines)


def build_catalog(entries: list[CatalogEntryDoc], path: str) -> dict[str, CatalogEntry]:
    catalog: dict[str, CatalogEntry] = {}
    for i, entry in enumerate(entries):
        if entry.code in catalog:
            raise bad_input(f"{path}[{i}].code", f"duplicate catalogue code '{entry.code}'")
        catalog[entry.code] = CatalogEntry(
            entry.code, entry.name, entry.chrgitm_lv, entry.selfpay_prop, entry.pric_uplmt_amt
        )
    return catalog


def load_catalog_file(path: Path) -> list[CatalogEntryDoc]:
    """A catalogue as a JSON array or a CSV with the same columns (national names accepted)."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise bad_input("catalog_file", f"file not found: {path}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise bad_input("catalog_file", f"cannot read {path}: {exc}") from None
    if path.suffix.lower() == ".csv":
        rows = []
        for row in csv.DictReader(io.StringIO(text)):
            clean = {}
            for column, cell in row.items():
                if column is None:
                    continue
                column = CATALOG_COLUMN_ALIASES.get(column.strip(), column.strip())
                if cell is not None and cell.strip() != "":
                    clean[column] = cell.strip()
            rows.append(clean)
        where = "catalog_file"
    else:
        rows = parse_json(text, "catalog_file")
        where = "catalog_file"
        if not isinstance(rows, list):
            raise bad_input("catalog_file", "a catalogue file is a JSON array of entries")
    entries = []
    for i, row in enumerate(rows):
        try:
            entries.append(CatalogEntryDoc.model_validate(row))
        except ValidationError as exc:
            raise refusal_from(exc, f"{where}[{i}]") from None
    return entries


def load_case(path: Path) -> SettlementCase:
    return parse_case(load_json(path, "$"), path.parent)
