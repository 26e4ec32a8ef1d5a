"""Personal account chains and year-to-date accumulators."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import Connection, and_, bindparam, func, insert, literal_column, select, union_all

from yibao.domain.case import YearToDate
from yibao.domain.money import from_fen, to_fen

from .. import tables as t
from .. import driver_sql, write_batch


def account_balance(conn: Connection, psn_no: str) -> Decimal:
    return account_balances(conn, [psn_no]).get(psn_no, Decimal(0)).quantize(Decimal("0.01"))


def _last_entries(conn: Connection, psn_nos: list[str]):
    return conn.execute(_LAST_ENTRIES, {"psn_nos": psn_nos}).all()


def _last_entries_query():
    e = t.account_entries
    last = (select(e.c.psn_no, func.max(e.c.seq).label("seq")).where(e.c.psn_no.in_(bindparam("psn_nos", expanding=True)))
            .group_by(e.c.psn_no).subquery())
    return select(e.c.psn_no, e.c.seq, e.c.balance_after_fen).join(last, and_(last.c.psn_no == e.c.psn_no, last.c.seq == e.c.seq))


_LAST_ENTRIES = _last_entries_query()


def account_balances(conn: Connection, psn_nos: list[str]) -> dict[str, Decimal]:
    """Balances from the last entry of each person's chain (its balance_after_fen)."""
    return {psn_no: from_fen(balance) for psn_no, (_, balance) in account_tips(conn, psn_nos).items()}


def account_tips(conn: Connection, psn_nos: list[str]) -> dict[str, tuple[int, int]]:
    """Each person's last account entry as (seq, balance_after_fen); absent = no entries yet."""
    return {psn_no: (int(seq), int(balance)) for psn_no, seq, balance in _last_entries(conn, list(psn_nos))}


def add_account_entry(conn: Connection, psn_no: str, amount: Decimal, kind: str, setl_id: str | None,
                      now: dt.datetime, *, actor: str = "", tip: tuple[int, int] | None = None) -> int:
    """Append a movement to the person's chain and return the balance after it (fen).

    ``tip``: the person's last (seq, balance_after_fen) when the caller read it under the
    person's lock in this transaction (saves a round trip). The caller holds the person's lock
    (docs/locking.md); without it, a concurrent writer makes this insert fail on
    uq_account_entries_seq rather than fork the chain, and a movement below zero fails on
    ck_account_entries_not_negative."""
    if tip is None:
        tip = account_tips(conn, [psn_no]).get(psn_no, (0, 0))
    seq, before = tip
    after = before + to_fen(amount)
    assert after >= 0, "an account movement below zero must be refused before it is written"
    row = dict(psn_no=psn_no, seq=seq + 1, prev_seq=seq or None, amount_fen=to_fen(amount), balance_before_fen=before,
               balance_after_fen=after, kind=kind, setl_id=setl_id, actor=actor[:200], created_at=now)
    if not write_batch.defer(conn, t.account_entries, [row]):
        conn.execute(_INSERT_ACCOUNT_ENTRY, row)
    return after


_INSERT_ACCOUNT_ENTRY = insert(t.account_entries)


def year_to_date(conn: Connection, psn_no: str, insutype: str, year: int) -> YearToDate:
    rows = conn.execute(_YEAR_TO_DATE, {"psn_no": psn_no, "insutype": insutype, "year": year})
    maps: dict[str, dict] = {"visits": {}, "inscp": {}, "deductible_paid": {}, "fund_paid": {}, "layer_base": {}}
    for category, key, total in rows:
        total = int(total)
        maps[category][key] = total if category == "visits" else from_fen(total)
    return YearToDate(**maps)


_YEAR_TO_DATE = (
    select(t.accumulator_entries.c.category, t.accumulator_entries.c.key, func.sum(t.accumulator_entries.c.amount))
    .where(t.accumulator_entries.c.psn_no == bindparam("psn_no"), t.accumulator_entries.c.insutype == bindparam("insutype"),
           t.accumulator_entries.c.year == bindparam("year"))
    .group_by(t.accumulator_entries.c.category, t.accumulator_entries.c.key)
)


def tips_and_year_to_date(conn: Connection, psn_nos: list[str], psn_no: str, insutype: str,
                          year: int) -> tuple[dict[str, tuple[int, int]], YearToDate]:
    """``account_tips(psn_nos)`` and ``year_to_date(psn_no, insutype, year)`` in one round trip
    (a settlement reads both under the persons' locks)."""
    tips: dict[str, tuple[int, int]] = {}
    maps: dict[str, dict] = {"visits": {}, "inscp": {}, "deductible_paid": {}, "fund_paid": {}, "layer_base": {}}
    rows = driver_sql.all_tuples(conn, _TIPS_AND_YEAR_TO_DATE, {"psn_nos": list(psn_nos), "psn_no": psn_no,
                                                                "insutype": insutype, "year": year})
    for kind, first, second, number, balance in rows:
        if kind == "tip":
            tips[first] = (int(number), int(balance))
        else:
            maps[first][second] = int(number) if first == "visits" else from_fen(int(number))
    return tips, YearToDate(**maps)


def _tips_and_year_to_date_query():
    e, a = t.account_entries, t.accumulator_entries
    last = (select(e.c.psn_no, func.max(e.c.seq).label("seq")).where(e.c.psn_no.in_(bindparam("psn_nos", expanding=True)))
            .group_by(e.c.psn_no).subquery())
    tips = (select(literal_column("'tip'").label("kind"), e.c.psn_no.label("first"), literal_column("''").label("second"),
                   e.c.seq.label("number"), e.c.balance_after_fen.label("balance"))
            .join(last, and_(last.c.psn_no == e.c.psn_no, last.c.seq == e.c.seq)))
    ytd = (select(literal_column("'ytd'"), a.c.category, a.c.key, func.sum(a.c.amount), literal_column("0"))
           .where(a.c.psn_no == bindparam("psn_no"), a.c.insutype == bindparam("insutype"), a.c.year == bindparam("year"))
           .group_by(a.c.category, a.c.key))
    return union_all(tips, ytd)


_TIPS_AND_YEAR_TO_DATE = _tips_and_year_to_date_query()


def add_accumulator_delta(
    conn: Connection, psn_no: str, insutype: str, year: int, delta: YearToDate, setl_id: str, sign: int = 1
) -> None:
    rows = []
    for category, values in delta.as_dict().items():
        for key, value in values.items():
            amount = int(value) if category == "visits" else to_fen(value)
            if amount:
                rows.append(dict(psn_no=psn_no, insutype=insutype, year=year, category=category,
                                 key=key, amount=sign * amount, setl_id=setl_id))
    if rows and not write_batch.defer(conn, t.accumulator_entries, rows):
        conn.execute(insert(t.accumulator_entries), rows)
