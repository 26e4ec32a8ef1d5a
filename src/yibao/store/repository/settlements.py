"""Settlements, a visit's settlement chain, and the request log."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Connection, bindparam, func, insert, literal_column, null, select, union_all


from .. import tables as t
from .. import write_batch


# --- settlements -----------------------------------------------------------------------------

SETLINFO_AMOUNTS = (
    "medfee_sumamt", "fulamt_ownpay_amt", "overlmt_selfpay", "preselfpay_amt", "inscp_scp_amt",
    "act_pay_dedc", "hifp_pay", "cvlserv_pay", "hifes_pay", "hifmi_pay", "hifob_pay", "maf_pay",
    "oth_pay", "fund_pay_sumamt", "psn_part_amt", "acct_pay", "acct_mulaid_pay", "psn_cash_pay",
    "hosp_part_amt", "balc",
)  # fmt: skip


def settlement(conn: Connection, setl_id: str) -> dict | None:
    row = conn.execute(select(t.settlements).where(t.settlements.c.setl_id == setl_id)).mappings().first()
    return dict(row) if row else None


def settlement_by_msgid(conn: Connection, fixmedins_code: str, msgid: str) -> dict | None:
    row = conn.execute(
        select(t.settlements).where(
            t.settlements.c.fixmedins_code == fixmedins_code,
            t.settlements.c.medins_setl_id == msgid,
            t.settlements.c.kind == "settlement",
        )
    ).mappings().first()
    return dict(row) if row else None


def active_settlement(conn: Connection, mdtrt_id: str) -> dict | None:
    """The visit's settlement that has not been reversed, if any."""
    return settlement_chain(conn, mdtrt_id)[0]


def settlement_chain(conn: Connection, mdtrt_id: str) -> tuple[dict | None, str | None]:
    """From one indexed query over the visit's rows (a reversal carries its visit's mdtrt_id):
    the active (unreversed) settlement's chain columns (setl_id, kind, reverses_setl_id,
    follows_reversal_id), and what a new settlement would follow — the reversal no settlement
    follows yet (None for a first settlement; docs/locking.md)."""
    return _chain(mdtrt_id, conn.execute(_SETTLEMENTS_OF_VISIT, {"mdtrt_id": mdtrt_id}).mappings().all())


def settlement_chain_and_line_numbers(conn: Connection, mdtrt_id: str) -> tuple[dict | None, str | None, set[str]]:
    """``settlement_chain`` and the feedetl_sn of every fee line stored for the visit, in one
    round trip (a fee upload refuses a settled visit and a line number already used). The
    active settlement comes back as its chain columns only."""
    rows = conn.execute(_CHAIN_AND_LINE_NUMBERS, {"mdtrt_id": mdtrt_id}).mappings().all()
    numbers = {row["setl_id"] for row in rows if row["part"] == "line"}
    active, follows = _chain(mdtrt_id, [row for row in rows if row["part"] == "settlement"])
    return active, follows, numbers


def fee_lines_and_chain(conn: Connection, mdtrt_id: str) -> tuple[list[dict], bool, str | None] | None:
    """The visit's uploaded fee lines, whether it has an active settlement and the reversal a
    new settlement would follow, in one round trip (a settlement reads both after locking the
    visit; this statement comes after the lock's, so it sees what committed before). None when
    the visit has no uploaded line (then ``settlement_chain`` answers alone)."""
    rows = conn.execute(_FEE_LINES_AND_CHAIN, {"mdtrt_id": mdtrt_id, "status": "uploaded"}).mappings().all()
    if not rows:
        return None
    first = rows[0]
    assert first["chain_open_reversals"] <= 1, f"visit {mdtrt_id}: settlement chain forks"
    lines = [{c.name: row[c.name] for c in t.fee_lines.c} for row in rows]
    return lines, bool(first["chain_active"]), first["chain_open_reversal"]


def _fee_lines_and_chain_query():
    s, r, f = t.settlements.alias("s"), t.settlements.alias("r"), t.settlements.alias("f")
    mdtrt_id = bindparam("mdtrt_id")
    active = (select(s.c.setl_id).where(s.c.mdtrt_id == mdtrt_id, s.c.kind == "settlement",
                                        ~select(r.c.setl_id).where(r.c.reverses_setl_id == s.c.setl_id).exists())
              .exists().label("chain_active"))
    open_reversals = select(r.c.setl_id).where(r.c.mdtrt_id == mdtrt_id, r.c.kind == "reversal",
                                               ~select(f.c.setl_id).where(f.c.follows_reversal_id == r.c.setl_id).exists())
    subquery = open_reversals.subquery()
    return (select(t.fee_lines, active,
                   select(func.max(subquery.c.setl_id)).scalar_subquery().label("chain_open_reversal"),
                   select(func.count()).select_from(subquery).scalar_subquery().label("chain_open_reversals"))
            .where(t.fee_lines.c.mdtrt_id == mdtrt_id, t.fee_lines.c.status == bindparam("status"))
            .order_by(t.fee_lines.c.feedetl_sn))


_FEE_LINES_AND_CHAIN = _fee_lines_and_chain_query()


def _chain(mdtrt_id: str, rows) -> tuple[dict | None, str | None]:
    reversed_ids = {row["reverses_setl_id"] for row in rows if row["kind"] == "reversal"}
    followed = {row["follows_reversal_id"] for row in rows if row["kind"] == "settlement"}
    active = [dict(row) for row in rows if row["kind"] == "settlement" and row["setl_id"] not in reversed_ids]
    open_reversals = [row["setl_id"] for row in rows if row["kind"] == "reversal" and row["setl_id"] not in followed]
    assert len(open_reversals) <= 1, f"visit {mdtrt_id}: settlement chain forks"
    return (active[0] if active else None), (open_reversals[0] if open_reversals else None)


# the chain's columns only: every caller asks whether a settlement is active and what a new one follows
_SETTLEMENTS_OF_VISIT = select(t.settlements.c.setl_id, t.settlements.c.kind, t.settlements.c.reverses_setl_id,
                               t.settlements.c.follows_reversal_id).where(t.settlements.c.mdtrt_id == bindparam("mdtrt_id"))
_CHAIN_AND_LINE_NUMBERS = union_all(
    select(literal_column("'settlement'").label("part"), t.settlements.c.setl_id, t.settlements.c.kind,
           t.settlements.c.reverses_setl_id, t.settlements.c.follows_reversal_id)
    .where(t.settlements.c.mdtrt_id == bindparam("mdtrt_id")),
    select(literal_column("'line'"), t.fee_lines.c.feedetl_sn, literal_column("''"), null(), null())
    .where(t.fee_lines.c.mdtrt_id == bindparam("mdtrt_id")),
)


def reversal_of(conn: Connection, setl_id: str) -> dict | None:
    row = conn.execute(select(t.settlements).where(t.settlements.c.reverses_setl_id == setl_id)).mappings().first()
    return dict(row) if row else None


def insert_settlement(conn: Connection, row: dict) -> None:
    if not write_batch.defer(conn, t.settlements, [row]):
        conn.execute(_INSERT_SETTLEMENT, row)


_INSERT_SETTLEMENT = insert(t.settlements)


# --- request log -------------------------------------------------------------------------------

def logged_request(conn: Connection, fixmedins_code: str, msgid: str) -> dict | None:
    row = conn.execute(
        select(t.request_log).where(t.request_log.c.fixmedins_code == fixmedins_code, t.request_log.c.msgid == msgid)
    ).mappings().first()
    return dict(row) if row else None


def log_request(
    conn: Connection, fixmedins_code: str, msgid: str, infno: str, request_sha256: str, now: dt.datetime, output_json: str
) -> None:
    row = dict(fixmedins_code=fixmedins_code, msgid=msgid, infno=infno, request_sha256=request_sha256, received_at=now,
               infcode=0, output=output_json, err_msg="")
    if not write_batch.defer(conn, t.request_log, [row]):
        conn.execute(_LOG_REQUEST, row)


_LOG_REQUEST = insert(t.request_log)
