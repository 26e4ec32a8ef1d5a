"""Monthly clearing between regions (先预付后清算, domain-rules §4.6).

``run_clearing`` is set-based SQL: one INSERT … SELECT marks every cross-region settlement
and reversal of the month (by settlement time: a reversal of an earlier month's settlement
clears in the month it happens) as an item of the month — the item's primary key clears a
settlement once — and one GROUP BY builds a statement per (insured region, treatment region).
Re-running a month adds nothing and changes nothing. Statements are then confirmed by both
agencies and paid by the insured region, first from its prepayment to the treatment province.
"""

from __future__ import annotations

import datetime as dt
from typing import Callable

from sqlalchemy import Connection, and_, case, func, insert, literal, select, update

from yibao.analytics.flows import month_bounds
from yibao.domain import ledger as rules
from yibao.store import repository as repo
from yibao.store import tables as t
from yibao.store.database import Database

from . import ledger
from .action_log import record
from .actors import Actor
from .errors import GatewayError, new_id

STATEMENT_AMOUNTS = ("medfee_sumamt_fen", "fund_pay_sumamt_fen", "acct_pay_fen", "psn_cash_pay_fen", "clearing_amount_fen")


def run_clearing(database: Database, month: str, *, now: dt.datetime, actor: Actor,
                 progress: Callable[[str], None] = lambda step: None) -> list[dict]:
    start, end = month_bounds(month)
    s = t.settlements
    with database.write() as conn:
        # Concurrent runs of one month queue here and the later ones find the items marked
        # (docs/locking.md, rank 5); without it they collide on clearing_items' key.
        repo.lock_key(conn, f"clearing-month/{month}")
        progress("marking the month's cross-region settlements")
        already = select(t.clearing_items.c.setl_id).where(t.clearing_items.c.setl_id == s.c.setl_id).exists()
        conn.execute(insert(t.clearing_items).from_select(
            ["setl_id", "month", "insuplc_admdvs", "mdtrtarea_admvs"],
            select(s.c.setl_id, literal(month), s.c.insuplc_admdvs, s.c.mdtrtarea_admvs).where(
                s.c.setl_time >= start, s.c.setl_time < end, s.c.insuplc_admdvs != s.c.mdtrtarea_admvs, ~already),
        ))
        progress("totalling statements per region pair")
        ci = t.clearing_items
        totals = conn.execute(
            select(ci.c.insuplc_admdvs, ci.c.mdtrtarea_admvs,
                   func.sum(case((s.c.kind == "settlement", 1), else_=-1)).label("setl_cnt"),
                   func.sum(s.c.medfee_sumamt_fen), func.sum(s.c.fund_pay_sumamt_fen),
                   func.sum(s.c.acct_pay_fen + s.c.acct_mulaid_pay_fen), func.sum(s.c.psn_cash_pay_fen))
            .select_from(ci.join(s, s.c.setl_id == ci.c.setl_id))
            .where(ci.c.month == month)
            .group_by(ci.c.insuplc_admdvs, ci.c.mdtrtarea_admvs)
        ).all()
        progress(f"writing {len(totals)} statements")
        existing = {(row["insuplc_admdvs"], row["mdtrtarea_admvs"]): dict(row) for row in conn.execute(
            select(t.clearing_statements).where(t.clearing_statements.c.month == month)).mappings()}
        for insured, treated, count, medfee, fund, acct, cash in totals:
            values = dict(setl_cnt=int(count), medfee_sumamt_fen=int(medfee), fund_pay_sumamt_fen=int(fund),
                          acct_pay_fen=int(acct), psn_cash_pay_fen=int(cash), clearing_amount_fen=int(fund) + int(acct))
            old = existing.get((insured, treated))
            if old is None:
                conn.execute(insert(t.clearing_statements).values(
                    statement_id=new_id("CS"), month=month, insuplc_admdvs=insured, mdtrtarea_admvs=treated,
                    status="generated", generated_at=now, **values))
            elif any(old[key] != value for key, value in values.items()):
                if old["status"] != "generated":
                    raise GatewayError(
                        f"statement {old['statement_id']} ({insured}→{treated}, {month}) is {old['status']} but new "
                        "settlements of the month appeared; they need a supplementary statement")
                conn.execute(update(t.clearing_statements).where(
                    t.clearing_statements.c.statement_id == old["statement_id"]).values(**values, generated_at=now))
        rows = statements(conn, month)
        # a re-run that changes nothing is still an action someone took: it gets its row too
        record(conn, actor, "clearing.run", month, {"statements": len(rows)}, now)
        return rows


def statements(conn: Connection, month: str) -> list[dict]:
    rows = conn.execute(select(t.clearing_statements).where(t.clearing_statements.c.month == month)
                        .order_by(t.clearing_statements.c.insuplc_admdvs, t.clearing_statements.c.mdtrtarea_admvs)).mappings()
    return [dict(row) for row in rows]


def statement_view(row: dict) -> dict:
    """A statement for people and files: amounts in yuan."""
    view = {key: row[key] for key in ("statement_id", "month", "insuplc_admdvs", "mdtrtarea_admvs", "setl_cnt", "status")}
    for key in STATEMENT_AMOUNTS:
        view[key[:-4]] = repo.from_fen(row[key])
    return view


def get_statement(conn: Connection, statement_id: str, *, lock: bool = False) -> dict:
    """``lock``: confirming or paying locks the statement row and decides on what it reads after
    the lock (docs/locking.md), so two confirmations both count and a statement is paid once."""
    query = select(t.clearing_statements).where(t.clearing_statements.c.statement_id == statement_id)
    if lock and conn.dialect.name == "postgresql":
        query = query.with_for_update()
    row = conn.execute(query).mappings().first()
    if row is None:
        raise GatewayError(f"statement {statement_id} not found", "not_found")
    return dict(row)


def confirm(conn: Connection, statement_id: str, side: str, now: dt.datetime, *, actor: Actor) -> dict:
    """The insured and the treatment region's agency each confirm; both → confirmed."""
    row = get_statement(conn, statement_id, lock=True)
    if row["status"] == "paid":
        raise GatewayError(f"statement {statement_id} is already paid")
    column = {"insured": "insured_confirmed_at", "treatment": "treatment_confirmed_at"}.get(side)
    if column is None:
        raise GatewayError("side must be insured or treatment")
    if row[column] is not None:
        raise GatewayError(f"statement {statement_id} is already confirmed by the {side} side")
    row[column] = now
    status = "confirmed" if row["insured_confirmed_at"] and row["treatment_confirmed_at"] else "generated"
    conn.execute(update(t.clearing_statements).where(t.clearing_statements.c.statement_id == statement_id)
                 .values(**{column: now, "status": status}))
    record(conn, actor, "clearing.confirm", statement_id, {"side": side, "status": status}, now)
    row["status"] = status
    return row


def prepayment_available(conn: Connection, insured: str, treatment_prov: str) -> int:
    """What is left of the insured region's prepayment to the treatment province (fen)."""
    return ledger.balance(conn, f"prepay_advance:{insured}>{treatment_prov}")


def pay(conn: Connection, statement_id: str, now: dt.datetime, *, actor: Actor) -> dict:
    """The insured region pays a confirmed statement: first from its prepayment to the treatment
    province, the rest in cash; the treatment region's claim is settled."""
    row = get_statement(conn, statement_id, lock=True)
    if row["status"] != "confirmed":
        raise GatewayError(f"statement {statement_id} is {row['status']}: both sides must confirm before payment")
    insured, treated, amount = row["insuplc_admdvs"], row["mdtrtarea_admvs"], row["clearing_amount_fen"]
    treatment_prov = rules.province(treated)
    # Two statements of one pair paid at once must not both draw the same prepayment.
    repo.lock_key(conn, f"prepayment-pair/{insured}>{treatment_prov}")
    drawn = max(0, min(amount, prepayment_available(conn, insured, treatment_prov)))
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
    ledger.post(conn, rules.Entry("clearing_paid", statement_id, tuple(p for p in postings if p.amount_fen)), now)
    conn.execute(update(t.clearing_statements).where(t.clearing_statements.c.statement_id == statement_id)
                 .values(status="paid", paid_at=now))
    record(conn, actor, "clearing.pay", statement_id,
           {"amount_fen": amount, "drawn_from_prepayment_fen": drawn, "paid_in_cash_fen": cash}, now)
    row.update(status="paid", paid_at=now, drawn_from_prepayment_fen=drawn, paid_in_cash_fen=cash)
    return row


def province_positions(conn: Connection, month: str) -> list[dict]:
    """Per (insured region, treatment province): what the month's statements owe, the
    prepayment available to offset it, and the cash still to move."""
    positions: dict[tuple[str, str], dict] = {}
    for row in statements(conn, month):
        key = (row["insuplc_admdvs"], rules.province(row["mdtrtarea_admvs"]))
        position = positions.setdefault(key, {"insuplc_admdvs": key[0], "treatment_prov": key[1], "statements": 0,
                                              "clearing_amount_fen": 0, "unpaid_fen": 0})
        position["statements"] += 1
        position["clearing_amount_fen"] += row["clearing_amount_fen"]
        if row["status"] != "paid":
            position["unpaid_fen"] += row["clearing_amount_fen"]
    result = []
    for (insured, prov), position in sorted(positions.items()):
        available = prepayment_available(conn, insured, prov)
        offset = max(0, min(position["unpaid_fen"], available))
        result.append({
            "insuplc_admdvs": insured, "treatment_prov": prov, "statements": position["statements"],
            "clearing_amount": repo.from_fen(position["clearing_amount_fen"]),
            "unpaid": repo.from_fen(position["unpaid_fen"]),
            "prepayment_available": repo.from_fen(available),
            "offset_by_prepayment": repo.from_fen(offset),
            "cash_due": repo.from_fen(position["unpaid_fen"] - offset),
        })
    return result


def cross_region_payments(conn: Connection, month: str) -> dict[tuple[str, str], dict]:
    """The month's cross-region settlements straight from the settlements table (for checks)."""
    start, end = month_bounds(month)
    s = t.settlements
    rows = conn.execute(
        select(s.c.insuplc_admdvs, s.c.mdtrtarea_admvs, func.count(), func.sum(s.c.fund_pay_sumamt_fen),
               func.sum(s.c.acct_pay_fen + s.c.acct_mulaid_pay_fen))
        .where(and_(s.c.setl_time >= start, s.c.setl_time < end, s.c.insuplc_admdvs != s.c.mdtrtarea_admvs))
        .group_by(s.c.insuplc_admdvs, s.c.mdtrtarea_admvs)
    ).all()
    return {(a, b): {"rows": int(n), "fund_pay_sumamt_fen": int(f), "acct_pay_fen": int(ac)} for a, b, n, f, ac in rows}
