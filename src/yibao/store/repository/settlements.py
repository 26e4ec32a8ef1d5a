"""Settlements, a visit's settlement chain, and the request log."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Connection, Date, DateTime, bindparam, func, insert, literal_column, null, select, union_all


from .. import tables as t
from .. import driver_sql, write_batch
from .family_links import BINDERS_SQL, binders_link, link_owners


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
    rows = driver_sql.all_mappings(conn, _CHAIN_AND_LINE_NUMBERS, {"mdtrt_id": mdtrt_id})
    numbers = {row["setl_id"] for row in rows if row["part"] == "line"}
    active, follows = _chain(mdtrt_id, [row for row in rows if row["part"] == "settlement"])
    return active, follows, numbers


def fee_lines_and_chain(conn: Connection, mdtrt_id: str) -> tuple[list[dict], bool, str | None] | None:
    """The visit's uploaded fee lines, whether it has an active settlement and the reversal a
    new settlement would follow, in one round trip (a settlement reads both after locking the
    visit; this statement comes after the lock's, so it sees what committed before). None when
    the visit has no uploaded line (then ``settlement_chain`` answers alone)."""
    rows = driver_sql.all_mappings(conn, _FEE_LINES_AND_CHAIN, {"mdtrt_id": mdtrt_id, "status": "uploaded"})
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


# --- a settlement's reads under the persons' lock, in one round trip (PostgreSQL) ---------------

def lock_for_settlement_postgresql(conn: Connection, *, mdtrt_id: str, psn_no: str, family_psn_no: str | None,
                                   insutype: str, history_since: dt.date | None) -> dict:
    """What a settlement reads after taking the visit's lock, in the statement that takes the
    persons' lock (docs/locking.md, rank 3): the person and the family account owner locked in
    ascending psn_no order and read after the lock, the person's insurance and death date, the
    visit's uploaded fee lines and its settlement chain, and (``history_since``) the person's
    other visits since then with their diagnoses and lines and the visit's own diagnoses for
    the in-event audit.

    The lines and the chain are guarded by the visit's lock, taken by an earlier statement, so
    this statement's snapshot already holds every change committed under it. The history is
    guarded by no lock (other visits' uploads do not take the person's); reading it here or
    after the lock is the same race. Account tips and accumulators, guarded by the persons'
    lock, are read by the next statement."""
    rows = driver_sql.text_mappings(conn, _LOCK_FOR_SETTLEMENT_SQL, {
        "wanted": sorted({psn_no, *link_owners(family_psn_no)}), "psn_no": psn_no, "insutype": insutype,
        "mdtrt_id": mdtrt_id, "with_history": history_since is not None,
        "since": dt.datetime.combine(history_since or dt.date.min, dt.time()),
    })
    locked: dict[str, dict] = {}
    found: dict = {"person": None, "insurance": None, "locked": locked, "lines": [], "active": False,
                   "follows": None, "history": None, "claimed": False}
    for row in rows:
        locked[row["psn_no"]] = {c.name: row[c.name] for c in t.persons.c}
        if row["psn_no"] != psn_no:
            continue
        person = found["person"] = locked[psn_no]
        person["die_date"] = row["death_die_date"]
        person["family_binders"] = binders_link(row["family_binders"])
        if row["ins_psn_no"] is not None:
            found["insurance"] = {c.name: row[f"ins_{c.name}"] for c in t.insurances.c}
        assert row["chain_open_reversals"] <= 1, f"visit {mdtrt_id}: settlement chain forks"
        found.update(lines=[_from_json(t.fee_lines, line) for line in row["lines_json"]], active=bool(row["chain_active"]),
                     follows=row["chain_open_reversal"], claimed=bool(row["claimed"]))
        if history_since is not None:
            found["history"] = _history_from_json(mdtrt_id, row["history_json"])
    return found


def _history_from_json(mdtrt_id: str, history: dict) -> tuple[list[dict], dict[str, list[dict]], dict[str, list[dict]]]:
    """The other visits (begntime order), the diagnoses by visit (the audited one included) and
    the uploaded lines by visit (feedetl_sn order), shaped as the audit repository returns them."""
    visits = [_from_json(t.visits, visit) for visit in history["visits"]]
    diagnoses: dict[str, list[dict]] = {mdtrt_id: [], **{visit["mdtrt_id"]: [] for visit in visits}}
    for diagnosis in history["diagnoses"]:
        diagnoses[diagnosis["mdtrt_id"]].append(_from_json(t.diagnoses, diagnosis))
    lines: dict[str, list[dict]] = {visit["mdtrt_id"]: [] for visit in visits}
    for line in history["lines"]:
        lines[line["mdtrt_id"]].append(_from_json(t.fee_lines, line))
    return visits, diagnoses, lines


def _from_json(table, row: dict) -> dict:
    """A row as PostgreSQL's json_agg wrote it, typed as the table's rows are read (timestamps
    come back as ISO text)."""
    typed = dict(row)
    for name in _TIME_COLUMNS[table.name]:
        if typed[name] is not None:
            typed[name] = dt.datetime.fromisoformat(typed[name])
    return typed


_TIME_COLUMNS = {table.name: [c.name for c in table.c if isinstance(c.type, DateTime)]
                 for table in (t.fee_lines, t.visits, t.diagnoses)}
# no plain date column in these tables (a date would come back as text too)
assert not any(isinstance(c.type, Date) for table in (t.fee_lines, t.visits, t.diagnoses) for c in table.c)


def _lock_for_settlement_sql() -> str:
    person_columns = ", ".join(f"p.{c.name}" for c in t.persons.c)
    insurance_columns = ", ".join(f"i.{c.name} AS ins_{c.name}" for c in t.insurances.c)
    return f"""
WITH lines AS (
  SELECT coalesce(json_agg(f ORDER BY f.feedetl_sn), '[]'::json) AS j
  FROM fee_lines f WHERE f.mdtrt_id = %(mdtrt_id)s AND f.status = 'uploaded'),
chain AS (
  SELECT EXISTS (SELECT 1 FROM settlements s WHERE s.mdtrt_id = %(mdtrt_id)s AND s.kind = 'settlement'
                 AND NOT EXISTS (SELECT 1 FROM settlements r WHERE r.reverses_setl_id = s.setl_id)) AS active,
         max(o.setl_id) AS open_reversal, count(o.setl_id) AS open_reversals
  FROM (SELECT r.setl_id FROM settlements r WHERE r.mdtrt_id = %(mdtrt_id)s AND r.kind = 'reversal'
        AND NOT EXISTS (SELECT 1 FROM settlements f WHERE f.follows_reversal_id = r.setl_id)) o),
hv AS (
  SELECT * FROM visits v WHERE %(with_history)s AND v.psn_no = %(psn_no)s AND v.mdtrt_id <> %(mdtrt_id)s
  AND v.status <> 'cancelled' AND v.begntime >= %(since)s),
history AS (
  SELECT json_build_object(
    'visits', (SELECT coalesce(json_agg(hv ORDER BY hv.begntime, hv.mdtrt_id), '[]'::json) FROM hv),
    'diagnoses', (SELECT coalesce(json_agg(d ORDER BY d.diag_id), '[]'::json) FROM (
        SELECT dg.* FROM diagnoses dg JOIN hv ON dg.mdtrt_id = hv.mdtrt_id
        UNION ALL SELECT dg.* FROM diagnoses dg WHERE %(with_history)s AND dg.mdtrt_id = %(mdtrt_id)s) d),
    'lines', (SELECT coalesce(json_agg(fl ORDER BY fl.mdtrt_id, fl.feedetl_sn), '[]'::json)
              FROM fee_lines fl JOIN hv ON fl.mdtrt_id = hv.mdtrt_id WHERE fl.status = 'uploaded')) AS j)
SELECT {person_columns}, {insurance_columns}, d.die_date AS death_die_date,
  CASE WHEN p.psn_no = %(psn_no)s THEN {BINDERS_SQL} END AS family_binders,
  CASE WHEN p.psn_no = %(psn_no)s THEN (SELECT j FROM lines) END AS lines_json,
  (SELECT active FROM chain) AS chain_active, (SELECT open_reversal FROM chain) AS chain_open_reversal,
  (SELECT open_reversals FROM chain) AS chain_open_reversals,
  EXISTS (SELECT 1 FROM claims c WHERE c.mdtrt_id = %(mdtrt_id)s AND c.status NOT IN ('rejected', 'reversed')) AS claimed,
  CASE WHEN p.psn_no = %(psn_no)s AND %(with_history)s THEN (SELECT j FROM history) END AS history_json
FROM persons p
LEFT JOIN insurances i ON i.psn_no = p.psn_no AND i.psn_no = %(psn_no)s AND i.insutype = %(insutype)s
LEFT JOIN deaths d ON d.certno = p.certno
WHERE p.psn_no = ANY(%(wanted)s)
ORDER BY p.psn_no
FOR UPDATE OF p"""


_LOCK_FOR_SETTLEMENT_SQL = _lock_for_settlement_sql()


def visit_claimed(conn: Connection, mdtrt_id: str) -> bool:
    """Whether a manual claim that is not rejected or reversed names the visit (零星报销: the visit
    is then paid by the claim, never also at the counter)."""
    c = t.claims
    return conn.execute(select(c.c.claim_id).where(c.c.mdtrt_id == mdtrt_id, c.c.status.not_in(("rejected", "reversed")))
                        .limit(1)).first() is not None
