"""The double-entry ledger: who owes whom, to the fen (TigerBeetle-style: append-only).

Debits are positive, credits negative; every entry's postings sum to zero; a balance is the
sum of an account's postings. Accounts (by name):

- ``fund:{region}:{fund_pay_type}`` — an insured region's fund expense (debit balance = paid out)
- ``psn_acct:{psn_no}`` — a personal account, a liability to the person (credit balance = money left)
- ``acct_funding:{region}`` — where personal-account money comes from (contributions, imports)
- ``payable:{fixmedins_code}`` — what the treatment region's agency owes an institution
- ``due_to:{insured}>{treated}`` — what an insured region owes a treatment region (credit)
- ``due_from:{treated}<{insured}`` — the treatment region's claim on the insured region (debit)
- ``prepay_commitment:{insured}>{province}`` / ``prepay_budget:{insured}`` — approved prepayments
- ``prepay_advance:{insured}>{province}`` — prepayment paid out by the insured region (debit)
- ``prepay_held:{province}<{insured}`` — prepayment received by the treatment province (credit)
- ``bank:{region}`` — an agency's bank account
- ``claimant:{psn_no}`` — what the insured region reimbursed a person by manual claim (零星报销),
  credit = paid to the person; no region owes another for it, so clearing never sees it
- ``budget_advance:{fixmedins_code}:{year}``, ``quality_deposit:{fixmedins_code}:{year}``,
  ``payment_adjust:{region}:{method}`` — total budgets, DIP and DRG (domain/budget.py,
  docs/payment-methods.md); entry kinds budget_advance, budget_settlement, dip_settlement and
  their ``…_correction``
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

ACCT_FUND_PAY_TYPE = "310200"


@dataclass(frozen=True)
class Posting:
    account: str
    amount_fen: int  # debit > 0, credit < 0


@dataclass(frozen=True)
class Entry:
    kind: str  # settlement | reversal | claim_payment | claim_reversal | account_opening | prepay_approved | prepay_paid | prepay_received | clearing_paid | institution_paid
    ref: str
    postings: tuple[Posting, ...]

    def negated(self, kind: str, ref: str) -> "Entry":
        return Entry(kind, ref, tuple(Posting(p.account, -p.amount_fen) for p in self.postings))


def fund(region: str, fund_pay_type: str) -> str:
    return f"fund:{region}:{fund_pay_type}"


def psn_acct(psn_no: str) -> str:
    return f"psn_acct:{psn_no}"


def payable(fixmedins_code: str) -> str:
    return f"payable:{fixmedins_code}"


def due_to(insured: str, treated: str) -> str:
    return f"due_to:{insured}>{treated}"


def due_from(treated: str, insured: str) -> str:
    return f"due_from:{treated}<{insured}"


def claimant(psn_no: str) -> str:
    return f"claimant:{psn_no}"


def province(admdvs: str) -> str:
    return admdvs[:2] + "0000"


def settlement_entry(
    *, setl_id: str, insured: str, treated: str, fixmedins_code: str, psn_no: str, family_psn_no: str | None,
    fund_payments: Iterable[tuple[str, int]], acct_pay_fen: int, acct_mulaid_pay_fen: int,
    mutual_aid_fen: Iterable[tuple[str, int]] = (),
) -> Entry:
    """The postings of one settlement: funds and accounts pay, the institution is owed; across
    regions the insured region owes the treatment region, which owes the institution."""
    postings = [Posting(fund(insured, kind), amount) for kind, amount in fund_payments if amount]
    if acct_pay_fen:
        postings.append(Posting(psn_acct(psn_no), acct_pay_fen))
    draws = [(owner, amount) for owner, amount in mutual_aid_fen if amount]
    if acct_mulaid_pay_fen and not draws:
        assert family_psn_no, "a family mutual-aid payment needs the relative's account"
        draws = [(family_psn_no, acct_mulaid_pay_fen)]
    assert sum(amount for _, amount in draws) == acct_mulaid_pay_fen, "mutual-aid draws add up to acct_mulaid_pay"
    postings.extend(Posting(psn_acct(owner), amount) for owner, amount in draws)
    total = sum(p.amount_fen for p in postings)
    if total:
        if insured != treated:
            postings.append(Posting(due_to(insured, treated), -total))
            postings.append(Posting(due_from(treated, insured), total))
        postings.append(Posting(payable(fixmedins_code), -total))
    return Entry("settlement", setl_id, tuple(postings))


def claim_payment_entry(*, payment_id: str, insured: str, psn_no: str,
                        fund_payments: Iterable[tuple[str, int]], kind: str = "claim_payment") -> Entry:
    """A manual claim paid by the insured region to the person: its funds pay, the person is
    paid. No ``due_to``/``payable`` posting: the treatment place was paid by the person at the
    counter, so nothing is cleared between regions. A correction (``claim_reversal``) posts the
    same accounts with the opposite amounts (``fund_payments`` already negated)."""
    postings = [Posting(fund(insured, fund_pay_type), amount) for fund_pay_type, amount in fund_payments if amount]
    total = sum(p.amount_fen for p in postings)
    if total:
        postings.append(Posting(claimant(psn_no), -total))
    return Entry(kind, payment_id, tuple(postings))


def check(entries: Iterable[Entry]) -> list[str]:
    """Validation in the beancount style: a list of errors, empty when the entries are sound."""
    errors = []
    for entry in entries:
        total = sum(p.amount_fen for p in entry.postings)
        if total != 0:
            errors.append(f"entry {entry.kind} {entry.ref} does not balance: {total} fen")
        if not entry.postings:
            errors.append(f"entry {entry.kind} {entry.ref} has no postings")
        for posting in entry.postings:
            if not posting.account or ":" not in posting.account:
                errors.append(f"entry {entry.kind} {entry.ref} posts to a malformed account {posting.account!r}")
    return errors


def assert_balanced(entry: Entry) -> None:
    errors = check([entry])
    assert not errors, errors
