"""Settlement lists (医疗保障基金结算清单, 4101/4101A–4104) and 病案首页 (4401): use cases over a
unit of work (``uow.setl_lists``, store/repositories/setl_lists.py).

A list is uploaded per settlement (``setl_id``) by the institution that settled it, checked
against the stored settlement (domain/setl_list.py says which checks refuse and which are
quality findings), and stored as a new row; a re-upload supersedes the current list, never
rewrites it, and is refused while the list is submitted (``stas_type`` 1; 4102 sets it back to 0).
Every write locks the visit row first (docs/locking.md, rank 2) and decides on what it reads
after the lock, so two uploads for one settlement chain one after the other; the database's
unique indexes refuse a second first upload or two successors of one list.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from decimal import Decimal
from typing import Protocol

from yibao.documents.render import dumps
from yibao.domain import setl_list as rules
from yibao.domain.money import from_fen, to_fen

from .error_codes import refusal
from .errors import new_id
from .unit_of_work import UnitOfWork

SUBMITTED, EDITABLE = "1", "0"


class SetlListRepository(Protocol):
    """``uow.setl_lists``: rows as plain dicts, money in fen."""

    def settlement(self, setl_id: str) -> dict | None: ...

    def is_reversed(self, setl_id: str) -> bool: ...

    def visit(self, mdtrt_id: str) -> dict | None: ...

    def lock_visit(self, mdtrt_id: str) -> dict | None:
        """Lock the visit row (rank 2); the row as read after the lock."""

    def current_list(self, setl_id: str) -> dict | None:
        """The settlement's list that no later upload supersedes."""

    def status_of(self, setl_list_id: str) -> str | None:
        """The last 4102 status; None when never changed."""

    def add_list(self, row: dict, diagnoses: list[dict], operations: list[dict]) -> None: ...

    def add_status(self, setl_list_id: str, stas_type: str, *, changed_by: str) -> None: ...

    def current_record(self, mdtrt_id: str) -> dict | None: ...

    def add_record(self, row: dict, diagnoses: list[dict], operations: list[dict]) -> None: ...

    def coded(self, doc_id: str) -> tuple[list[dict], list[dict]]: ...


def acted_by(uow: UnitOfWork) -> str:
    """Who wrote a row: the request's msgid for an institution (the row names the institution)."""
    return (uow.actor.ref or uow.actor.label())[:60]


def own_settlement(uow: UnitOfWork, fixmedins_code: str, setl_id: str) -> dict:
    row = uow.setl_lists.settlement(setl_id)
    if row is None or row["fixmedins_code"] != fixmedins_code:
        raise refusal("SETLLIST_NO_SETTLEMENT", setl_id=setl_id)
    return row


def settled_view(uow: UnitOfWork, settlement: dict, visit: dict) -> rules.Settled:
    detail = json.loads(settlement["detail"])
    funds: dict[str, int] = {}
    for item in detail.get("setldetail", []):
        funds[item["fund_pay_type"]] = funds.get(item["fund_pay_type"], 0) + to_fen(Decimal(item["fund_payamt"]))
    return rules.Settled(
        setl_id=settlement["setl_id"], mdtrt_id=settlement["mdtrt_id"], psn_no=settlement["psn_no"],
        is_reversal=settlement["kind"] == "reversal", reversed=uow.setl_lists.is_reversed(settlement["setl_id"]),
        inpatient=visit["kind"] == "inpatient", medfee_sumamt=from_fen(settlement["medfee_sumamt_fen"]),
        fulamt_ownpay_amt=from_fen(settlement["fulamt_ownpay_amt_fen"]),
        overlmt_selfpay=from_fen(settlement["overlmt_selfpay_fen"]), psn_part_amt=from_fen(settlement["psn_part_amt_fen"]),
        account_paid=from_fen(settlement["acct_pay_fen"] + settlement["acct_mulaid_pay_fen"]),
        psn_cash_pay=from_fen(settlement["psn_cash_pay_fen"]),
        funds={code: from_fen(fen) for code, fen in funds.items()},
        visit_begin=visit["begntime"].date(), visit_end=(visit["endtime"] or visit["begntime"]).date(),
    )


def upload_list(uow: UnitOfWork, *, fixmedins_code: str, infno: str, doc: rules.SettlementList, setlinfo: dict,
                payinfo: list, iteminfo: list, icuinfo: list) -> dict:
    """4101/4101A: check the list against its settlement and store it as a new row."""
    settlement = own_settlement(uow, fixmedins_code, doc.setl_id)
    visit = uow.setl_lists.lock_visit(settlement["mdtrt_id"])  # rank 2; everything below is read after it
    current = uow.setl_lists.current_list(doc.setl_id)
    if current is not None and (uow.setl_lists.status_of(current["setl_list_id"]) or EDITABLE) == SUBMITTED:
        raise refusal("SETLLIST_SUBMITTED", setl_id=doc.setl_id, setl_list_id=current["setl_list_id"])
    try:
        personal, findings = rules.check_list(doc, settled_view(uow, settlement, visit))
    except rules.SetlListRefused as refused:
        raise refusal(refused.code, **refused.params) from None
    row = dict(
        setl_list_id=new_id("QD"), setl_id=doc.setl_id, mdtrt_id=settlement["mdtrt_id"], psn_no=settlement["psn_no"],
        fixmedins_code=fixmedins_code, infno=infno, supersedes_list_id=current["setl_list_id"] if current else None,
        medcasno=doc.medcasno, hi_paymtd=str(setlinfo.get("hi_paymtd", ""))[:6],
        psn_selfpay_fen=to_fen(personal.psn_selfpay), psn_ownpay_fen=to_fen(personal.psn_ownpay),
        acct_pay_fen=to_fen(personal.acct_pay), psn_cashpay_fen=to_fen(personal.psn_cashpay),
        setlinfo=dumps(dict(setlinfo, **asdict(personal)), indent=None), payinfo=dumps(payinfo, indent=None),
        iteminfo=dumps(iteminfo, indent=None), icuinfo=dumps(icuinfo, indent=None),
        qc_problems=dumps([asdict(f) for f in findings], indent=None), created_at=uow.now, created_by=acted_by(uow),
    )
    uow.setl_lists.add_list(row, [diagnosis_row(d) for d in doc.diagnoses], [operation_row(o) for o in doc.operations])
    return row


def diagnosis_row(diagnosis: rules.Diagnosis) -> dict:
    return asdict(diagnosis)


def operation_row(operation: rules.Operation) -> dict:
    return asdict(operation)


def change_statuses(uow: UnitOfWork, fixmedins_code: str, changes: list[tuple[str, str]]) -> list[dict]:
    """4102: set each settlement's current list to ``stas_type`` (0 未提交, 1 已提交), as appended
    status rows. The visits are locked in ascending ``mdtrt_id`` (rank 2) before anything is read."""
    for setl_id, stas_type in changes:
        if stas_type not in (SUBMITTED, EDITABLE):
            raise refusal("SETLLIST_BAD_STATUS", setl_id=setl_id, value=repr(stas_type))
    settlements = {setl_id: own_settlement(uow, fixmedins_code, setl_id) for setl_id, _ in changes}
    for mdtrt_id in sorted({row["mdtrt_id"] for row in settlements.values()}):
        uow.setl_lists.lock_visit(mdtrt_id)
    changed = []
    for setl_id, stas_type in changes:
        current = uow.setl_lists.current_list(setl_id)
        if current is None:
            raise refusal("SETLLIST_NOT_FOUND", setl_id=setl_id)
        if (uow.setl_lists.status_of(current["setl_list_id"]) or EDITABLE) != stas_type:
            uow.setl_lists.add_status(current["setl_list_id"], stas_type, changed_by=acted_by(uow))
        changed.append({"setl_id": setl_id, "setl_list_id": current["setl_list_id"], "stas_type": stas_type})
    return changed


def current_list(uow: UnitOfWork, fixmedins_code: str, setl_id: str) -> dict:
    """4103/4104: the settlement's current list with its status, diagnoses and operations."""
    own_settlement(uow, fixmedins_code, setl_id)
    row = uow.setl_lists.current_list(setl_id)
    if row is None:
        raise refusal("SETLLIST_NOT_FOUND", setl_id=setl_id)
    row["stas_type"] = uow.setl_lists.status_of(row["setl_list_id"]) or EDITABLE
    row["diagnoses"], row["operations"] = uow.setl_lists.coded(row["setl_list_id"])
    return row


def upload_record(uow: UnitOfWork, *, fixmedins_code: str, mdtrt_id: str, psn_no: str, baseinfo: dict,
                  diagnoses: tuple[rules.Diagnosis, ...], operations: tuple[rules.Operation, ...], icuinfo: list) -> dict:
    """4401: the 住院病案首页 of an inpatient visit of this institution, stored per upload (a new row
    superseding the visit's current one); its diagnoses and operations are checked as a list's."""
    visit = uow.setl_lists.lock_visit(mdtrt_id)  # rank 2
    if visit is None or visit["fixmedins_code"] != fixmedins_code:
        raise refusal("SETLLIST_NO_VISIT", mdtrt_id=mdtrt_id)
    if visit["psn_no"] != psn_no:
        raise refusal("VISIT_OTHER_PERSON", mdtrt_id=mdtrt_id, psn_no=psn_no)
    if visit["kind"] != "inpatient":
        raise refusal("SETLLIST_NOT_INPATIENT", mdtrt_id=mdtrt_id)
    try:
        rules.check_diagnoses(diagnoses)
        rules.check_operations(operations)
    except rules.SetlListRefused as refused:
        raise refusal(refused.code, **refused.params) from None
    current = uow.setl_lists.current_record(mdtrt_id)
    row = dict(record_id=new_id("BA"), mdtrt_id=mdtrt_id, psn_no=psn_no, fixmedins_code=fixmedins_code,
               supersedes_record_id=current["record_id"] if current else None, baseinfo=dumps(baseinfo, indent=None),
               icuinfo=dumps(icuinfo, indent=None), created_at=uow.now, created_by=acted_by(uow))
    uow.setl_lists.add_record(row, [diagnosis_row(d) for d in diagnoses], [operation_row(o) for o in operations])
    return row
