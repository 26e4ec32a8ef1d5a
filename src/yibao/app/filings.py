"""Filing registry (备案) and 门慢特 qualifications: use cases over a unit of work.

Each write use case runs inside the caller's unit of work (one action = one transaction);
``uow.filings`` (store/repositories/filings.py) reads and writes the rows; the settlement's
readers ``filing_for_visit`` and ``qualified_diseases`` read through the same repository.
"""

from __future__ import annotations

import datetime as dt
from typing import Protocol


from yibao.domain import filing as rules

from .error_codes import refusal
from .errors import new_id
from .unit_of_work import UnitOfWork


class FilingRepository(Protocol):
    """``uow.filings``: rows come back as plain dicts."""

    def insured_region(self, psn_no: str) -> str | None:
        """The insured place of the person's first insurance; None when unknown or uninsured."""

    def insurance(self, psn_no: str, insutype: str) -> dict | None: ...

    def open_visits(self, psn_no: str) -> list[dict]:
        """The person's visits not cancelled."""

    def settled(self, mdtrt_id: str) -> bool:
        """Whether the visit has a settlement not reversed."""

    def filings_of(self, psn_no: str) -> list[dict]:
        """Active and ended, by begndate then creation order."""

    def persons_with_filings(self) -> set[str]:
        """Who has any filing (the demo files only for the others)."""

    def filing(self, filing_no: str) -> dict | None: ...

    def add_filing(self, row: dict) -> None: ...

    def end_filing(self, filing_no: str, *, ended_at: dt.datetime, end_reason: str) -> None:
        """Status ``cancelled`` with the time and reason."""

    def qualifications_of(self, psn_no: str) -> list[dict]:
        """By begndate."""

    def persons_with_qualifications(self) -> set[str]: ...

    def qualification(self, qual_no: str) -> dict | None: ...

    def add_qualification(self, row: dict) -> None: ...

    def cancel_qualification(self, qual_no: str, *, ended_at: dt.datetime) -> None: ...


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


def _insured_region(filings: FilingRepository, psn_no: str) -> str:
    region = filings.insured_region(psn_no)
    if region is None:
        raise refusal("PERSON_NOT_INSURED", psn_no=psn_no)
    return region


def person_filings(uow: UnitOfWork, psn_no: str) -> list[dict]:
    return uow.filings.filings_of(psn_no)


def open_visit_starts(uow: UnitOfWork, psn_no: str, dest_admdvs: str) -> list[dt.date]:
    """Admission dates of the person's visits in the destination not yet settled (for 补办备案)."""
    return [row["begntime"].date() for row in uow.filings.open_visits(psn_no)
            if rules.covers(dest_admdvs, row["mdtrtarea_admvs"]) and not uow.filings.settled(row["mdtrt_id"])]


def create_filing(
    uow: UnitOfWork, *, psn_no: str, filing_type: str, dest_admdvs: str, begndate: dt.date,
    enddate: dt.date | None = None, subtype: str | None = None, commitment_letter: bool = False,
    source: str, created_by: str, replaces: str | None = None,
) -> dict:
    """File a cross-region visit: the rules of domain/filing.py decide (overlaps with the
    person's active filings, dates, 补办备案 for visits not yet settled); a refusal writes nothing."""
    now = uow.now
    insured = _insured_region(uow.filings, psn_no)
    active = [filing_from_row(row) for row in uow.filings.filings_of(psn_no) if row["status"] == "active"]
    if replaces:
        active = [f for f in active if f.filing_no != replaces]
    application = rules.FilingApplication(psn_no, insured, filing_type, dest_admdvs, begndate, enddate, subtype, commitment_letter)
    try:
        filing = rules.open_filing(application, filing_no=new_id("FL"), today=now.date(), active=active,
                                   open_visit_starts=open_visit_starts(uow, psn_no, dest_admdvs))
    except rules.FilingRefused as refused:
        raise refusal(refused.code, **refused.params) from None
    row = dict(
        filing_no=filing.filing_no, psn_no=psn_no, filing_type=filing.filing_type, subtype=filing.subtype,
        dest_admdvs=filing.dest_admdvs, begndate=filing.begndate, enddate=filing.enddate,
        commitment_letter=filing.commitment_letter, locked_until=filing.locked_until, status="active",
        source=source, created_by=created_by, replaces_filing_no=replaces, created_at=now, end_reason="",
    )
    uow.filings.add_filing(row)
    return row


def get_filing(uow: UnitOfWork, filing_no: str) -> dict:
    row = uow.filings.filing(filing_no)
    if row is None:
        raise refusal("FILING_NOT_FOUND", filing_no=filing_no)
    return row


def end_filing(uow: UnitOfWork, filing_no: str, *, reason: str, action: str = "cancelled") -> dict:
    row = get_filing(uow, filing_no)
    try:
        rules.check_can_end(filing_from_row(row), uow.now.date(), action)
    except rules.FilingRefused as refused:
        raise refusal(refused.code, **refused.params) from None
    uow.filings.end_filing(filing_no, ended_at=uow.now, end_reason=reason[:200])
    row.update(status="cancelled", ended_at=uow.now, end_reason=reason)
    return row


def change_filing(uow: UnitOfWork, filing_no: str, *, created_by: str, source: str, **changes) -> dict:
    """A change ends the old filing and opens a new one that names it (a new record, not an edit)."""
    old = get_filing(uow, filing_no)
    end_filing(uow, filing_no, reason="changed", action="changed")
    fields = dict(filing_type=old["filing_type"], dest_admdvs=old["dest_admdvs"], begndate=max(old["begndate"], uow.now.date()),
                  enddate=None, subtype=old["subtype"] or None, commitment_letter=False)
    if old["filing_type"] != "long_term" and "enddate" not in changes:
        fields["enddate"] = old["enddate"]
    if "filing_type" in changes and "subtype" not in changes:
        fields["subtype"] = None
    fields.update({key: value for key, value in changes.items() if value is not None})
    return create_filing(uow, psn_no=old["psn_no"], source=source, created_by=created_by, replaces=filing_no, **fields)


def filing_for_visit(uow: UnitOfWork, psn_no: str, treatment_admdvs: str, day: dt.date) -> rules.Filing | None:
    """The filing that covers a visit in ``treatment_admdvs`` admitted on ``day`` (22号 第8条)."""
    return rules.choose([filing_from_row(row) for row in uow.filings.filings_of(psn_no)], treatment_admdvs, day)


# --- qualifications ---------------------------------------------------------------------------

def grant_qualification(
    uow: UnitOfWork, *, psn_no: str, insutype: str, dise_code: str, dise_name: str = "",
    begndate: dt.date, enddate: dt.date | None = None, source: str, created_by: str,
) -> dict:
    if uow.filings.insurance(psn_no, insutype) is None:
        raise refusal("PERSON_NO_INSURANCE", psn_no=psn_no, insutype=insutype)
    if enddate is not None and enddate < begndate:
        raise refusal("INPUT_END_BEFORE_BEGIN", field="门慢特资格")
    for row in uow.filings.qualifications_of(psn_no):
        if row["status"] == "active" and row["opsp_dise_code"] == dise_code and (row["enddate"] is None or row["enddate"] >= begndate):
            raise refusal("QUALIFICATION_HELD", psn_no=psn_no, qual_no=row["qual_no"], dise_code=dise_code)
    row = dict(qual_no=new_id("QL"), psn_no=psn_no, insutype=insutype, opsp_dise_code=dise_code,
               opsp_dise_name=dise_name or CROSS_PROVINCE_CHRONIC_DISEASES.get(dise_code, ""), begndate=begndate,
               enddate=enddate, status="active", source=source, created_by=created_by, created_at=uow.now)
    uow.filings.add_qualification(row)
    return row


def person_qualifications(uow: UnitOfWork, psn_no: str) -> list[dict]:
    return uow.filings.qualifications_of(psn_no)


def get_qualification(uow: UnitOfWork, qual_no: str) -> dict:
    row = uow.filings.qualification(qual_no)
    if row is None:
        raise refusal("QUALIFICATION_NOT_FOUND", qual_no=qual_no)
    return row


def cancel_qualification(uow: UnitOfWork, qual_no: str) -> dict:
    row = get_qualification(uow, qual_no)
    if row["status"] != "active":
        raise refusal("QUALIFICATION_NOT_ACTIVE", qual_no=qual_no, status=row["status"])
    uow.filings.cancel_qualification(qual_no, ended_at=uow.now)
    row.update(status="cancelled", ended_at=uow.now)
    return row


def qualified_diseases(uow: UnitOfWork, psn_no: str, insutype: str, day: dt.date) -> frozenset[str]:
    return frozenset(
        row["opsp_dise_code"] for row in uow.filings.qualifications_of(psn_no)
        if row["status"] == "active" and row["insutype"] == insutype and row["begndate"] <= day
        and (row["enddate"] is None or day <= row["enddate"])
    )


# --- 人员定点备案 (2505/2506, 5302) ------------------------------------------------------------

class DesignationRepository(Protocol):
    """The designated-institution filings in ``uow.filings`` (store/repositories/filings.py)."""

    def institution(self, fixmedins_code: str) -> dict | None: ...

    def designations_of(self, psn_no: str) -> list[dict]:
        """Active and ended, by begndate then fix_srt_no."""

    def designation(self, trt_dcla_detl_sn: str) -> dict | None: ...

    def add_designation(self, row: dict) -> None: ...

    def end_designation(self, trt_dcla_detl_sn: str, *, ended_at: dt.datetime, end_reason: str) -> None: ...


def _overlaps(row: dict, begndate: dt.date, enddate: dt.date | None) -> bool:
    return (row["enddate"] is None or row["enddate"] >= begndate) and (enddate is None or enddate >= row["begndate"])


def file_designation(uow: UnitOfWork, *, psn_no: str, insutype: str, biz_appy_type: str, fix_srt_no: str,
                     fixmedins_code: str, begndate: dt.date, enddate: dt.date | None, memo: str, created_by: str) -> dict:
    """2505: a person's designated institution (定点) for a kind of business, in a numbered slot.
    The person's row is locked first (docs/locking.md, rank 3) so two filings of one person are
    decided one after the other; a slot or an institution already held for overlapping dates is
    refused (revoke it with 2506 first)."""
    uow.persons.lock([psn_no])
    if uow.filings.insurance(psn_no, insutype) is None:
        raise refusal("FILING_NOT_INSURED", psn_no=psn_no, insutype=insutype)
    if enddate is not None and enddate < begndate:
        raise refusal("FILING_BAD_DATES")
    chosen = uow.filings.institution(fixmedins_code)
    if chosen is None:
        raise refusal("FILING_UNKNOWN_INSTITUTION", fixmedins_code=fixmedins_code)
    for row in uow.filings.designations_of(psn_no):
        if row["status"] != "active" or row["biz_appy_type"] != biz_appy_type or not _overlaps(row, begndate, enddate):
            continue
        if row["fix_srt_no"] == fix_srt_no or row["fixmedins_code"] == fixmedins_code:
            raise refusal("FILING_OVERLAP", psn_no=psn_no, biz_appy_type=biz_appy_type, filing_no=row["trt_dcla_detl_sn"],
                          fix_srt_no=row["fix_srt_no"], fixmedins_code=row["fixmedins_code"])
    row = dict(trt_dcla_detl_sn=new_id("DD"), psn_no=psn_no, insutype=insutype, biz_appy_type=biz_appy_type,
               fix_srt_no=fix_srt_no, fixmedins_code=fixmedins_code, fixmedins_name=chosen["fixmedins_name"],
               begndate=begndate, enddate=enddate, memo=memo, status="active", end_reason="",
               created_by=created_by, created_at=uow.now)
    uow.filings.add_designation(row)
    return row


def revoke_designation(uow: UnitOfWork, *, trt_dcla_detl_sn: str, psn_no: str, reason: str, created_by: str) -> dict:
    """2506: end a designation filed by this institution for this person (kept, marked cancelled)."""
    uow.persons.lock([psn_no])
    row = uow.filings.designation(trt_dcla_detl_sn)
    if row is None or row["psn_no"] != psn_no:
        raise refusal("FILING_NOT_FOUND", filing_no=trt_dcla_detl_sn)
    if row["created_by"] != created_by:
        raise refusal("FILING_NOT_OWNED", filing_no=trt_dcla_detl_sn)
    if row["status"] != "active":
        raise refusal("FILING_NOT_ACTIVE", filing_no=trt_dcla_detl_sn, status=row["status"])
    uow.filings.end_designation(trt_dcla_detl_sn, ended_at=uow.now, end_reason=reason[:200])
    row.update(status="cancelled", ended_at=uow.now, end_reason=reason[:200])
    return row


def designations(uow: UnitOfWork, psn_no: str, biz_appy_type: str = "") -> list[dict]:
    """5302: the person's designations in force today, of one business type when given."""
    today = uow.now.date()
    return [row for row in uow.filings.designations_of(psn_no)
            if row["status"] == "active" and (not biz_appy_type or row["biz_appy_type"] == biz_appy_type)
            and (row["enddate"] is None or row["enddate"] >= today)]
