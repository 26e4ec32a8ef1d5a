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
                paid_at=GENERATED_AT if status == "paid" else None)


def world(*rows: dict, prepaid_fen: int = 0, actor=AGENCY) -> FundFlowsUnitOfWork:
    uow = FundFlowsUnitOfWork(actor)
    for row in rows:
        uow.clearing.statements[row["statement_id"]] = dict(row)
    uow.ledger.opening[ADVANCE] = prepaid_fen
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


def test_new_settlements_for_a_confirmed_statement_are_refused():
    row = statement(status="confirmed")
    uow = world(row)
    uow.clearing.totals["2026-10"] = [dict(insuplc_admdvs=INSURED, mdtrtarea_admvs=TREATED, setl_cnt=3,
                                           medfee_sumamt_fen=1, fund_pay_sumamt_fen=1, acct_pay_fen=1, psn_cash_pay_fen=1)]
    with refused("CLEARING_NEEDS_SUPPLEMENT", "CS0000000001", "已确认"):
        with uow:
            clearing.run_clearing(uow, "2026-10")
    assert uow.clearing.statements["CS0000000001"] == row and uow.actions.rows == []


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
    uow = world(prepaid_fen=10_000)
    prepay_id = approved(uow, amount_fen=10_000)
    with uow:
        prepayment.mark_paid(uow, prepay_id)
    uow.prepayments.uncleared[2026] = {(INSURED, PROV): 7_000, ("440100", PROV): 1}
    with uow:
        rows = prepayment.usage(uow, 2026)
    assert [(r["insured_admdvs"], r["prepaid"], r["outstanding"], r["usage"], r["warning"]) for r in rows] == [
        ("440100", Decimal("0.00"), Decimal("0.01"), None, True),
        (INSURED, Decimal("100.00"), Decimal("70.00"), Decimal("0.7000"), True)]
    assert rows[1]["available"] == Decimal("200.00")  # the opening 100 plus the paid 100
