"""Pure Internet+ rules (domain/internet_plus.py, domain/split.py): a delivery item is paid in full
by the person whatever its level; the med_type an online visit settles under; revisit basis."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from yibao.domain import internet_plus as rules
from yibao.domain.case import CatalogEntry, FeeLine
from yibao.domain.split import split_line


def test_a_delivery_item_is_self_paid_in_full_even_when_listed_as_class_a():
    entry = CatalogEntry("DELIV", "药品配送费", "01", category="delivery")
    split = split_line(FeeLine("DELIV", Decimal(1), Decimal("12.50"), Decimal("12.50")), entry)
    assert (split.fulamt_ownpay_amt, split.inscp_scp_amt, split.memo) == (Decimal("12.50"), 0, rules.DELIVERY_MEMO)
    plain = split_line(FeeLine("DELIV", Decimal(1), Decimal("12.50"), Decimal("12.50")), CatalogEntry("DELIV", "x", "01"))
    assert (plain.fulamt_ownpay_amt, plain.inscp_scp_amt) == (0, Decimal("12.50"))


def test_an_online_visit_settles_as_general_outpatient_unless_chronic():
    assert [rules.settled_med_type(m) for m in ("11", "13", "140104", "14", "16")] == ["11", "11", "140104", "14", "16"]


def test_the_revisit_basis_is_the_latest_matching_visit_or_a_qualification():
    day = dt.date(2026, 12, 1)
    prior = [(dt.date(2026, 6, 3), "I10"), (dt.date(2026, 11, 1), "I10"), (dt.date(2026, 11, 20), "E11")]
    assert rules.revisit_basis(prior, [], diagnosis="I10", day=day, revisit_days=180) == "2026-11-01 线下就诊（I10）"
    assert rules.revisit_basis(prior[:1], [], diagnosis="I10", day=day, revisit_days=180) is None  # 180 days back is 06-04
    assert rules.revisit_basis(prior[:1], [], diagnosis="I10", day=day, revisit_days=181) == "2026-06-03 线下就诊（I10）"
    assert rules.revisit_basis([], ["M03900"], diagnosis="", day=day, revisit_days=180) == "门慢特资格（M03900）"
