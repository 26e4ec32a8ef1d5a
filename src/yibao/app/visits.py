"""Visits: registration (2201 outpatient, 2401 admission), its cancellation (2202, 2404), the
visit's information and diagnoses (2203), discharge (2402) and its cancellation (2405), and
changes to an admission (2403): use cases over a unit of work (``uow.visits``,
store/repositories/visits.py).

Locks (docs/locking.md): a registration inserts a new visit and takes no lock (the unique
visit number of the institution backs VISIT_NUMBER_TAKEN); every other step locks the visit row
(rank 2) first and decides on the row read after the lock, so a cancellation and a settlement of
one visit never both succeed. An institution acts only on its own visits.

The gateway's request log is the action record of these steps (the institution and its msgid,
written in the same transaction), as for a settlement: no action-log row of their own, which
would cost a statement on every visit (bench/visit_cost.py).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Callable, Protocol

from .enrollment import check_covered
from .error_codes import refusal
from .errors import new_id
from .unit_of_work import UnitOfWork

ACTIVE_INSURANCE = "1"  # psn_insu_stas 正常参保


class VisitRepository(Protocol):
    def registration_facts(self, psn_no: str, insutype: str, fixmedins_code: str,
                           ipt_otp_no: str) -> tuple[dict | None, dict | None, bool]:
        """The person, the insurance of ``insutype`` and whether the institution already used
        the visit number, in one round trip."""

    def lock(self, mdtrt_id: str) -> dict | None:
        """The visit row locked to the end of the transaction, read after the lock (rank 2)."""

    def settlement_chain(self, mdtrt_id: str) -> tuple[dict | None, str | None]:
        """The active settlement (None if there is none) and the reversal a new settlement follows."""

    def add(self, row: dict) -> None: ...

    def add_diagnoses(self, rows: list[dict]) -> None: ...

    def change(self, mdtrt_id: str, **values) -> None: ...


@dataclass(frozen=True)
class Registration:
    """What a registration (2201) or an admission (2401) asks for, as read from the request."""
    fixmedins_code: str
    treatment_admdvs: str  # the institution's region: the visit's mdtrtarea_admvs
    psn_no: str
    insutype: str
    kind: str  # outpatient | inpatient
    med_type: str
    visit_number: str  # ipt_otp_no (2201) or ipt_no (2401), unique per institution
    begntime: dt.datetime
    dise_codg: str = ""
    dise_name: str = ""
    emergency: bool = False
    matn_type: str | None = None
    birctrl_type: str | None = None


# The channel's own checks on the insurance found (agreement, sanctions, the envelope's region,
# Internet+ revisits): run after the insurance is known, before the visit number is decided.
InsuranceCheck = Callable[[dict], None]


def register(uow: UnitOfWork, registration: Registration, diagnoses: list[dict] = (), *,
             check: InsuranceCheck = lambda insurance: None) -> str:
    """2201/2401: a new visit of an insured person; its mdtrt_id. ``diagnoses`` (2401 admission
    diagnoses, stage ``adm``) are stored with it."""
    r = registration
    person, insurance, number_taken = uow.visits.registration_facts(r.psn_no, r.insutype, r.fixmedins_code,
                                                                    r.visit_number)
    if person is None:
        raise refusal("PERSON_NOT_FOUND", psn_no=r.psn_no)
    if insurance is None or insurance["psn_insu_stas"] != ACTIVE_INSURANCE:
        raise refusal("PERSON_NO_ACTIVE_INSURANCE", psn_no=r.psn_no, insutype=r.insutype)
    check_covered(insurance, r.psn_no, r.begntime.date())  # docs/enrollment.md: waiting period, ended insurance
    check(insurance)
    if number_taken:
        raise refusal("VISIT_NUMBER_TAKEN", ipt_otp_no=r.visit_number)
    mdtrt_id = new_id("31")
    uow.visits.add(dict(
        mdtrt_id=mdtrt_id, fixmedins_code=r.fixmedins_code, psn_no=r.psn_no, insutype=r.insutype,
        med_type=r.med_type, kind=r.kind, ipt_otp_no=r.visit_number, begntime=r.begntime, endtime=None,
        insuplc_admdvs=insurance["insuplc_admdvs"], mdtrtarea_admvs=r.treatment_admdvs, dise_codg=r.dise_codg,
        dise_name=r.dise_name, status="registered", created_at=uow.now, emergency=r.emergency,
        matn_type=r.matn_type, birctrl_type=r.birctrl_type,
    ))
    _store_diagnoses(uow, mdtrt_id, diagnoses, "adm")
    return mdtrt_id


def owned(visit: dict | None, fixmedins_code: str, mdtrt_id: str, psn_no: str | None = None) -> dict:
    """The visit if it is the institution's (an institution sees only its own visits) and, when
    ``psn_no`` is given, that person's."""
    if visit is None or visit["fixmedins_code"] != fixmedins_code:
        raise refusal("VISIT_NOT_FOUND", mdtrt_id=mdtrt_id, fixmedins_code=fixmedins_code)
    if psn_no is not None and visit["psn_no"] != psn_no:
        raise refusal("VISIT_OTHER_PERSON", mdtrt_id=mdtrt_id, psn_no=psn_no)
    return visit


def lock_own_visit(uow: UnitOfWork, fixmedins_code: str, mdtrt_id: str, psn_no: str | None = None) -> dict:
    """The institution's visit, locked (rank 2) and read after the lock."""
    return owned(uow.visits.lock(mdtrt_id), fixmedins_code, mdtrt_id, psn_no)


def lock_own_visits(uow: UnitOfWork, fixmedins_code: str, mdtrt_ids: list[str]) -> dict[str, dict]:
    """Several visits of one request locked in ascending mdtrt_id order (no circular waits)."""
    return {mdtrt_id: lock_own_visit(uow, fixmedins_code, mdtrt_id) for mdtrt_id in sorted(set(mdtrt_ids))}


def ensure_unsettled(uow: UnitOfWork, visit: dict, action: str) -> str | None:
    """Refuse if the visit has an active settlement (``action``: what the cashier tried, in
    Chinese, for VISIT_SETTLED); else return what a new settlement of the visit would follow in
    its settlement chain (docs/locking.md)."""
    active, follows_reversal_id = uow.visits.settlement_chain(visit["mdtrt_id"])
    if active is not None:
        raise refusal("VISIT_SETTLED", mdtrt_id=visit["mdtrt_id"], action=action)
    return follows_reversal_id


def cancel_registration(uow: UnitOfWork, fixmedins_code: str, mdtrt_id: str, psn_no: str) -> None:
    """2202: an unsettled outpatient registration is cancelled (the row stays, marked)."""
    visit = lock_own_visit(uow, fixmedins_code, mdtrt_id, psn_no)
    if visit["status"] == "cancelled":
        raise refusal("VISIT_CANCELLED", mdtrt_id=mdtrt_id)
    ensure_unsettled(uow, visit, "撤销挂号")
    uow.visits.change(mdtrt_id, status="cancelled")


def record_visit_info(uow: UnitOfWork, fixmedins_code: str, mdtrt_id: str, psn_no: str, info: dict,
                      diagnoses: list[dict]) -> None:
    """2203: the outpatient visit's med_type, diagnosis, maternity categories and emergency flag
    (``info``, visit columns) and its diagnoses (stage ``otp``), before settlement. An emergency
    once declared stays one."""
    visit = lock_own_visit(uow, fixmedins_code, mdtrt_id, psn_no)
    if visit["status"] != "registered":
        raise refusal("VISIT_STATUS", mdtrt_id=mdtrt_id, status=visit["status"])
    ensure_unsettled(uow, visit, "修改就诊信息")
    uow.visits.change(mdtrt_id, **dict(info, emergency=bool(visit["emergency"]) or bool(info.get("emergency"))))
    _store_diagnoses(uow, mdtrt_id, diagnoses, "otp")


def discharge(uow: UnitOfWork, fixmedins_code: str, mdtrt_id: str, psn_no: str, endtime: dt.datetime,
              dise_codg: str | None, diagnoses: list[dict]) -> None:
    """2402: an open admission ends at ``endtime``; the discharge diagnosis replaces the
    admission's when given; discharge diagnoses are stored (stage ``dscg``)."""
    visit = lock_own_visit(uow, fixmedins_code, mdtrt_id, psn_no)
    if visit["kind"] != "inpatient" or visit["status"] != "registered":
        raise refusal("VISIT_NOT_OPEN_ADMISSION", mdtrt_id=mdtrt_id, kind=visit["kind"], status=visit["status"])
    if endtime < visit["begntime"]:
        raise refusal("VISIT_DISCHARGE_BEFORE_ADMISSION")
    uow.visits.change(mdtrt_id, endtime=endtime, status="discharged", dise_codg=dise_codg or visit["dise_codg"])
    _store_diagnoses(uow, mdtrt_id, diagnoses, "dscg")


def change_admission(uow: UnitOfWork, fixmedins_code: str, mdtrt_id: str, changes: dict) -> None:
    """2403: an unsettled admission's med_type, diagnosis, maternity categories or admission
    time (``changes``, visit columns; nothing is written when empty)."""
    visit = lock_own_visit(uow, fixmedins_code, mdtrt_id)
    ensure_unsettled(uow, visit, "修改住院信息")
    if changes:
        uow.visits.change(mdtrt_id, **changes)


def cancel_admission(uow: UnitOfWork, fixmedins_code: str, mdtrt_id: str, psn_no: str) -> None:
    """2404: an unsettled admission is cancelled."""
    visit = lock_own_visit(uow, fixmedins_code, mdtrt_id, psn_no)
    if visit["kind"] != "inpatient" or visit["status"] == "cancelled":
        raise refusal("VISIT_ADMISSION_NOT_CANCELLABLE", mdtrt_id=mdtrt_id)
    ensure_unsettled(uow, visit, "撤销入院登记")
    uow.visits.change(mdtrt_id, status="cancelled")


def cancel_discharge(uow: UnitOfWork, fixmedins_code: str, mdtrt_id: str, psn_no: str) -> None:
    """2405: an unsettled discharge is undone; the admission is open again."""
    visit = lock_own_visit(uow, fixmedins_code, mdtrt_id, psn_no)
    if visit["status"] != "discharged":
        raise refusal("VISIT_NOT_DISCHARGED", mdtrt_id=mdtrt_id)
    ensure_unsettled(uow, visit, "撤销出院")
    uow.visits.change(mdtrt_id, status="registered", endtime=None)


def _store_diagnoses(uow: UnitOfWork, mdtrt_id: str, diagnoses: list[dict], stage: str) -> None:
    """Diagnoses as read from the request (diag_type, diag_srt_no, diag_code, diag_name,
    maindiag_flag), stored for the visit at ``stage``."""
    if diagnoses:
        uow.visits.add_diagnoses([dict(diagnosis, mdtrt_id=mdtrt_id, stage=stage) for diagnosis in diagnoses])
