"""Catalogue and payment-standard recognition between two regions (目录及支付标准互认, issue #18
item 5): the comparison of their catalogues and the recognition table the two agencies agree
(domain/recognition.py, docs/prices.md "Recognition").

Locking (docs/locking.md): none. A proposal is a new row; an agreement and a withdrawal are
steps refused a second time by their primary key (RECOGNITION_STEP_DONE). An agreement and a
withdrawal racing each other may both be recorded: a withdrawn recognition is never in force,
whatever the order, so the outcome is the same as either order.
"""

from __future__ import annotations

import datetime as dt
from typing import Protocol

from yibao.domain import recognition as rules
from yibao.domain.case import CatalogEntry

from .error_codes import refusal
from .errors import new_id
from .unit_of_work import UnitOfWork


class RecognitionRepository(Protocol):
    def catalogue(self, admdvs: str, day: dt.date) -> dict[str, CatalogEntry]: ...

    def add(self, row: dict) -> None: ...

    def add_step(self, row: dict) -> bool: ...

    def get(self, recognition_id: str) -> dict | None: ...

    def of_region(self, admdvs: str) -> list[dict]: ...


def compare(uow: UnitOfWork, a: str, b: str, day: dt.date) -> dict:
    """Same national code in both: category, self-pay ratio and ceiling differences."""
    result = rules.compare(uow.recognition.catalogue(a, day), uow.recognition.catalogue(b, day))
    return {"a": a, "b": b, "day": day, "same": result.same, "only_a": list(result.only_a),
            "only_b": list(result.only_b),
            "differences": [{"code": d.code, "category": list(d.category) if d.category else None,
                             "selfpay_prop": [str(v) for v in d.selfpay_prop] if d.selfpay_prop else None,
                             "ceiling": [None if v is None else str(v) for v in d.ceiling] if d.ceiling else None}
                            for d in result.differences]}


def propose(uow: UnitOfWork, by_admdvs: str, from_admdvs: str, to_admdvs: str, hilist_code: str,
            begndate: dt.date, note: str = "") -> dict:
    """``to_admdvs`` is to recognise ``from_admdvs``'s entry for the code from ``begndate``;
    proposed by one of the two (``by_admdvs``), the entry listed in ``from``'s catalogue then."""
    if from_admdvs == to_admdvs or not hilist_code:
        raise refusal("RECOGNITION_BAD", reason="two different regions and a code")
    if by_admdvs not in (from_admdvs, to_admdvs):
        raise refusal("RECOGNITION_NOT_PARTY", admdvs=by_admdvs, from_admdvs=from_admdvs, to_admdvs=to_admdvs)
    if hilist_code not in uow.recognition.catalogue(from_admdvs, begndate):
        raise refusal("RECOGNITION_NOT_LISTED", hilist_code=hilist_code[:50], admdvs=from_admdvs, day=begndate)
    recognition_id = new_id("RG")
    uow.recognition.add(dict(recognition_id=recognition_id, from_admdvs=from_admdvs, to_admdvs=to_admdvs,
                             hilist_code=hilist_code, begndate=begndate, proposed_by=by_admdvs, note=note[:2000],
                             actor=uow.actor.label()[:200], recorded_at=uow.now))
    uow.actions.record("recognition.propose", recognition_id, {"from": from_admdvs, "to": to_admdvs,
                                                               "code": hilist_code})
    return show(uow, recognition_id)


def _party(uow: UnitOfWork, recognition_id: str, by_admdvs: str) -> dict:
    row = uow.recognition.get(recognition_id)
    if row is None:
        raise refusal("RECOGNITION_NOT_FOUND", recognition_id=recognition_id[:20])
    if by_admdvs not in (row["from_admdvs"], row["to_admdvs"]):
        raise refusal("RECOGNITION_NOT_PARTY", admdvs=by_admdvs, from_admdvs=row["from_admdvs"],
                      to_admdvs=row["to_admdvs"])
    return row


def _step(uow: UnitOfWork, recognition_id: str, step: str, by_admdvs: str, reason: str) -> dict:
    added = uow.recognition.add_step(dict(recognition_id=recognition_id, step=step, by_admdvs=by_admdvs,
                                          reason=reason[:2000], actor=uow.actor.label()[:200], recorded_at=uow.now))
    if not added:
        raise refusal("RECOGNITION_STEP_DONE", recognition_id=recognition_id, step=step)
    uow.actions.record(f"recognition.{step}", recognition_id, {"by": by_admdvs})
    return show(uow, recognition_id)


def agree(uow: UnitOfWork, recognition_id: str, by_admdvs: str) -> dict:
    """The other agency's agreement: the recognition is in force from its begndate."""
    row = _party(uow, recognition_id, by_admdvs)
    if by_admdvs == row["proposed_by"]:
        raise refusal("RECOGNITION_SAME_PARTY", recognition_id=recognition_id)
    if any(step["step"] == "withdraw" for step in row["steps"]):
        raise refusal("RECOGNITION_STEP_DONE", recognition_id=recognition_id, step="withdraw")
    return _step(uow, recognition_id, "agree", by_admdvs, "")


def withdraw(uow: UnitOfWork, recognition_id: str, by_admdvs: str, reason: str) -> dict:
    _party(uow, recognition_id, by_admdvs)
    if not reason.strip():
        raise refusal("RECOGNITION_BAD", reason="a withdrawal needs a reason")
    return _step(uow, recognition_id, "withdraw", by_admdvs, reason)


def as_rule(row: dict) -> rules.Recognition:
    return rules.Recognition(row["recognition_id"], row["from_admdvs"], row["to_admdvs"], row["hilist_code"],
                             row["begndate"], row["proposed_by"], frozenset(s["step"] for s in row["steps"]))


def show(uow: UnitOfWork, recognition_id: str) -> dict:
    row = uow.recognition.get(recognition_id)
    return dict(row, status=as_rule(row).status())


def table(uow: UnitOfWork, admdvs: str, day: dt.date) -> dict:
    """The region's recognitions (either side) with their status, and the codes it recognises on the day."""
    rows = uow.recognition.of_region(admdvs)
    return {"admdvs": admdvs, "day": day, "recognitions": [dict(r, status=as_rule(r).status()) for r in rows],
            "recognised": rules.recognised_codes([as_rule(r) for r in rows], admdvs, day)}
