"""Rule packages shared between regions: export, import, diff."""

from __future__ import annotations

import dataclasses
import json

import pytest

from yibao.domain.audit import PackageError, export_package, import_package

from .builders import bundle, frequency, package, restriction
from .generate import generated_package


def _with_rules(pkg, rules):
    return dataclasses.replace(pkg, rules=tuple(rules))


def test_export_import_round_trip_is_exact():
    original = generated_package()
    text = export_package(original)
    imported, diff = import_package(text)
    assert imported == original
    assert diff.rules_added == [rule.rule_id for rule in original.rules] and not diff.rules_removed
    again, no_change = import_package(text, current=imported)
    assert again == original and no_change.empty and no_change.describe() == "no changes"


def test_export_is_plain_json_with_exact_decimals():
    document = json.loads(export_package(package(frequency_limits=[frequency("CT01", "2.5", 30)])))
    assert document["format"] == "yibao-audit-package"
    assert document["knowledge"]["frequency_limits"] == [
        {"hilist_code": "CT01", "max_cnt": "2.5", "period_days": "30", "insu_admdvs": "500000", "begndate": "2024-01-01"}]
    price_rule = next(rule for rule in document["rules"] if rule["rule_type"] == "超标准收费")
    assert price_rule["parameters"] == {"tolerance": "0"}
    assert price_rule["provenance"] == {"author": "重庆市医保局", "region": "500000", "date": "2024-01-01"}


def test_import_diff_lists_added_changed_and_removed():
    """Chengdu takes Chongqing's package: it widens the readmission window, drops the
    death rule, adds its own gender rule copy, adds a bundle and drops a restriction."""
    ours = package(restrictions=[restriction("F001", gend="2"), restriction("C001", age_max=14)],
                   bundles=[bundle("PKG1", "ITM1")])
    rules = []
    for rule in ours.rules:
        if rule.rule_type == "死亡后就医":
            continue
        if rule.rule_type == "分解住院":
            rule = dataclasses.replace(rule, parameters={"days": 30}, version="2")
        rules.append(rule)
    rules.append(dataclasses.replace(ours.rules[0], rule_id="GEND-02", sev_deg="高度可疑"))
    theirs = dataclasses.replace(
        _with_rules(ours, rules),
        knowledge=dataclasses.replace(ours.knowledge, restrictions=ours.knowledge.restrictions[:1],
                                      bundles=(bundle("PKG1", "ITM1"), bundle("PKG1", "ITM2"))))

    imported, diff = import_package(export_package(theirs), current=ours)
    assert imported == theirs
    assert diff.rules_added == ["GEND-02"]
    assert diff.rules_removed == ["DEATH-01"]
    assert diff.rules_changed == {"READMIT-01": {"parameters.days": (15, 30), "version": ("1", "2")}}
    assert diff.knowledge_added == {"bundles": [
        {"package_code": "PKG1", "hilist_code": "ITM2", "insu_admdvs": "500000", "begndate": "2024-01-01"}]}
    assert diff.knowledge_removed == {"restrictions": [
        {"hilist_code": "C001", "insu_admdvs": "500000", "begndate": "2024-01-01", "age_max": "14"}]}
    text = diff.describe()
    assert "rule changed: READMIT-01\n  parameters.days: 15 -> 30" in text
    assert "bundles: 1 row(s) added, 0 row(s) removed" in text


@pytest.mark.parametrize("change, message", [
    (lambda d: d.update(format="other"), r"package: not a yibao-audit-package document"),
    (lambda d: d["rules"][2].update(rule_type="限星座"), r"package\.rules\[2\]\.rule_type: unknown rule type"),
    (lambda d: d["rules"][10]["parameters"].update(days="soon"), r"package\.rules\[10\]\.parameters\.days: must be a whole number"),
    (lambda d: d["rules"][0].update(stages=["事中", "月底"]), r"package\.rules\[0\]\.stages: must be a non-empty list"),
    (lambda d: d["rules"][1].pop("provenance"), r"package\.rules\[1\]\.provenance: required field is missing"),
    (lambda d: d["rules"].append(d["rules"][0]), r"rules\[14\]\.rule_id: duplicate rule_id GEND-01"),
    (lambda d: d["knowledge"]["restrictions"][1].update(gend="M"),
     r"package\.knowledge\.restrictions\[1\], column gend: must be 1 \(male\) or 2 \(female\)"),
])
def test_import_errors_name_the_json_path(change, message):
    document = json.loads(export_package(generated_package()))
    change(document)
    with pytest.raises(PackageError, match=message):
        import_package(json.dumps(document, ensure_ascii=False))
