"""The readings of settlement-spec §5.12 marked *(change)*; amounts worked by hand in docstrings.

1. Funds that name the same cap key share its room.
2. An absent personal_account block allows no family mutual aid.
3. A table is looked up only when the settlement needs it (bands the visit reaches).
4. A medical-assistance group's ratio may be a table.
"""

from __future__ import annotations

import copy
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from yibao.documents.case_document import parse_case
from yibao.domain.bands import pay_bands
from yibao.domain.errors import SettlementRefused
from yibao.domain.settle import settle

from ..casebuilder import BASE_POLICY, D, run
from .test_properties import PROPERTY_SETTINGS, cases, policies

INPATIENT_50K = [
    {"code": "JIA", "det_item_fee_sumamt": 25000},
    {"code": "YI", "det_item_fee_sumamt": 15000},
    {"code": "CONS", "cnt": 1, "pric": 6000},
    {"code": "BING", "det_item_fee_sumamt": 4000},
]
CROSS_PROVINCE_REFERRAL = {"mdtrtarea_admvs": "110105", "filing": "referral"}


def jia(amount: int) -> list[dict]:
    return [{"code": "JIA", "det_item_fee_sumamt": amount}]


def plain_policy(ratio="0.5", cap=None) -> dict:
    """BASE_POLICY whose inpatient benefit has no deductible and one open band at ``ratio``."""
    policy = copy.deepcopy(BASE_POLICY)
    benefit = policy["benefits"][0]
    benefit.update(deductible=None, bands=[{"upto": None, "ratio": ratio}], cap=cap)
    return policy


def refusal(**kwargs) -> SettlementRefused:
    with pytest.raises(SettlementRefused) as refused:
        run(**kwargs)
    return refused.value


# --- 1. funds naming the same cap key share its room -------------------------------------

def test_a_layer_shares_the_cap_key_of_the_basic_fund():
    """Cap 'shared' 20000 with 10000 used. No deductible, basic band upto 10000 at 80%:
    10000 × 0.8 = 8000 (room 10000). 20000 lies beyond; hifob 90% of it = 18000, but the room
    is 20000 − 10000 − 8000 booked by the basic fund = 2000 (old code: 10000)."""
    policy = plain_policy(cap={"key": "shared", "amount": 20000})
    policy["benefits"][0]["bands"] = [{"upto": 10000, "ratio": 0.8}]
    policy["layers"] = [{"fund": "hifob", "base": "beyond_bands", "threshold": 0,
                         "bands": [{"upto": None, "ratio": 0.9}], "cap": {"key": "shared", "amount": 20000}}]
    settled = run(jia(30000), policy=policy, ytd={"fund_paid": {"shared": 10000}})
    assert (settled.hifp_pay, settled.hifob_pay) == (D(8000), D(2000))
    assert settled.ytd_after.fund_paid["shared"] == D(20000)
    assert any(
        "cap 'shared' 20000.00 with 10000.00 used before this visit and 8000.00 by earlier funds of this "
        "visit leaves 2000.00, so it pays 2000.00" in step
        for step in settled.trace
    )


def test_the_civil_servant_subsidy_shares_the_cap_key_of_the_basic_fund():
    """Cap 'basic' 200000 with 195000 used. Deductible 800; basic 9200 × 0.8 = 7360, room 5000:
    pays 5000. Subsidy 50% of the burden 10000 − 5000 = 2500, but the room is
    200000 − 195000 − 5000 = 0 (old code: pays 2500 and the year ends at 202500)."""
    policy = copy.deepcopy(BASE_POLICY)
    policy["civil_servant"] = {"base": "inscp_burden", "ratio": 0.5, "cap": {"key": "basic", "amount": 200000}}
    settled = run(policy=policy, person={"cvlserv_flag": True, "psn_type": "1102"},
                  ytd={"fund_paid": {"basic": 195000}})
    assert (settled.hifp_pay, settled.cvlserv_pay) == (D(5000), D(0))
    assert settled.ytd_after.fund_paid["basic"] == D(200000)


def assistance_policy(no_cap: bool) -> dict:
    """Basic 50% uncapped; hifmi 50% of the burden and dibao assistance 50%, both on cap 'big' 50000."""
    policy = plain_policy()
    policy["layers"] = [{"fund": "hifmi", "base": "inscp_burden", "threshold": 0,
                         "bands": [{"upto": None, "ratio": 0.5}], "cap": {"key": "big", "amount": 50000}}]
    group = {"ratio": 0.5, "threshold": 0, "cap": {"key": "big", "amount": 50000}}
    if no_cap:
        group["layer_adjust"] = {"hifmi": {"no_cap": True}}
    policy["medical_assistance"] = {"groups": {"dibao": group}}
    return policy


def test_medical_assistance_shares_the_cap_key_of_a_layer():
    """40000: basic 20000; hifmi 20000 × 0.5 = 10000, room 50000 − 40000 = 10000: pays 10000.
    Assistance 50% of the 10000 left = 5000, room 50000 − 40000 − 10000 = 0 (old code: 5000)."""
    settled = run(jia(40000), policy=assistance_policy(no_cap=False), person={"assistance_group": "dibao"},
                  ytd={"fund_paid": {"big": 40000}})
    assert (settled.hifp_pay, settled.hifmi_pay, settled.maf_pay) == (D(20000), D(10000), D(0))
    assert settled.ytd_after.fund_paid["big"] == D(50000)


def test_a_lifted_cap_still_books_its_payment_and_uses_the_shared_room():
    """dibao lifts hifmi's cap (no_cap). 45000 used of 'big' 50000. hifmi pays 10000 uncapped and
    still books it on 'big' (45000 + 10000 = 55000); assistance 5000 finds 50000 − 45000 − 10000
    < 0, room 0 (old code: room 5000, pays 5000, year 60000)."""
    settled = run(jia(40000), policy=assistance_policy(no_cap=True), person={"assistance_group": "dibao"},
                  ytd={"fund_paid": {"big": 45000}})
    assert (settled.hifmi_pay, settled.maf_pay) == (D(10000), D(0))
    assert settled.ytd_after.fund_paid["big"] == D(55000)


CAP_KEYS = ("k1", "k2")


@st.composite
def shared_cap_cases(draw):
    """Random cases where every capped fund names one of two keys; funds sharing a key share its
    amount, and the year enters within it. No group lifts a cap here (no_cap is the one way past)."""
    policy = draw(policies())
    amounts = {key: draw(st.integers(0, 30_000_000).map(lambda n: Decimal(n) / 100)) for key in CAP_KEYS}

    def cap():
        return draw(st.one_of(st.none(), st.sampled_from(CAP_KEYS).map(lambda k: {"key": k, "amount": amounts[k]})))

    policy["benefits"][0]["cap"] = cap()
    for layer in policy["layers"]:
        layer["cap"] = cap()
    policy["civil_servant"] = {"base": draw(st.sampled_from(["coinsurance", "inscp_burden"])),
                               "ratio": draw(st.integers(0, 100).map(lambda n: Decimal(n) / 100)), "cap": cap()}
    for group in policy.get("medical_assistance", {}).get("groups", {}).values():
        group["cap"] = cap()
        group["layer_adjust"] = {}
    doc = draw(cases(policy=policy))
    doc["person"]["cvlserv_flag"] = True
    doc["ytd"]["fund_paid"] = {key: draw(st.integers(0, int(amount * 100)).map(lambda n: Decimal(n) / 100))
                               for key, amount in amounts.items()}
    return doc, amounts


@PROPERTY_SETTINGS
@given(shared_cap_cases())
def test_funds_sharing_a_cap_key_never_take_the_year_past_it(case):
    """Spec §5.12: ytd_after.fund_paid[key] never exceeds the cap, however many funds name it."""
    doc, amounts = case
    after = settle(parse_case(doc)).ytd_after
    for key, amount in amounts.items():
        assert after.fund_paid.get(key, Decimal(0)) <= amount, key


# --- 2. an absent personal_account block -------------------------------------------------

def test_absent_personal_account_block_pays_all_four_parts_without_mutual_aid():
    """Personal part 50000 − 33360 = 16640: burden 9140 + pay-first 2500 + over ceiling 1000 +
    丙类 4000, all payable. Balance 10000 pays 10000; mutual aid stays 0 (old code: 5000), cash
    6640. With balance 20000 the account pays all 16640, so the four parts are payable."""
    policy = copy.deepcopy(BASE_POLICY)
    del policy["personal_account"]
    short = run(INPATIENT_50K, policy=policy, person={"acct_balance": 10000, "mutual_aid_balance": 5000})
    assert (short.acct_pay, short.acct_mulaid_pay, short.psn_cash_pay) == (D(10000), D(0), D(6640))
    rich = run(INPATIENT_50K, policy=policy, person={"acct_balance": 20000, "mutual_aid_balance": 5000})
    assert (rich.acct_pay, rich.acct_mulaid_pay, rich.psn_cash_pay, rich.balc) == (D(16640), D(0), D(0), D(3360))


# --- 3. tables are looked up only when the settlement needs them --------------------------

def test_pay_bands_calls_a_ratio_function_only_for_a_band_the_visit_reaches():
    """[0, 5000) lies in the first band: 5000 × 0.5 = 2500; the open band is never asked."""
    def unreachable():
        raise AssertionError("looked up a band the visit does not reach")

    paid = pay_bands(D(0), D(5000), D(0), [(D(10000), lambda: D("0.5")), (None, unreachable)], None)
    assert (paid.payment, paid.first_ratio) == (D("2500.00"), D("0.5"))


def policy_missing_level_3_in_band_2() -> dict:
    policy = copy.deepcopy(BASE_POLICY)
    policy["benefits"][0]["bands"][1]["ratio"] = {"in_service": {"1": 0.9}, "retired": 0.95}
    return policy


def test_a_band_the_visit_does_not_reach_is_not_looked_up():
    """10000 at level 3 stays below 100000: (10000 − 800) × 0.8 = 7360, band 2's missing level 3
    never matters (old code: E_BAD_INPUT). 150000 reaches band 2: refused, naming its path."""
    policy = policy_missing_level_3_in_band_2()
    assert run(policy=policy).hifp_pay == D("7360.00")
    error = refusal(lines=jia(150000), policy=policy)
    assert (error.code, error.path) == ("E_BAD_INPUT", "policy.benefits[0].bands[1].ratio.in_service")


def test_lazy_lookup_keeps_the_cross_region_adjustment():
    """Referral −10 points: (10000 − 800) × (0.8 − 0.1) = 6440, band 2 not looked up."""
    settled = run(policy=policy_missing_level_3_in_band_2(), visit=CROSS_PROVINCE_REFERRAL)
    assert (settled.hifp_pay, settled.pool_prop_selfpay) == (D("6440.00"), D("0.7"))


def test_neither_a_waived_deductible_nor_an_unreached_band_is_looked_up():
    """特困 waives the deductible (its table lacks level 3 too): 10000 × 0.8 = 8000."""
    policy = policy_missing_level_3_in_band_2()
    policy["benefits"][0]["deductible"]["amount"] = {"1": 300, "2": 500}
    settled = run(policy=policy, person={"assistance_group": "tekun"})
    assert (settled.act_pay_dedc, settled.hifp_pay) == (D(0), D(8000))


@pytest.mark.parametrize(("group", "hifob", "maf"), [(None, "8500.00", "0"), ("dibao", "10000.00", "1320.00")])
def test_a_layer_band_the_visit_does_not_reach_is_not_looked_up(group, hifob, maf):
    """Basic band upto 10000 at 80%: (10000 − 800) × 0.8 = 7360, 10000 beyond. hifob's first band
    (upto 50000, 85%) pays 8500; its second band has no in_service entry and is not reached (old
    code: E_BAD_INPUT). dibao's +0.2 bonus is still applied and clamped: 0.85 + 0.2 → 1, so 10000;
    assistance 50% of 20000 − 7360 − 10000 = 2640 is 1320."""
    policy = copy.deepcopy(BASE_POLICY)
    policy["benefits"][0]["bands"] = [{"upto": 10000, "ratio": 0.8}]
    policy["layers"] = [{"fund": "hifob", "base": "beyond_bands", "threshold": 0, "cap": None,
                         "bands": [{"upto": 50000, "ratio": 0.85}, {"upto": None, "ratio": {"retired": 0.9}}]}]
    dibao = {"ratio": 0.5, "layer_adjust": {"hifob": {"ratio_bonus": 0.2}}}
    policy["medical_assistance"] = {"groups": {"dibao": dibao}}
    settled = run(jia(20000), policy=policy, person={"assistance_group": group})
    assert (settled.hifp_pay, settled.hifob_pay, settled.maf_pay) == (D("7360.00"), D(hifob), D(maf))


# --- 4. a medical-assistance group's ratio may be a table --------------------------------

def table_assistance_policy(ratio, threshold=0) -> dict:
    policy = plain_policy()
    policy["medical_assistance"] = {"groups": {"dibao": {"ratio": ratio, "threshold": threshold}}}
    return policy


@pytest.mark.parametrize(
    ("person", "level", "maf"),
    [({}, "3", "3000.00"), ({}, "2", "3500.00"), ({"retired": True, "psn_type": "1201"}, "3", "4000.00")],
)
def test_assistance_ratio_table_by_person_class_and_level(person, level, maf):
    """Basic 50% of 10000 = 5000; assistance on the 5000 left: in service 60% at level 3 (3000),
    '*' 70% elsewhere (3500), retired 80% (4000). Old code refused the table."""
    policy = table_assistance_policy({"in_service": {"3": 0.6, "*": 0.7}, "retired": 0.8})
    settled = run(policy=policy, person={"assistance_group": "dibao", **person}, visit={"medins_lv": level})
    assert (settled.hifp_pay, settled.maf_pay) == (D("5000.00"), D(maf))


def test_assistance_ratio_table_is_looked_up_only_when_its_band_is_reached():
    """The table has no level 3. Threshold 6000 above the 5000 base: nothing reached, maf 0.
    Threshold 0: the band is reached and the missing level is E_BAD_INPUT with the group's path."""
    ratio = {"1": 0.7, "2": 0.6}
    below = run(policy=table_assistance_policy(ratio, threshold=6000), person={"assistance_group": "dibao"})
    assert (below.hifp_pay, below.maf_pay) == (D("5000.00"), D(0))
    error = refusal(policy=table_assistance_policy(ratio), person={"assistance_group": "dibao"})
    assert (error.code, error.path) == ("E_BAD_INPUT", "policy.medical_assistance.groups.dibao.ratio")
    assert "level '3'" in error.message


def test_assistance_ratio_table_is_checked_like_every_ratio():
    """A ratio above 1 in the table is refused at the table entry's path."""
    error = refusal(policy=table_assistance_policy({"3": 1.5}), person={"assistance_group": "dibao"})
    assert (error.code, error.path) == ("E_BAD_INPUT", "policy.medical_assistance.groups.dibao.ratio.3")
