"""An institution's departments (科室, 3401–3403, 5101) and practitioners (医执人员, 5102): use
cases over a unit of work (``uow.departments``, ``uow.practitioners``).

A department is a chain of rows per (institution, ``hosp_dept_codg``): an upload, a change and a
revocation each append a row naming the row it replaces, so the department's history stays and
its state is the chain's tip. Each write takes the department's named lock first
(docs/locking.md, rank 11; a batch in ascending ``hosp_dept_codg``) and reads the tip after it;
the database refuses a second chain or two successors of one row.
"""

from __future__ import annotations

import datetime as dt
from typing import Protocol

from .error_codes import refusal
from .unit_of_work import UnitOfWork

# The fields of a department as 3401/3402 send them and 5101 answers them (national names).
DEPARTMENT_FIELDS = ("hosp_dept_codg", "hosp_dept_name", "caty", "begntime", "endtime", "itro", "dept_resper_name",
                     "dept_resper_tel", "dept_med_serv_scp", "dept_estbdat", "aprv_bed_cnt", "hi_crtf_bed_cnt",
                     "poolarea_no", "dr_psncnt", "phar_psncnt", "nurs_psncnt", "tecn_psncnt", "memo")
PRACTITIONER_TYPES = {"1": "医师", "2": "护士", "3": "药师", "4": "医技人员"}


class DepartmentRepository(Protocol):
    """``uow.departments``: rows as plain dicts."""

    def lock(self, fixmedins_code: str, hosp_dept_codg: str) -> None:
        """The department's named lock (rank 11), held to the end of the transaction."""

    def tip(self, fixmedins_code: str, hosp_dept_codg: str) -> dict | None:
        """The department's current row (the one no row replaces); None when never uploaded."""

    def add(self, row: dict) -> int:
        """Append a row; its dept_id."""

    def tips(self, fixmedins_code: str) -> list[dict]:
        """Every department's current row, by hosp_dept_codg."""


class PractitionerRepository(Protocol):
    """``uow.practitioners``."""

    def of_institution(self, fixmedins_code: str) -> list[dict]:
        """By prac_psn_code."""


def _acted_by(uow: UnitOfWork) -> str:
    return (uow.actor.ref or uow.actor.label())[:60]


def _checked(dept: dict) -> dict:
    if dept.get("endtime") is not None and dept["endtime"] < dept["begntime"]:
        raise refusal("DEPT_BAD_TIMES", hosp_dept_codg=dept["hosp_dept_codg"])
    if dept.get("hi_crtf_bed_cnt", 0) > dept.get("aprv_bed_cnt", 0):
        raise refusal("DEPT_BEDS", hosp_dept_codg=dept["hosp_dept_codg"], hi_crtf_bed_cnt=dept["hi_crtf_bed_cnt"],
                      aprv_bed_cnt=dept.get("aprv_bed_cnt", 0))
    return dept


def _append(uow: UnitOfWork, fixmedins_code: str, dept: dict, *, action: str, vali_flag: str, replaces: dict | None) -> dict:
    row = {name: dept.get(name) for name in DEPARTMENT_FIELDS if dept.get(name) is not None}
    row.update(fixmedins_code=fixmedins_code, action=action, vali_flag=vali_flag,
               replaces_dept_id=replaces["dept_id"] if replaces else None, created_at=uow.now, created_by=_acted_by(uow))
    row["dept_id"] = uow.departments.add(row)
    return row


def upload_departments(uow: UnitOfWork, fixmedins_code: str, depts: list[dict]) -> list[dict]:
    """3401 (one) / 3401A (a batch, all or nothing): departments not yet in force. A revoked
    department may be uploaded again (its chain continues)."""
    codes = [dept["hosp_dept_codg"] for dept in depts]
    if len(set(codes)) != len(codes):
        repeated = sorted({code for code in codes if codes.count(code) > 1})
        raise refusal("DEPT_DUPLICATE", codes="、".join(repeated))
    for code in sorted(codes):
        uow.departments.lock(fixmedins_code, code)
    rows = []
    for dept in depts:
        tip = uow.departments.tip(fixmedins_code, dept["hosp_dept_codg"])
        if tip is not None and tip["vali_flag"] == "1":
            raise refusal("DEPT_EXISTS", hosp_dept_codg=dept["hosp_dept_codg"])
        rows.append(_append(uow, fixmedins_code, _checked(dept), action="upload", vali_flag="1", replaces=tip))
    return rows


def _in_force(uow: UnitOfWork, fixmedins_code: str, hosp_dept_codg: str) -> dict:
    uow.departments.lock(fixmedins_code, hosp_dept_codg)
    tip = uow.departments.tip(fixmedins_code, hosp_dept_codg)
    if tip is None or tip["vali_flag"] != "1":
        raise refusal("DEPT_NOT_FOUND", hosp_dept_codg=hosp_dept_codg)
    return tip


def change_department(uow: UnitOfWork, fixmedins_code: str, dept: dict) -> dict:
    """3402: a new row with the department's new fields, replacing the one in force."""
    tip = _in_force(uow, fixmedins_code, dept["hosp_dept_codg"])
    return _append(uow, fixmedins_code, _checked(dept), action="change", vali_flag="1", replaces=tip)


def revoke_department(uow: UnitOfWork, fixmedins_code: str, hosp_dept_codg: str, hosp_dept_name: str,
                      begntime: dt.datetime | None) -> dict:
    """3403: the department as in force, ended now and marked revoked (vali_flag 0). The name
    (and the start date, when sent) must be the department's, so a slip of the code is refused."""
    tip = _in_force(uow, fixmedins_code, hosp_dept_codg)
    if hosp_dept_name != tip["hosp_dept_name"] or (begntime is not None and begntime.date() != tip["begntime"].date()):
        raise refusal("DEPT_MISMATCH", hosp_dept_codg=hosp_dept_codg, hosp_dept_name=tip["hosp_dept_name"],
                      begntime=f"{tip['begntime']:%Y-%m-%d}")
    ended = dict(tip, endtime=uow.now)
    return _append(uow, fixmedins_code, ended, action="revoke", vali_flag="0", replaces=tip)


def departments(uow: UnitOfWork, fixmedins_code: str, *, hosp_dept_codg: str = "", hosp_dept_name: str = "",
                begntime: dt.datetime | None = None) -> list[dict]:
    """5101: the institution's departments in force, narrowed by code, name (contains) and start."""
    return [row for row in uow.departments.tips(fixmedins_code) if row["vali_flag"] == "1"
            and (not hosp_dept_codg or row["hosp_dept_codg"] == hosp_dept_codg)
            and (not hosp_dept_name or hosp_dept_name in row["hosp_dept_name"])
            and (begntime is None or row["begntime"] >= begntime)]


def practitioners(uow: UnitOfWork, fixmedins_code: str, *, prac_psn_type: str, psn_cert_type: str = "",
                  certno: str = "", prac_psn_name: str = "", prac_psn_code: str = "") -> list[dict]:
    """5102: the institution's practitioners of one type, narrowed by the other fields sent."""
    if prac_psn_type not in PRACTITIONER_TYPES:
        raise refusal("PRAC_BAD_TYPE", value=repr(prac_psn_type))
    wanted = {"psn_cert_type": psn_cert_type, "certno": certno, "prac_psn_name": prac_psn_name,
              "prac_psn_code": prac_psn_code}
    return [row for row in uow.practitioners.of_institution(fixmedins_code) if row["prac_psn_type"] == prac_psn_type
            and all(not value or row[name] == value for name, value in wanted.items())]
