"""Each step of the algorithm (spec §5) on small cases; amounts worked by hand in comments."""

from __future__ import annotations

import copy
from decimal import Decimal

import pytest

from yibao.domain.errors import SettlementRefused

from ..casebuilder import BASE_POLICY, D, case_doc, run, settle_doc

INPATIENT_50K = [
    {"code": "JIA", "det_item_fee_sumamt": 25000},
    {"code": "YI", "det_item_fee_sumamt": 15000},
    {"code": "CONS", "cnt": 1, "pric": 6000},
    {"code": "BING", "det_item_fee_sumamt": 4000},
]


def policy_with(**changes) -> dict:
    policy = copy.deepcopy(BASE_POLICY)
    policy.update(changes)
    return policy


# --- §5.1 benefit and validity ---------------------------------------------------------

def test_no_benefit_for_med_type():
    with pytest.raises(SettlementRefused) as refused:
        run(visit={"med_type": "51"})
    assert refused.value.code == "E_NO_BENEFIT"


def test_policy_not_effective_on_the_end_date():
    with pytest.raises(SettlementRefused) as refused:
        run(visit={"begndate": "2024-12-20", "enddate": "2025-01-05"})
    assert refused.value.code == "E_POLICY_NOT_EFFECTIVE"


def test_open_ended_policy_is_valid_later():
    assert run(policy=policy_with(valid_to=None), visit={"enddate": "2030-01-01", "begndate": None}).hifp_pay > 0


# --- §5.4 deductible ---------------------------------------------------------------------

@pytest.mark.parametrize(
    ("visits_before", "deductible"),
    [(0, "800.00"), (1, "400.00"), (2, "0.00"), (7, "0.00")],
)
def test_per_visit_deductible_follows_the_nth_visit_factor(visits_before, deductible):
    """Level 3, 800: the 2nd admission halves it, from the 3rd none (Linyi 2024)."""
    settled = run(ytd={"visits": {"inpatient": visits_before}})
    assert settled.act_pay_dedc == D(deductible)
    assert settled.hifp_pay == (D(10000) - D(deductible)) * D("0.8")


def test_deductible_never_exceeds_the_in_scope_amount():
    settled = run([{"code": "JIA", "det_item_fee_sumamt": 500}])
    assert settled.act_pay_dedc == D(500)
    assert settled.hifp_pay == 0
    assert settled.pool_prop_selfpay == 0


def test_annual_deductible_takes_what_is_left_of_the_year():
    """Retired outpatient: annual 100, 60 met already: 40 now; then 0.7 × (300 − 40) = 182."""
    settled = run(
        [{"code": "JIA", "det_item_fee_sumamt": 300}],
        person={"retired": True, "psn_type": "1201"},
        visit={"med_type": "11", "medins_lv": "2"},
        ytd={"deductible_paid": {"outpatient_general": 60}},
    )
    assert settled.act_pay_dedc == D(40)
    assert settled.hifp_pay == D("182.00")
    assert settled.pool_prop_selfpay == D("0.7")


def test_deductible_waived_for_a_listed_assistance_group():
    settled = run(person={"assistance_group": "tekun"})
    assert settled.act_pay_dedc == 0
    assert settled.hifp_pay == D("8000.00")


def test_level_fallback_star_in_a_ratio_table():
    """Outpatient in_service table {"*": 0.6, "3": 0.5}: level 1 uses *."""
    settled = run([{"code": "JIA", "det_item_fee_sumamt": 1200}], visit={"med_type": "11", "medins_lv": "1"})
    assert settled.hifp_pay == D("600.00")  # (1200 − 200) × 0.6


# --- §5.6 basic fund and caps ---------------------------------------------------------

def test_annual_bands_continue_from_ytd_inscp():
    """Bands 30000@0.5 then 0.8 on an annual axis; 29000 already: [29000, 31000) = 500 + 800."""
    policy = policy_with()
    policy["benefits"][0]["bands_basis"] = "annual"
    policy["benefits"][0]["deductible"] = None
    policy["benefits"][0]["bands"] = [{"upto": 30000, "ratio": 0.5}, {"upto": None, "ratio": 0.8}]
    settled = run([{"code": "JIA", "det_item_fee_sumamt": 2000}], policy=policy, ytd={"inscp": {"inpatient": 29000}})
    assert settled.hifp_pay == D("1300.00")
    assert settled.pool_prop_selfpay == D("0.5")


def test_cap_already_exhausted_on_entry():
    settled = run(ytd={"fund_paid": {"basic": 200000}})
    assert settled.hifp_pay == 0
    assert settled.pool_prop_selfpay == 0
    assert settled.psn_part_amt == settled.medfee_sumamt


def test_cap_partly_used():
    settled = run(ytd={"fund_paid": {"basic": "199000.50"}})
    assert settled.hifp_pay == D("999.50")
    assert settled.ytd_after.fund_paid["basic"] == D(200000)


# --- §5.2 cross-region ------------------------------------------------------------------

@pytest.mark.parametrize(
    ("filing", "hifp", "ratio"),
    [("long_term", "33360.00", "0.8"), ("referral", "29190.00", "0.7"),
     ("emergency", "29190.00", "0.7"), ("temporary_other", "25020.00", "0.6")],
)
def test_cross_province_filing_types(filing, hifp, ratio):
    """domain-rules Example 3: 41700 above the deductible at 80 / 70 / 60 %."""
    settled = run(INPATIENT_50K, visit={"mdtrtarea_admvs": "110105", "filing": filing})
    assert settled.hifp_pay == D(hifp)
    assert settled.pool_prop_selfpay == D(ratio)
    assert settled.scope == "cross_province"


def test_cross_province_unfiled_is_refused():
    with pytest.raises(SettlementRefused) as refused:
        run(INPATIENT_50K, visit={"mdtrtarea_admvs": "110105"})
    assert refused.value.code == "E_NOT_FILED"


def test_in_province_null_block_settles_as_local():
    settled = run(INPATIENT_50K, visit={"mdtrtarea_admvs": "371302"})
    assert settled.scope == "local"
    assert settled.hifp_pay == D("33360.00")


def test_region_that_accepts_unfiled_visits_applies_its_adjustment():
    """Shanwei-style: no filing needed for temporary visits, ratio −10 points."""
    policy = policy_with()
    policy["cross_region"]["cross_province"]["unfiled"] = {"mode": "subtract_points", "value": 0.1}
    settled = run(INPATIENT_50K, policy=policy, visit={"mdtrtarea_admvs": "110105"})
    assert settled.hifp_pay == D("29190.00")


def test_multiply_mode_scales_ratios():
    """0.8 × 0.9 = 0.72 on 41700 = 30024.00."""
    policy = policy_with()
    policy["cross_region"]["cross_province"]["referral"] = {"mode": "multiply", "value": 0.9}
    settled = run(INPATIENT_50K, policy=policy, visit={"mdtrtarea_admvs": "110105", "filing": "referral"})
    assert settled.hifp_pay == D("30024.00")
    assert settled.pool_prop_selfpay == D("0.72")


def test_extra_preselfpay_moves_money_from_scope_to_pay_first():
    """+10%: JIA 2500 pay-first, YI 20%: 3000, CONS 30% of 5000: 1500 → in scope 38000;
    (38000 − 800) × 0.8 = 29760."""
    policy = policy_with()
    policy["cross_region"]["cross_province"]["temporary_other"] = {"mode": "extra_preselfpay", "value": 0.1}
    settled = run(INPATIENT_50K, policy=policy, visit={"mdtrtarea_admvs": "110105", "filing": "temporary_other"})
    assert settled.preselfpay_amt == D(7000)
    assert settled.inscp_scp_amt == D(38000)
    assert settled.hifp_pay == D("29760.00")
    assert settled.pool_prop_selfpay == D("0.8")


def test_subtract_points_never_below_zero():
    policy = policy_with()
    policy["cross_region"]["cross_province"]["referral"] = {"mode": "subtract_points", "value": 0.95}
    settled = run(INPATIENT_50K, policy=policy, visit={"mdtrtarea_admvs": "110105", "filing": "referral"})
    assert settled.hifp_pay == 0


# --- §5.7–5.9 layers, civil servant, assistance -----------------------------------------

def resident_policy() -> dict:
    policy = policy_with(insutype="390")
    policy["benefits"][0]["bands"] = [{"upto": None, "ratio": {"1": 0.8, "2": 0.75, "3": 0.7}}]
    policy["benefits"][0]["cap"] = {"key": "basic", "amount": 130000}
    policy["benefits"][0]["deductible"]["amount"] = {"1": 300, "2": 400, "3": 500}
    policy["layers"] = [{
        "fund": "hifmi", "base": "inscp_burden", "threshold": 10000,
        "bands": [{"upto": 30000, "ratio": 0.6}, {"upto": 100000, "ratio": 0.7}, {"upto": None, "ratio": 0.8}],
        "cap": {"key": "hifmi", "amount": 300000},
    }]
    policy["medical_assistance"] = {"groups": {
        "dibao": {"ratio": 0.7, "threshold": 0, "cap": {"key": "maf", "amount": 60000},
                  "layer_adjust": {"hifmi": {"threshold_factor": 0.5, "ratio_bonus": 0.05, "no_cap": True}}},
    }}
    return policy


RESIDENT_PERSON = {"insutype": "390", "psn_type": "1501"}


def test_critical_illness_continues_on_the_year_layer_base():
    """Second big admission: layer base 120000 already, new base = 30000 − 21000 = 9000... worked:
    inscp 30000, deductible 250 (2nd visit), basic (29750 × .7) = 20825 → burden 9175 on
    [120000, 129175) at 80% = 7340."""
    settled = run(
        [{"code": "JIA", "det_item_fee_sumamt": 30000}],
        policy=resident_policy(), person=RESIDENT_PERSON,
        ytd={"visits": {"inpatient": 1}, "layer_base": {"hifmi": 120000}, "fund_paid": {"basic": 100000}},
    )
    assert settled.act_pay_dedc == D(250)
    assert settled.hifp_pay == D("20825.00")
    assert settled.hifmi_pay == D("7340.00")
    assert settled.ytd_after.layer_base["hifmi"] == D("129175.00")


def test_layer_restricted_to_other_benefits_does_not_apply():
    policy = resident_policy()
    policy["layers"][0]["benefits"] = ["outpatient_general"]
    settled = run([{"code": "JIA", "det_item_fee_sumamt": 250000}], policy=policy, person=RESIDENT_PERSON)
    assert settled.hifmi_pay == 0
    assert "hifmi" not in settled.ytd_after.layer_base


def test_assistance_cap_and_threshold_on_the_year_axis():
    """dibao: maf threshold 0, 70%, cap 60000 with 59000 used: pays 1000."""
    settled = run(
        [{"code": "JIA", "det_item_fee_sumamt": 250000}],
        policy=resident_policy(), person={**RESIDENT_PERSON, "assistance_group": "dibao"},
        ytd={"fund_paid": {"maf": 59000}},
    )
    assert settled.maf_pay == D("1000.00")


def test_unconfigured_assistance_group_gets_no_assistance():
    settled = run(policy=resident_policy(), person={**RESIDENT_PERSON, "assistance_group": "monitored"})
    assert settled.maf_pay == 0
    assert any("not configured" in step for step in settled.trace)


def test_civil_servant_inscp_burden_base_and_cap():
    """Base inscp_burden: 10000 − 800 − 7360 = 1840 at 50% = 920, cap 500 left."""
    policy = policy_with(civil_servant={"base": "inscp_burden", "ratio": 0.5, "cap": {"key": "cvlserv", "amount": 1000}})
    settled = run(policy=policy, person={"cvlserv_flag": True, "psn_type": "1102"}, ytd={"fund_paid": {"cvlserv": 500}})
    assert settled.hifp_pay == D("7360.00")
    assert settled.cvlserv_pay == D("500")
    assert settled.ytd_after.fund_paid["cvlserv"] == D(1000)


def test_no_civil_servant_subsidy_without_the_flag():
    policy = policy_with(civil_servant={"base": "coinsurance", "ratio": 0.6, "cap": None})
    assert run(policy=policy).cvlserv_pay == 0


def test_two_layers_on_the_same_beyond_bands_never_pay_more_than_in_scope():
    policy = policy_with()
    policy["benefits"][0]["bands"] = [{"upto": 1000, "ratio": 0.5}]
    policy["layers"] = [
        {"fund": "hifob", "base": "beyond_bands", "threshold": 0, "bands": [{"upto": None, "ratio": 1}], "cap": None},
        {"fund": "hifes", "base": "beyond_bands", "threshold": 0, "bands": [{"upto": None, "ratio": 1}], "cap": None},
    ]
    # 2nd visit: deductible 400; basic 600 × 0.5 = 300; 9000 beyond pays 9000 by hifob; hifes
    # would pay 9000 again but only 10000 − 300 − 9000 = 700 of the in-scope amount is left.
    settled = run(policy=policy, ytd={"visits": {"inpatient": 1}})
    assert (settled.hifp_pay, settled.hifob_pay, settled.hifes_pay) == (D(300), D(9000), D(700))
    assert settled.fund_pay_sumamt == settled.inscp_scp_amt
    assert settled.psn_part_amt == 0


# --- §5.10 accounts ----------------------------------------------------------------------

def test_account_pays_only_the_payable_parts():
    """Payable excludes fulamt: personal part 50000−33360 = 16640, of which 4000 丙类 not payable."""
    policy = policy_with(personal_account={"payable": ["inscp_burden", "preselfpay", "overlmt"], "family_mutual_aid": True})
    settled = run(INPATIENT_50K, policy=policy, person={"acct_balance": 100000, "mutual_aid_balance": 100000})
    assert settled.acct_pay == D(12640)
    assert settled.acct_mulaid_pay == 0
    assert settled.psn_cash_pay == D(4000)
    assert settled.balc == D(100000 - 12640)


def test_own_account_first_then_family_mutual_aid_then_cash():
    settled = run(INPATIENT_50K, person={"acct_balance": 10000, "mutual_aid_balance": 5000})
    assert (settled.acct_pay, settled.acct_mulaid_pay, settled.psn_cash_pay) == (D(10000), D(5000), D(1640))
    assert settled.balc == 0


def test_family_mutual_aid_off_in_policy():
    policy = policy_with(personal_account={"payable": ["inscp_burden"], "family_mutual_aid": False})
    settled = run(INPATIENT_50K, policy=policy, person={"mutual_aid_balance": 5000})
    assert settled.acct_mulaid_pay == 0


def test_account_not_used_when_flag_is_false():
    settled = run(INPATIENT_50K, person={"acct_balance": 10000, "mutual_aid_balance": 5000},
                  visit={"acct_used_flag": False})
    assert settled.acct_pay == settled.acct_mulaid_pay == 0
    assert settled.balc == D(10000)


# --- results -------------------------------------------------------------------------------

def test_setldetail_rows_sum_to_the_funds_and_name_the_account():
    settled = run(INPATIENT_50K, person={"acct_balance": 100})
    rows = {row.fund_pay_type: row.fund_payamt for row in settled.setldetail}
    assert rows == {"310100": D("33360.00"), "310200": D(100)}


def test_ytd_after_adds_the_visit_to_every_accumulator():
    settled = run(INPATIENT_50K, ytd={"visits": {"inpatient": 1}, "inscp": {"inpatient": 1000}})
    after = settled.ytd_after
    assert after.visits == {"inpatient": 2}
    assert after.inscp == {"inpatient": D(43500)}
    assert after.deductible_paid == {"inpatient": D(400)}
    assert after.fund_paid == {"basic": settled.hifp_pay}


def test_reversal_delta_restores_the_accumulators():
    settled = run(INPATIENT_50K, ytd={"visits": {"inpatient": 1}, "fund_paid": {"basic": 5}})
    restored = settled.ytd_after.apply(settled.delta, sign=-1)
    assert restored.visits == {"inpatient": 1}
    assert restored.fund_paid == {"basic": D(5)}
    assert restored.inscp == {"inpatient": D(0)}


def test_trace_explains_the_deductible_in_words():
    settled = run(INPATIENT_50K)
    assert any(step.startswith("deductible 800.00: level 3, 1st inpatient visit of the year") for step in settled.trace)


def test_retired_derived_from_psn_type_when_not_given():
    doc = case_doc()
    del doc["person"]["retired"]
    doc["person"]["psn_type"] = "1201"
    assert settle_doc(doc).pool_prop_selfpay == Decimal("0.9")
