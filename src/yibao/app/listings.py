"""The list pages of the admin API and the dashboard (issue #16 item 4): filings, cases,
sanctions, institutions, settlements, clearing statements and prepayments, each filtered by the
fields named in ``FILTERS``, scoped to what the asking agency administers (its region and the
regions under it, app/statistics.region_prefix; ``None`` = every region, the operator) and cut
into pages: ``limit`` 1..``MAX_LIMIT``, ``offset`` ≥ 0, with the ``total`` of the selection.

Scope per subject, the role the agency has there: a filing, a person's sanction — the person's
insured region; a case — the supervising region; an institution and its sanction — the
institution's region; a settlement, a clearing statement — either side of the pair; a
prepayment — the insured region (a province's agency also sees those paid to it). Amounts
leave in yuan (Decimal, domain/money.from_fen); the dashboard's drill-down reads are here too.
"""

from __future__ import annotations

import datetime as dt
from typing import Protocol

from yibao.domain.money import from_fen
from yibao.domain.regions import region_name

from .authorization import administers, mask_psn_no
from .error_codes import refusal
from .statistics import scope_of
from .unit_of_work import UnitOfWork

MAX_LIMIT = 500
DEFAULT_LIMIT = 50
FILTERS = {
    "filings": ("psn_no", "status", "filing_type", "dest_admdvs"),
    "cases": ("status", "subject_type", "subject_id"),
    "sanctions": ("kind", "subject_type", "subject_id", "active"),
    "institutions": ("fixmedins_type", "medins_lv", "admdvs", "q"),  # q: the code's beginning or part of the name
    "settlements": ("psn_no", "fixmedins_code", "insuplc_admdvs", "mdtrtarea_admvs", "med_type", "kind",
                    "setl_id", "mdtrt_id", "from", "to"),
    "statements": ("month", "status", "statement_id", "insuplc_admdvs", "mdtrtarea_admvs", "include_superseded"),
    "prepayments": ("year", "status", "kind", "insured_admdvs", "treatment_prov"),
}
REGION_COLUMNS = ("insuplc_admdvs", "mdtrtarea_admvs", "admdvs", "dest_admdvs", "insured_admdvs", "treatment_prov")
STATUS_NAMES = {
    # filings, qualifications
    "active": "有效", "cancelled": "已撤销",
    # clearing statements, prepayments
    "generated": "待确认", "confirmed": "已确认待支付", "paid": "已支付", "superseded": "已被替代",
    "approved": "已审批", "received": "已收款",
    # cases
    "suspected": "疑似", "investigating": "调查中", "dismissed": "已排除",
    # settlements (kind), sanctions (kind)
    "settlement": "结算", "reversal": "冲正", "suspend": "暂停", "terminate": "解除",
}
# a word whose meaning differs by subject: a confirmed case is a confirmed violation
SUBJECT_STATUS_NAMES = {"cases": {"confirmed": "已确认违规"}}


class ListingsRepository(Protocol):
    """``uow.listings`` (store/repositories/listings.py); one method per subject of FILTERS, each
    ``(prefix, filters, limit, offset) -> (rows, total)``, and the drill-down reads below."""

    def filings(self, prefix: str | None, filters: dict, limit: int, offset: int) -> tuple[list[dict], int]: ...

    def settlement(self, setl_id: str) -> dict | None: ...

    def fee_lines(self, mdtrt_id: str) -> list[dict]: ...

    def person(self, psn_no: str) -> dict | None: ...

    def institution(self, fixmedins_code: str) -> dict | None: ...

    def clearing_application(self, clr_appy_evt_id: str) -> dict | None: ...


def status_name(status: str | None, subject: str = "") -> str:
    status = status or ""
    return SUBJECT_STATUS_NAMES.get(subject, {}).get(status) or STATUS_NAMES.get(status, status)


def checked_page(limit: int, offset: int) -> tuple[int, int]:
    if not 1 <= limit <= MAX_LIMIT or offset < 0:
        raise refusal("LIST_BAD_PAGE", max_limit=MAX_LIMIT, limit=limit, offset=offset)
    return limit, offset


def row_view(row: dict, subject: str = "") -> dict:
    """Amounts in yuan (``x_fen`` → ``x``), each region with its name, each status in Chinese."""
    view = {}
    for key, value in row.items():
        if key.endswith("_fen"):
            view[key[:-4]] = from_fen(value or 0)
        else:
            view[key] = value
    for key in REGION_COLUMNS:
        if key in view:
            view[key + "_name"] = region_name(view[key])
    for key in ("status", "kind"):
        if key in view:
            view[key + "_name"] = status_name(view[key], subject)
    return view


def page(uow: UnitOfWork, subject: str, *, agency_code: str | None, filters: dict | None = None,
         limit: int = DEFAULT_LIMIT, offset: int = 0) -> dict:
    """One page of a subject's list: ``{"items", "total", "limit", "offset"}``."""
    if subject not in FILTERS:
        raise refusal("LIST_UNKNOWN_SUBJECT", subject=subject, subjects="、".join(FILTERS))
    limit, offset = checked_page(limit, offset)
    wanted = {name: value for name, value in (filters or {}).items() if value is not None and value != ""}
    unknown = sorted(set(wanted) - set(FILTERS[subject]))
    if unknown:
        raise refusal("LIST_UNKNOWN_FILTER", subject=subject, names="、".join(unknown),
                      allowed="、".join(FILTERS[subject]))
    if isinstance(wanted.get("from"), dt.date) and isinstance(wanted.get("to"), dt.date) and wanted["to"] < wanted["from"]:
        raise refusal("STATS_RANGE_REVERSED", begin=wanted["from"], end=wanted["to"])
    rows, total = getattr(uow.listings, subject)(scope_of(agency_code), wanted, limit, offset)
    if subject == "settlements" and agency_code is not None:
        rows = [_masked_elsewhere(row, agency_code) for row in rows]
    return {"items": [row_view(row, subject) for row in rows], "total": total, "limit": limit, "offset": offset}


def _masked_elsewhere(row: dict, agency_code: str) -> dict:
    """A treatment place sees another region's insured person by a masked number only
    (app/authorization.mask_psn_no, as the cross-region reports do)."""
    if administers(agency_code, row["insuplc_admdvs"]):
        return row
    return dict(row, psn_no=mask_psn_no(row["psn_no"]))


# --- statements as documents (the stampable PDFs, documents/statement_pdf.py) -----------------------

def statement_document(uow: UnitOfWork, document_id: str, *, agency_code: str | None) -> dict:
    """A clearing statement (``kind`` "clearing", amounts in yuan) or, by its event id, an
    institution's clearing application of 3203 (``kind`` "reconciliation"); refused unless the
    agency administers a side of it (the statement's pair, the institution's region)."""
    from .clearing import statement_view

    row = uow.clearing.statement(document_id)
    if row is not None:
        regions = (row["insuplc_admdvs"], row["mdtrtarea_admvs"])
        document = {"kind": "clearing", "view": dict(statement_view(row), status=row["status"])}
    else:
        application = uow.listings.clearing_application(document_id)
        if application is None:
            raise refusal("EXPORT_STATEMENT_NOT_FOUND", statement_id=document_id)
        institution = uow.listings.institution(application["fixmedins_code"])
        regions = ((institution or {}).get("admdvs", ""),)
        document = {"kind": "reconciliation", "view": row_view(application), "institution": institution}
    if agency_code is not None and not any(administers(agency_code, region) for region in regions if region):
        raise refusal("EXPORT_STATEMENT_NOT_OURS", statement_id=document_id, agency=agency_code)
    return document


# --- the dashboard's drill-down and search -----------------------------------------------------------

FUND_PAY_TYPES = {"310100": "职工基本医疗保险统筹基金", "310200": "职工基本医疗保险个人账户", "390100": "城乡居民基本医疗保险基金",
                  "320100": "公务员医疗补助资金", "330100": "职工大额医疗费用补助", "390200": "城乡居民大病医疗保险资金",
                  "610100": "医疗救助基金", "999996": "医院负担", "999997": "其他基金"}


def mask_name(name: str) -> str:
    """张三丰 → 张**: a page shows whose record it is without naming them in full."""
    return name[:1] + "*" * (len(name) - 1) if name else ""


def mask_certno(certno: str) -> str:
    """The first 3 and last 2 characters of an ID number (as the gateway's logs mask it)."""
    return certno[:3] + "*" * (len(certno) - 5) + certno[-2:] if len(certno) > 5 else "*" * len(certno)


def _visible(agency_code: str | None, *regions: str) -> bool:
    return agency_code is None or any(administers(agency_code, region) for region in regions if region)


def settlement_view(uow: UnitOfWork, setl_id: str, *, agency_code: str | None) -> dict:
    """A settlement as the drill-down's last step shows it: its amounts, the fund split
    (setldetail), each fee line with its split (甲乙丙, 先行自付, 超限价, 全自费), the person
    masked; refused (404) unless the agency is its insured or its treatment place."""
    import json

    row = uow.listings.settlement(setl_id)
    if row is None or not _visible(agency_code, row["insuplc_admdvs"], row["mdtrtarea_admvs"]):
        raise refusal("DASH_SETTLEMENT_NOT_FOUND", setl_id=setl_id)
    detail = json.loads(row["detail"] or "{}")
    person = uow.listings.person(row["psn_no"]) or {}
    insured_here = agency_code is None or administers(agency_code, row["insuplc_admdvs"])
    view = row_view({key: value for key, value in row.items() if key not in ("detail", "trace")}, "settlements")
    view["psn_no"] = row["psn_no"] if insured_here else mask_psn_no(row["psn_no"])
    view.update(psn_name=mask_name(person.get("psn_name", "")), certno=mask_certno(person.get("certno", "")),
                institution=uow.listings.institution(row["fixmedins_code"]) or {},
                setldetail=[dict(item, fund_pay_type_name=FUND_PAY_TYPES.get(item["fund_pay_type"], ""))
                            for item in detail.get("setldetail", [])],
                split_lines=detail.get("lines", []),
                fee_lines=[row_view(line) for line in uow.listings.fee_lines(row["mdtrt_id"])])
    return view


def pair_institutions(uow: UnitOfWork, insured: str, treatment: str, begin: dt.date, end: dt.date, *,
                      agency_code: str | None) -> list[dict]:
    """The institutions of one region pair over [begin, end] (the drill-down's second step)."""
    if not _visible(agency_code, insured, treatment):
        return []
    start = dt.datetime.combine(begin, dt.time())
    stop = dt.datetime.combine(end + dt.timedelta(days=1), dt.time())
    return [row_view(row) for row in uow.listings.institutions_of_pair(insured, treatment, start, stop)]


def search(uow: UnitOfWork, text: str, *, agency_code: str | None) -> dict:
    """Whatever the text names in the agency's regions: a settlement (its id), an institution
    (its code or part of its name), a person (person number or ID number: their settlements)."""
    text = text.strip()[:60]
    found = {"settlements": [], "institutions": [], "persons": []}
    if not text:
        return found
    found["institutions"] = page(uow, "institutions", agency_code=agency_code, filters={"q": text}, limit=20)["items"]
    by_id = page(uow, "settlements", agency_code=agency_code, filters={"setl_id": text}, limit=20)["items"]
    psn_nos = [text] + list(uow.listings.persons_by_certno(text, scope_of(agency_code)))
    for psn_no in dict.fromkeys(psn_nos):
        person = uow.listings.person(psn_no)
        if person is None:
            continue
        settled = page(uow, "settlements", agency_code=agency_code, filters={"psn_no": psn_no}, limit=50)
        if settled["total"] or psn_no != text:
            found["persons"].append({"psn_no": psn_no, "psn_name": mask_name(person["psn_name"]),
                                     "certno": mask_certno(person["certno"]), "settlements": settled["total"]})
        by_id += settled["items"]
    found["settlements"] = by_id
    return found
