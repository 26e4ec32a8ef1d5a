"""The registry's use cases (agencies, filings, qualifications, the consistency check) against
in-memory repositories (milliseconds)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from yibao.app import accounts, actors, agencies, filings
from yibao.app.errors import GatewayError

from .fake_registry import FakeAccountBook, FakeAgencies, FakeFilings
from .fakes import FakeUnitOfWork


def unit(actor=actors.SYSTEM) -> FakeUnitOfWork:
    uow = FakeUnitOfWork(actor)
    uow.agencies = FakeAgencies()
    return uow


# --- agencies ---------------------------------------------------------------------------------

def test_an_agency_authenticates_with_its_token_only():
    uow = unit()
    token = agencies.add_agency(uow, "440300", "深圳市医疗保障事务中心", "secret-token")
    assert token == "secret-token"
    stored = uow.agencies.rows["440300"]
    assert stored["token_hash"] != token and stored["role"] == "agency"  # only a salted hash is kept
    assert agencies.authenticate(uow, "440300", "secret-token")["agency_name"] == "深圳市医疗保障事务中心"
    assert agencies.authenticate(uow, "440300", "wrong") is None
    assert agencies.authenticate(uow, "440300", "") is None
    assert agencies.authenticate(uow, "110000", "secret-token") is None


def test_rekeying_an_agency_changes_its_token_fingerprint_and_retires_the_old_token():
    uow = unit()
    first = agencies.add_agency(uow, "440300", "深圳")
    before = agencies.token_fingerprint(agencies.get(uow, "440300"))
    second = agencies.add_agency(uow, "440300", "深圳市医保")
    after = agencies.get(uow, "440300")
    assert first != second and len(uow.agencies.rows) == 1
    assert agencies.token_fingerprint(after) != before and len(before) == 8
    assert agencies.authenticate(uow, "440300", first) is None
    assert agencies.authenticate(uow, "440300", second)["agency_name"] == "深圳市医保"
    assert agencies.actor(after).ref == f"token:{agencies.token_fingerprint(after)}"


@pytest.mark.parametrize("code", ["44030", "4403000", "44030X", ""])
def test_an_agency_code_is_six_digits(code):
    uow = unit()
    with pytest.raises(GatewayError, match="6-digit"):
        agencies.add_agency(uow, code, "x")
    assert uow.agencies.rows == {}


# --- filings ----------------------------------------------------------------------------------

TODAY = dt.date(2026, 12, 1)


def filing_unit() -> FakeUnitOfWork:
    uow = FakeUnitOfWork(actors.agency("500000", "0badcafe"), dt.datetime(2026, 12, 1, 9, 0))
    uow.filings = FakeFilings(insurances={"P1": [{"insutype": "310", "insuplc_admdvs": "500100"}],
                                          "P2": [{"insutype": "390", "insuplc_admdvs": "441300"}]})
    return uow


def file_long_term(uow, **overrides) -> dict:
    fields = dict(psn_no="P1", filing_type="long_term", dest_admdvs="510100", begndate=TODAY, source="agency",
                  created_by="500000")
    return filings.create_filing(uow, **{**fields, **overrides})


def test_a_filing_is_stored_with_the_units_clock_and_a_temporary_one_lasts_six_months():
    uow = filing_unit()
    row = file_long_term(uow)
    assert (row["status"], row["subtype"], row["enddate"], row["created_at"]) == \
        ("active", "long_term_residence", None, uow.now)
    trip = filings.create_filing(uow, psn_no="P2", filing_type="temporary_other", dest_admdvs="440300",
                                 begndate=TODAY, source="his", created_by="H44130000001")
    assert trip["enddate"] == dt.date(2027, 5, 31)  # six months less a day
    assert [r["filing_no"] for r in filings.person_filings(uow, "P1")] == [row["filing_no"]]
    assert uow.actions.rows == []  # filings record no action-log row (as before the unit of work)


def test_a_second_active_long_term_filing_is_refused_and_nothing_is_stored():
    uow = filing_unit()
    file_long_term(uow)
    with pytest.raises(GatewayError, match="already has an active long-term filing"):
        file_long_term(uow, dest_admdvs="440300")
    assert len(uow.filings.filings) == 1


@pytest.mark.parametrize("overrides, message", [
    (dict(dest_admdvs="500000"), "includes the insured region 500100"),
    (dict(enddate=dt.date(2027, 1, 1)), "long-term filing is open-ended"),
    (dict(begndate=TODAY - dt.timedelta(days=3)), "cannot start in the past"),
    (dict(filing_type="referral", enddate=dt.date(2027, 2, 1)), "at least six months: enddate must be on or after 2027-05-31"),
    (dict(psn_no="NOBODY"), "person NOBODY not found or not insured"),
])
def test_invalid_filings_are_refused_with_the_rule_they_break(overrides, message):
    uow = filing_unit()
    with pytest.raises(GatewayError, match=message):
        file_long_term(uow, **overrides)
    assert uow.filings.filings == []


def test_a_late_filing_may_start_at_the_admission_of_an_unsettled_visit_in_the_destination():
    uow = filing_unit()
    admitted = dt.datetime(2026, 11, 20, 8, 0)
    uow.filings.visits += [
        dict(mdtrt_id="V1", psn_no="P1", status="registered", mdtrtarea_admvs="510104", begntime=admitted),
        dict(mdtrt_id="V2", psn_no="P1", status="registered", mdtrtarea_admvs="510104",
             begntime=dt.datetime(2026, 10, 1, 8, 0), settled=True),
        dict(mdtrt_id="V3", psn_no="P1", status="registered", mdtrtarea_admvs="440300",
             begntime=dt.datetime(2026, 9, 1, 8, 0)),
    ]
    assert filings.open_visit_starts(uow, "P1", "510100") == [admitted.date()]
    assert file_long_term(uow, begndate=admitted.date())["begndate"] == admitted.date()
    with pytest.raises(GatewayError, match="cannot start in the past"):  # the settled visit does not count
        file_long_term(uow, psn_no="P1", begndate=dt.date(2026, 10, 1), filing_type="referral", dest_admdvs="510100")


def test_changing_a_filing_ends_the_old_one_and_opens_a_new_one_naming_it():
    uow = filing_unit()
    old = file_long_term(uow)
    new = filings.change_filing(uow, old["filing_no"], created_by="500000", source="agency", dest_admdvs="440300")
    stored_old = uow.filings.filing(old["filing_no"])
    assert (stored_old["status"], stored_old["end_reason"], stored_old["ended_at"]) == ("cancelled", "changed", uow.now)
    assert (new["status"], new["dest_admdvs"], new["replaces_filing_no"], new["filing_type"]) == \
        ("active", "440300", old["filing_no"], "long_term")
    assert new["filing_no"] != old["filing_no"] and len(uow.filings.filings) == 2
    with pytest.raises(GatewayError, match=f"filing {old['filing_no']} is cancelled"):
        filings.end_filing(uow, old["filing_no"], reason="again")


def test_a_commitment_filing_cannot_be_changed_or_cancelled_for_six_months():
    uow = filing_unit()
    row = file_long_term(uow, commitment_letter=True)
    assert row["locked_until"] == dt.date(2027, 6, 1)
    with pytest.raises(GatewayError, match="cannot be changed before 2027-06-01"):
        filings.change_filing(uow, row["filing_no"], created_by="500000", source="agency", dest_admdvs="440300")
    with pytest.raises(GatewayError, match="cannot be cancelled before 2027-06-01"):
        filings.end_filing(uow, row["filing_no"], reason="x")
    assert uow.filings.filing(row["filing_no"])["status"] == "active"


def test_an_unknown_filing_or_qualification_is_not_found():
    uow = filing_unit()
    with pytest.raises(GatewayError) as refused:
        filings.get_filing(uow, "FL404")
    assert refused.value.kind == "not_found"
    with pytest.raises(GatewayError) as refused:
        filings.cancel_qualification(uow, "QL404")
    assert refused.value.kind == "not_found"


def test_a_qualification_is_granted_once_per_disease_and_can_be_cancelled_once():
    uow = filing_unit()
    row = filings.grant_qualification(uow, psn_no="P1", insutype="310", dise_code="M03900", begndate=TODAY,
                                      source="agency", created_by="500000")
    assert (row["opsp_dise_name"], row["status"], row["created_at"]) == ("高血压", "active", uow.now)
    with pytest.raises(GatewayError, match=f"already holds qualification {row['qual_no']} for M03900"):
        filings.grant_qualification(uow, psn_no="P1", insutype="310", dise_code="M03900", begndate=TODAY,
                                    source="agency", created_by="500000")
    with pytest.raises(GatewayError, match="no insurance of type 390"):
        filings.grant_qualification(uow, psn_no="P1", insutype="390", dise_code="M01600", begndate=TODAY,
                                    source="agency", created_by="500000")
    with pytest.raises(GatewayError, match="enddate is before begndate"):
        filings.grant_qualification(uow, psn_no="P1", insutype="310", dise_code="M01600", begndate=TODAY,
                                    enddate=TODAY - dt.timedelta(days=1), source="agency", created_by="500000")
    cancelled = filings.cancel_qualification(uow, row["qual_no"])
    assert (cancelled["status"], cancelled["ended_at"]) == ("cancelled", uow.now)
    assert [q["status"] for q in filings.person_qualifications(uow, "P1")] == ["cancelled"]
    with pytest.raises(GatewayError, match="is cancelled"):
        filings.cancel_qualification(uow, row["qual_no"])


# --- the account view -------------------------------------------------------------------------

def test_the_account_view_lists_movements_in_yuan_with_the_last_balance():
    uow = FakeUnitOfWork(actors.SYSTEM)
    uow.account_book = FakeAccountBook(uow.accounts)
    uow.persons.rows.update(P1={"psn_no": "P1"}, P2={"psn_no": "P2"})
    for seq, amount, after, kind in ((1, 10_000, 10_000, "opening"), (2, -2_050, 7_950, "settlement")):
        uow.accounts.entries.append(dict(psn_no="P1", seq=seq, amount_fen=amount, balance_after_fen=after, kind=kind,
                                         setl_id="S1" if kind == "settlement" else None, actor=""))
    view = accounts.account_view(uow, "P1")
    assert view["balance"] == Decimal("79.50")
    assert [(m["kind"], m["amount"], m["balance_after"], m["setl_id"]) for m in view["movements"]] == [
        ("opening", Decimal("100.00"), Decimal("100.00"), ""), ("settlement", Decimal("-20.50"), Decimal("79.50"), "S1")]
    empty = accounts.account_view(uow, "P2")
    assert (empty["balance"], empty["movements"]) == (Decimal("0.00"), [])
    with pytest.raises(GatewayError, match="参保人 NOBODY 不存在"):
        accounts.account_view(uow, "NOBODY")
