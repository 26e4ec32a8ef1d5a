"""Properties of the engine over random valid cases (hypothesis).

- the money identities of spec §1 hold and no amount is negative;
- two visits settled in turn, the second on the first's ``ytd_after``, accumulate as the
  spec's annual rules say (deductible, bands, caps);
- raising a ratio never lowers the fund payment.
"""

from __future__ import annotations

import copy
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from yibao.documents.case_document import parse_case
from yibao.documents.policy_document import parse_policy
from yibao.documents.render import ytd_dict
from yibao.domain.bands import pay_bands
from yibao.domain.policy import lookup
from yibao.domain.settle import FUND_FIELDS, Settlement, settle

FEN = Decimal("0.01")
LEVELS = ("1", "2", "3")

fen_amounts = st.integers(min_value=0, max_value=20_000_000).map(lambda n: Decimal(n) / 100)
ratios = st.integers(min_value=0, max_value=100).map(lambda n: Decimal(n) / 100)


def level_table(values):
    return st.fixed_dictionaries({level: values for level in LEVELS})


ratio_tables = st.one_of(
    ratios,
    level_table(ratios),
    st.fixed_dictionaries({"in_service": st.one_of(ratios, level_table(ratios)),
                           "retired": st.one_of(ratios, level_table(ratios))}),
)


@st.composite
def bands(draw, max_bands=3):
    count = draw(st.integers(1, max_bands))
    uptos = sorted(draw(st.sets(st.integers(1, 300_000), min_size=count, max_size=count)))
    result = [{"upto": Decimal(u), "ratio": draw(ratio_tables)} for u in uptos]
    if draw(st.booleans()):
        result[-1]["upto"] = None
    return result


caps = st.one_of(st.none(), st.builds(lambda key, amount: {"key": key, "amount": amount},
                                      st.sampled_from(["basic", "annual"]), fen_amounts))


@st.composite
def policies(draw):
    basis = draw(st.sampled_from(["per_visit", "annual"]))
    benefit = {
        "name": "inpatient", "med_types": ["21"], "accumulator": "inpatient",
        "deductible": draw(st.one_of(st.none(), st.fixed_dictionaries({
            "basis": st.just(basis),
            "amount": st.one_of(fen_amounts.map(lambda a: a / 10 // FEN * FEN), level_table(st.sampled_from([0, 300, 800, 1300]))),
            "nth_visit_factor": st.lists(st.sampled_from([Decimal(1), Decimal("0.5"), Decimal(0)]), min_size=1, max_size=3),
            "waived_groups": st.just(["tekun"]),
        }))),
        "bands_basis": draw(st.sampled_from(["per_visit", "annual"])),
        "bands": draw(bands()),
        "cap": draw(st.one_of(st.none(), st.builds(lambda a: {"key": "basic", "amount": a}, fen_amounts))),
    }
    layers = []
    if draw(st.booleans()):
        layers.append({"fund": "hifob", "base": "beyond_bands", "threshold": 0, "bands": draw(bands(1)),
                       "cap": draw(st.one_of(st.none(), st.builds(lambda a: {"key": "hifob", "amount": a}, fen_amounts)))})
    if draw(st.booleans()):
        layers.append({"fund": "hifmi", "base": "inscp_burden", "threshold": draw(fen_amounts.map(lambda a: a / 10 // FEN * FEN)),
                       "bands": draw(bands()),
                       "cap": draw(st.one_of(st.none(), st.builds(lambda a: {"key": "hifmi", "amount": a}, fen_amounts)))})
    policy = {
        "admdvs": "371300", "name": "random", "insutype": "310",
        "valid_from": "2024-01-01", "valid_to": "2024-12-31",
        "benefits": [benefit], "layers": layers,
        "personal_account": {
            "payable": draw(st.lists(st.sampled_from(["inscp_burden", "preselfpay", "overlmt", "fulamt"]), unique=True)),
            "family_mutual_aid": draw(st.booleans()),
        },
        "cross_region": {"cross_province": {
            "long_term": {"mode": "none"},
            "referral": draw(st.builds(lambda m, v: {"mode": m, "value": v},
                                       st.sampled_from(["subtract_points", "multiply", "extra_preselfpay"]), ratios)),
            "unfiled": "reject"}},
    }
    if draw(st.booleans()):
        policy["civil_servant"] = {"base": draw(st.sampled_from(["coinsurance", "inscp_burden"])),
                                   "ratio": draw(ratios), "cap": draw(caps)}
    if draw(st.booleans()):
        policy["medical_assistance"] = {"groups": {"dibao": {
            "ratio": draw(ratios), "threshold": draw(fen_amounts.map(lambda a: a / 100 // FEN * FEN)),
            "cap": draw(st.one_of(st.none(), st.builds(lambda a: {"key": "maf", "amount": a}, fen_amounts))),
            "layer_adjust": {"hifmi": {"threshold_factor": Decimal("0.5"), "ratio_bonus": Decimal("0.05"),
                                       "no_cap": draw(st.booleans())}}}}}
    return policy


CATALOG = [
    {"code": "JIA", "name": "甲", "chrgitm_lv": "01"},
    {"code": "YI", "name": "乙", "chrgitm_lv": "02", "selfpay_prop": "0.15"},
    {"code": "CONS", "name": "耗材", "chrgitm_lv": "02", "selfpay_prop": "0.2", "pric_uplmt_amt": "800"},
    {"code": "BING", "name": "丙", "chrgitm_lv": "03"},
]

line_docs = st.one_of(
    st.builds(lambda code, amount: {"code": code, "det_item_fee_sumamt": amount},
              st.sampled_from(["JIA", "YI", "CONS", "BING", "UNKNOWN"]), fen_amounts),
    st.builds(lambda code, cnt, pric: {"code": code, "cnt": cnt, "pric": pric},
              st.sampled_from(["JIA", "YI", "CONS"]), st.integers(0, 30),
              st.integers(0, 500_000).map(lambda n: Decimal(n) / 1000)),
)


@st.composite
def cases(draw, policy=None):
    cross = draw(st.booleans())
    return {
        "policy": policy if policy is not None else draw(policies()),
        "catalog": CATALOG,
        "person": {"psn_no": "P", "insutype": "310", "retired": draw(st.booleans()),
                   "cvlserv_flag": draw(st.booleans()),
                   "assistance_group": draw(st.sampled_from([None, "dibao", "tekun"])),
                   "acct_balance": draw(fen_amounts), "mutual_aid_balance": draw(fen_amounts)},
        "ytd": {"visits": {"inpatient": draw(st.integers(0, 4))},
                "inscp": {"inpatient": draw(fen_amounts)},
                "deductible_paid": {"inpatient": draw(fen_amounts.map(lambda a: a / 100 // FEN * FEN))},
                "fund_paid": {"basic": draw(fen_amounts), "hifmi": draw(fen_amounts)},
                "layer_base": {"hifmi": draw(fen_amounts)}},
        "visit": {"med_type": "21", "medins_lv": draw(st.sampled_from(LEVELS)), "enddate": "2024-06-30",
                  "insuplc_admdvs": "371300", "mdtrtarea_admvs": "110105" if cross else "371300",
                  "filing": draw(st.sampled_from(["long_term", "referral"])) if cross else None,
                  "acct_used_flag": draw(st.booleans())},
        "lines": draw(st.lists(line_docs, min_size=1, max_size=6)),
    }


def check_money(s: Settlement) -> None:
    for line in s.lines:
        assert line.det_item_fee_sumamt == line.fulamt_ownpay_amt + line.overlmt_amt + line.preselfpay_amt + line.inscp_scp_amt
    assert s.fund_pay_sumamt == sum(getattr(s, name) for name in FUND_FIELDS)
    assert s.medfee_sumamt == s.fund_pay_sumamt + s.psn_part_amt
    assert s.psn_part_amt == s.acct_pay + s.acct_mulaid_pay + s.psn_cash_pay
    for name, value in s.setlinfo().items():
        assert value >= 0, name
        assert name == "pool_prop_selfpay" or value == value.quantize(FEN), name
    for value in s.delta.inscp.values():
        assert value >= 0


PROPERTY_SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY_SETTINGS
@given(cases())
def test_identities_hold_and_nothing_is_negative(doc):
    check_money(settle(parse_case(doc)))


def next_visit(doc: dict, first: Settlement, lines: list[dict]) -> dict:
    second = copy.deepcopy(doc)
    second["ytd"] = ytd_dict(first.ytd_after)
    second["lines"] = lines
    second["person"]["acct_balance"] = first.balc
    return second


@PROPERTY_SETTINGS
@given(cases(), st.lists(line_docs, min_size=1, max_size=4))
def test_second_visit_on_ytd_after_accumulates_as_the_year(doc, second_lines):
    case1 = parse_case(doc)
    first = settle(case1)
    second = settle(parse_case(next_visit(doc, first, second_lines)))
    check_money(second)
    benefit = case1.policy.benefits[0]
    year_end = case1.ytd.apply(first.delta).apply(second.delta)
    assert second.ytd_after == year_end
    assert year_end.visits["inpatient"] == case1.ytd.visits["inpatient"] + 2

    # Annual deductible: the two visits together pay what was left of it, up to their in-scope amounts.
    rule = benefit.deductible
    waived = case1.person.assistance_group in ("tekun",)
    if rule is not None and rule.basis == "annual" and not waived:
        amount = lookup(rule.amount, "", case1.person.class_key, case1.visit.medins_lv)
        left = max(Decimal(0), amount - case1.ytd.deductible_paid["inpatient"])
        paid = first.act_pay_dedc + second.act_pay_dedc
        assert paid == min(left, first.inscp_scp_amt + second.inscp_scp_amt)

    # A cap is never exceeded by the year's payments once it is respected on entry.
    if benefit.cap is not None:
        start = case1.ytd.fund_paid.get(benefit.cap.key, Decimal(0))
        total = start + first.hifp_pay + second.hifp_pay
        assert total <= max(start, benefit.cap.amount)


@PROPERTY_SETTINGS
@given(st.lists(st.integers(1, 5_000_000).map(lambda n: Decimal(n) / 100), min_size=2, max_size=5), bands())
def test_annual_bands_split_over_visits_equal_one_visit_up_to_rounding(amounts, band_docs):
    """On an annual axis, paying visit by visit equals paying the year at once, except for the
    one rounding per visit (at most half a fen each)."""
    policy = parse_policy({"admdvs": "110000", "name": "p", "insutype": "310", "valid_from": "2024-01-01",
                           "benefits": [{"name": "b", "med_types": ["21"], "bands": band_docs}]})
    resolved = [(band.upto, lookup(band.ratio, "", "in_service", "2")) for band in policy.benefits[0].bands]
    position = Decimal(0)
    paid = Decimal(0)
    exact = Decimal(0)
    for amount in amounts:
        part = pay_bands(position, position + amount, Decimal(0), resolved, None)
        paid += part.payment
        exact += sum((p.amount * p.ratio for p in part.parts), Decimal(0))
        position += amount
    whole = pay_bands(Decimal(0), position, Decimal(0), resolved, None)
    assert abs(paid - whole.payment) <= FEN * len(amounts)
    assert abs(paid - exact) <= Decimal("0.005") * len(amounts)


@PROPERTY_SETTINGS
@given(cases(), st.data())
def test_raising_a_ratio_never_lowers_the_fund_payment(doc, data):
    before = settle(parse_case(doc))
    raised = copy.deepcopy(doc)
    bands_doc = raised["policy"]["benefits"][0]["bands"]
    band = bands_doc[data.draw(st.integers(0, len(bands_doc) - 1))]
    bump = data.draw(st.integers(1, 100).map(lambda n: Decimal(n) / 100))

    def raise_ratio(table):
        if isinstance(table, dict):
            return {key: raise_ratio(value) for key, value in table.items()}
        return min(Decimal(1), Decimal(table) + bump)

    band["ratio"] = raise_ratio(band["ratio"])
    after = settle(parse_case(raised))
    assert after.hifp_pay >= before.hifp_pay
    assert after.fund_pay_sumamt >= before.fund_pay_sumamt
