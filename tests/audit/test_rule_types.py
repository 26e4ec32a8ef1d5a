"""Every rule type, side by side: the knowledge, the claim (and history), the expected finding.

Each case runs the standard rule base through the Python path (``audit_claim``) and through
the DuckDB batch on the same claims, which must agree finding for finding.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from decimal import Decimal
from typing import NamedTuple

import pytest

from yibao.analytics.audit_batch import run_batch_audit
from yibao.domain.audit import History, audit_claim, flat_rows

from .builders import bundle, ceiling, claim, exclusive, frequency, line, package, restriction

D = dt.date


class Case(NamedTuple):
    knowledge: dict
    claim: object
    expect: list  # (rule_type, feedetl_sn, vola_amt); feedetl_sn "" for a visit finding
    history: tuple = ()
    die_date: dt.date | None = None


STAY = dict(med_type="21", begndate=D(2024, 3, 4), enddate=D(2024, 3, 8))

CASES = {
    # 限性别: the item may be billed only for women
    "gender: female-only item for a man": Case(
        {"restrictions": [restriction("F001", gend="2")]},
        claim(line("F001", pric="80"), gend="1"),
        [("限性别", "1", "80.00")]),
    "gender: female-only item for a woman": Case(
        {"restrictions": [restriction("F001", gend="2")]},
        claim(line("F001", pric="80"), gend="2"), []),

    # 限年龄: children up to 14
    "age: child-only item at 40": Case(
        {"restrictions": [restriction("C001", age_max=14)]},
        claim(line("C001", pric="25"), age=40),
        [("限年龄", "1", "25.00")]),
    "age: child-only item at 6": Case(
        {"restrictions": [restriction("C001", age_max=14)]},
        claim(line("C001", pric="25"), age=6), []),

    # 限医院等级: tertiary hospitals only
    "hospital level: tertiary-only item at a level-2 hospital": Case(
        {"restrictions": [restriction("H001", medins_lv_min=3)]},
        claim(line("H001", pric="300"), medins_lv="2"),
        [("限医院等级", "1", "300.00")]),
    "hospital level: tertiary-only item at a tertiary hospital": Case(
        {"restrictions": [restriction("H001", medins_lv_min=3)]},
        claim(line("H001", pric="300"), medins_lv="3"), []),

    # 限就医方式: inpatient only (21 普通住院, 24 急诊转住院)
    "med type: inpatient-only drug in an outpatient visit": Case(
        {"restrictions": [restriction("IP01", med_types="21;24")]},
        claim(line("IP01", cnt="2", pric="45.5"), med_type="11"),
        [("限就医方式", "1", "91.00")]),
    "med type: inpatient-only drug in a stay": Case(
        {"restrictions": [restriction("IP01", med_types="21;24")]},
        claim(line("IP01", cnt="2", pric="45.5"), **STAY), []),

    # 限适应症: only with a diabetes diagnosis (E10/E11 prefixes)
    "indication: diabetes drug without a diabetes diagnosis": Case(
        {"restrictions": [restriction("D001", dise_codes="E11;E10")]},
        claim(line("D001", pric="60"), main_diag="I10", diag_codes=("I25.1",)),
        [("限适应症", "1", "60.00")]),
    "indication: diabetes drug with E11.9 as a secondary diagnosis": Case(
        {"restrictions": [restriction("D001", dise_codes="E11;E10")]},
        claim(line("D001", pric="60"), main_diag="I10", diag_codes=("E11.9",)), []),

    # 超标准收费: ceiling 12.00; the amount at stake is the part above it
    "price: 15.00 against a 12.00 ceiling, 2 units": Case(
        {"price_ceilings": [ceiling("P001", "12.00")]},
        claim(line("P001", cnt="2", pric="15")),
        [("超标准收费", "1", "6.00")]),
    "price: at the ceiling": Case(
        {"price_ceilings": [ceiling("P001", "12.00")]},
        claim(line("P001", cnt="2", pric="12")), []),

    # 重复收费 without a daily maximum: a second line identical in quantity and price
    "duplicate: the same examination entered twice on one day": Case(
        {},
        claim(line("X001", "1", pric="120"), line("X001", "2", pric="120")),
        [("重复收费", "2", "120.00")]),
    "duplicate: the same item in different quantities": Case(
        {},
        claim(line("X001", "1", pric="120"), line("X001", "2", cnt="2", pric="120")), []),
    # 重复收费 with a daily maximum: bed fee at most 1 a day
    "duplicate: a second bed fee on one day": Case(
        {"restrictions": [restriction("BED1", max_cnt_per_day="1")]},
        claim(line("BED1", "1", pric="50"), line("BED1", "2", pric="50"), **STAY),
        [("重复收费", "2", "50.00")]),
    "duplicate: one bed fee on each of two days": Case(
        {"restrictions": [restriction("BED1", max_cnt_per_day="1")]},
        claim(line("BED1", "1", pric="50"), line("BED1", "2", pric="50", day=D(2024, 3, 5)), **STAY), []),

    # 超量开药/超天数: at most 3 a day for at most 7 days
    "quantity: 30 units for 10 days": Case(
        {"restrictions": [restriction("M001", max_cnt_per_day="3", max_days=7)]},
        claim(line("M001", cnt="30", pric="2", prd_days=10)),
        [("超量开药", "1", "60.00")]),
    "quantity: 21 units for 7 days": Case(
        {"restrictions": [restriction("M001", max_cnt_per_day="3", max_days=7)]},
        claim(line("M001", cnt="21", pric="2", prd_days=7)), []),

    # 分解收费: the package PKG1 includes ITM1
    "unbundling: an included item billed with its package": Case(
        {"bundles": [bundle("PKG1", "ITM1")]},
        claim(line("PKG1", "1", pric="200"), line("ITM1", "2", pric="30")),
        [("分解收费", "2", "30.00")]),
    "unbundling: the included item on another day": Case(
        {"bundles": [bundle("PKG1", "ITM1")]},
        claim(line("PKG1", "1", pric="200"), line("ITM1", "2", pric="30", day=D(2024, 3, 5)),
              **STAY), []),

    # 互斥项目: EX2 is not payable on a day with EX1
    "exclusive: EX2 billed on the day of EX1": Case(
        {"exclusive_pairs": [exclusive("EX2", excluded_by="EX1")]},
        claim(line("EX1", "1", pric="40"), line("EX2", "2", pric="35")),
        [("互斥项目", "2", "35.00")]),
    "exclusive: EX2 alone": Case(
        {"exclusive_pairs": [exclusive("EX2", excluded_by="EX1")]},
        claim(line("EX2", "2", pric="35")), []),

    # 频次超限: CT at most 2 per 30 days per person, counting earlier visits
    "frequency: a third CT within 30 days": Case(
        {"frequency_limits": [frequency("CT01", "2", 30)]},
        claim(line("CT01", pric="150")),
        [("频次超限", "1", "150.00")],
        history=(claim(line("CT01", day=D(2024, 2, 10), pric="150"), mdtrt_id="V0a", begndate=D(2024, 2, 10)),
                 claim(line("CT01", day=D(2024, 2, 20), pric="150"), mdtrt_id="V0b", begndate=D(2024, 2, 20)))),
    "frequency: the earlier CT was 40 days before": Case(
        {"frequency_limits": [frequency("CT01", "2", 30)]},
        claim(line("CT01", pric="150")), [],
        history=(claim(line("CT01", day=D(2024, 1, 24), pric="150"), mdtrt_id="V0a", begndate=D(2024, 1, 24)),
                 claim(line("CT01", day=D(2024, 2, 20), pric="150"), mdtrt_id="V0b", begndate=D(2024, 2, 20)))),

    # 分解住院: readmitted with the same main diagnosis 5 days after discharge (window 15)
    "split admission: same diagnosis 5 days after discharge": Case(
        {},
        claim(line("BED1", pric="50"), line("N001", "2", pric="250"), main_diag="I63.9", **STAY),
        [("分解住院", "", "300.00")],
        history=(claim(line("BED1", day=D(2024, 2, 20)), mdtrt_id="V0", med_type="21", main_diag="I63.9",
                       begndate=D(2024, 2, 20), enddate=D(2024, 2, 28)),)),
    "split admission: another diagnosis": Case(
        {},
        claim(line("BED1", pric="50"), main_diag="J18.9", **STAY), [],
        history=(claim(line("BED1", day=D(2024, 2, 20)), mdtrt_id="V0", med_type="21", main_diag="I63.9",
                       begndate=D(2024, 2, 20), enddate=D(2024, 2, 28)),)),

    # 住院期间门诊结算: an outpatient visit strictly inside a stay (admission/discharge days are ordinary)
    "outpatient during a stay": Case(
        {},
        claim(line("O001", pric="20"), med_type="11", begndate=D(2024, 3, 4)),
        [("住院期间门诊结算", "", "20.00")],
        history=(claim(line("BED1", day=D(2024, 3, 1)), mdtrt_id="V0", med_type="21",
                       begndate=D(2024, 3, 1), enddate=D(2024, 3, 10)),)),
    "outpatient on the discharge day": Case(
        {},
        claim(line("O001", pric="20", day=D(2024, 3, 10)), med_type="11", begndate=D(2024, 3, 10)), [],
        history=(claim(line("BED1", day=D(2024, 3, 1)), mdtrt_id="V0", med_type="21",
                       begndate=D(2024, 3, 1), enddate=D(2024, 3, 10)),)),

    "outpatient while a stay is still open (no discharge yet)": Case(
        {},
        claim(line("O001", pric="20"), med_type="41", begndate=D(2024, 3, 4)),
        [("住院期间门诊结算", "", "20.00")],
        history=(replace(claim(line("BED1", day=D(2024, 3, 1)), mdtrt_id="V0", med_type="21",
                               begndate=D(2024, 3, 1)), enddate=None),)),

    # 死亡后就医: fee dated after the registered death
    "after death: a fee 3 days after death": Case(
        {}, claim(line("O001", pric="20")), [("死亡后就医", "1", "20.00")], die_date=D(2024, 3, 1)),
    "after death: a fee the day before death": Case(
        {}, claim(line("O001", pric="20")), [], die_date=D(2024, 3, 5)),
}


def _history(case: Case) -> History:
    return History(case.history, case.die_date)


@pytest.mark.parametrize("name", CASES)
def test_rule_type(name):
    case = CASES[name]
    rules = package(**case.knowledge)
    found = audit_claim(case.claim, _history(case), rules, "事中")
    assert [(f.rule_type, f.feedetl_sn, str(f.vola_amt)) for f in found] == case.expect
    for item in found:
        assert item.mdtrt_id == case.claim.mdtrt_id and item.setl_id == case.claim.setl_id and item.vola_cont


@pytest.mark.parametrize("name", CASES)
def test_duckdb_batch_agrees(name):
    case = CASES[name]
    rules = package(**case.knowledge)
    rows = [row for visit in (case.claim, *case.history) for row in flat_rows(visit)]
    deaths = {case.claim.certno: case.die_date} if case.die_date else None
    batch = run_batch_audit("duckdb", rows, rules, deaths)
    assert [f for f in batch if f.mdtrt_id == case.claim.mdtrt_id] == audit_claim(case.claim, _history(case), rules, "事后")


def test_finding_text_and_evidence_explain_the_violation():
    found = audit_claim(claim(line("P001", cnt="2", pric="15")), None, package(price_ceilings=[ceiling("P001", "12.00")]), "事前")
    assert found[0].vola_cont == "项目 P001 单价 15.00 元高于限价 12.00 元，数量 2，超标准金额 6.00 元"
    assert found[0].evidence == {"hilist_code": "P001", "pric": "15", "pric_uplmt_amt": "12", "cnt": "2"}


def test_split_admission_parameters_window_and_exemption():
    """A 20-day gap passes a 15-day window and fails a 30-day one; Z51 (chemotherapy) is exempt."""
    from yibao.domain.audit import Rule

    def run(days, diag, exempt=()):
        base = next(r for r in package().rules if r.rule_type == "分解住院")
        rule = Rule(**{**base.__dict__, "parameters": {"days": days, "exempt_diag_prefixes": list(exempt)}})
        earlier = claim(line("BED1", day=D(2024, 2, 1)), mdtrt_id="V0", med_type="21", main_diag=diag,
                        begndate=D(2024, 2, 1), enddate=D(2024, 2, 13))
        current = claim(line("BED1"), main_diag=diag, **STAY)
        return [f.evidence["gap_days"] for f in audit_claim(current, History((earlier,)), package(rules=[rule]), "事后")]

    assert run(15, "I63.9") == []
    assert run(30, "I63.9") == [20]
    assert run(30, "Z51.1", exempt=["Z51"]) == []


def test_rules_run_only_in_their_stage_and_scenarios():
    from yibao.domain.audit import Rule

    base = next(r for r in package().rules if r.rule_type == "限性别")
    inpatient_post = Rule(**{**base.__dict__, "stages": ("事后",), "scenarios": ("住院",)})
    rules = package(rules=[inpatient_post], restrictions=[restriction("F001", gend="2")])
    outpatient = claim(line("F001"), gend="1")
    stay = claim(line("F001"), gend="1", **STAY)
    assert audit_claim(stay, None, rules, "事中") == []
    assert audit_claim(outpatient, None, rules, "事后") == []
    assert len(audit_claim(stay, None, rules, "事后")) == 1


def test_nearest_region_wins_for_restrictions():
    """The province limits an item to women; the district (the hospital's own region) lifts it."""
    province = restriction("F001", gend="2")
    district = restriction("F001", region="500155")
    assert len(audit_claim(claim(line("F001")), None, package(restrictions=[province]), "事中")) == 1
    assert audit_claim(claim(line("F001")), None, package(restrictions=[province, district]), "事中") == []
    elsewhere = claim(line("F001"), fixmedins_code="H50010100001")  # 渝中区 500101: only the province row
    assert len(audit_claim(elsewhere, None, package(restrictions=[province, district]), "事中")) == 1


def test_age_is_taken_on_the_fee_date_from_the_birth_date():
    rules = package(restrictions=[restriction("C001", age_max=14)])
    child = replace(claim(line("C001"), age=None), brdy=D(2009, 3, 5))  # 15 on 2024-03-05, 14 on 03-04
    assert audit_claim(child, None, rules, "事中") == []
    later = replace(child, lines=(line("C001", day=D(2024, 3, 5)),))
    assert [f.evidence["age"] for f in audit_claim(later, None, rules, "事中")] == [15]


def test_over_price_tolerance():
    from yibao.domain.audit import Rule

    base = next(r for r in package().rules if r.rule_type == "超标准收费")
    tolerant = Rule(**{**base.__dict__, "parameters": {"tolerance": "0.05"}})
    rules = package(rules=[tolerant], price_ceilings=[ceiling("P001", "12.00")])
    assert audit_claim(claim(line("P001", pric="12.05")), None, rules, "事中") == []
    assert [f.vola_amt for f in audit_claim(claim(line("P001", pric="12.06")), None, rules, "事中")] == [Decimal("0.06")]
