"""A rule package: rules + knowledge base, exchanged between regions as one JSON document.

Numbers that are amounts or quantities are written as strings ("12.50") so they survive any
JSON reader exactly; dates are ISO strings; knowledge rows use the file columns of
knowledge.py. Importing a package returns it together with a readable diff against the
package it replaces.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from .knowledge import KNOWLEDGE_TABLES, KnowledgeBase, KnowledgeError, parse_row, row_record
from .rules import Provenance, Rule, RuleError

FORMAT = "yibao-audit-package"
FORMAT_VERSION = 1
_RULE_FIELDS = ("rule_id", "rule_name", "rule_type", "category", "result_type", "sev_deg", "stages",
                "scenarios", "parameters", "version", "provenance", "basis")


class PackageError(ValueError):
    """A package document that cannot be read; the message names the JSON path."""


@dataclass(frozen=True)
class RulePackage:
    package_id: str
    version: str
    region: str
    provenance: Provenance
    rules: tuple[Rule, ...]
    knowledge: KnowledgeBase = field(default_factory=KnowledgeBase)
    # item id (domain/audit/merge.py) → where the item came from: source_region, package_version,
    # imported_at, imported_by. Written only when there is any, so older documents read the same.
    origins: dict[str, dict[str, str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        seen = set()
        for index, rule in enumerate(self.rules):
            if rule.rule_id in seen:
                raise PackageError(f"rules[{index}].rule_id: duplicate rule_id {rule.rule_id}")
            seen.add(rule.rule_id)


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, (tuple, list)):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    return value


def _provenance_dict(provenance: Provenance) -> dict:
    return {"author": provenance.author, "region": provenance.region, "date": _plain(provenance.date)}


def rule_to_dict(rule: Rule) -> dict:
    data = {name: getattr(rule, name) for name in _RULE_FIELDS}
    data["provenance"] = _provenance_dict(rule.provenance)
    return _plain(data)


def package_to_dict(package: RulePackage) -> dict:
    return {
        "format": FORMAT, "format_version": FORMAT_VERSION,
        "package_id": package.package_id, "version": package.version, "region": package.region,
        "provenance": _provenance_dict(package.provenance),
        "rules": [rule_to_dict(rule) for rule in package.rules],
        "knowledge": {table: [row_record(row) for row in package.knowledge.table(table)] for table in KNOWLEDGE_TABLES},
        **({"origins": dict(sorted(package.origins.items()))} if package.origins else {}),
    }


def export_package(package: RulePackage) -> str:
    return json.dumps(package_to_dict(package), ensure_ascii=False, indent=2)


def _provenance(data: Any, where: str) -> Provenance:
    if not isinstance(data, dict) or not data.get("author") or not data.get("region"):
        raise PackageError(f"{where}: an object with author and region (and date yyyy-MM-dd)")
    try:
        day = dt.date.fromisoformat(data["date"]) if data.get("date") else None
    except (TypeError, ValueError):
        raise PackageError(f"{where}.date: must be a date yyyy-MM-dd") from None
    return Provenance(str(data["author"]), str(data["region"]), day)


def rule_from_dict(data: Any, where: str = "rule") -> Rule:
    if not isinstance(data, dict):
        raise PackageError(f"{where}: a rule is an object")
    missing = [name for name in _RULE_FIELDS if name not in data and name not in ("sev_deg", "parameters", "basis")]
    if missing:
        raise PackageError(f"{where}.{missing[0]}: required field is missing")
    if not isinstance(data.get("parameters", {}), dict):
        raise PackageError(f"{where}.parameters: must be an object")
    try:
        return Rule(
            rule_id=str(data["rule_id"]), rule_name=str(data["rule_name"]), rule_type=str(data["rule_type"]),
            category=data["category"], result_type=data["result_type"], stages=tuple(data["stages"]),
            scenarios=tuple(data["scenarios"]), version=str(data["version"]),
            provenance=_provenance(data["provenance"], f"{where}.provenance"),
            parameters=dict(data.get("parameters", {})), sev_deg=str(data.get("sev_deg") or ""),
            basis=str(data.get("basis") or ""),
        )
    except RuleError as exc:
        raise PackageError(f"{where}.{exc}") from None
    except TypeError:
        raise PackageError(f"{where}: stages and scenarios must be lists") from None


def package_from_dict(data: Any, where: str = "package") -> RulePackage:
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise PackageError(f"{where}: not a {FORMAT} document")
    if data.get("format_version") != FORMAT_VERSION:
        raise PackageError(f"{where}.format_version: this version reads format_version {FORMAT_VERSION}")
    for name in ("package_id", "version", "region"):
        if not data.get(name):
            raise PackageError(f"{where}.{name}: required field is missing")
    if not isinstance(data.get("rules"), list):
        raise PackageError(f"{where}.rules: must be a list of rules")
    rules = tuple(rule_from_dict(rule, f"{where}.rules[{index}]") for index, rule in enumerate(data["rules"]))
    knowledge_data = data.get("knowledge") or {}
    if not isinstance(knowledge_data, dict) or set(knowledge_data) - set(KNOWLEDGE_TABLES):
        raise PackageError(f"{where}.knowledge: an object with the tables {', '.join(KNOWLEDGE_TABLES)}")
    tables = {}
    try:
        for table in KNOWLEDGE_TABLES:
            rows = (parse_row(table, record, f"{where}.knowledge.{table}[{index}]")
                    for index, record in enumerate(knowledge_data.get(table) or []))
            tables[table] = tuple(row for row in rows if row is not None)
    except KnowledgeError as exc:
        raise PackageError(str(exc)) from None
    return RulePackage(
        package_id=str(data["package_id"]), version=str(data["version"]), region=str(data["region"]),
        provenance=_provenance(data.get("provenance"), f"{where}.provenance"), rules=rules,
        knowledge=KnowledgeBase(**tables), origins=_origins(data.get("origins"), f"{where}.origins"),
    )


_ORIGIN_FIELDS = ("source_region", "package_version", "imported_at", "imported_by")


def _origins(data: Any, where: str) -> dict[str, dict[str, str]]:
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise PackageError(f"{where}: an object of item id → origin")
    origins = {}
    for key, origin in data.items():
        if not isinstance(origin, dict) or not all(isinstance(origin.get(name), str) for name in _ORIGIN_FIELDS):
            raise PackageError(f"{where}.{key}: an object with {', '.join(_ORIGIN_FIELDS)} (texts)")
        origins[str(key)] = {name: origin[name] for name in _ORIGIN_FIELDS}
    return origins


@dataclass
class PackageDiff:
    """What importing a package changes: rules by rule_id, knowledge rows by content (a
    changed row shows as one removed and one added)."""

    rules_added: list[str] = field(default_factory=list)
    rules_changed: dict[str, dict[str, tuple[Any, Any]]] = field(default_factory=dict)
    rules_removed: list[str] = field(default_factory=list)
    knowledge_added: dict[str, list[dict]] = field(default_factory=dict)
    knowledge_removed: dict[str, list[dict]] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return not (self.rules_added or self.rules_changed or self.rules_removed
                    or self.knowledge_added or self.knowledge_removed)

    def describe(self) -> str:
        if self.empty:
            return "no changes"
        lines = [f"rule added: {rule_id}" for rule_id in self.rules_added]
        for rule_id, changes in self.rules_changed.items():
            lines.append(f"rule changed: {rule_id}")
            lines += [f"  {name}: {old!r} -> {new!r}" for name, (old, new) in changes.items()]
        lines += [f"rule removed: {rule_id}" for rule_id in self.rules_removed]
        for table in KNOWLEDGE_TABLES:
            added, removed = self.knowledge_added.get(table, []), self.knowledge_removed.get(table, [])
            if added or removed:
                lines.append(f"{table}: {len(added)} row(s) added, {len(removed)} row(s) removed")
                lines += [f"  + {_row_text(row)}" for row in added] + [f"  - {_row_text(row)}" for row in removed]
        return "\n".join(lines)


def _row_text(record: dict) -> str:
    return ", ".join(f"{key}={value}" for key, value in record.items())


def _flat(data: dict, prefix: str = "") -> dict[str, Any]:
    flat = {}
    for key, value in data.items():
        if isinstance(value, dict):
            flat.update(_flat(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = value
    return flat


def diff_packages(old: RulePackage | None, new: RulePackage) -> PackageDiff:
    diff = PackageDiff()
    old_rules = {rule.rule_id: _flat(rule_to_dict(rule)) for rule in (old.rules if old else ())}
    new_rules = {rule.rule_id: _flat(rule_to_dict(rule)) for rule in new.rules}
    diff.rules_added = [rule_id for rule_id in new_rules if rule_id not in old_rules]
    diff.rules_removed = [rule_id for rule_id in old_rules if rule_id not in new_rules]
    for rule_id in new_rules.keys() & old_rules.keys():
        before, after = old_rules[rule_id], new_rules[rule_id]
        changes = {key: (before.get(key), after.get(key)) for key in sorted(before.keys() | after.keys())
                   if before.get(key) != after.get(key)}
        if changes:
            diff.rules_changed[rule_id] = changes
    diff.rules_changed = dict(sorted(diff.rules_changed.items()))
    old_knowledge = old.knowledge if old else KnowledgeBase()
    for table in KNOWLEDGE_TABLES:
        before, after = set(old_knowledge.table(table)), set(new.knowledge.table(table))
        ordered = lambda rows: sorted((row_record(row) for row in rows), key=lambda r: sorted(r.items()))  # noqa: E731
        if after - before:
            diff.knowledge_added[table] = ordered(after - before)
        if before - after:
            diff.knowledge_removed[table] = ordered(before - after)
    return diff


def import_package(document: str | dict, current: RulePackage | None = None) -> tuple[RulePackage, PackageDiff]:
    """Read a package (JSON text or parsed document) and diff it against ``current``."""
    if isinstance(document, str):
        try:
            document = json.loads(document, parse_float=Decimal)
        except json.JSONDecodeError as exc:
            raise PackageError(f"package: not valid JSON: {exc.msg} at line {exc.lineno}") from None
    package = package_from_dict(document)
    return package, diff_packages(current, package)
