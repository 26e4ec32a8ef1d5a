"""Monthly clearing between regions (先预付后清算, domain-rules §4.6).

``run_clearing`` is set-based SQL (store/repositories/clearing.py): one INSERT … SELECT marks
every cross-region settlement and reversal of the month (by settlement time: a reversal of an
earlier month's settlement clears in the month it happens) as an item of the month — the item's
primary key clears a settlement once — and one GROUP BY totals the items per (insured region,
treatment region), one statement each. Re-running a month adds nothing and changes nothing.
Statements are then confirmed by both agencies and paid by the insured region, first from its
prepayment to the treatment province.
"""

from __future__ import annotations

import datetime as dt
from typing import Callable, Protocol

from yibao.analytics.flows import month_bounds
from yibao.domain import ledger as rules
from yibao.store.repository import from_fen

from .error_codes import refusal
from .errors import new_id
from .unit_of_work import UnitOfWork

# Words of the cashier's language for a statement's side and status in refusals.
SIDE_WORDS = {"insured": "参保地", "treatment": "就医地"}
STATUS_WORDS = {"generated": "生成", "confirmed": "确认", "paid": "支付"}
STATEMENT_AMOUNTS = ("medfee_sumamt_fen", "fund_pay_sumamt_fen", "acct_pay_fen", "psn_cash_pay_fen", "clearing_amount_fen")
TOTALS = ("setl_cnt", "medfee_sumamt_fen", "fund_pay_sumamt_fen", "acct_pay_fen", "psn_cash_pay_fen")


class ClearingRepository(Protocol):
    """``uow.clearing`` (store/repositories/clearing.py); rows are dicts, amounts fen."""

    def lock_month(self, month: str) -> None:
        """docs/locking.md rank 5: runs of one month queue."""

    def mark_cross_region_items(self, month: str, start: dt.datetime, end: dt.datetime) -> None:
        """Mark the cross-region settlements of [start, end) not yet marked as items of ``month``."""

    def month_totals(self, month: str) -> list[dict]:
        """Per (insuplc_admdvs, mdtrtarea_admvs) of the month's items: setl_cnt and the fen sums of TOTALS."""

    def statements_of_month(self, month: str) -> list[dict]:
        """Ordered by insured region, then treatment region."""

    def add_statement(self, row: dict) -> None: ...

    def update_statement(self, statement_id: str, values: dict) -> None: ...

    def statement(self, statement_id: str) -> dict | None: ...

    def lock_statement(self, statement_id: str) -> dict | None:
        """docs/locking.md rank 6: the row as read after the lock; None if unknown."""

    def lock_prepayment_pair(self, insured: str, treatment_prov: str) -> None:
        """docs/locking.md rank 7: ``prepayment-pair/{insured}>{treatment_prov}``."""

    def cross_region_payments(self, start: dt.datetime, end: dt.datetime) -> dict[tuple[str, str], dict]: ...


def run_clearing(uow: UnitOfWork, month: str, *, progress: Callable[[str], None] = lambda step: None) -> list[dict]:
    """Mark the month's items and (re)write its statements; the caller's unit of work is the
    one transaction. A statement already confirmed or paid is never rewritten: new settlements
    for it are refused (they need a supplementary statement)."""
    start, end = month_bounds(month)
    # Concurrent runs of one month queue here and the later ones find the items marked
    # (docs/locking.md, rank 5); without it they collide on clearing_items' key.
    uow.clearing.lock_month(month)
    progress("marking the month's cross-region settlements")
    uow.clearing.mark_cross_region_items(month, start, end)
    progress("totalling statements per region pair")
    totals = uow.clearing.month_totals(month)
    progress(f"writing {len(totals)} statements")
    existing = {(row["insuplc_admdvs"], row["mdtrtarea_admvs"]): row for row in uow.clearing.statements_of_month(month)}
    for total in totals:
        insured, treated = total["insuplc_admdvs"], total["mdtrtarea_admvs"]
        values = {key: total[key] for key in TOTALS}
        values["clearing_amount_fen"] = total["fund_pay_sumamt_fen"] + total["acct_pay_fen"]
        old = existing.get((insured, treated))
        if old is None:
            uow.clearing.add_statement(dict(
                statement_id=new_id("CS"), month=month, insuplc_admdvs=insured, mdtrtarea_admvs=treated,
                status="generated", generated_at=uow.now, **values))
        elif any(old[key] != value for key, value in values.items()):
            if old["status"] != "generated":
                raise refusal("CLEARING_NEEDS_SUPPLEMENT", statement_id=old["statement_id"], insured=insured, treated=treated,
                              month=month, status=STATUS_WORDS.get(old["status"], old["status"]))
            uow.clearing.update_statement(old["statement_id"], dict(values, generated_at=uow.now))
    rows = uow.clearing.statements_of_month(month)
    # a re-run that changes nothing is still an action someone took: it gets its row too
    uow.actions.record("clearing.run", month, {"statements": len(rows)})
    return rows


def statements(uow: UnitOfWork, month: str) -> list[dict]:
    return uow.clearing.statements_of_month(month)


def statement_view(row: dict) -> dict:
    """A statement for people and files: amounts in yuan."""
    view = {key: row[key] for key in ("statement_id", "month", "insuplc_admdvs", "mdtrtarea_admvs", "setl_cnt", "status")}
    for key in STATEMENT_AMOUNTS:
        view[key[:-4]] = from_fen(row[key])
    return view


def get_statement(uow: UnitOfWork, statement_id: str, *, lock: bool = False) -> dict:
    """``lock``: confirming or paying locks the statement row and decides on what it reads after
    the lock (docs/locking.md), so two confirmations both count and a statement is paid once."""
    row = uow.clearing.lock_statement(statement_id) if lock else uow.clearing.statement(statement_id)
    if row is None:
        raise refusal("CLEARING_STATEMENT_NOT_FOUND", statement_id=statement_id)
    return row


def confirm(uow: UnitOfWork, statement_id: str, side: str) -> dict:
    """The insured and the treatment region's agency each confirm; both → confirmed."""
    row = get_statement(uow, statement_id, lock=True)
    if row["status"] == "paid":
        raise refusal("CLEARING_ALREADY_PAID", statement_id=statement_id)
    column = {"insured": "insured_confirmed_at", "treatment": "treatment_confirmed_at"}.get(side)
    if column is None:
        raise refusal("CLEARING_BAD_SIDE")
    if row[column] is not None:
        raise refusal("CLEARING_ALREADY_CONFIRMED", statement_id=statement_id, side=SIDE_WORDS[side])
    row[column] = uow.now
    status = "confirmed" if row["insured_confirmed_at"] and row["treatment_confirmed_at"] else "generated"
    uow.clearing.update_statement(statement_id, {column: uow.now, "status": status})
    uow.actions.record("clearing.confirm", statement_id, {"side": side, "status": status})
    row["status"] = status
    return row


def prepayment_available(uow: UnitOfWork, insured: str, treatment_prov: str) -> int:
    """What is left of the insured region's prepayment to the treatment province (fen)."""
    return uow.ledger.balance(f"prepay_advance:{insured}>{treatment_prov}")


def pay(uow: UnitOfWork, statement_id: str) -> dict:
    """The insured region pays a confirmed statement: first from its prepayment to the treatment
    province, the rest in cash; the treatment region's claim is settled."""
    row = get_statement(uow, statement_id, lock=True)
    if row["status"] != "confirmed":
        raise refusal("CLEARING_NOT_CONFIRMED", statement_id=statement_id, status=row["status"])
    insured, treated, amount = row["insuplc_admdvs"], row["mdtrtarea_admvs"], row["clearing_amount_fen"]
    treatment_prov = rules.province(treated)
    # Two statements of one pair paid at once must not both draw the same prepayment.
    uow.clearing.lock_prepayment_pair(insured, treatment_prov)
    drawn = max(0, min(amount, prepayment_available(uow, insured, treatment_prov)))
    cash = amount - drawn
    postings = [
        rules.Posting(rules.due_to(insured, treated), amount),
        rules.Posting(rules.due_from(treated, insured), -amount),
    ]
    if drawn:
        postings += [rules.Posting(f"prepay_advance:{insured}>{treatment_prov}", -drawn),
                     rules.Posting(f"prepay_held:{treatment_prov}<{insured}", drawn)]
    if cash:
        postings += [rules.Posting(f"bank:{insured}", -cash), rules.Posting(f"bank:{treated}", cash)]
    uow.ledger.post(rules.Entry("clearing_paid", statement_id, tuple(p for p in postings if p.amount_fen)))
    uow.clearing.update_statement(statement_id, {"status": "paid", "paid_at": uow.now})
    uow.actions.record("clearing.pay", statement_id,
                       {"amount_fen": amount, "drawn_from_prepayment_fen": drawn, "paid_in_cash_fen": cash})
    row.update(status="paid", paid_at=uow.now, drawn_from_prepayment_fen=drawn, paid_in_cash_fen=cash)
    return row


def province_positions(uow: UnitOfWork, month: str) -> list[dict]:
    """Per (insured region, treatment province): what the month's statements owe, the
    prepayment available to offset it, and the cash still to move."""
    positions: dict[tuple[str, str], dict] = {}
    for row in statements(uow, month):
        key = (row["insuplc_admdvs"], rules.province(row["mdtrtarea_admvs"]))
        position = positions.setdefault(key, {"insuplc_admdvs": key[0], "treatment_prov": key[1], "statements": 0,
                                              "clearing_amount_fen": 0, "unpaid_fen": 0})
        position["statements"] += 1
        position["clearing_amount_fen"] += row["clearing_amount_fen"]
        if row["status"] != "paid":
            position["unpaid_fen"] += row["clearing_amount_fen"]
    result = []
    for (insured, prov), position in sorted(positions.items()):
        available = prepayment_available(uow, insured, prov)
        offset = max(0, min(position["unpaid_fen"], available))
        result.append({
            "insuplc_admdvs": insured, "treatment_prov": prov, "statements": position["statements"],
            "clearing_amount": from_fen(position["clearing_amount_fen"]),
            "unpaid": from_fen(position["unpaid_fen"]),
            "prepayment_available": from_fen(available),
            "offset_by_prepayment": from_fen(offset),
            "cash_due": from_fen(position["unpaid_fen"] - offset),
        })
    return result


def cross_region_payments(uow: UnitOfWork, month: str) -> dict[tuple[str, str], dict]:
    """The month's cross-region settlements straight from the settlements table (for checks)."""
    start, end = month_bounds(month)
    return uow.clearing.cross_region_payments(start, end)
