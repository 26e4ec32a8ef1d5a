"""Prepayment (预付金) between an insured region and a treatment province (domain-rules §4.6).

Sized each year from the prior year's cross-province fund and account payments of the pair
(default two months' worth), approved, paid by the insured region, received by the
treatment province; usage is watched against a warning line, with an emergency top-up.
Each step posts its ledger entry. The queries are store/repositories/prepayments.py's.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Callable, Protocol

from yibao.domain import ledger as rules
from yibao.store.repository import from_fen

from .error_codes import refusal
from .errors import new_id
from .unit_of_work import UnitOfWork

DEFAULT_MONTHS = Decimal(2)
DEFAULT_WARNING_LINE = Decimal("0.7")


class PrepaymentRepository(Protocol):
    """``uow.prepayments`` (store/repositories/prepayments.py); rows are dicts, amounts fen."""

    def lock_plan(self, year: int) -> None:
        """docs/locking.md rank 7: ``prepayment-plan/{year}``; plans of one year queue."""

    def annual_pairs(self, year: int) -> set[tuple[str, str]]:
        """(insured region, treatment province) pairs with the year's annual prepayment."""

    def cross_province_payments(self, year: int) -> dict[tuple[str, str], int]:
        """Fund and account payments of the year, net of reversals, per (insured, province)."""

    def uncleared_cross_province_payments(self, year: int) -> dict[tuple[str, str], int]:
        """The same, less the settlements on a paid clearing statement."""

    def of_year(self, year: int) -> list[dict]: ...

    def add(self, row: dict) -> None: ...

    def get(self, prepay_id: str) -> dict | None: ...

    def lock(self, prepay_id: str) -> dict | None:
        """docs/locking.md rank 7: the row as read after the lock; None if unknown."""

    def update(self, prepay_id: str, values: dict) -> None: ...


def _pair_accounts(insured: str, prov: str) -> tuple[str, str, str, str]:
    return (f"prepay_commitment:{insured}>{prov}", f"prepay_budget:{insured}", f"prepay_advance:{insured}>{prov}",
            f"prepay_held:{prov}<{insured}")


def cross_province_payments(uow: UnitOfWork, year: int) -> dict[tuple[str, str], int]:
    """Fund and account payments (net of reversals, fen) per (insured region, treatment province)."""
    return uow.prepayments.cross_province_payments(year)


def approve(uow: UnitOfWork, *, year: int, insured: str, prov: str, amount_fen: int, kind: str, basis_fen: int,
            months: Decimal) -> dict:
    """A step of ``plan_year`` and ``top_up``, which record the action (one row per action, not per pair)."""
    if amount_fen <= 0:
        raise refusal("PREPAYMENT_NOT_POSITIVE")
    row = dict(prepay_id=new_id("PP"), year=year, insured_admdvs=insured, treatment_prov=prov, kind=kind,
               amount_fen=amount_fen, basis_fen=basis_fen, months=f"{months}", status="approved", approved_at=uow.now)
    uow.prepayments.add(row)
    commitment, budget, _, _ = _pair_accounts(insured, prov)
    uow.ledger.post(rules.Entry("prepay_approved", row["prepay_id"], (
        rules.Posting(commitment, amount_fen), rules.Posting(budget, -amount_fen))))
    return row


def plan_year(uow: UnitOfWork, year: int, *, months: Decimal = DEFAULT_MONTHS,
              insured_in: Callable[[str], bool] | None = None) -> list[dict]:
    """Annual prepayments for every pair with prior-year cross-province payments (idempotent;
    concurrent plans of one year queue on the year's lock, docs/locking.md). ``insured_in``:
    only the pairs whose insured place the acting agency administers (the insured place plans
    its prepayments, app/authorization.py); None plans every pair (the platform operator)."""
    uow.prepayments.lock_plan(year)
    existing = uow.prepayments.annual_pairs(year)
    created = []
    for (insured, prov), basis in sorted(cross_province_payments(uow, year - 1).items()):
        if (insured, prov) in existing or (insured_in is not None and not insured_in(insured)):
            continue
        amount = int((Decimal(basis) * months / 12).quantize(Decimal(1), rounding=ROUND_HALF_UP))
        if amount > 0:
            created.append(approve(uow, year=year, insured=insured, prov=prov, amount_fen=amount, kind="annual",
                                   basis_fen=basis, months=months))
    uow.actions.record("prepayment.plan", str(year), {"months": str(months), "approved": [
        {"prepay_id": row["prepay_id"], "amount_fen": row["amount_fen"]} for row in created]})
    return created


def top_up(uow: UnitOfWork, *, year: int, insured: str, prov: str, amount_fen: int) -> dict:
    """An emergency top-up when usage crosses the warning line."""
    row = approve(uow, year=year, insured=insured, prov=prov, amount_fen=amount_fen, kind="top_up", basis_fen=0,
                  months=Decimal(0))
    uow.actions.record("prepayment.top_up", row["prepay_id"],
                       {"year": year, "insured": insured, "province": prov, "amount_fen": amount_fen})
    return row


def get(uow: UnitOfWork, prepay_id: str, *, lock: bool = False) -> dict:
    """``lock``: a state change of a prepayment locks its row and decides on what it reads
    after the lock (docs/locking.md), so a prepayment is paid or received once."""
    row = uow.prepayments.lock(prepay_id) if lock else uow.prepayments.get(prepay_id)
    if row is None:
        raise refusal("PREPAYMENT_NOT_FOUND", prepay_id=prepay_id)
    return row


def mark_paid(uow: UnitOfWork, prepay_id: str) -> dict:
    row = get(uow, prepay_id, lock=True)
    if row["status"] != "approved":
        raise refusal("PREPAYMENT_NOT_APPROVED", prepay_id=prepay_id, status=row["status"])
    commitment, budget, advance, _ = _pair_accounts(row["insured_admdvs"], row["treatment_prov"])
    amount = row["amount_fen"]
    uow.ledger.post(rules.Entry("prepay_paid", prepay_id, (
        rules.Posting(advance, amount), rules.Posting(f"bank:{row['insured_admdvs']}", -amount),
        rules.Posting(budget, amount), rules.Posting(commitment, -amount))))
    uow.prepayments.update(prepay_id, {"status": "paid", "paid_at": uow.now})
    uow.actions.record("prepayment.paid", prepay_id, {"amount_fen": amount})
    return dict(row, status="paid", paid_at=uow.now)


def mark_received(uow: UnitOfWork, prepay_id: str) -> dict:
    row = get(uow, prepay_id, lock=True)
    if row["status"] != "paid":
        raise refusal("PREPAYMENT_NOT_PAID", prepay_id=prepay_id, status=row["status"])
    _, _, _, held = _pair_accounts(row["insured_admdvs"], row["treatment_prov"])
    amount = row["amount_fen"]
    uow.ledger.post(rules.Entry("prepay_received", prepay_id, (
        rules.Posting(f"bank:{row['treatment_prov']}", amount), rules.Posting(held, -amount))))
    uow.prepayments.update(prepay_id, {"status": "received", "received_at": uow.now})
    uow.actions.record("prepayment.received", prepay_id, {"amount_fen": amount})
    return dict(row, status="received", received_at=uow.now)


def available(uow: UnitOfWork, insured: str, prov: str, year: int) -> int:
    """What is left of the insured region's prepayment of ``year`` to the treatment province
    (fen): the year's paid prepayments less what the statements of the year's months drew.
    A prepayment advances one year's settlements (domain-rules §4.6), so a 2027 prepayment paid
    early never pays a December 2026 statement; never more than the advance account holds."""
    paid = sum(row["amount_fen"] for row in uow.prepayments.of_year(year)
               if row["status"] in ("paid", "received") and (row["insured_admdvs"], row["treatment_prov"]) == (insured, prov))
    left = paid - uow.clearing.drawn_from_prepayment(insured, prov, year)
    return max(0, min(left, uow.ledger.balance(f"prepay_advance:{insured}>{prov}")))


def usage(uow: UnitOfWork, year: int, warning_line: Decimal = DEFAULT_WARNING_LINE) -> list[dict]:
    """Per pair: prepaid this year, what is left of it, the year's cross-province payments not yet
    cleared and paid, and whether that crosses the warning line (then: an emergency top-up)."""
    prepaid: dict[tuple[str, str], int] = {}
    for row in uow.prepayments.of_year(year):
        if row["status"] in ("paid", "received"):
            key = (row["insured_admdvs"], row["treatment_prov"])
            prepaid[key] = prepaid.get(key, 0) + row["amount_fen"]
    outstanding = uow.prepayments.uncleared_cross_province_payments(year)
    rows = []
    for key in sorted(set(prepaid) | set(outstanding)):
        total = prepaid.get(key, 0)
        owed = outstanding.get(key, 0)
        ratio = (Decimal(owed) / Decimal(total)).quantize(Decimal("0.0001")) if total else None
        rows.append({
            "insured_admdvs": key[0], "treatment_prov": key[1], "prepaid": from_fen(total),
            "available": from_fen(available(uow, key[0], key[1], year)),
            "outstanding": from_fen(owed), "usage": ratio,
            "warning": bool(total == 0 and owed > 0) or (ratio is not None and ratio >= warning_line),
        })
    return rows
