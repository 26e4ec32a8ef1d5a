"""Family mutual aid across several bound accounts and maternity benefits (insutype 510), with
amounts worked by hand in the comments."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import pytest

from yibao.documents.policy_document import parse_policy
from yibao.domain import maternity
from yibao.domain.case import CatalogEntry, FeeLine, Person, SettlementCase, Visit, YearToDate
from yibao.domain.errors import SettlementRefused
from yibao.domain.settle import settle

POLICIES = Path(__file__).resolve().parents[2] / "policies"
D = Decimal
CATALOG = {"JIA": CatalogEntry("JIA", "甲类项目", "01")}


def half_outpatient_policy(mutual_aid: bool):
    """Outpatient 11 at 50%, no deductible, the account pays everything the person owes."""
    return parse_policy({
        "admdvs": "441500", "name": "test", "insutype": "390", "valid_from": "2024-01-01",
        "benefits": [{"name": "op", "med_types": ["11"], "bands": [{"upto": None, "ratio": 0.5}]}],
        "personal_account": {"payable": ["inscp_burden", "preselfpay", "overlmt", "fulamt"],
                             "family_mutual_aid": mutual_aid},
    })


def case(policy, *, fee: str, med_type: str = "11", accounts=(), own: str = "0", delivery_type=None,
         treated: str = "441500", ytd: YearToDate | None = None, acct_used: bool = True) -> SettlementCase:
    person = Person(psn_no="REL", insutype=policy.insutype, psn_type="1101", retired=False, acct_balance=D(own),
                    mutual_aid_accounts=tuple((psn, D(balance)) for psn, balance in accounts))
    visit = Visit(med_type=med_type, medins_lv="2", begndate=dt.date(2024, 6, 1), enddate=dt.date(2024, 6, 3),
                  insuplc_admdvs="441500", mdtrtarea_admvs=treated, acct_used_flag=acct_used,
                  delivery_type=delivery_type)
    return SettlementCase(policy=policy, catalog=CATALOG, person=person, ytd=ytd or YearToDate(), visit=visit,
                          lines=(FeeLine("JIA", det_item_fee_sumamt=D(fee)),))


# --- family mutual aid ------------------------------------------------------------------------

def test_the_earliest_binding_pays_first_then_the_next():
    # fee 200, fund 50% = 100, the person owes 100: own account 10, then A (bound first) all
    # its 30, then B the remaining 60 of its 100.
    s = settle(case(half_outpatient_policy(True), fee="200", own="10", accounts=[("A", "30"), ("B", "100")]))
    assert (s.hifp_pay, s.acct_pay, s.acct_mulaid_pay, s.psn_cash_pay) == (D("100.00"), D("10"), D("90"), D("0"))
    assert s.mutual_aid_draws == (("A", D("30")), ("B", D("60")))


def test_a_later_binder_is_not_touched_when_the_earlier_suffices_and_cash_pays_the_rest():
    s = settle(case(half_outpatient_policy(True), fee="200", accounts=[("B", "120"), ("A", "5")]))
    assert s.mutual_aid_draws == (("B", D("100.00")),)
    poor = settle(case(half_outpatient_policy(True), fee="200", accounts=[("A", "20"), ("B", "15")]))
    assert (poor.acct_mulaid_pay, poor.psn_cash_pay) == (D("35"), D("65.00"))
    assert poor.mutual_aid_draws == (("A", D("20")), ("B", D("15")))


def test_the_visiting_persons_policy_decides_whether_mutual_aid_applies():
    s = settle(case(half_outpatient_policy(False), fee="200", own="10", accounts=[("A", "500")]))
    assert (s.acct_pay, s.acct_mulaid_pay, s.psn_cash_pay, s.mutual_aid_draws) == (D("10"), D("0"), D("90.00"), ())


def test_an_empty_bound_account_is_skipped():
    s = settle(case(half_outpatient_policy(True), fee="100", accounts=[("A", "0"), ("B", "80")]))
    assert s.mutual_aid_draws == (("B", D("50.00")),)


# --- maternity ----------------------------------------------------------------------------------

def shanwei_maternity():
    return parse_policy(json.loads((POLICIES / "441500-510-2024.json").read_text(encoding="utf-8")), "")


def test_natural_delivery_is_paid_up_to_its_fixed_amount_across_cities_in_the_province():
    # Shanwei: natural delivery up to 2,500; fee 3,000 in scope: the maternity fund pays 2,500,
    # the person 500. Treated in Shenzhen (in-province, no filing needed, no reduction).
    s = settle(case(shanwei_maternity(), fee="3000", med_type="52", delivery_type="natural", treated="440300",
                    acct_used=False))
    assert (s.hifp_pay, s.psn_cash_pay, s.benefit, s.scope) == (D("2500.00"), D("500.00"), "delivery_natural", "in_province")
    assert [(r.fund_pay_type, r.fund_payamt) for r in s.setldetail] == [("510100", D("2500.00"))]


def test_a_cheaper_delivery_is_paid_in_full_and_a_caesarean_has_its_own_amount():
    assert settle(case(shanwei_maternity(), fee="1800", med_type="52", delivery_type="natural")).hifp_pay == D("1800.00")
    caesarean = settle(case(shanwei_maternity(), fee="4600", med_type="52", delivery_type="caesarean", acct_used=False))
    assert (caesarean.hifp_pay, caesarean.psn_cash_pay, caesarean.benefit) == (D("4000.00"), D("600.00"),
                                                                                "delivery_caesarean")


def test_prenatal_checks_are_capped_over_the_year():
    # cap 'prenatal' 1,200 a year: 1,000 paid earlier, a check of 500 gets the 200 left.
    earlier = YearToDate(inscp={"prenatal": D("1000")}, fund_paid={"prenatal": D("1000")})
    s = settle(case(shanwei_maternity(), fee="500", med_type="51", ytd=earlier, acct_used=False))
    assert (s.benefit, s.hifp_pay, s.psn_cash_pay) == ("prenatal", D("200.00"), D("300.00"))


def test_family_planning_and_a_delivery_without_a_kind():
    planning = settle(case(shanwei_maternity(), fee="1000", med_type="51", delivery_type="family_planning"))
    assert (planning.benefit, planning.hifp_pay) == ("family_planning", D("800.00"))
    with pytest.raises(SettlementRefused) as refused:
        settle(case(shanwei_maternity(), fee="1000", med_type="52"))
    assert refused.value.code == "E_NO_BENEFIT"


def test_the_visit_kind_from_the_national_fields():
    assert maternity.visit_kind("2", None) == "caesarean"
    assert maternity.visit_kind("natural", None) == "natural"
    assert maternity.visit_kind("1", "3") == "family_planning"
    assert maternity.visit_kind(None, None) is None and maternity.visit_kind("99", None) is None


def test_the_allowance_is_the_daily_wage_times_the_days_rounded_once():
    rules = shanwei_maternity().maternity
    assert (rules.days("natural"), rules.days("caesarean"), rules.days("natural", babies=2)) == (178, 193, 193)
    assert rules.days("family_planning") is None
    assert maternity.allowance(D("9000"), 178) == D("53400.00")
    # 7,777.77 × 193 / 30 = 50,036.987 → 50,036.99 (not 259.26 × 193 = 50,037.18)
    assert maternity.allowance(D("7777.77"), 193) == D("50036.99")
