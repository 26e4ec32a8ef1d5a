"""Fund supervision (医保智能审核): a shared knowledge base and rule base, with two execution
paths over the same rule definitions: ``audit_claim`` (Python, pre/in-event) and the batch
SQL of ``yibao.analytics.audit_batch`` (post-event). See docs/audit-rules.md.
"""

from .claims import FLAT_COLUMNS, SCENARIOS, Claim, History, Line, claims_from_rows, flat_rows
from .engine import audit_claim, audit_claims
from .findings import Finding, finding, render_3101
from .knowledge import (
    Bundle, Death, ExclusivePair, FrequencyLimit, KnowledgeBase, KnowledgeError, PriceCeiling, Restriction,
    load_deaths, load_table,
)
from .package import PackageDiff, PackageError, RulePackage, diff_packages, export_package, import_package
from .rules import RULE_TYPES, STAGES, Provenance, Rule, RuleError, standard_rules

__all__ = [
    "FLAT_COLUMNS", "RULE_TYPES", "SCENARIOS", "STAGES", "Bundle", "Claim", "Death", "ExclusivePair", "Finding",
    "FrequencyLimit", "History", "KnowledgeBase", "KnowledgeError", "Line", "PackageDiff", "PackageError",
    "PriceCeiling", "Provenance", "Restriction", "Rule", "RuleError", "RulePackage", "audit_claim", "audit_claims",
    "claims_from_rows", "diff_packages", "export_package", "finding", "flat_rows", "import_package", "load_deaths",
    "load_table", "render_3101", "standard_rules",
]
