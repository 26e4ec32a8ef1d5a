"""Importing another region's rule package by merging (issue #17 item 2).

``preview`` shows one item per rule and knowledge row (new / changed / same / only-mine);
``accept`` applies only the items the importing region accepts and stores the result as the
region's new package version. The importer's own rules and knowledge are never deleted, and
every item keeps its origin (domain/audit/merge.py). Both run over ``uow.audit``
(app/audit.AuditRepository); a new package version is a new row, so nothing is rewritten.
"""

from __future__ import annotations

import json
from dataclasses import replace
from collections import Counter
from decimal import Decimal

from yibao.domain.audit import RulePackage, export_package
from yibao.domain.audit.merge import ACCEPTABLE, MergeItem, Origin, chosen, compare, merge, stamped
from yibao.domain.audit.package import PackageError, package_from_dict

from . import audit
from .error_codes import refusal
from .unit_of_work import UnitOfWork


def _shared(document: str | dict) -> RulePackage:
    try:
        data = json.loads(document, parse_float=Decimal) if isinstance(document, str) else document
        return package_from_dict(data)
    except json.JSONDecodeError as exc:
        raise refusal("AUDIT_PACKAGE_INVALID", detail=f"not valid JSON: {exc.msg} at line {exc.lineno}") from None
    except PackageError as exc:
        raise refusal("AUDIT_PACKAGE_INVALID", detail=str(exc)) from None


def _in_effect(uow: UnitOfWork, admdvs: str) -> RulePackage | None:
    """What applies to the region now: its own package, else the one it inherits along the
    region chain (a district merging into nothing would lose its city's rules)."""
    found = audit.current_package(uow, admdvs)
    return found[1] if found else None


def _summary(items: list[MergeItem]) -> dict[str, int]:
    counts = Counter(item.status for item in items)
    return {status: counts.get(status, 0) for status in ("new", "changed", "same", "only-mine")}


def preview(uow: UnitOfWork, document: str | dict, *, admdvs: str) -> dict:
    """The diff per item between the region's package in effect and the shared one; changes nothing."""
    theirs = _shared(document)
    items = compare(_in_effect(uow, admdvs), theirs)
    return {"region": admdvs, "source_region": theirs.region, "source_version": theirs.version,
            "counts": _summary(items), "items": [item.as_dict() for item in items]}


def accept(uow: UnitOfWork, document: str | dict, *, admdvs: str, accept: str | list[str],
           refuse_definite: bool | None = None) -> dict:
    """Apply the accepted items ("all" = every new and changed item) and store the merged package
    as the region's new version. Naming an item that is unknown, the same or only the
    importer's is refused, so a typo never passes as accepted."""
    theirs = _shared(document)
    mine = _in_effect(uow, admdvs)
    items = compare(mine, theirs)
    accepted, unusable = chosen(items, accept)
    if unusable:
        raise refusal("RULESHARE_ITEM_NOT_ACCEPTABLE", items="、".join(unusable[:10]), count=len(unusable))
    when = uow.now.isoformat(timespec="seconds")
    origin = Origin(theirs.region, theirs.version, when, uow.actor.label())
    base = stamped(mine, Origin(mine.region, mine.version, when, uow.actor.label())) if mine else None
    merged = replace(merge(base, theirs, accepted, origin, version=f"{uow.now:%Y%m%d%H%M%S}"), region=admdvs)
    result = audit.import_rule_package(uow, export_package(merged), admdvs=admdvs,
                                       source=f"shared {theirs.region} {theirs.version}", refuse_definite=refuse_definite)
    applied = [item for item in items if item.item_id in accepted]
    uow.actions.record("rules.share", admdvs, {"source_region": theirs.region, "source_version": theirs.version,
                                              "applied": sorted(accepted), "version": result["version"]})
    return {"region": admdvs, "version": result["version"], "changed": result["changed"],
            "applied": [item.item_id for item in applied],
            "kept_only_mine": sum(1 for item in items if item.status == "only-mine"),
            "not_accepted": sorted(item.item_id for item in items if item.status in ACCEPTABLE
                                   and item.item_id not in accepted)}


def origins(uow: UnitOfWork, admdvs: str) -> dict[str, dict[str, str]]:
    """The provenance of every item of the region's package in effect (item id → origin)."""
    package = _in_effect(uow, admdvs)
    if package is None:
        raise refusal("AUDIT_NO_PACKAGE", admdvs=admdvs)
    return dict(package.origins)
