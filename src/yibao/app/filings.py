"""Filing registry (备案) and 门慢特 qualifications: use cases over the store.

Each function runs inside the caller's write transaction (one action = one transaction).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Connection, insert, select, update

from yibao.domain import filing as rules
from yibao.store import repository as repo
from yibao.store import tables as t

from .errors import GatewayError, new_id

# The ten diseases of cross-province 门慢特 direct settlement (NHSA 2024-09-10). The codes
# follow the national 门慢特病种 code shape; they are the project's reading, to be checked
# against the national list before production use.
CROSS_PROVINCE_CHRONIC_DISEASES = {
    "M03900": "高血压",
    "M01600": "糖尿病",
    "M00500": "恶性肿瘤门诊放化疗",
    "M07800": "尿毒症透析",
    "M08300": "器官移植术后抗排异治疗",
    "M04300": "慢性阻塞性肺疾病",
    "M00200": "病毒性肝炎",
    "M03300": "冠心病",
    "M06900": "类风湿关节炎",
    "M07100": "强直性脊柱炎",
}


def filing_from_row(row: dict) -> rules.Filing:
    return rules.Filing(
        filing_no=row["filing_no"], psn_no=row["psn_no"], filing_type=row["filing_type"],
        subtype=row["subtype"] or rules.DEFAULT_SUBTYPE.get(row["filing_type"], ""), dest_admdvs=row["dest_admdvs"],
        begndate=row["begndate"], enddate=row["enddate"], commitment_letter=bool(row["commitment_letter"]),
        locked_until=row["locked_until"], status=row["status"],
    )


def filings_of(conn: Connection, psn_no: str) -> list[dict]:
    rows = conn.execute(select(t.filings).where(t.filings.c.psn_no == psn_no).order_by(t.filings.c.begndate, t.filings.c.filing_id))
    return [dict(row) for row in rows.mappings()]


def insured_region(conn: Connection, psn_no: str) -> str:
    insurances = repo.insurances_of(conn, psn_no)
    if not insurances:
        raise GatewayError(f"person {psn_no} not found or not insured")
    return insurances[0]["insuplc_admdvs"]


def open_visit_starts(conn: Connection, psn_no: str, dest_admdvs: str) -> list[dt.date]:
    """Admission dates of the person's visits in the destination not yet settled (for 补办备案)."""
    rows = conn.execute(select(t.visits).where(t.visits.c.psn_no == psn_no, t.visits.c.status != "cancelled")).mappings()
    starts = []
    for row in rows:
        if rules.covers(dest_admdvs, row["mdtrtarea_admvs"]) and repo.active_settlement(conn, row["mdtrt_id"]) is None:
            starts.append(row["begntime"].date())
    return starts


def create_filing(
    conn: Connection, *, now: dt.datetime, psn_no: str, filing_type: str, dest_admdvs: str, begndate: dt.date,
    enddate: dt.date | None = None, subtype: str | None = None, commitment_letter: bool = False,
    source: str, created_by: str, replaces: str | None = None,
) -> dict:
    insured = insured_region(conn, psn_no)
    active = [filing_from_row(row) for row in filings_of(conn, psn_no) if row["status"] == "active"]
    if replaces:
        active = [f for f in active if f.filing_no != replaces]
    application = rules.FilingApplication(psn_no, insured, filing_type, dest_admdvs, begndate, enddate, subtype, commitment_letter)
    try:
        filing = rules.open_filing(application, filing_no=new_id("FL"), today=now.date(), active=active,
                                   open_visit_starts=open_visit_starts(conn, psn_no, dest_admdvs))
    except rules.FilingRefused as refusal:
        raise GatewayError(refusal.message) from None
    row = dict(
        filing_no=filing.filing_no, psn_no=psn_no, filing_type=filing.filing_type, subtype=filing.subtype,
        dest_admdvs=filing.dest_admdvs, begndate=filing.begndate, enddate=filing.enddate,
        commitment_letter=filing.commitment_letter, locked_until=filing.locked_until, status="active",
        source=source, created_by=created_by, replaces_filing_no=replaces, created_at=now, end_reason="",
    )
    conn.execute(insert(t.filings).values(**row))
    return row


def get_filing(conn: Connection, filing_no: str) -> dict:
    row = conn.execute(select(t.filings).where(t.filings.c.filing_no == filing_no)).mappings().first()
    if row is None:
        raise GatewayError(f"filing {filing_no} not found", "not_found")
    return dict(row)


def end_filing(conn: Connection, filing_no: str, *, now: dt.datetime, reason: str, action: str = "cancelled") -> dict:
    row = get_filing(conn, filing_no)
    try:
        rules.check_can_end(filing_from_row(row), now.date(), action)
    except rules.FilingRefused as refusal:
        raise GatewayError(refusal.message) from None
    conn.execute(update(t.filings).where(t.filings.c.filing_no == filing_no).values(
        status="cancelled", ended_at=now, end_reason=reason[:200]))
    row.update(status="cancelled", ended_at=now, end_reason=reason)
    return row


def change_filing(conn: Connection, filing_no: str, *, now: dt.datetime, created_by: str, source: str, **changes) -> dict:
    """A change ends the old filing and opens a new one that names it (a new record, not an edit)."""
    old = get_filing(conn, filing_no)
    end_filing(conn, filing_no, now=now, reason="changed", action="changed")
    fields = dict(filing_type=old["filing_type"], dest_admdvs=old["dest_admdvs"], begndate=max(old["begndate"], now.date()),
                  enddate=None, subtype=old["subtype"] or None, commitment_letter=False)
    if old["filing_type"] != "long_term" and "enddate" not in changes:
        fields["enddate"] = old["enddate"]
    if "filing_type" in changes and "subtype" not in changes:
        fields["subtype"] = None
    fields.update({key: value for key, value in changes.items() if value is not None})
    return create_filing(conn, now=now, psn_no=old["psn_no"], source=source, created_by=created_by, replaces=filing_no, **fields)


def filing_for_visit(conn: Connection, psn_no: str, treatment_admdvs: str, day: dt.date) -> rules.Filing | None:
    return rules.choose([filing_from_row(row) for row in filings_of(conn, psn_no)], treatment_admdvs, day)


# --- qualifications ---------------------------------------------------------------------------

def grant_qualification(
    conn: Connection, *, now: dt.datetime, psn_no: str, insutype: str, dise_code: str, dise_name: str = "",
    begndate: dt.date, enddate: dt.date | None = None, source: str, created_by: str,
) -> dict:
    if repo.insurance(conn, psn_no, insutype) is None:
        raise GatewayError(f"person {psn_no} has no insurance of type {insutype}")
    if enddate is not None and enddate < begndate:
        raise GatewayError("enddate is before begndate")
    for row in qualifications_of(conn, psn_no):
        if row["status"] == "active" and row["opsp_dise_code"] == dise_code and (row["enddate"] is None or row["enddate"] >= begndate):
            raise GatewayError(f"person {psn_no} already holds qualification {row['qual_no']} for {dise_code}")
    row = dict(qual_no=new_id("QL"), psn_no=psn_no, insutype=insutype, opsp_dise_code=dise_code,
               opsp_dise_name=dise_name or CROSS_PROVINCE_CHRONIC_DISEASES.get(dise_code, ""), begndate=begndate,
               enddate=enddate, status="active", source=source, created_by=created_by, created_at=now)
    conn.execute(insert(t.qualifications).values(**row))
    return row


def qualifications_of(conn: Connection, psn_no: str) -> list[dict]:
    rows = conn.execute(select(t.qualifications).where(t.qualifications.c.psn_no == psn_no).order_by(t.qualifications.c.begndate))
    return [dict(row) for row in rows.mappings()]


def get_qualification(conn: Connection, qual_no: str) -> dict:
    row = conn.execute(select(t.qualifications).where(t.qualifications.c.qual_no == qual_no)).mappings().first()
    if row is None:
        raise GatewayError(f"qualification {qual_no} not found", "not_found")
    return dict(row)


def cancel_qualification(conn: Connection, qual_no: str, *, now: dt.datetime) -> dict:
    row = get_qualification(conn, qual_no)
    if row["status"] != "active":
        raise GatewayError(f"qualification {qual_no} is {row['status']}")
    conn.execute(update(t.qualifications).where(t.qualifications.c.qual_no == qual_no).values(status="cancelled", ended_at=now))
    row.update(status="cancelled", ended_at=now)
    return row


def qualified_diseases(conn: Connection, psn_no: str, insutype: str, day: dt.date) -> frozenset[str]:
    return frozenset(
        row["opsp_dise_code"] for row in qualifications_of(conn, psn_no)
        if row["status"] == "active" and row["insutype"] == insutype and row["begndate"] <= day
        and (row["enddate"] is None or day <= row["enddate"])
    )
