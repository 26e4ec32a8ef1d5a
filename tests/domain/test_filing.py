"""Filing rules: each test states the application and what the rules answer."""

from __future__ import annotations

import datetime as dt
from contextlib import contextmanager

import pytest

from yibao.domain.filing import Filing, FilingApplication, FilingRefused, cancel, choose, covers, open_filing

TODAY = dt.date(2026, 3, 10)


def apply(**changes):
    fields = dict(psn_no="P1", insured_admdvs="500100", filing_type="long_term", dest_admdvs="510100",
                  begndate=TODAY)
    fields.update(changes)
    return FilingApplication(**fields)


@contextmanager
def refused(code: str):
    """The block breaks the filing rule of ``code`` (domain/filing.py FILING_MESSAGES)."""
    with pytest.raises(FilingRefused) as caught:
        yield caught
    assert caught.value.code == code, caught.value.message


def make(application, active=(), visits=()):
    return open_filing(application, filing_no="F1", today=TODAY, active=list(active), open_visit_starts=list(visits))


def test_long_term_is_open_ended_and_one_at_a_time():
    filing = make(apply())
    assert filing.enddate is None and filing.subtype == "long_term_residence"
    with refused("FILING_LONG_TERM_HAS_END"):
        make(apply(enddate=dt.date(2027, 1, 1)))
    with refused("FILING_LONG_TERM_EXISTS"):
        make(apply(), active=[filing])


def test_temporary_lasts_at_least_six_months():
    """Referral from 2026-03-10: valid through 2026-09-09 by default; a shorter end is refused."""
    assert make(apply(filing_type="referral")).enddate == dt.date(2026, 9, 9)
    assert make(apply(filing_type="temporary_other", enddate=dt.date(2026, 12, 31))).enddate == dt.date(2026, 12, 31)
    with refused("FILING_TEMPORARY_TOO_SHORT"):
        make(apply(filing_type="referral", enddate=dt.date(2026, 5, 1)))


def test_subtype_must_belong_to_the_type():
    assert make(apply(subtype="resettled_retiree")).subtype == "resettled_retiree"
    with refused("FILING_BAD_SUBTYPE"):
        make(apply(subtype="referral"))


def test_destination_cannot_include_the_insured_region():
    with refused("FILING_DESTINATION_IS_HOME"):
        make(apply(dest_admdvs="500000"))


def test_back_filing_only_covers_an_unsettled_visit():
    """Admitted 2026-03-01, not yet discharged: a filing from 2026-03-01 is 补办备案."""
    assert make(apply(filing_type="referral", begndate=dt.date(2026, 3, 1)), visits=[dt.date(2026, 3, 1)]).begndate == dt.date(2026, 3, 1)
    with refused("FILING_START_IN_PAST"):
        make(apply(filing_type="referral", begndate=dt.date(2026, 3, 1)))
    with refused("FILING_START_IN_PAST"):  # earlier than the admission it covers
        make(apply(filing_type="referral", begndate=dt.date(2026, 2, 20)), visits=[dt.date(2026, 3, 1)])


def test_commitment_letter_locks_for_six_months():
    filing = make(apply(commitment_letter=True))
    assert filing.locked_until == dt.date(2026, 9, 10)
    with refused("FILING_COMMITMENT_LOCKED"):
        cancel(filing, dt.date(2026, 9, 9))
    assert cancel(filing, dt.date(2026, 9, 10)).status == "cancelled"
    with refused("FILING_NOT_ACTIVE"):
        cancel(cancel(filing, dt.date(2026, 9, 10)), dt.date(2026, 9, 11))


def test_destination_coverage():
    assert covers("510000", "510107") and covers("510100", "510107") and covers("510107", "510107")
    assert not covers("510100", "511700") and not covers("440300", "441300")


def test_choose_prefers_long_term_and_skips_expired_or_cancelled():
    long_term = Filing("A", "P1", "long_term", "long_term_residence", "510100", dt.date(2025, 1, 1), None)
    referral = Filing("B", "P1", "referral", "referral", "510000", dt.date(2026, 1, 1), dt.date(2026, 6, 30))
    assert choose([referral, long_term], "510107", dt.date(2026, 3, 1)) is long_term
    assert choose([referral], "510107", dt.date(2026, 7, 1)) is None  # expired
    assert choose([referral], "511700", dt.date(2026, 3, 1)) is referral  # province-wide destination
    assert choose([cancel(long_term, TODAY)], "510107", TODAY) is None
