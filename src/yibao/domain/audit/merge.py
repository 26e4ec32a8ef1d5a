"""Sharing a rule package between regions by merging, never by replacing.

A region that imports another region's package sees one item per rule and per knowledge row:
``new`` (only in the shared package), ``changed`` (same rule id or same row key, other
content), ``same``, or ``only-mine`` (only in the importer's package). It then accepts the
items it wants; only those are applied, and ``only-mine`` items are always kept (issue #17: a
shared package replaced 汕尾's 15 price ceilings and its price findings fell from 14 to 0).

Every applied item records its origin (source region, package version, imported at, by whom)
in the package's ``origins``, keyed by item id, so the provenance of each rule and knowledge
row travels with the package the importer stores.

Item ids are stable texts without commas (the CLI takes ``--accept ID,ID``):
``rule/<rule_id>`` and ``<table>/<key columns joined by '/'>``, e.g.
``price_ceilings/XA1/441500/2026-01-01``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from .knowledge import KNOWLEDGE_TABLES, KnowledgeBase, row_record
from .package import RulePackage, rule_to_dict

NEW, CHANGED, SAME, ONLY_MINE = "new", "changed", "same", "only-mine"
ACCEPTABLE = (NEW, CHANGED)

# The columns that name a knowledge row: two rows with the same key are one row in two versions.
ROW_KEYS = {
    "restrictions": ("hilist_code", "insu_admdvs", "begndate"),
    "price_ceilings": ("hilist_code", "insu_admdvs", "begndate"),
    "bundles": ("package_code", "hilist_code", "insu_admdvs", "begndate"),
    "exclusive_pairs": ("hilist_code", "excl_hilist_code", "insu_admdvs", "begndate"),
    "frequency_limits": ("hilist_code", "period_days", "insu_admdvs", "begndate"),
}


@dataclass(frozen=True)
class Origin:
    """Where an item of a package came from."""

    source_region: str
    package_version: str
    imported_at: str  # ISO date-time
    imported_by: str

    def as_dict(self) -> dict[str, str]:
        return {"source_region": self.source_region, "package_version": self.package_version,
                "imported_at": self.imported_at, "imported_by": self.imported_by}


@dataclass(frozen=True)
class MergeItem:
    item_id: str
    kind: str  # "rule" or a knowledge table
    status: str  # new | changed | same | only-mine
    mine: dict | None
    theirs: dict | None

    def as_dict(self) -> dict[str, Any]:
        return {"item_id": self.item_id, "kind": self.kind, "status": self.status, "mine": self.mine,
                "theirs": self.theirs}


def row_id(table: str, row: Any) -> str:
    record = row_record(row)
    return "/".join([table, *(record.get(column, "") for column in ROW_KEYS[table])])


def rule_id(rule_or_id: Any) -> str:
    return f"rule/{getattr(rule_or_id, 'rule_id', rule_or_id)}"


def _rule_content(rule) -> dict:
    # the provenance says who wrote the rule, not what it does: a rule shared unchanged is "same"
    data = rule_to_dict(rule)
    data.pop("provenance")
    return data


def _status(mine: Any, theirs: Any) -> str:
    if mine is None:
        return NEW
    if theirs is None:
        return ONLY_MINE
    return SAME if mine == theirs else CHANGED


def compare(mine: RulePackage | None, theirs: RulePackage) -> list[MergeItem]:
    """One item per rule and knowledge row of either package, rules first, each group by id."""
    items = []
    own_rules = {rule.rule_id: _rule_content(rule) for rule in (mine.rules if mine else ())}
    shared_rules = {rule.rule_id: _rule_content(rule) for rule in theirs.rules}
    for key in sorted(own_rules.keys() | shared_rules.keys()):
        a, b = own_rules.get(key), shared_rules.get(key)
        items.append(MergeItem(rule_id(key), "rule", _status(a, b), a, b))
    own_knowledge = mine.knowledge if mine else KnowledgeBase()
    for table in KNOWLEDGE_TABLES:
        own = {row_id(table, row): row_record(row) for row in own_knowledge.table(table)}
        shared = {row_id(table, row): row_record(row) for row in theirs.knowledge.table(table)}
        for key in sorted(own.keys() | shared.keys()):
            items.append(MergeItem(key, table, _status(own.get(key), shared.get(key)), own.get(key), shared.get(key)))
    return items


def chosen(items: list[MergeItem], accept: str | list[str] | set[str]) -> tuple[set[str], list[str]]:
    """The ids to apply for ``accept`` ("all", or ids) and the ids named that cannot be applied
    (unknown, or same / only-mine)."""
    acceptable = {item.item_id for item in items if item.status in ACCEPTABLE}
    if accept == "all":
        return acceptable, []
    wanted = set(accept)
    return wanted & acceptable, sorted(wanted - acceptable)


def merge(mine: RulePackage | None, theirs: RulePackage, accepted: set[str], origin: Origin,
          version: str) -> RulePackage:
    """The importer's package with the accepted items of ``theirs`` added or replacing its own
    under the same id; everything else of the importer's is kept as it was."""
    base = mine or replace(theirs, rules=(), knowledge=KnowledgeBase(), origins={})
    shared_rules = {rule_id(rule): rule for rule in theirs.rules}
    rules = [shared_rules[rule_id(rule)] if rule_id(rule) in accepted else rule for rule in base.rules]
    own_ids = {rule_id(rule) for rule in base.rules}
    rules += [rule for key, rule in shared_rules.items() if key in accepted and key not in own_ids]
    tables = {}
    for table in KNOWLEDGE_TABLES:
        shared = {row_id(table, row): row for row in theirs.knowledge.table(table)}
        rows = [shared[row_id(table, row)] if row_id(table, row) in accepted else row for row in base.knowledge.table(table)]
        own_ids = {row_id(table, row) for row in base.knowledge.table(table)}
        rows += [row for key, row in shared.items() if key in accepted and key not in own_ids]
        tables[table] = tuple(rows)
    origins = dict(base.origins)
    origins.update({key: origin.as_dict() for key in sorted(accepted)})
    return replace(base, version=version, rules=tuple(rules), knowledge=KnowledgeBase(**tables), origins=origins)


def stamped(package: RulePackage, origin: Origin) -> RulePackage:
    """The package with every item that has no origin yet attributed to ``origin`` (a region's
    own rules and knowledge: written or imported from its own files)."""
    ids = [rule_id(rule) for rule in package.rules]
    ids += [row_id(table, row) for table in KNOWLEDGE_TABLES for row in package.knowledge.table(table)]
    origins = {key: package.origins.get(key) or origin.as_dict() for key in ids}
    return replace(package, origins=origins)
