"""The registry's use cases (agencies, filings, qualifications, the consistency check) against
in-memory repositories (milliseconds)."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import pytest

from yibao.app import accounts, actors, agencies, consistency, filings, importing
from yibao.store.repository import SETLINFO_AMOUNTS

from ..refusals import refused
from .fake_registry import FakeAccountBook, FakeAgencies, FakeConsistency, FakeFilings, FakeImports, FakeLedgerBook
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
    with refused("ADMIN_BAD_AGENCY_CODE"):
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
    with refused("FILING_LONG_TERM_EXISTS"):
        file_long_term(uow, dest_admdvs="440300")
    assert len(uow.filings.filings) == 1


@pytest.mark.parametrize("overrides, code, words", [
    (dict(dest_admdvs="500000"), "FILING_DESTINATION_IS_HOME", ["参保地 500100"]),
    (dict(enddate=dt.date(2027, 1, 1)), "FILING_LONG_TERM_HAS_END", []),
    (dict(begndate=TODAY - dt.timedelta(days=3)), "FILING_START_IN_PAST", ["2026-11-28"]),
    (dict(filing_type="referral", enddate=dt.date(2027, 2, 1)), "FILING_TEMPORARY_TOO_SHORT", ["应不早于 2027-05-31"]),
    (dict(psn_no="NOBODY"), "PERSON_NOT_INSURED", ["参保人 NOBODY"]),
])
def test_invalid_filings_are_refused_with_the_rule_they_break(overrides, code, words):
    uow = filing_unit()
    with refused(code, *words):
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
    with refused("FILING_START_IN_PAST"):  # the settled visit does not count
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
    with refused("FILING_NOT_ACTIVE", f"备案 {old['filing_no']} 的状态为 cancelled"):
        filings.end_filing(uow, old["filing_no"], reason="again")


def test_a_commitment_filing_cannot_be_changed_or_cancelled_for_six_months():
    uow = filing_unit()
    row = file_long_term(uow, commitment_letter=True)
    assert row["locked_until"] == dt.date(2027, 6, 1)
    with refused("FILING_COMMITMENT_LOCKED", "2027-06-01 前不能变更"):
        filings.change_filing(uow, row["filing_no"], created_by="500000", source="agency", dest_admdvs="440300")
    with refused("FILING_COMMITMENT_LOCKED", "2027-06-01 前不能撤销"):
        filings.end_filing(uow, row["filing_no"], reason="x")
    assert uow.filings.filing(row["filing_no"])["status"] == "active"


def test_an_unknown_filing_or_qualification_is_not_found():
    uow = filing_unit()
    with refused("FILING_NOT_FOUND", "FL404") as caught:
        filings.get_filing(uow, "FL404")
    assert caught.value.kind == "not_found"
    with refused("QUALIFICATION_NOT_FOUND", "QL404") as caught:
        filings.cancel_qualification(uow, "QL404")
    assert caught.value.kind == "not_found"


def test_a_qualification_is_granted_once_per_disease_and_can_be_cancelled_once():
    uow = filing_unit()
    row = filings.grant_qualification(uow, psn_no="P1", insutype="310", dise_code="M03900", begndate=TODAY,
                                      source="agency", created_by="500000")
    assert (row["opsp_dise_name"], row["status"], row["created_at"]) == ("高血压", "active", uow.now)
    with refused("QUALIFICATION_HELD", row["qual_no"], "M03900"):
        filings.grant_qualification(uow, psn_no="P1", insutype="310", dise_code="M03900", begndate=TODAY,
                                    source="agency", created_by="500000")
    with refused("PERSON_NO_INSURANCE", "险种 390"):
        filings.grant_qualification(uow, psn_no="P1", insutype="390", dise_code="M01600", begndate=TODAY,
                                    source="agency", created_by="500000")
    with refused("INPUT_END_BEFORE_BEGIN"):
        filings.grant_qualification(uow, psn_no="P1", insutype="310", dise_code="M01600", begndate=TODAY,
                                    enddate=TODAY - dt.timedelta(days=1), source="agency", created_by="500000")
    cancelled = filings.cancel_qualification(uow, row["qual_no"])
    assert (cancelled["status"], cancelled["ended_at"]) == ("cancelled", uow.now)
    assert [q["status"] for q in filings.person_qualifications(uow, "P1")] == ["cancelled"]
    with refused("QUALIFICATION_NOT_ACTIVE", "状态为 cancelled"):
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
    with refused("PERSON_NOT_FOUND", "参保人 NOBODY 不存在"):
        accounts.account_view(uow, "NOBODY")


# --- the consistency check --------------------------------------------------------------------

def settlement(setl_id="S1", **overrides) -> dict:
    row = {f"{name}_fen": 0 for name in SETLINFO_AMOUNTS}
    row.update(medfee_sumamt_fen=10_000, inscp_scp_amt_fen=10_000, fund_pay_sumamt_fen=7_000, hifp_pay_fen=7_000,
               psn_part_amt_fen=3_000, acct_pay_fen=1_000, psn_cash_pay_fen=2_000)
    row.update(setl_id=setl_id, kind="settlement", reverses_setl_id=None, mdtrt_id="V1", psn_no="P1", insutype="310",
               year=2026, detail=json.dumps({"delta": {}}), fixmedins_code="H1", medins_setl_id="M1",
               chrg_bchno="0000", clr_type="11", insuplc_admdvs="441300")
    row.update(overrides)
    return row


def consistent_world() -> FakeUnitOfWork:
    """One settlement of 100 yuan (70 from the fund, 10 from the account) and everything that agrees with it."""
    uow = FakeUnitOfWork(actors.SYSTEM)
    uow.consistency = FakeConsistency(
        settlement_rows=[settlement()], fees=[("V1", "B1", 6_000), ("V1", "B2", 4_000)],
        chains=[("P1", 1, 5_000, 0, 5_000), ("P1", 2, -1_000, 5_000, 4_000)], movements={("S1", "P1"): -1_000},
        requests={("H1", "M1"): "2207"}, fund_paid={"441300": 7_000}, totals={"P1": 4_000})
    uow.ledger = FakeLedgerBook(accounts={"fund:441300": 7_000, "psn_acct:P1": -4_000, "medins:H1": -3_000})
    return uow


def test_a_consistent_world_has_no_problems():
    assert consistency.find_problems(consistent_world()) == []
    assert consistency.check_database(consistent_world()) == []


def test_a_broken_account_chain_is_reported_with_the_person_and_entry():
    uow = consistent_world()
    uow.consistency.chains[1] = ("P1", 2, -1_000, 4_999, 4_000)
    assert [str(p) for p in consistency.find_problems(uow)] == ["[C_ACCOUNT_CHAIN] 个人账户 P1 的第 2 笔变动与前一笔衔接不上"]


@pytest.mark.parametrize("plant, code", [
    (lambda w: w.consistency.settlement_rows.append(settlement("S2", medins_setl_id="M2")), "C_TWO_ACTIVE"),
    (lambda w: w.consistency.cancelled.add("V1"), "C_CANCELLED_SETTLED"),
    (lambda w: w.consistency.fees.pop(), "C_LINES_CANCELLED"),
    (lambda w: w.consistency.movements.update({("S1", "P1"): -900}), "C_ACCOUNT_MOVEMENT"),
    (lambda w: w.consistency.requests.clear(), "C_REQUEST_LOG"),
    (lambda w: w.consistency.fund_paid.update({"441300": 6_999}), "C_LEDGER_FUND"),
    (lambda w: w.ledger.planted.append("ledger entry 7 does not balance: 1 fen"), "C_LEDGER"),
    (lambda w: w.consistency.settlement_rows.__setitem__(0, settlement(hifp_pay_fen=6_000)), "C_IDENTITY"),
])
def test_a_planted_problem_is_reported_by_its_code(plant, code):
    uow = consistent_world()
    plant(uow)
    assert code in {problem.code for problem in consistency.find_problems(uow)}


def test_overlapping_clearing_applications_are_reported():
    uow = consistent_world()
    uow.consistency.applications = [("CA1", "H1", "11", dt.date(2026, 1, 1), dt.date(2026, 1, 31)),
                                    ("CA2", "H1", "11", dt.date(2026, 1, 31), dt.date(2026, 2, 28)),
                                    ("CA3", "H1", "21", dt.date(2026, 1, 15), dt.date(2026, 2, 15))]
    assert [str(p) for p in consistency.find_problems(uow)] == [
        "[C_CLEARING_OVERLAP] 机构 H1 的清算申请 CA1 与 CA2 期间重叠（2026-01-31..2026-01-31）"]


def test_the_report_is_cut_at_the_limit_with_a_count_of_the_rest():
    uow = consistent_world()
    uow.ledger.planted += [f"ledger entry {n} does not balance: 1 fen" for n in range(5)]
    lines = consistency.check_database(uow, limit=2)
    assert lines == ["[C_LEDGER] ledger entry 0 does not balance: 1 fen", "[C_LEDGER] ledger entry 1 does not balance: 1 fen",
                     "… 另有 3 条"]


# --- imports ----------------------------------------------------------------------------------

def person(number: int, balance: str) -> importing.PersonRow:
    return importing.PersonRow(psn_no=f"P{number}", psn_cert_type="99", certno=f"X{number}", psn_name=f"参保人{number}",
                               gend="1", brdy=dt.date(1980, 1, 1), insutype="310", psn_type="1101",
                               insuplc_admdvs="441300", acct_balance=balance)


def test_a_persons_file_opens_new_accounts_once_and_never_moves_an_existing_balance():
    uow = FakeUnitOfWork(actors.SYSTEM)
    uow.imports = FakeImports(uow.accounts)
    first = importing.import_rows(uow, "persons", Path("p.csv"), [person(1, "100.00"), person(2, "0")])
    assert (first.openings, first.balances_ignored) == (1, 0)
    assert [(e["psn_no"], e["amount_fen"], e["kind"], e["actor"]) for e in uow.accounts.entries] == [
        ("P1", 10_000, "opening", "import:p.csv")]
    [entry] = uow.ledger.entries
    assert sum(p.amount_fen for p in entry.postings) == 0 and entry.ref == "opening:P1"
    assert uow.persons.locked == ["P1", "P2"]
    again = importing.import_rows(uow, "persons", Path("q.csv"), [person(1, "250.00"), person(2, "0")])
    assert (again.openings, again.balances_ignored, again.balance_ignored_rows) == (0, 1, [1])
    assert len(uow.accounts.entries) == 1 and len(uow.ledger.entries) == 1
    assert uow.imports.tables["insurances"][("P1", "310")]["insuplc_admdvs"] == "441300"


def test_a_catalogue_import_bumps_the_catalogue_version_and_reports_progress():
    uow = FakeUnitOfWork(actors.SYSTEM)
    uow.imports = FakeImports(uow.accounts)
    rows = [importing.HilistRow(hilist_code=f"C{n}", hilist_name="药", insu_admdvs="441300", begndate=dt.date(2026, 1, 1),
                                chrgitm_lv="01") for n in range(501)]
    seen = []
    result = importing.import_rows(uow, "hilist", Path("h.csv"), rows, progress=lambda done, total: seen.append((done, total)))
    assert (result.rows, result.written) == (501, 501) and len(uow.imports.tables["hilist"]) == 501
    assert seen == [(500, 501), (501, 501)] and uow.imports.catalogue_version == 2
