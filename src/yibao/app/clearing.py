"""Monthly clearing between regions (先预付后清算, domain-rules §4.6), append-only.

``run_clearing`` is set-based SQL (store/repositories/clearing.py): one INSERT … SELECT marks
every cross-region settlement and reversal of the month (by settlement time: a reversal of an
earlier month's settlement clears in the month it happens) as an item of the month — the item's
primary key clears a settlement once — and one GROUP BY totals the items per (insured region,
treatment region).

A month is cleared once it has ended; a run before that is provisional (its statements say so
and cannot be confirmed). Per region pair, what the month still owes is its items' totals less
the statements already confirmed or paid: the open statement carries exactly that. A pair with
nothing confirmed gets the month's statement (sequence 0); settlements or reversals of the
month arriving after a confirmation get a supplementary statement (sequence 1, 2 …), so the
live statements of a month always add up to its cross-region payments. A difference of zero
(a settlement and its reversal) makes no statement. Figures are never overwritten: a re-run
that changes an unconfirmed statement writes a new version and marks the earlier one
``superseded``. Statements are then confirmed by both agencies and paid by the insured region,
first from its prepayment of the statement's year to the treatment province; each confirmation
and the payment name their actor on the statement.
"""

from __future__ import annotations

import datetime as dt
from typing import Callable, Protocol

from yibao.analytics.flows import month_bounds
from yibao.domain import ledger as rules
from yibao.store.repository import from_fen

from . import prepayment
from .error_codes import refusal
from .errors import new_id
from .unit_of_work import UnitOfWork

# Words of the cashier's language for a statement's side and status in refusals.
SIDE_WORDS = {"insured": "参保地", "treatment": "就医地"}
STATUS_WORDS = {"generated": "生成", "confirmed": "确认", "paid": "支付", "superseded": "已被新版本取代"}
STATEMENT_AMOUNTS = ("medfee_sumamt_fen", "fund_pay_sumamt_fen", "acct_pay_fen", "psn_cash_pay_fen", "clearing_amount_fen")
TOTALS = ("setl_cnt", "medfee_sumamt_fen", "fund_pay_sumamt_fen", "acct_pay_fen", "psn_cash_pay_fen")
FIGURES = TOTALS + ("clearing_amount_fen",)
SETTLED = ("confirmed", "paid")  # statements whose figures both sides have agreed


class ClearingRepository(Protocol):
    """``uow.clearing`` (store/repositories/clearing.py); rows are dicts, amounts fen."""

    def lock_month(self, month: str) -> None:
        """docs/locking.md rank 5: runs of one month queue."""

    def mark_cross_region_items(self, month: str, start: dt.datetime, end: dt.datetime) -> None:
        """Mark the cross-region settlements of [start, end) not yet marked as items of ``month``."""

    def month_totals(self, month: str) -> list[dict]:
        """Per (insuplc_admdvs, mdtrtarea_admvs) of the month's items: setl_cnt and the fen sums of TOTALS."""

    def statements_of_month(self, month: str, *, superseded: bool = False) -> list[dict]:
        """Ordered by insured region, treatment region, sequence, version; the superseded
        versions only when asked."""

    def add_statement(self, row: dict) -> None: ...

    def update_statement(self, statement_id: str, values: dict) -> None:
        """Status, confirmation and payment columns only: the figures are fixed (migration 0016)."""

    def statement(self, statement_id: str) -> dict | None: ...

    def lock_statement(self, statement_id: str) -> dict | None:
        """docs/locking.md rank 6: the row as read after the lock; None if unknown."""

    def lock_prepayment_pair(self, insured: str, treatment_prov: str) -> None:
        """docs/locking.md rank 7: ``prepayment-pair/{insured}>{treatment_prov}``."""

    def drawn_from_prepayment(self, insured: str, treatment_prov: str, year: int) -> int:
        """Fen the pair's paid statements of months of ``year`` drew from its prepayment."""

    def cross_region_payments(self, start: dt.datetime, end: dt.datetime) -> dict[tuple[str, str], dict]: ...


def run_clearing(uow: UnitOfWork, month: str, *, provisional: bool = False,
                 progress: Callable[[str], None] = lambda step: None,
                 pairs_of: Callable[[str, str], bool] | None = None) -> list[dict]:
    """Mark the month's items and bring its open statements to what is still owed; the
    caller's unit of work is the one transaction. Returns the month's live statements.
    ``pairs_of(insured, treatment)``: only the region pairs an agency is a side of
    (app/authorization.clearing_side); None clears every pair (the platform operator)."""
    start, end = month_bounds(month)
    open_month = uow.now < end
    if open_month and not provisional:
        # settlements of the month may still come: its statements could not be final (issue: a
        # month cleared, confirmed and paid before it ended)
        raise refusal("CLEARING_MONTH_NOT_ENDED", month=month, end=end.strftime("%Y-%m-%d"))
    # Concurrent runs of one month queue here and the later ones find the items marked
    # (docs/locking.md, rank 5); without it they collide on clearing_items' key.
    uow.clearing.lock_month(month)
    progress("marking the month's cross-region settlements")
    uow.clearing.mark_cross_region_items(month, start, end)
    progress("totalling statements per region pair")
    totals = {(row["insuplc_admdvs"], row["mdtrtarea_admvs"]): row for row in uow.clearing.month_totals(month)}
    history = uow.clearing.statements_of_month(month, superseded=True)
    pairs = sorted(set(totals) | {(row["insuplc_admdvs"], row["mdtrtarea_admvs"]) for row in history})
    if pairs_of is not None:
        pairs = [pair for pair in pairs if pairs_of(*pair)]
    progress(f"bringing {len(pairs)} region pairs up to date")
    for pair in pairs:
        versions = [row for row in history if (row["insuplc_admdvs"], row["mdtrtarea_admvs"]) == pair]
        _clear_pair(uow, month, pair, totals.get(pair), versions, provisional=open_month)
    rows = uow.clearing.statements_of_month(month)
    # a re-run that changes nothing is still an action someone took: it gets its row too
    uow.actions.record("clearing.run", month, {"statements": len(rows), **({"provisional": True} if open_month else {})})
    return rows


def still_owed(total: dict | None, versions: list[dict]) -> dict:
    """The pair's month totals less its confirmed and paid statements: what the open statement carries."""
    owed = {key: (total or {}).get(key, 0) for key in TOTALS}
    owed["clearing_amount_fen"] = owed["fund_pay_sumamt_fen"] + owed["acct_pay_fen"]
    for row in versions:
        if row["status"] in SETTLED:
            for key in FIGURES:
                owed[key] -= row[key]
    return owed


def _clear_pair(uow: UnitOfWork, month: str, pair: tuple[str, str], total: dict | None, versions: list[dict], *,
                provisional: bool) -> None:
    """Keep the pair's open statement if it carries what is still owed; else supersede it and,
    unless nothing is owed, add the new version (or a new, supplementary, statement)."""
    owed = still_owed(total, versions)
    empty = not any(owed.values())
    current = next((row for row in versions if row["status"] == "generated"), None)
    if current is not None:
        if not empty and all(current[key] == owed[key] for key in FIGURES) and bool(current["provisional"]) == provisional:
            return
        uow.clearing.update_statement(current["statement_id"], {"status": "superseded", "superseded_at": uow.now})
    if empty:
        return
    settled = [row["sequence"] for row in versions if row["status"] in SETTLED]
    sequence = current["sequence"] if current is not None else (max(settled) + 1 if settled else 0)
    earlier = [row for row in versions if row["sequence"] == sequence]
    uow.clearing.add_statement(dict(
        statement_id=new_id("CS"), month=month, insuplc_admdvs=pair[0], mdtrtarea_admvs=pair[1],
        status="generated", generated_at=uow.now, sequence=sequence,
        version=max((row["version"] for row in earlier), default=0) + 1,
        supersedes=max(earlier, key=lambda row: row["version"])["statement_id"] if earlier else None,
        provisional=provisional, **owed))


def statements(uow: UnitOfWork, month: str, *, superseded: bool = False) -> list[dict]:
    """The month's live statements (their sum is what the month owes); with ``superseded``
    the earlier versions too, for the trace of a re-run."""
    return uow.clearing.statements_of_month(month, superseded=superseded)


def statement_view(row: dict) -> dict:
    """A statement for people and files: amounts in yuan."""
    view = {key: row[key] for key in ("statement_id", "month", "insuplc_admdvs", "mdtrtarea_admvs", "setl_cnt", "status")}
    view.update(sequence=row.get("sequence", 0), version=row.get("version", 1), provisional=bool(row.get("provisional")))
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


def _refuse_unsettleable(row: dict) -> None:
    """A superseded version or a provisional statement is never confirmed or paid."""
    if row["status"] == "superseded":
        raise refusal("CLEARING_STATEMENT_SUPERSEDED", statement_id=row["statement_id"])
    if row.get("provisional"):
        raise refusal("CLEARING_STATEMENT_PROVISIONAL", statement_id=row["statement_id"], month=row["month"])


def confirm(uow: UnitOfWork, statement_id: str, side: str) -> dict:
    """The insured and the treatment region's agency each confirm; both → confirmed. The
    statement names who confirmed each side."""
    row = get_statement(uow, statement_id, lock=True)
    if row["status"] == "paid":
        raise refusal("CLEARING_ALREADY_PAID", statement_id=statement_id)
    _refuse_unsettleable(row)
    column = {"insured": "insured_confirmed_at", "treatment": "treatment_confirmed_at"}.get(side)
    if column is None:
        raise refusal("CLEARING_BAD_SIDE")
    if row[column] is not None:
        raise refusal("CLEARING_ALREADY_CONFIRMED", statement_id=statement_id, side=SIDE_WORDS[side])
    by_column = column.replace("_at", "_by")
    row[column], row[by_column] = uow.now, uow.actions.actor.label()
    status = "confirmed" if row["insured_confirmed_at"] and row["treatment_confirmed_at"] else "generated"
    uow.clearing.update_statement(statement_id, {column: uow.now, by_column: row[by_column], "status": status})
    uow.actions.record("clearing.confirm", statement_id, {"side": side, "status": status})
    row["status"] = status
    return row


def prepayment_available(uow: UnitOfWork, insured: str, treatment_prov: str, year: int) -> int:
    """What is left of the pair's prepayment of ``year`` (fen), app/prepayment.py."""
    return prepayment.available(uow, insured, treatment_prov, year)


def pay(uow: UnitOfWork, statement_id: str) -> dict:
    """The insured region pays a confirmed statement: first from its prepayment of the
    statement's year to the treatment province, the rest in cash; the treatment region's claim
    is settled. The statement names who paid."""
    row = get_statement(uow, statement_id, lock=True)
    _refuse_unsettleable(row)
    if row["status"] != "confirmed":
        raise refusal("CLEARING_NOT_CONFIRMED", statement_id=statement_id, status=row["status"])
    insured, treated, amount = row["insuplc_admdvs"], row["mdtrtarea_admvs"], row["clearing_amount_fen"]
    treatment_prov = rules.province(treated)
    # Two statements of one pair paid at once must not both draw the same prepayment.
    uow.clearing.lock_prepayment_pair(insured, treatment_prov)
    year = int(row["month"][:4])
    drawn = max(0, min(amount, prepayment_available(uow, insured, treatment_prov, year)))
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
    paid_by = uow.actions.actor.label()
    uow.clearing.update_statement(statement_id, {"status": "paid", "paid_at": uow.now, "paid_by": paid_by})
    uow.actions.record("clearing.pay", statement_id,
                       {"amount_fen": amount, "drawn_from_prepayment_fen": drawn, "paid_in_cash_fen": cash})
    row.update(status="paid", paid_at=uow.now, paid_by=paid_by, drawn_from_prepayment_fen=drawn, paid_in_cash_fen=cash)
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
        available = prepayment_available(uow, insured, prov, int(month[:4]))
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
