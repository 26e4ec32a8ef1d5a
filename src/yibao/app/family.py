"""亲情账户 (family accounts, domain-rules §2.3): an employee binds close relatives (近亲属) who
may then draw on the employee's personal account after their own (``acct_mulaid_pay``).

- **Dated records.** A binding is a ``bind`` row; its end is a new ``unbind`` row naming it
  (never a deletion or an update). Bindings are many to many: a person may bind several
  relatives and be bound by several employees.
- **Who and how many.** Relations are the 近亲属 of 国办发〔2024〕38号 and the 2025 跨省共济经办规程:
  spouse, parents, children, siblings, grandparents, grandchildren. The owner must hold an
  active employee insurance (310, 职工医保: only employees have an account to share); the
  relative must be insured (any active insurance). The number of relatives an owner may bind
  is the owner's policy's ``family_account.max_relatives`` (310 policy document in force for
  the owner's insured region), ``DEFAULT_MAX_RELATIVES`` where the policy says nothing.
- **Settlement order.** With several binders the earliest binding pays first
  (``domain/settle.draw_family_accounts``); whether mutual aid applies at all is the visiting
  person's policy's ``personal_account.family_mutual_aid``.
- **Import.** The persons file's ``family_psn_no`` column creates one binding (relation
  ``unstated``) when the pair has no live binding; a re-import never ends one.

Locks (docs/locking.md, rank 3): binding and unbinding lock the owner and the relative in
ascending psn_no order and decide on the bindings read after that; they take no other lock.
A settlement of the relative locks the same rows, so it sees the binding before or after,
never half.
"""

from __future__ import annotations

import datetime as dt
from typing import Protocol

from .error_codes import refusal
from .unit_of_work import UnitOfWork

RELATIONS = {"spouse": "配偶", "parent": "父母", "child": "子女", "sibling": "兄弟姐妹",
             "grandparent": "祖父母、外祖父母", "grandchild": "孙子女、外孙子女"}
IMPORTED_RELATION = "unstated"  # the import's family_psn_no column does not say the relation
EMPLOYEE_INSUTYPE = "310"
# Illustrative default: the national rules set no number; regions that do set it in the policy.
DEFAULT_MAX_RELATIVES = 10
SOURCES = ("admin", "cli", "import")


class FamilyRepository(Protocol):
    """``uow.family`` (store/repositories/family.py)."""

    def lock_persons(self, psn_nos: list[str]) -> dict[str, dict]: ...
    def insurances(self, psn_no: str) -> list[dict]: ...
    def policy_document(self, admdvs: str, insutype: str, day: dt.date) -> dict | None: ...
    def binding(self, binding_id: int) -> dict | None: ...
    def live(self, *, owners: list[str] | None = None, relatives: list[str] | None = None) -> list[dict]: ...
    def listing(self, psn_no: str | None = None, *, include_ended: bool = False) -> list[dict]: ...
    def add(self, row: dict) -> int: ...


def bind(uow: UnitOfWork, owner_psn_no: str, relative_psn_no: str, relation: str, *, source: str = "admin",
         begndate: dt.date | None = None) -> dict:
    """Bind ``relative_psn_no`` to ``owner_psn_no``'s account; the new binding."""
    if relation not in RELATIONS:
        raise refusal("FAMILY_BAD_RELATION", relation=relation, known=", ".join(RELATIONS))
    if owner_psn_no == relative_psn_no:
        raise refusal("FAMILY_SELF", psn_no=owner_psn_no)
    family = uow.family
    locked = family.lock_persons([owner_psn_no, relative_psn_no])
    for psn_no in (owner_psn_no, relative_psn_no):
        if psn_no not in locked:
            raise refusal("FAMILY_PERSON_NOT_FOUND", psn_no=psn_no)
    owner_insurance = _active(family.insurances(owner_psn_no), EMPLOYEE_INSUTYPE)
    if owner_insurance is None:
        raise refusal("FAMILY_OWNER_NOT_EMPLOYEE", psn_no=owner_psn_no)
    if _active(family.insurances(relative_psn_no)) is None:
        raise refusal("FAMILY_RELATIVE_NOT_INSURED", psn_no=relative_psn_no)
    live = family.live(owners=[owner_psn_no])
    if any(b["relative_psn_no"] == relative_psn_no for b in live):
        raise refusal("FAMILY_ALREADY_BOUND", owner=owner_psn_no, relative=relative_psn_no)
    limit = max_relatives(uow, owner_insurance["insuplc_admdvs"])
    if len(live) >= limit:
        raise refusal("FAMILY_TOO_MANY", owner=owner_psn_no, limit=limit)
    row = _record(uow, "bind", owner_psn_no, relative_psn_no, relation, source,
                  begndate=begndate or uow.now.date())
    uow.actions.record("family.bind", relative_psn_no, {"binding_id": row["binding_id"], "owner": owner_psn_no,
                                                         "relation": relation})
    return row


def unbind(uow: UnitOfWork, binding_id: int, *, source: str = "admin") -> dict:
    """End a binding with a new ``unbind`` record naming it; the record."""
    family = uow.family
    before = family.binding(binding_id)
    if before is None:
        raise refusal("FAMILY_BINDING_NOT_FOUND", binding_id=binding_id)
    family.lock_persons([before["owner_psn_no"], before["relative_psn_no"]])
    binding = family.binding(binding_id)  # read again after the persons' lock
    if binding["ended_by"] is not None:
        raise refusal("FAMILY_ALREADY_UNBOUND", binding_id=binding_id)
    row = _record(uow, "unbind", binding["owner_psn_no"], binding["relative_psn_no"], binding["relation"], source,
                  begndate=uow.now.date(), unbinds=binding_id)
    uow.actions.record("family.unbind", binding["relative_psn_no"], {"binding_id": binding_id,
                                                                      "unbinding_id": row["binding_id"]})
    return row


def listing(uow: UnitOfWork, psn_no: str | None = None, *, include_ended: bool = False) -> list[dict]:
    """Bindings naming the person (owner or relative), earliest first, with ``ended_by``."""
    return [public(row) for row in uow.family.listing(psn_no, include_ended=include_ended)]


def import_links(uow: UnitOfWork, links: list[tuple[str, str]], *, actor: str) -> int:
    """The persons import's (owner, relative) links: one binding for each pair without a live
    one; a link that changed adds the new binding and never ends the old one. Returns how many
    were added. The caller holds the relatives' locks."""
    relatives = sorted({relative for _, relative in links})
    live = {(b["owner_psn_no"], b["relative_psn_no"]) for b in uow.family.live(relatives=relatives)} if relatives else set()
    added = 0
    for owner, relative in links:
        if owner == relative or (owner, relative) in live:
            continue
        _record(uow, "bind", owner, relative, IMPORTED_RELATION, "import", begndate=None, actor=actor)
        live.add((owner, relative))
        added += 1
    return added


def max_relatives(uow: UnitOfWork, admdvs: str) -> int:
    """The owner's policy's limit (``family_account.max_relatives``), else the default."""
    document = uow.family.policy_document(admdvs, EMPLOYEE_INSUTYPE, uow.now.date()) or {}
    configured = (document.get("family_account") or {}).get("max_relatives")
    return int(configured) if configured is not None else DEFAULT_MAX_RELATIVES


def public(row: dict) -> dict:
    return {"binding_id": row["binding_id"], "owner_psn_no": row["owner_psn_no"],
            "relative_psn_no": row["relative_psn_no"], "relation": row["relation"],
            "begndate": row["begndate"].isoformat() if row.get("begndate") else None,
            "ended_by": row.get("ended_by"), "source": row["source"], "actor": row["actor"],
            "recorded_at": row["recorded_at"].isoformat(timespec="seconds")}


def _active(insurances: list[dict], insutype: str | None = None) -> dict | None:
    return next((i for i in insurances if i["psn_insu_stas"] == "1" and insutype in (None, i["insutype"])), None)


def _record(uow: UnitOfWork, kind: str, owner: str, relative: str, relation: str, source: str, *,
            begndate: dt.date | None, unbinds: int | None = None, actor: str | None = None) -> dict:
    row = {"kind": kind, "owner_psn_no": owner, "relative_psn_no": relative, "relation": relation,
           "unbinds": unbinds, "begndate": begndate, "source": source,
           "actor": (actor or uow.actor.label())[:200], "recorded_at": uow.now}
    row["binding_id"] = uow.family.add(row)
    row["ended_by"] = None
    return row
