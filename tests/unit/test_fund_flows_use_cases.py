"""Clearing and prepayment use cases against in-memory repositories (milliseconds)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from yibao.app import actors, clearing, prepayment

from ..refusals import refused
from .fake_fund_flows import FundFlowsUnitOfWork

INSURED, TREATED, PROV = "440300", "110105", "110000"
ADVANCE, HELD = f"prepay_advance:{INSURED}>{PROV}", f"prepay_held:{PROV}<{INSURED}"
AGENCY = actors.agency(INSURED, "3f2a")
GENERATED_AT = dt.datetime(2026, 11, 1, 8, 0)


def statement(status="confirmed", amount_fen=30_000, statement_id="CS0000000001") -> dict:
    confirmed = GENERATED_AT if status in ("confirmed", "paid") else None
    return dict(statement_id=statement_id, month="2026-10", insuplc_admdvs=INSURED, mdtrtarea_admvs=TREATED,
                setl_cnt=2, medfee_sumamt_fen=amount_fen + 5_000, fund_pay_sumamt_fen=amount_fen - 1_000,
                acct_pay_fen=1_000, psn_cash_pay_fen=5_000, clearing_amount_fen=amount_fen, status=status,
                generated_at=GENERATED_AT, insured_confirmed_at=confirmed, treatment_confirmed_at=confirmed,
                paid_at=GENERATED_AT if status == "paid" else None, sequence=0, version=1, supersedes=None,
                provisional=False, superseded_at=None, insured_confirmed_by=None, treatment_confirmed_by=None,
                paid_by=None)


def world(*rows: dict, prepaid_fen: int = 0, prepaid_year: int = 2026, actor=AGENCY) -> FundFlowsUnitOfWork:
    """Statements, and ``prepaid_fen`` the pair received as its prepayment of ``prepaid_year``."""
    uow = FundFlowsUnitOfWork(actor)
    for row in rows:
        uow.clearing.statements[row["statement_id"]] = dict(row)
    uow.ledger.opening[ADVANCE] = prepaid_fen
    if prepaid_fen:
        uow.prepayments.rows["PP-OPENING"] = dict(
            prepay_id="PP-OPENING", year=prepaid_year, insured_admdvs=INSURED, treatment_prov=PROV, kind="annual",
            amount_fen=prepaid_fen, basis_fen=0, months="2", status="received", approved_at=GENERATED_AT,
            paid_at=GENERATED_AT, received_at=GENERATED_AT)
    return uow


def test_pay_draws_the_pairs_prepayment_first_and_posts_one_balanced_entry():
    uow = world(statement(amount_fen=30_000), prepaid_fen=20_000)
    with uow:
        paid = clearing.pay(uow, "CS0000000001")
    assert (paid["drawn_from_prepayment_fen"], paid["paid_in_cash_fen"], paid["status"]) == (20_000, 10_000, "paid")
    # the statement row first (rank 6), then the pair's prepayment (rank 7), docs/locking.md
    assert uow.clearing.locks == ["statement/CS0000000001", f"prepayment-pair/{INSURED}>{PROV}"]
    [entry] = uow.ledger.entries
    assert (entry.kind, entry.ref) == ("clearing_paid", "CS0000000001")
    assert {p.account: p.amount_fen for p in entry.postings} == {
        f"due_to:{INSURED}>{TREATED}": 30_000, f"due_from:{TREATED}<{INSURED}": -30_000,
        ADVANCE: -20_000, HELD: 20_000, f"bank:{INSURED}": -10_000, f"bank:{TREATED}": 10_000}
    assert sum(p.amount_fen for p in entry.postings) == 0 and uow.ledger.balance(ADVANCE) == 0
    stored = uow.clearing.statements["CS0000000001"]
    assert (stored["status"], stored["paid_at"]) == ("paid", uow.now)
    assert uow.actions.rows == [(AGENCY, "clearing.pay", "CS0000000001", {
        "amount_fen": 30_000, "drawn_from_prepayment_fen": 20_000, "paid_in_cash_fen": 10_000})]


def test_a_prepayment_larger_than_the_statement_pays_it_all_and_moves_no_cash():
    uow = world(statement(amount_fen=30_000), prepaid_fen=50_000)
    with uow:
        paid = clearing.pay(uow, "CS0000000001")
    assert (paid["drawn_from_prepayment_fen"], paid["paid_in_cash_fen"]) == (30_000, 0)
    [entry] = uow.ledger.entries
    assert not [p for p in entry.postings if p.account.startswith("bank:")]
    assert uow.ledger.balance(ADVANCE) == 20_000


@pytest.mark.parametrize("status", ["generated", "paid"])
def test_paying_an_unconfirmed_or_paid_statement_is_refused_and_changes_nothing(status):
    row = statement(status=status)
    uow = world(row, prepaid_fen=20_000)
    with refused("CLEARING_NOT_CONFIRMED", "CS0000000001", f"状态为 {status}"):
        with uow:
            clearing.pay(uow, "CS0000000001")
    assert uow.clearing.statements["CS0000000001"] == row
    assert uow.ledger.entries == [] and uow.actions.rows == [] and uow.committed == 0
    assert uow.ledger.balance(ADVANCE) == 20_000


def test_paying_an_unknown_statement_is_not_found():
    uow = world()
    with refused("CLEARING_STATEMENT_NOT_FOUND", "CS9") as caught:
        with uow:
            clearing.pay(uow, "CS9")
    assert caught.value.http_status == 404


def test_confirm_records_the_agency_and_both_sides_make_it_confirmed():
    uow = world(statement(status="generated"))
    treatment_agency = actors.agency(PROV, "77aa")
    with uow:
        first = clearing.confirm(uow, "CS0000000001", "insured")
    assert first["status"] == "generated" and first["insured_confirmed_at"] == uow.now
    uow.actions.actor = treatment_agency
    with uow:
        second = clearing.confirm(uow, "CS0000000001", "treatment")
    assert second["status"] == "confirmed" == uow.clearing.statements["CS0000000001"]["status"]
    assert uow.actions.rows == [
        (AGENCY, "clearing.confirm", "CS0000000001", {"side": "insured", "status": "generated"}),
        (treatment_agency, "clearing.confirm", "CS0000000001", {"side": "treatment", "status": "confirmed"})]
    assert uow.clearing.locks == ["statement/CS0000000001"] * 2


@pytest.mark.parametrize("status, side, code, words", [
    ("paid", "insured", "CLEARING_ALREADY_PAID", ["CS0000000001"]),
    ("generated", "both", "CLEARING_BAD_SIDE", []),
    ("confirmed", "treatment", "CLEARING_ALREADY_CONFIRMED", ["已由就医地方确认"]),
])
def test_confirm_refusals_change_nothing(status, side, code, words):
    row = statement(status=status)
    uow = world(row)
    with refused(code, *words):
        with uow:
            clearing.confirm(uow, "CS0000000001", side)
    assert uow.clearing.statements["CS0000000001"] == row and uow.actions.rows == []


def test_run_clearing_writes_a_statement_per_pair_and_a_rerun_changes_nothing_but_is_recorded():
    uow = world(actor=actors.SYSTEM)
    uow.clearing.totals["2026-10"] = [dict(insuplc_admdvs=INSURED, mdtrtarea_admvs=TREATED, setl_cnt=3,
                                           medfee_sumamt_fen=90_000, fund_pay_sumamt_fen=50_000, acct_pay_fen=7_000,
                                           psn_cash_pay_fen=33_000)]
    with uow:
        [row] = clearing.run_clearing(uow, "2026-10")
    assert (row["clearing_amount_fen"], row["setl_cnt"], row["status"], row["generated_at"]) == (57_000, 3, "generated", uow.now)
    with uow:
        assert clearing.run_clearing(uow, "2026-10") == [row]
    assert uow.clearing.locks == ["clearing-month/2026-10"] * 2 and uow.clearing.marked == ["2026-10"] * 2
    assert [r[1:] for r in uow.actions.rows] == [("clearing.run", "2026-10", {"statements": 1})] * 2


def approved(uow, amount_fen=40_000) -> str:
    with uow:
        return prepayment.top_up(uow, year=2026, insured=INSURED, prov=PROV, amount_fen=amount_fen)["prepay_id"]


def test_prepayment_paid_then_received_move_the_status_once_each():
    uow = world()
    prepay_id = approved(uow)
    with uow:
        assert prepayment.mark_paid(uow, prepay_id)["status"] == "paid"
    with refused("PREPAYMENT_NOT_APPROVED", prepay_id, "状态为 paid"):
        with uow:
            prepayment.mark_paid(uow, prepay_id)
    with uow:
        assert prepayment.mark_received(uow, prepay_id)["status"] == "received"
    with refused("PREPAYMENT_NOT_PAID", prepay_id, "状态为 received"):
        with uow:
            prepayment.mark_received(uow, prepay_id)
    stored = uow.prepayments.rows[prepay_id]
    assert (stored["status"], stored["paid_at"], stored["received_at"]) == ("received", uow.now, uow.now)
    assert [e.kind for e in uow.ledger.entries] == ["prepay_approved", "prepay_paid", "prepay_received"]
    assert uow.ledger.balance(ADVANCE) == 40_000 and uow.ledger.balance(HELD) == -40_000
    assert uow.ledger.balance(f"prepay_commitment:{INSURED}>{PROV}") == 0
    assert [r[1] for r in uow.actions.rows] == ["prepayment.top_up", "prepayment.paid", "prepayment.received"]
    assert uow.actions.rows[1] == (AGENCY, "prepayment.paid", prepay_id, {"amount_fen": 40_000})
    assert uow.prepayments.locks == [f"prepayment/{prepay_id}"] * 4 and uow.committed == 3


def test_receiving_an_approved_prepayment_is_refused_and_changes_nothing():
    uow = world()
    prepay_id = approved(uow)
    with refused("PREPAYMENT_NOT_PAID", prepay_id, "状态为 approved"):
        with uow:
            prepayment.mark_received(uow, prepay_id)
    assert uow.prepayments.rows[prepay_id]["status"] == "approved" and len(uow.ledger.entries) == 1
    assert len(uow.actions.rows) == 1


def test_plan_year_sizes_two_months_of_the_prior_year_and_skips_planned_pairs():
    uow = world(actor=actors.SYSTEM)
    uow.prepayments.payments[2025] = {(INSURED, PROV): 1_200_005, ("440100", PROV): 5}
    with uow:
        created = prepayment.plan_year(uow, 2026)
    # 1_200_005 × 2 / 12 = 200_000.83 → 200_001 fen; 5 × 2 / 12 = 0.83 → 1 fen (half up)
    assert [(r["insured_admdvs"], r["amount_fen"], r["basis_fen"], r["months"], r["kind"]) for r in created] == [
        ("440100", 1, 5, "2", "annual"), (INSURED, 200_001, 1_200_005, "2", "annual")]
    assert sorted(uow.prepayments.rows) == sorted(r["prepay_id"] for r in created)
    with uow:
        assert prepayment.plan_year(uow, 2026) == []
    assert uow.prepayments.locks == ["prepayment-plan/2026"] * 2
    assert [(r[1], r[2], r[3]["approved"] == []) for r in uow.actions.rows] == [
        ("prepayment.plan", "2026", False), ("prepayment.plan", "2026", True)]


def test_a_non_positive_top_up_is_refused():
    uow = world()
    with refused("PREPAYMENT_NOT_POSITIVE"):
        approved(uow, amount_fen=0)
    assert uow.prepayments.rows == {} and uow.ledger.entries == [] and uow.actions.rows == []


def test_usage_warns_past_the_warning_line():
    uow = world(prepaid_fen=10_000, prepaid_year=2025)
    prepay_id = approved(uow, amount_fen=10_000)
    with uow:
        prepayment.mark_paid(uow, prepay_id)
    uow.prepayments.uncleared[2026] = {(INSURED, PROV): 7_000, ("440100", PROV): 1}
    with uow:
        rows = prepayment.usage(uow, 2026)
    assert [(r["insured_admdvs"], r["prepaid"], r["outstanding"], r["usage"], r["warning"]) for r in rows] == [
        ("440100", Decimal("0.00"), Decimal("0.01"), None, True),
        (INSURED, Decimal("100.00"), Decimal("70.00"), Decimal("0.7000"), True)]
    # the year's paid 100; what is left of 2025's prepayment is not 2026's
    assert rows[1]["available"] == Decimal("100.00")


# --- clearing as an append-only process ------------------------------------------------------------

def totals(setl_cnt=3, fund=50_000, acct=7_000, medfee=90_000, cash=33_000, insured=INSURED, treated=TREATED) -> dict:
    return dict(insuplc_admdvs=insured, mdtrtarea_admvs=treated, setl_cnt=setl_cnt, medfee_sumamt_fen=medfee,
                fund_pay_sumamt_fen=fund, acct_pay_fen=acct, psn_cash_pay_fen=cash)


def figures(row: dict) -> tuple:
    return tuple(row[key] for key in clearing.FIGURES)


def cleared(uow, month="2026-10", **kwargs) -> list[dict]:
    with uow:
        return clearing.run_clearing(uow, month, **kwargs)


def test_a_month_not_ended_is_refused_unless_provisional_and_a_provisional_statement_cannot_be_confirmed():
    uow = world(actor=actors.SYSTEM)  # now: 2026-12-01 09:00
    uow.clearing.totals["2026-12"] = [totals()]
    with refused("CLEARING_MONTH_NOT_ENDED", "2026-12", "2027-01-01"):
        cleared(uow, "2026-12")
    assert uow.clearing.statements == {} and uow.actions.rows == []
    [trial] = cleared(uow, "2026-12", provisional=True)
    assert trial["provisional"] is True and trial["clearing_amount_fen"] == 57_000
    assert uow.actions.rows[-1][1:] == ("clearing.run", "2026-12", {"statements": 1, "provisional": True})
    with refused("CLEARING_STATEMENT_PROVISIONAL", trial["statement_id"]):
        with uow:
            clearing.confirm(uow, trial["statement_id"], "insured")
    # after the month ended the same figures are cleared for good: a new, final version
    uow.now = dt.datetime(2027, 1, 2, 8, 0)
    [final] = cleared(uow, "2026-12")
    assert (final["provisional"], final["version"], final["supersedes"], figures(final)) == (
        False, 2, trial["statement_id"], figures(trial))
    assert uow.clearing.statements[trial["statement_id"]]["status"] == "superseded"


def test_a_rerun_before_confirmation_supersedes_with_a_new_version_and_keeps_the_old_figures():
    uow = world(actor=actors.SYSTEM)
    uow.clearing.totals["2026-10"] = [totals()]
    [first] = cleared(uow)
    uow.clearing.totals["2026-10"] = [totals(setl_cnt=4, fund=60_000, medfee=110_000, cash=43_000)]
    [second] = cleared(uow)
    assert (second["version"], second["sequence"], second["supersedes"], second["clearing_amount_fen"]) == (
        2, 0, first["statement_id"], 67_000)
    old = uow.clearing.statements[first["statement_id"]]
    assert old["status"] == "superseded" and figures(old) == figures(first)
    with uow:
        history = clearing.statements(uow, "2026-10", superseded=True)
    assert [(row["version"], row["status"]) for row in history] == [(1, "superseded"), (2, "generated")]
    with refused("CLEARING_STATEMENT_SUPERSEDED", first["statement_id"]):
        with uow:
            clearing.confirm(uow, first["statement_id"], "insured")


def test_late_settlements_after_payment_get_a_supplementary_statement_of_exactly_the_difference():
    uow = world(actor=actors.SYSTEM)
    uow.clearing.totals["2026-10"] = [totals()]
    [original] = cleared(uow)
    with uow:
        clearing.confirm(uow, original["statement_id"], "insured")
        clearing.confirm(uow, original["statement_id"], "treatment")
        clearing.pay(uow, original["statement_id"])
    # a late settlement (+1, fund 8_000, account 1_000) and a late reversal (-1, fund -5_000) of October
    uow.clearing.totals["2026-10"] = [totals(setl_cnt=3, fund=53_000, acct=8_000, medfee=96_000, cash=35_000)]
    paid, supplement = cleared(uow)
    assert paid == dict(uow.clearing.statements[original["statement_id"]]) and paid["status"] == "paid"
    assert (supplement["sequence"], supplement["version"], supplement["status"]) == (1, 1, "generated")
    assert figures(supplement) == (0, 6_000, 3_000, 1_000, 2_000, 4_000)
    # flows equal clearing: the live statements add up to the month's totals
    assert paid["clearing_amount_fen"] + supplement["clearing_amount_fen"] == 53_000 + 8_000
    assert cleared(uow) == [paid, supplement]  # a re-run changes nothing


def test_a_settlement_and_its_reversal_make_no_statement_and_an_emptied_open_one_is_superseded():
    uow = world(actor=actors.SYSTEM)
    uow.clearing.totals["2026-10"] = [totals(setl_cnt=0, fund=0, acct=0, medfee=0, cash=0)]
    assert cleared(uow) == [] and uow.clearing.statements == {}
    uow.clearing.totals["2026-10"] = [totals()]
    [open_] = cleared(uow)
    uow.clearing.totals["2026-10"] = [totals(setl_cnt=0, fund=0, acct=0, medfee=0, cash=0)]
    assert cleared(uow) == []
    assert uow.clearing.statements[open_["statement_id"]]["status"] == "superseded"


def test_a_prepayment_of_next_year_never_pays_this_years_statement():
    december = dict(statement(amount_fen=30_000), month="2026-12")
    uow = world(december, prepaid_fen=50_000, prepaid_year=2027)
    with uow:
        paid = clearing.pay(uow, "CS0000000001")
    assert (paid["drawn_from_prepayment_fen"], paid["paid_in_cash_fen"]) == (0, 30_000)
    assert uow.ledger.balance(ADVANCE) == 50_000
    with uow:
        assert prepayment.available(uow, INSURED, PROV, 2027) == 50_000
        assert prepayment.available(uow, INSURED, PROV, 2026) == 0


def test_a_years_prepayment_is_drawn_by_its_statements_only_up_to_what_they_left():
    first, second = statement(amount_fen=30_000), statement(amount_fen=30_000, statement_id="CS0000000002")
    uow = world(first, second, prepaid_fen=40_000)
    with uow:
        assert clearing.pay(uow, "CS0000000001")["drawn_from_prepayment_fen"] == 30_000
        assert clearing.pay(uow, "CS0000000002")["drawn_from_prepayment_fen"] == 10_000
        assert prepayment.available(uow, INSURED, PROV, 2026) == 0


def test_confirm_and_pay_name_their_actor_on_the_statement():
    uow = world(statement(status="generated"))
    treatment_agency = actors.agency(PROV, "77aa")
    with uow:
        clearing.confirm(uow, "CS0000000001", "insured")
    uow.actions.actor = treatment_agency
    with uow:
        clearing.confirm(uow, "CS0000000001", "treatment")
    uow.actions.actor = AGENCY
    with uow:
        clearing.pay(uow, "CS0000000001")
    stored = uow.clearing.statements["CS0000000001"]
    assert (stored["insured_confirmed_by"], stored["treatment_confirmed_by"], stored["paid_by"]) == (
        "agency:440300/token:3f2a", "agency:110000/token:77aa", "agency:440300/token:3f2a")
