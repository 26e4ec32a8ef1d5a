"""The findings queue and idempotent post-event audit runs (issue #17 item 3).

A post-event run has a key: region, period and the package version that judged it. Running
the same key again records a new run that supersedes the earlier one: the queue then shows
the new run's findings only, and the earlier findings stay stored as history (findings are
not money, but nothing of supervision's history is deleted). A finding of the new run that
matches one of the earlier run (same rule, visit and fee line) carries its state over, so a
re-run never reopens a finding the agency already checked.

Each move of a finding is one dated row with its actor (``finding_transitions``), taken
under the finding row's lock (docs/locking.md, rank 16) and decided on what is read after it.
The use cases reach the store through ``uow.findings`` (store/repositories/findings.py).
"""

from __future__ import annotations

import datetime as dt
from typing import Protocol

from yibao.domain.audit import queue

from . import authorization, supervision
from .error_codes import refusal
from .errors import new_id
from .unit_of_work import UnitOfWork


class FindingsRepository(Protocol):
    """What the use cases below need of the store (``uow.findings``); rows are dicts, fen."""

    def lock(self, finding_id: str) -> dict | None:
        """The finding locked for the transaction, read after the lock, with ``admdvs`` (its
        institution's region, "" if unknown) and ``superseded`` (its run was re-run)."""

    def history(self, finding_ids: list[str]) -> dict[str, list[dict]]:
        """Each finding's transitions, oldest first (absent: none)."""

    def add_transition(self, row: dict) -> None: ...

    def page(self, *, status: str | None, rule_id: str | None, fixmedins_code: str | None, region_prefix: str | None,
             limit: int, offset: int) -> tuple[list[dict], int]:
        """The live findings (not superseded) matching, newest first, each with ``status`` and
        ``admdvs``; and how many match in all."""

    def lock_run_key(self, run_key: str) -> None:
        """Runs of one key queue here (advisory)."""

    def latest_run(self, run_key: str) -> dict | None:
        """The run of the key that no later run supersedes."""

    def add_run(self, row: dict) -> None: ...

    def run_findings(self, run_id: str) -> list[dict]: ...


def _status(history: list[dict]) -> str:
    return history[-1]["to_status"] if history else queue.NEW


def _checked_status(status: str | None) -> str | None:
    if status is not None and status not in queue.STATUSES:
        raise refusal("FINDING_BAD_STATUS", statuses="、".join(queue.STATUSES), status=status[:20])
    return status


def list_findings(uow: UnitOfWork, *, status: str | None = None, rule_id: str | None = None,
                  fixmedins_code: str | None = None, agency_region: str | None = None, limit: int = 50,
                  offset: int = 0) -> dict:
    """A page of the queue; ``agency_region`` limits it to the institutions of the regions the
    agency administers (None: the platform operator sees all)."""
    rows, total = uow.findings.page(status=_checked_status(status), rule_id=rule_id, fixmedins_code=fixmedins_code,
                                    region_prefix=authorization.scope_prefix(agency_region), limit=limit, offset=offset)
    return {"total": total, "limit": limit, "offset": offset, "findings": rows}


def move(uow: UnitOfWork, finding_id: str, to: str, *, reason: str = "", agency_region: str | None = None) -> dict:
    """One step of the queue. Only the treatment place's agency moves a finding about an
    institution (就医地管理); ``agency_region`` None is the platform operator."""
    _checked_status(to)
    row = uow.findings.lock(finding_id)
    if row is None:
        raise refusal("FINDING_NOT_FOUND", finding_id=finding_id)
    if agency_region is not None:
        authorization.check_treatment_place(agency_region, row["admdvs"], row["fixmedins_code"])
    if row["superseded"]:
        raise refusal("FINDING_SUPERSEDED", finding_id=finding_id)
    history = uow.findings.history([finding_id]).get(finding_id, [])
    current = _status(history)
    if not queue.may_move([step["to_status"] for step in history], to):
        raise refusal("FINDING_TRANSITION", finding_id=finding_id, current=current, status=to)
    if queue.needs_reason(current, to) and not reason.strip():
        raise refusal("FINDING_REASON_REQUIRED", status=to)
    step = dict(finding_id=finding_id, seq=len(history) + 1, from_status=current, to_status=to, reason=reason[:4000],
                by=uow.actor.label(), at=uow.now)
    uow.findings.add_transition(step)
    uow.actions.record("finding.move", finding_id, {"from": current, "to": to})
    return {**_public(row), "status": to, "history": [_plain(s) for s in history + [step]]}


def _public(row: dict) -> dict:
    return {key: value for key, value in row.items() if key not in ("superseded",)}


def _plain(row: dict) -> dict:
    return {k: (v.isoformat() if isinstance(v, (dt.date, dt.datetime)) else v) for k, v in row.items()}


def run_key(region: str, begin: dt.date, end: dt.date, package_row: dict) -> str:
    return f"{region}|{begin}|{end}|{package_row['admdvs']}:{package_row['version']}"


def record_run(uow: UnitOfWork, *, region: str, begin: dt.date, end: dt.date, package_row: dict, findings,
               institutions: dict[str, str]) -> dict:
    """Keep a post-event run's findings; a run of the same key before is superseded, and the
    states of its findings carry over to the same findings of this run."""
    key = run_key(region, begin, end, package_row)
    uow.findings.lock_run_key(key)
    earlier = uow.findings.latest_run(key)
    run_id = new_id("RN")
    ids = []
    for finding in findings:
        ids += supervision.record_findings(uow, [finding], stage="事后", run_id=run_id, context={
            "psn_no": finding.psn_no, "fixmedins_code": institutions.get(finding.mdtrt_id, "")})
    uow.findings.add_run(dict(run_id=run_id, run_key=key, admdvs=region, begndate=begin, enddate=end,
                              package_version=f"{package_row['admdvs']}:{package_row['version']}"[:60],
                              supersedes_run_id=earlier["run_id"] if earlier else None, findings=len(ids),
                              ran_at=uow.now, ran_by=uow.actor.label()))
    carried = _carry_states(uow, earlier["run_id"], run_id) if earlier else 0
    uow.actions.record("audit.run", run_id, {"run_key": key, "findings": len(ids), "carried": carried,
                                             "supersedes": earlier["run_id"] if earlier else None})
    return {"run_id": run_id, "run_key": key, "supersedes": earlier["run_id"] if earlier else None,
            "finding_ids": ids, "carried": carried}


def _same(row: dict) -> tuple:
    return (row["rule_id"], row["mdtrt_id"], row["feedetl_sn"])


def _carry_states(uow: UnitOfWork, earlier_run: str, run_id: str) -> int:
    """Copy each matched earlier finding's steps (actor and time as they were, the reason
    naming the finding they come from) onto its successor; returns how many carried a state."""
    old = {_same(row): row for row in uow.findings.run_findings(earlier_run)}
    history = uow.findings.history([row["finding_id"] for row in old.values()])
    carried = 0
    for row in uow.findings.run_findings(run_id):
        before = old.get(_same(row))
        steps = history.get(before["finding_id"], []) if before else []
        for step in steps:
            uow.findings.add_transition(dict(step, finding_id=row["finding_id"],
                                             reason=f"[沿用 {before['finding_id']}] {step['reason']}"[:4000]))
        carried += bool(steps)
    return carried
