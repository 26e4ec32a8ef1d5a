"""Manual claims (零星报销) over an in-memory unit of work: intake and its refusals, line review,
payment moving the accumulators and the ledger, correction, and the direct-settlement rate.

The world is domain-rules Example 3: a Linyi (371300) employee in a Beijing (110105) tertiary
hospital, 50,000 of fees (42,500 in scope, deductible 800), Linyi's policy rejecting unfiled
visits at the counter, so the claim is priced as a filed temporary visit: 80 − 20 = 60 %."""

from __future__ import annotations

import copy
import datetime as dt
import json
from decimal import Decimal

import pytest

from yibao.app import actors, audit, claims
from yibao.app.errors import GatewayError
from yibao.app.platform import Platform
from yibao.domain.case import CatalogEntry

from ..conftest import VENDORED_GOLDEN
from .fake_audit import FakeAudit
from .fake_claim_verifications import FakeVerifications
from .fake_claims import FakeClaims, FakeRegistry, FakeSettlementReads
from .fake_registry import FakeFilings
from .fakes import FakeUnitOfWork

NOW = dt.datetime(2026, 12, 1, 9, 0)
INSURED, TREATED, HOSPITAL = "371300", "110105", "H11010500001"
LINES = [("JIA", "25000"), ("YI-DRUG", "15000"), ("YI-CONS", "6000"), ("BING", "4000")]


def world() -> FakeUnitOfWork:
    case = json.loads((VENDORED_GOLDEN / "ex3d_unfiled_cross_province.case.json").read_text(encoding="utf-8"))
    policy = copy.deepcopy(case["policy"])
    policy.update(valid_from="2025-01-01", valid_to=None)
    uow = FakeUnitOfWork(actors.agency(INSURED, "3f2a0b1c"), NOW)
    settlements = FakeSettlementReads(uow.accounts)
    settlements.persons["LY0001"] = {"psn_no": "LY0001", "certno": "371302198001010011", "gend": "1",
                                     "brdy": dt.date(1980, 1, 1), "family_psn_no": None}
    settlements.insurances[("LY0001", "310")] = {"psn_no": "LY0001", "insutype": "310", "psn_type": "1101",
                                                 "insuplc_admdvs": INSURED, "cvlserv_flag": False,
                                                 "assistance_group": None, "psn_insu_stas": "1"}
    settlements.policy_rows.append({"policy_id": 7, "admdvs": INSURED, "insutype": "310", "valid_from": dt.date(2025, 1, 1),
                                    "document": json.dumps(policy, ensure_ascii=False)})
    entries = {e["code"]: CatalogEntry(e["code"], e["name"], e["chrgitm_lv"], Decimal(str(e.get("selfpay_prop", 0))),
                                       Decimal(str(e["pric_uplmt_amt"])) if "pric_uplmt_amt" in e else None)
               for e in case["catalog"]}
    settlements.catalogues = {TREATED: entries, INSURED: entries}
    uow.settlements = settlements
    uow.claims = FakeClaims(catalogue_regions={TREATED, INSURED})
    uow.claim_verifications = FakeVerifications(uow.claims)
    uow.registry = FakeRegistry({HOSPITAL: {"fixmedins_code": HOSPITAL, "fixmedins_name": "北京朝阳医院",
                                            "admdvs": TREATED, "medins_lv": "3"}})
    uow.filings = FakeFilings()
    uow.audit = FakeAudit(NOW)
    return uow


PLATFORM = Platform(database=None)  # its policy cache parses the stored documents


def form(**changes) -> claims.ClaimForm:
    fields = dict(psn_no="LY0001", insutype="310", med_type="21", begndate=dt.date(2026, 11, 1),
                  enddate=dt.date(2026, 11, 11), invoice_no="FP-0001", reason="not_filed", fixmedins_code=HOSPITAL,
                  dise_codg="I21.900",
                  lines=tuple({"med_list_codg": code, "cnt": Decimal(1), "pric": Decimal(amount)} for code, amount in LINES))
    fields.update(changes)
    return claims.ClaimForm(**fields)


def approve_all(view: dict) -> list[dict]:
    return [{"line_no": line["line_no"], "decision": "approve"} for line in view["lines"]]


def test_an_unfiled_cross_province_visit_is_claimed_reviewed_and_paid_as_a_filed_temporary_visit():
    uow = world()
    view = claims.submit_claim(uow, form())
    assert (view["status"], view["medfee_sumamt"], view["catalogue_admdvs"]) == ("submitted", Decimal("50000.00"), TREATED)
    assert [line["precheck"]["chrgitm_lv"] for line in view["lines"]] == ["01", "02", "02", "03"]
    assert view["lines"][2]["precheck"]["over_ceiling"] == "1000.00"  # 6000 against a ceiling of 5000
    reviewed = claims.review_claim(uow, PLATFORM, view["claim_id"], approve_all(view))
    setlinfo = reviewed["review"]["setlinfo"]
    assert (setlinfo["hifp_pay"], setlinfo["act_pay_dedc"], setlinfo["psn_cash_pay"], setlinfo["acct_pay"]) == (
        "25020.00", "800.00", "24980.00", "0.00")
    assert reviewed["review"]["filing"] == "temporary_other" and "临时外出" in reviewed["review"]["filing_note"]
    assert reviewed["review"]["setldetail"] == [{"fund_pay_type": "310100", "fund_payamt": "25020.00"}]
    assert {line["decision"]["decided_by"] for line in reviewed["lines"]} == {"agency:371300/token:3f2a0b1c"}
    paid = claims.pay_claim(uow, PLATFORM, view["claim_id"])
    assert paid["status"] == "paid" and paid["payments"][0]["fund_pay_sumamt"] == Decimal("25020.00")
    ytd = uow.settlements.year_to_date("LY0001", "310", 2026)
    assert (ytd.visits, ytd.inscp, ytd.deductible_paid, ytd.fund_paid) == (
        {"inpatient": 1}, {"inpatient": Decimal("42500.00")}, {"inpatient": Decimal("800.00")},
        {"basic": Decimal("25020.00")})
    assert uow.ledger.balances() == {f"fund:{INSURED}:310100": 2_502_000, "claimant:LY0001": -2_502_000}
    assert [row[1] for row in uow.actions.rows] == ["claim.submit", "claim.review", "claim.pay"]
    assert "claim:" + view["claim_id"] in uow.claims.locked and uow.settlements.locked == ["LY0001"]


def test_reduced_and_rejected_lines_stay_on_the_invoice_as_the_persons_own():
    uow = world()
    view = claims.submit_claim(uow, form())
    decisions = [{"line_no": 1, "decision": "reduce", "approved_amt": Decimal("20000.00"), "reason": "超标准收费"},
                 {"line_no": 2, "decision": "approve"}, {"line_no": 3, "decision": "approve"},
                 {"line_no": 4, "decision": "reject", "reason": "丙类自费"}]
    review = claims.review_claim(uow, PLATFORM, view["claim_id"], decisions)["review"]
    setlinfo = review["setlinfo"]
    # in scope 20,000 + 13,500 + 4,000 = 37,500; (37,500 − 800) × 60 % = 22,020
    assert (setlinfo["medfee_sumamt"], setlinfo["inscp_scp_amt"], setlinfo["hifp_pay"], setlinfo["fulamt_ownpay_amt"]) == (
        "50000.00", "37500.00", "22020.00", "9000.00")
    cut = [line for line in review["lines"] if line["memo"].startswith("审核扣减")]
    assert [(line["det_item_fee_sumamt"], line["memo"]) for line in cut] == [
        ("5000.00", "审核扣减：超标准收费"), ("4000.00", "审核扣减：丙类自费")]


def test_the_reviewer_cannot_approve_more_than_was_billed_and_every_line_needs_a_decision():
    uow = world()
    view = claims.submit_claim(uow, form())
    too_much = approve_all(view)
    too_much[0] = {"line_no": 1, "decision": "reduce", "approved_amt": Decimal("25000.01"), "reason": "x"}
    with pytest.raises(GatewayError) as refused:
        claims.review_claim(uow, PLATFORM, view["claim_id"], too_much)
    assert refused.value.code == "CLAIM_OVER_BILLED" and "超过发票金额" in refused.value.message
    for decisions, code in ((approve_all(view)[:3], "CLAIM_DECISION_LINES"),
                            (approve_all(view)[:3] + [{"line_no": 4, "decision": "reject"}], "CLAIM_DECISION_REASON"),
                            (approve_all(view) + [{"line_no": 1, "decision": "approve"}], "CLAIM_DECISION_LINES")):
        with pytest.raises(GatewayError) as refused:
            claims.review_claim(uow, PLATFORM, view["claim_id"], decisions)
        assert refused.value.code == code
    assert uow.claims.decision_rows == [] and uow.claims.rows[view["claim_id"]]["status"] == "submitted"
    with pytest.raises(GatewayError) as refused:
        claims.pay_claim(uow, PLATFORM, view["claim_id"])  # not reviewed
    assert refused.value.code == "CLAIM_STATUS" and uow.claims.payment_rows == []


def test_a_second_claim_of_the_same_invoice_or_visit_and_a_visit_settled_directly_are_refused():
    uow = world()
    uow.claims.visits = [
        {"mdtrt_id": "M-SETTLED", "psn_no": "LY0001", "fixmedins_code": HOSPITAL, "med_type": "21",
         "begntime": dt.datetime(2026, 10, 2, 8), "settled": True},
        {"mdtrt_id": "M-REFUSED", "psn_no": "LY0001", "fixmedins_code": HOSPITAL, "med_type": "21",
         "begntime": dt.datetime(2026, 11, 1, 8), "settled": False}]
    first = claims.submit_claim(uow, form(mdtrt_id="M-REFUSED"))
    for changes, code in (({}, "CLAIM_DUPLICATE_INVOICE"), ({"invoice_no": "FP-0002", "mdtrt_id": "M-REFUSED"}, "CLAIM_DUPLICATE_VISIT"),
                          ({"invoice_no": "FP-0003", "mdtrt_id": "M-SETTLED", "begndate": dt.date(2026, 10, 2),
                            "enddate": dt.date(2026, 10, 5)}, "CLAIM_ALREADY_SETTLED"),
                          ({"invoice_no": "FP-0004", "begndate": dt.date(2026, 10, 1), "enddate": dt.date(2026, 10, 9)},
                           "CLAIM_ALREADY_SETTLED")):
        with pytest.raises(GatewayError) as refused:
            claims.submit_claim(uow, form(**changes))
        assert (refused.value.code, refused.value.kind) == (code, "conflict")
    assert list(uow.claims.rows) == [first["claim_id"]]
    # once rejected, the invoice may be claimed again (corrected)
    claims.reject_claim(uow, first["claim_id"], "发票与明细不符")
    again = claims.submit_claim(uow, form(mdtrt_id="M-REFUSED"))
    assert again["status"] == "submitted" and uow.claims.rows[first["claim_id"]]["close_reason"] == "发票与明细不符"


@pytest.mark.parametrize(("changes", "code"), [
    ({"psn_no": "NOBODY"}, "CLAIM_PERSON_NOT_FOUND"),
    ({"insutype": "390"}, "CLAIM_NOT_INSURED"),
    ({"fixmedins_code": "H99999999999"}, "CLAIM_INSTITUTION_NOT_FOUND"),
    ({"fixmedins_code": None, "fixmedins_name": "某诊所"}, "CLAIM_INSTITUTION_MISSING"),
    ({"enddate": dt.date(2026, 10, 1)}, "CLAIM_BAD_DATES"),
    ({"enddate": dt.date(2026, 12, 2)}, "CLAIM_BAD_DATES"),
    ({"reason": "forgot"}, "CLAIM_BAD_REASON"),
    ({"lines": ()}, "CLAIM_NO_LINES"),
    ({"lines": ({"med_list_codg": "JIA", "cnt": Decimal(2), "pric": Decimal("10"), "det_item_fee_sumamt": Decimal("21")},)},
     "CLAIM_LINE_AMOUNT"),
])
def test_intake_refusals_carry_a_claim_code_and_write_nothing(changes, code):
    uow = world()
    with pytest.raises(GatewayError) as refused:
        claims.submit_claim(uow, form(**changes))
    assert refused.value.code == code and refused.value.message[0] >= "\u4e00"  # Chinese for the clerk
    assert uow.claims.rows == {} and uow.actions.rows == []


def test_a_non_networked_hospital_in_a_region_without_a_catalogue_is_priced_with_the_insured_places():
    uow = world()
    uow.claims.catalogue_regions = {INSURED}
    view = claims.submit_claim(uow, form(fixmedins_code=None, fixmedins_name="海口某医院", mdtrtarea_admvs="460100",
                                         medins_lv="3", reason="not_networked"))
    assert view["catalogue_admdvs"] == INSURED and view["precheck"]["catalogue_fallback"]
    assert "参保地" in view["precheck"]["catalogue_note"]
    reviewed = claims.review_claim(uow, PLATFORM, view["claim_id"], approve_all(view))
    assert reviewed["review"]["setlinfo"]["hifp_pay"] == "25020.00"


def test_payment_prices_again_with_the_accumulators_as_they_then_stand():
    """Two claims reviewed before either is paid: the second is paid at the second visit's
    deductible (nth_visit_factor 0.5 → 400), not at the 800 its review showed."""
    uow = world()
    first = claims.submit_claim(uow, form())
    second = claims.submit_claim(uow, form(invoice_no="FP-0009", begndate=dt.date(2026, 11, 20),
                                           enddate=dt.date(2026, 11, 25)))
    claims.review_claim(uow, PLATFORM, first["claim_id"], approve_all(first))
    reviewed = claims.review_claim(uow, PLATFORM, second["claim_id"], approve_all(second))
    assert reviewed["review"]["setlinfo"]["act_pay_dedc"] == "800.00"
    claims.pay_claim(uow, PLATFORM, first["claim_id"])
    paid = claims.pay_claim(uow, PLATFORM, second["claim_id"])["payments"][0]
    assert (paid["act_pay_dedc"], paid["hifp_pay"]) == (Decimal("400.00"), Decimal("25260.00"))  # (42,500 − 400) × 60 %
    assert uow.settlements.year_to_date("LY0001", "310", 2026).visits == {"inpatient": 2}


def test_a_correction_is_an_opposite_payment_that_restores_accumulators_and_ledger():
    uow = world()
    view = claims.submit_claim(uow, form())
    claims.review_claim(uow, PLATFORM, view["claim_id"], approve_all(view))
    claims.pay_claim(uow, PLATFORM, view["claim_id"])
    with pytest.raises(GatewayError) as refused:
        claims.reject_claim(uow, view["claim_id"], "too late")
    assert refused.value.code == "CLAIM_STATUS"
    reversed_ = claims.reverse_payment(uow, view["claim_id"], "重复报销")
    assert reversed_["status"] == "reversed"
    assert [(p["kind"], p["fund_pay_sumamt"]) for p in reversed_["payments"]] == [
        ("payment", Decimal("25020.00")), ("reversal", Decimal("-25020.00"))]
    ytd = uow.settlements.year_to_date("LY0001", "310", 2026)
    assert all(value == 0 for values in ytd.as_dict().values() for value in values.values())
    assert all(amount == 0 for amount in uow.ledger.balances().values())
    assert [e.kind for e in uow.ledger.entries] == ["claim_payment", "claim_reversal"]


def test_in_event_rules_run_on_the_claim_lines_and_are_shown_per_line(tmp_path):
    uow = world()
    ceilings = tmp_path / "price_ceilings.csv"
    ceilings.write_text("hilist_code,insu_admdvs,begndate,enddate,hilist_pric_uplmt_amt,hilist_lmtpric_type,"
                        f"overlmt_dspo_way,vali_flag\nJIA,{TREATED},2020-01-01,,20000,1,1,1\n", encoding="utf-8")
    audit.import_knowledge_file(uow, "price_ceilings", ceilings)
    view = claims.submit_claim(uow, form())
    flagged = {line["line_no"]: [f["rule_id"] for f in line["precheck"]["findings"]] for line in view["lines"]}
    assert flagged[1] and not flagged[2] and view["precheck"]["rule_package"]
