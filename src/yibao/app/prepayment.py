"""Prepayment (预付金) between an insured region and a treatment province (domain-rules §4.6).

Sized each year from the prior year's cross-province fund and account payments of the pair
(default two months' worth), approved, paid by the insured region, received by the
treatment province; usage is watched against a warning line, with an emergency top-up.
Each step posts its ledger entry.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import Connection, func, insert, select, update

from yibao.domain import ledger as rules
from yibao.store import repository as repo
from yibao.store import tables as t

from . import ledger
from .action_log import record
from .actors import Actor
from .errors import GatewayError, new_id

DEFAULT_MONTHS = Decimal(2)
DEFAULT_WARNING_LINE = Decimal("0.7")


def _pair_accounts(insured: str, prov: str) -> tuple[str, str, str, str]:
    return (f"prepay_commitment:{insured}>{prov}", f"prepay_budget:{insured}", f"prepay_advance:{insured}>{prov}",
            f"prepay_held:{prov}<{insured}")


def cross_province_payments(conn: Connection, year: int) -> dict[tuple[str, str], int]:
    """Fund and account payments (net of reversals, fen) per (insured region, treatment province)."""
    s = t.settlements
    prov = func.substr(s.c.mdtrtarea_admvs, 1, 2)
    rows = conn.execute(
        select(s.c.insuplc_admdvs, prov, func.sum(s.c.fund_pay_sumamt_fen + s.c.acct_pay_fen + s.c.acct_mulaid_pay_fen))
        .where(s.c.setl_time >= dt.datetime(year, 1, 1), s.c.setl_time < dt.datetime(year + 1, 1, 1),
               func.substr(s.c.insuplc_admdvs, 1, 2) != prov)
        .group_by(s.c.insuplc_admdvs, prov)
    ).all()
    return {(insured, f"{p}0000"): int(total) for insured, p, total in rows if total}


def approve(conn: Connection, *, year: int, insured: str, prov: str, amount_fen: int, kind: str, basis_fen: int,
            months: Decimal, now: dt.datetime) -> dict:
    """A step of ``plan_year`` and ``top_up``, which record the action (one row per action, not per pair)."""
    if amount_fen <= 0:
        raise GatewayError("a prepayment amount must be positive")
    row = dict(prepay_id=new_id("PP"), year=year, insured_admdvs=insured, treatment_prov=prov, kind=kind,
               amount_fen=amount_fen, basis_fen=basis_fen, months=f"{months}", status="approved", approved_at=now)
    conn.execute(insert(t.prepayments).values(**row))
    commitment, budget, _, _ = _pair_accounts(insured, prov)
    ledger.post(conn, rules.Entry("prepay_approved", row["prepay_id"], (
        rules.Posting(commitment, amount_fen), rules.Posting(budget, -amount_fen))), now)
    return row


def plan_year(conn: Connection, year: int, *, now: dt.datetime, actor: Actor, months: Decimal = DEFAULT_MONTHS) -> list[dict]:
    """Annual prepayments for every pair with prior-year cross-province payments (idempotent;
    concurrent plans of one year queue on the year's lock, docs/locking.md)."""
    repo.lock_key(conn, f"prepayment-plan/{year}")
    existing = {(r.insured_admdvs, r.treatment_prov) for r in conn.execute(
        select(t.prepayments.c.insured_admdvs, t.prepayments.c.treatment_prov)
        .where(t.prepayments.c.year == year, t.prepayments.c.kind == "annual"))}
    created = []
    for (insured, prov), basis in sorted(cross_province_payments(conn, year - 1).items()):
        if (insured, prov) in existing:
            continue
        amount = int((Decimal(basis) * months / 12).quantize(Decimal(1), rounding=ROUND_HALF_UP))
        if amount > 0:
            created.append(approve(conn, year=year, insured=insured, prov=prov, amount_fen=amount, kind="annual",
                                   basis_fen=basis, months=months, now=now))
    record(conn, actor, "prepayment.plan", str(year), {"months": str(months), "approved": [
        {"prepay_id": row["prepay_id"], "amount_fen": row["amount_fen"]} for row in created]}, now)
    return created


def top_up(conn: Connection, *, year: int, insured: str, prov: str, amount_fen: int, now: dt.datetime,
           actor: Actor) -> dict:
    """An emergency top-up when usage crosses the warning line."""
    row = approve(conn, year=year, insured=insured, prov=prov, amount_fen=amount_fen, kind="top_up", basis_fen=0,
                  months=Decimal(0), now=now)
    record(conn, actor, "prepayment.top_up", row["prepay_id"],
           {"year": year, "insured": insured, "province": prov, "amount_fen": amount_fen}, now)
    return row


def get(conn: Connection, prepay_id: str, *, lock: bool = False) -> dict:
    """``lock``: a state change of a prepayment locks its row and decides on what it reads
    after the lock (docs/locking.md), so a prepayment is paid or received once."""
    query = select(t.prepayments).where(t.prepayments.c.prepay_id == prepay_id)
    if lock and conn.dialect.name == "postgresql":
        query = query.with_for_update()
    row = conn.execute(query).mappings().first()
    if row is None:
        raise GatewayError(f"prepayment {prepay_id} not found", "not_found")
    return dict(row)


def mark_paid(conn: Connection, prepay_id: str, now: dt.datetime, *, actor: Actor) -> dict:
    row = get(conn, prepay_id, lock=True)
    if row["status"] != "approved":
        raise GatewayError(f"prepayment {prepay_id} is {row['status']}, not approved")
    commitment, budget, advance, _ = _pair_accounts(row["insured_admdvs"], row["treatment_prov"])
    amount = row["amount_fen"]
    ledger.post(conn, rules.Entry("prepay_paid", prepay_id, (
        rules.Posting(advance, amount), rules.Posting(f"bank:{row['insured_admdvs']}", -amount),
        rules.Posting(budget, amount), rules.Posting(commitment, -amount))), now)
    conn.execute(update(t.prepayments).where(t.prepayments.c.prepay_id == prepay_id).values(status="paid", paid_at=now))
    record(conn, actor, "prepayment.paid", prepay_id, {"amount_fen": amount}, now)
    return dict(row, status="paid", paid_at=now)


def mark_received(conn: Connection, prepay_id: str, now: dt.datetime, *, actor: Actor) -> dict:
    row = get(conn, prepay_id, lock=True)
    if row["status"] != "paid":
        raise GatewayError(f"prepayment {prepay_id} is {row['status']}: it is received after it is paid")
    _, _, _, held = _pair_accounts(row["insured_admdvs"], row["treatment_prov"])
    amount = row["amount_fen"]
    ledger.post(conn, rules.Entry("prepay_received", prepay_id, (
        rules.Posting(f"bank:{row['treatment_prov']}", amount), rules.Posting(held, -amount))), now)
    conn.execute(update(t.prepayments).where(t.prepayments.c.prepay_id == prepay_id).values(status="received", received_at=now))
    record(conn, actor, "prepayment.received", prepay_id, {"amount_fen": amount}, now)
    return dict(row, status="received", received_at=now)


def usage(conn: Connection, year: int, warning_line: Decimal = DEFAULT_WARNING_LINE) -> list[dict]:
    """Per pair: prepaid this year, what is left of it, the year's cross-province payments not yet
    cleared and paid, and whether that crosses the warning line (then: an emergency top-up)."""
    prepaid: dict[tuple[str, str], int] = {}
    for row in conn.execute(select(t.prepayments).where(t.prepayments.c.year == year)).mappings():
        if row["status"] in ("paid", "received"):
            key = (row["insured_admdvs"], row["treatment_prov"])
            prepaid[key] = prepaid.get(key, 0) + row["amount_fen"]
    paid_items = (
        select(t.clearing_items.c.setl_id)
        .join(t.clearing_statements, (t.clearing_statements.c.month == t.clearing_items.c.month)
              & (t.clearing_statements.c.insuplc_admdvs == t.clearing_items.c.insuplc_admdvs)
              & (t.clearing_statements.c.mdtrtarea_admvs == t.clearing_items.c.mdtrtarea_admvs))
        .where(t.clearing_statements.c.status == "paid")
    )
    s = t.settlements
    prov = func.substr(s.c.mdtrtarea_admvs, 1, 2)
    outstanding = {(insured, f"{p}0000"): int(total) for insured, p, total in conn.execute(
        select(s.c.insuplc_admdvs, prov, func.sum(s.c.fund_pay_sumamt_fen + s.c.acct_pay_fen + s.c.acct_mulaid_pay_fen))
        .where(s.c.setl_time >= dt.datetime(year, 1, 1), s.c.setl_time < dt.datetime(year + 1, 1, 1),
               func.substr(s.c.insuplc_admdvs, 1, 2) != prov, s.c.setl_id.not_in(paid_items))
        .group_by(s.c.insuplc_admdvs, prov))}
    rows = []
    for key in sorted(set(prepaid) | set(outstanding)):
        total = prepaid.get(key, 0)
        owed = outstanding.get(key, 0)
        ratio = (Decimal(owed) / Decimal(total)).quantize(Decimal("0.0001")) if total else None
        rows.append({
            "insured_admdvs": key[0], "treatment_prov": key[1], "prepaid": repo.from_fen(total),
            "available": repo.from_fen(ledger.balance(conn, f"prepay_advance:{key[0]}>{key[1]}")),
            "outstanding": repo.from_fen(owed), "usage": ratio,
            "warning": bool(total == 0 and owed > 0) or (ratio is not None and ratio >= warning_line),
        })
    return rows
