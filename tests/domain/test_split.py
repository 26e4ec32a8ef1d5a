"""Line split (spec §5.3): catalogue class, price ceiling, pay-first ratio, rounding."""

from decimal import Decimal as D

from yibao.domain.case import CatalogEntry, FeeLine
from yibao.domain.split import split_line

JIA = CatalogEntry("JIA", "甲类", "01")
YI = CatalogEntry("YI", "乙类", "02", D("0.1"))
CONS = CatalogEntry("CONS", "乙类耗材", "02", D("0.2"), D(5000))
BED = CatalogEntry("BED", "床位费", "01", D(0), D(60))
BING = CatalogEntry("BING", "丙类", "03")


def parts(split):
    return (split.det_item_fee_sumamt, split.fulamt_ownpay_amt, split.overlmt_amt,
            split.preselfpay_amt, split.inscp_scp_amt)


def test_jia_is_all_in_scope():
    assert parts(split_line(FeeLine("JIA", D(1), D(8000)), JIA)) == (8000, 0, 0, 0, 8000)


def test_yi_pays_its_share_first():
    assert parts(split_line(FeeLine("YI", D(1), D(10000)), YI)) == (10000, 0, 0, 1000, 9000)


def test_ceiling_then_ratio_on_the_allowed_amount():
    """6000 with a 5000 ceiling at 20%: over 1000, pay-first 1000, in scope 4000."""
    assert parts(split_line(FeeLine("CONS", D(1), D(6000)), CONS)) == (6000, 0, 1000, 1000, 4000)


def test_ceiling_is_per_unit_times_count():
    """Bed 120/day × 10 with a 60/day ceiling: 600 over, 600 in scope."""
    assert parts(split_line(FeeLine("BED", D(10), D(120)), BED)) == (1200, 0, 600, 0, 600)


def test_price_under_the_ceiling_is_untouched():
    assert parts(split_line(FeeLine("BED", D(3), D(50)), BED)) == (150, 0, 0, 0, 150)


def test_bing_and_unknown_codes_are_full_self_pay():
    assert parts(split_line(FeeLine("BING", None, None, D(4000)), BING)) == (4000, 4000, 0, 0, 0)
    unknown = split_line(FeeLine("NOPE", D(2), D("3.5")), None)
    assert parts(unknown) == (7, 7, 0, 0, 0)
    assert "catalogue" in unknown.memo


def test_line_amount_rounds_half_up_once():
    """3 × 0.335 = 1.005 rounds half up to 1.01; 10% pay-first of 1.01 = 0.101 → 0.10."""
    split = split_line(FeeLine("YI", D(3), D("0.335")), YI)
    assert parts(split) == (D("1.01"), 0, 0, D("0.10"), D("0.91"))


def test_given_total_wins_over_count_times_price():
    split = split_line(FeeLine("JIA", D(2), D(10), D("19.50")), JIA)
    assert split.det_item_fee_sumamt == D("19.50")


def test_extra_preselfpay_adds_to_the_ratio_capped_at_one():
    assert parts(split_line(FeeLine("YI", None, None, D(1000)), YI, D("0.15"))) == (1000, 0, 0, 250, 750)
    assert parts(split_line(FeeLine("YI", None, None, D(1000)), YI, D("0.95"))) == (1000, 0, 0, 1000, 0)
