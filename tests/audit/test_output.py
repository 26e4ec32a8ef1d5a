"""Findings as the gateway returns them in 3101/3102 (nhsa-interface §3.14)."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

from yibao.domain.audit import audit_claim, render_3101

from .builders import bundle, claim, line, package


def test_3101_result_groups_lines_per_rule_and_visit():
    rules = package(bundles=[bundle("PKG1", "ITM1"), bundle("PKG1", "ITM2")])
    rules = dataclasses.replace(rules, rules=tuple(
        dataclasses.replace(rule, basis="《医疗服务价格项目规范》打包项目不得分解收费") if rule.rule_type == "分解收费" else rule
        for rule in rules.rules))
    visit = claim(line("PKG1", "1", pric="200"), line("ITM1", "2", pric="30"), line("ITM2", "3", pric="20"))
    result = render_3101(audit_claim(visit, None, rules, "事中"), rules.rules, task_id="T1")
    assert len(result) == 1
    entry = result[0]
    assert {key: entry[key] for key in ("jr_id", "rule_id", "rule_name", "patn_id", "mdtrt_id", "vola_amt",
                                        "sev_deg", "vola_evid", "vola_bhvr_type", "task_id")} == {
        "jr_id": "V1-BUNDLE-01", "rule_id": "BUNDLE-01", "rule_name": "打包项目分解收费", "patn_id": "P1",
        "mdtrt_id": "V1", "vola_amt": Decimal("50.00"), "sev_deg": "明确违规",
        "vola_evid": "《医疗服务价格项目规范》打包项目不得分解收费", "vola_bhvr_type": "分解收费", "task_id": "T1"}
    assert entry["vola_cont"].count("分解收费") == 2
    assert [(d["rx_id"], d["vola_item_type"], d["vola_amt"]) for d in entry["judge_result_detail_dtos"]] == [
        ("2", "1", Decimal("30.00")), ("1", "2", Decimal("0.00")), ("3", "1", Decimal("20.00"))]


def test_no_finding_is_an_empty_result():
    assert render_3101(audit_claim(claim(line("N001")), None, package(), "事前")) == []


def test_finding_as_dict_carries_the_audit_report_fields():
    found = audit_claim(claim(line("X001", "1"), line("X001", "2")), None, package(), "事后")
    assert {key: found[0].as_dict()[key] for key in ("rule_id", "rule_type", "mdtrt_id", "setl_id", "feedetl_sn",
                                                     "vola_amt", "sev_deg")} == {
        "rule_id": "DUP-01", "rule_type": "重复收费", "mdtrt_id": "V1", "setl_id": "S-V1", "feedetl_sn": "2",
        "vola_amt": Decimal("10.00"), "sev_deg": "可疑"}
