"""门慢门特: disease-specific benefits selected by med_type 14 and the visit's disease code."""

from __future__ import annotations

import copy

import pytest

from yibao.domain.errors import SettlementRefused

from ..casebuilder import BASE_POLICY, D, run

HYPERTENSION, DIABETES, DIALYSIS = "M03900", "M01600", "M07800"


def chronic_policy() -> dict:
    policy = copy.deepcopy(BASE_POLICY)
    policy["benefits"][1:1] = [
        {"name": "chronic_dialysis", "med_types": ["14"], "diseases": [DIALYSIS], "accumulator": "chronic_dialysis",
         "deductible": None, "bands_basis": "annual", "bands": [{"upto": None, "ratio": 0.9}],
         "cap": {"key": "chronic_dialysis", "amount": 60000}},
        {"name": "chronic_common", "med_types": ["14"], "diseases": [HYPERTENSION, DIABETES],
         "accumulator": "chronic_common", "deductible": {"basis": "annual", "amount": 200},
         "bands_basis": "annual", "bands": [{"upto": None, "ratio": 0.7}],
         "cap": {"key": "chronic_common", "amount": 3000}},
    ]
    return policy


def chronic(lines_total, dise_codg, qualified=None, ytd=None, **visit):
    person = {} if qualified is None else {"qualified_diseases": qualified}
    return run([{"code": "JIA", "det_item_fee_sumamt": lines_total}], policy=chronic_policy(), person=person,
               visit={"med_type": "14", "dise_codg": dise_codg, **visit}, ytd=ytd)


def test_disease_selects_its_benefit_with_its_own_limits():
    """Dialysis 5000 at 90%, no deductible: 4500; hypertension 1000: (1000 − 200) × 70% = 560."""
    dialysis = chronic(5000, DIALYSIS, [DIALYSIS])
    assert (dialysis.benefit, dialysis.hifp_pay) == ("chronic_dialysis", D(4500))
    common = chronic(1000, HYPERTENSION + ".01", [HYPERTENSION])  # a finer code under the listed one
    assert (common.benefit, common.act_pay_dedc, common.hifp_pay) == ("chronic_common", D(200), D(560))


def test_per_disease_annual_limit():
    settled = chronic(5000, DIABETES, [DIABETES], ytd={"fund_paid": {"chronic_common": 2900}, "deductible_paid": {"chronic_common": 200}})
    assert settled.hifp_pay == D(100)


def test_qualification_is_required_when_known():
    with pytest.raises(SettlementRefused) as refused:
        chronic(1000, HYPERTENSION, [DIABETES])
    assert refused.value.code == "E_NOT_QUALIFIED"
    with pytest.raises(SettlementRefused) as refused:
        chronic(1000, HYPERTENSION, [])
    assert refused.value.code == "E_NOT_QUALIFIED"


def test_disease_without_a_benefit_is_no_benefit():
    with pytest.raises(SettlementRefused) as refused:
        chronic(1000, "M99999", ["M99999"])
    assert refused.value.code == "E_NO_BENEFIT" and "M99999" in refused.value.message
    with pytest.raises(SettlementRefused) as refused:
        chronic(1000, None, None)
    assert refused.value.code == "E_NO_BENEFIT"


def test_cross_province_chronic_visit_uses_insured_rules_and_treatment_catalogue():
    """Filed long-term resident treated in another province: the same disease benefit, no reduction."""
    settled = chronic(5000, DIALYSIS, [DIALYSIS], mdtrtarea_admvs="510107", filing="long_term")
    assert settled.scope == "cross_province" and settled.hifp_pay == D(4500)
    with pytest.raises(SettlementRefused) as refused:
        chronic(5000, DIALYSIS, [DIALYSIS], mdtrtarea_admvs="510107")
    assert refused.value.code == "E_NOT_FILED"
