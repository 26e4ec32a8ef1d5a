"""Posting to the ledger, and reading it back (balances, checks)."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

from sqlalchemy import Connection, func, select

from yibao.domain import ledger as rules
from yibao.store import tables as t
from yibao.store.repositories.ledger import post_entry


def post(conn: Connection, entry: rules.Entry, now: dt.datetime) -> int | None:
    """Append one balanced entry (store/repositories/ledger.py)."""
    return post_entry(conn, entry, now)


def settlement_entry_for(row: dict) -> rules.Entry:
    """The entry of a stored settlement row (a reversal row has negative amounts: its entry is
    the exact opposite of the original's)."""
    detail = json.loads(row["detail"])
    sign = -1 if row["kind"] == "reversal" else 1
    funds = []
    for item in detail["setldetail"]:
        if item["fund_pay_type"] != rules.ACCT_FUND_PAY_TYPE:
            fen = int((Decimal(item["fund_payamt"]) * 100).to_integral_value())
            funds.append((item["fund_pay_type"], sign * fen))
    entry = rules.settlement_entry(
        setl_id=row["setl_id"], insured=row["insuplc_admdvs"], treated=row["mdtrtarea_admvs"],
        fixmedins_code=row["fixmedins_code"], psn_no=row["psn_no"], family_psn_no=detail.get("family_psn_no"),
        fund_payments=funds, acct_pay_fen=row["acct_pay_fen"], acct_mulaid_pay_fen=row["acct_mulaid_pay_fen"],
    )
    kind = "reversal" if row["kind"] == "reversal" else "settlement"
    return rules.Entry(kind, row["setl_id"], entry.postings)


def account_movement_entry(psn_no: str, region: str, amount_fen: int, ref: str) -> rules.Entry:
    """Money into (or out of) a personal account from outside the settlements (contributions, imports)."""
    return rules.Entry("account_funding", ref, (
        rules.Posting(f"acct_funding:{region}", amount_fen),
        rules.Posting(rules.psn_acct(psn_no), -amount_fen),
    ))


def balance(conn: Connection, account: str) -> int:
    return int(conn.execute(select(func.coalesce(func.sum(t.ledger_postings.c.amount_fen), 0))
                            .where(t.ledger_postings.c.account == account)).scalar_one())


def balances(conn: Connection, prefix: str = "") -> dict[str, int]:
    query = select(t.ledger_postings.c.account, func.sum(t.ledger_postings.c.amount_fen)).group_by(t.ledger_postings.c.account)
    if prefix:
        query = query.where(t.ledger_postings.c.account.like(prefix + "%"))
    return {account: int(total) for account, total in conn.execute(query)}


def check_ledger(conn: Connection) -> list[str]:
    """Read-side checks: every entry balances, and the whole ledger sums to zero."""
    unbalanced = conn.execute(
        select(t.ledger_postings.c.entry_id, func.sum(t.ledger_postings.c.amount_fen))
        .group_by(t.ledger_postings.c.entry_id).having(func.sum(t.ledger_postings.c.amount_fen) != 0)
    ).all()
    errors = [f"ledger entry {entry_id} does not balance: {total} fen" for entry_id, total in unbalanced]
    total = conn.execute(select(func.coalesce(func.sum(t.ledger_postings.c.amount_fen), 0))).scalar_one()
    if total:
        errors.append(f"the ledger does not sum to zero: {total} fen")
    return errors
