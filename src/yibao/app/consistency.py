"""``yibao check``: does everything stored agree with the stored settlements?

Run after a crash, a restore or a migration. Each check returns readable errors; an empty
list means consistent. Checked: every settlement's money identities; at most one active
settlement per visit; reversals point at settlements; the request log and the settlements
name each other; account movements and accumulator movements are exactly what the
settlements imply; the ledger is zero-sum and its funds and personal accounts agree.
"""

from __future__ import annotations

import json
from collections import defaultdict
from decimal import Decimal

from sqlalchemy import Connection, func, select

from yibao.store import repository as repo
from yibao.store import tables as t

from .ledger import balances, check_ledger
from .platform import check_stored

SETTLING_INFNOS = ("2207", "2304", "2102")
REVERSING_INFNOS = ("2208", "2305", "2103", "2601")


def check_database(conn: Connection, *, limit: int = 50) -> list[str]:
    errors: list[str] = []
    s = t.settlements
    rows = [dict(row) for row in conn.execute(select(s)).mappings()]
    by_id = {row["setl_id"]: row for row in rows}
    active: dict[str, int] = defaultdict(int)
    reversed_ids = {row["reverses_setl_id"] for row in rows if row["kind"] == "reversal"}
    expected_accounts: dict[str, int] = defaultdict(int)
    expected_accumulators: dict[tuple, int] = defaultdict(int)
    for row in rows:
        try:
            check_stored(row)
        except AssertionError:
            errors.append(f"settlement {row['setl_id']}: the money identities do not hold")
        detail = json.loads(row["detail"])
        sign = 1
        if row["kind"] == "reversal":
            original = by_id.get(row["reverses_setl_id"])
            if original is None or original["kind"] != "settlement":
                errors.append(f"reversal {row['setl_id']} points at {row['reverses_setl_id']}, which is not a settlement")
                continue
            detail = json.loads(original["detail"])
            sign = -1
        elif row["setl_id"] not in reversed_ids:
            active[row["mdtrt_id"]] += 1
        own = -row["acct_pay_fen"]
        if own:
            expected_accounts[(row["setl_id"], row["psn_no"])] += own
        if row["acct_mulaid_pay_fen"]:
            expected_accounts[(row["setl_id"], detail.get("family_psn_no"))] += -row["acct_mulaid_pay_fen"]
        for category, values in detail["delta"].items():
            for key, value in values.items():
                amount = int(value) if category == "visits" else repo.to_fen(Decimal(value))
                if amount:
                    expected_accumulators[(row["setl_id"], row["psn_no"], row["insutype"], row["year"], category, key)] += sign * amount
    errors += [f"visit {mdtrt_id} has {count} active settlements" for mdtrt_id, count in active.items() if count > 1]

    actual_accounts = defaultdict(int)
    for setl_id, psn_no, amount in conn.execute(
        select(t.account_entries.c.setl_id, t.account_entries.c.psn_no, func.sum(t.account_entries.c.amount_fen))
        .where(t.account_entries.c.setl_id.is_not(None)).group_by(t.account_entries.c.setl_id, t.account_entries.c.psn_no)
    ):
        if int(amount):
            actual_accounts[(setl_id, psn_no)] = int(amount)
    for key in set(expected_accounts) | set(actual_accounts):
        if expected_accounts.get(key, 0) != actual_accounts.get(key, 0):
            errors.append(f"account movements of settlement {key[0]} for {key[1]}: {actual_accounts.get(key, 0)} fen, "
                          f"the settlement implies {expected_accounts.get(key, 0)}")

    a = t.accumulator_entries
    actual_accumulators = defaultdict(int)
    for setl_id, psn_no, insutype, year, category, key, amount in conn.execute(
        select(a.c.setl_id, a.c.psn_no, a.c.insutype, a.c.year, a.c.category, a.c.key, func.sum(a.c.amount))
        .where(a.c.setl_id != "OPENING").group_by(a.c.setl_id, a.c.psn_no, a.c.insutype, a.c.year, a.c.category, a.c.key)
    ):
        if int(amount):
            actual_accumulators[(setl_id, psn_no, insutype, year, category, key)] = int(amount)
    for key in set(expected_accumulators) | set(actual_accumulators):
        if expected_accumulators.get(key, 0) != actual_accumulators.get(key, 0):
            errors.append(f"accumulator {key[4]}.{key[5]} of settlement {key[0]}: {actual_accumulators.get(key, 0)}, "
                          f"the settlement implies {expected_accumulators.get(key, 0)}")

    logged = {(code, msgid): infno for code, msgid, infno in conn.execute(
        select(t.request_log.c.fixmedins_code, t.request_log.c.msgid, t.request_log.c.infno))}
    for row in rows:
        infno = logged.get((row["fixmedins_code"], row["medins_setl_id"]))
        if infno is None:
            errors.append(f"settlement {row['setl_id']} has no request-log row for msgid {row['medins_setl_id']}")
    settled_msgids = {(row["fixmedins_code"], row["medins_setl_id"]) for row in rows}
    for (code, msgid), infno in logged.items():
        if infno in SETTLING_INFNOS + REVERSING_INFNOS[:3] and (code, msgid) not in settled_msgids:
            errors.append(f"request {infno} {msgid} of {code} was answered but its settlement is missing")

    errors += check_ledger(conn)
    fund_ledger: dict[str, int] = defaultdict(int)
    for account, fen in balances(conn, "fund:").items():
        fund_ledger[account.split(":")[1]] += fen
    fund_settled = {region: int(total) for region, total in conn.execute(
        select(s.c.insuplc_admdvs, func.sum(s.c.fund_pay_sumamt_fen)).group_by(s.c.insuplc_admdvs))}
    for region in set(fund_ledger) | set(fund_settled):
        if fund_ledger.get(region, 0) != fund_settled.get(region, 0):
            errors.append(f"fund ledger of region {region}: {fund_ledger.get(region, 0)} fen, settlements {fund_settled.get(region, 0)}")
    movements = {psn: int(total) for psn, total in conn.execute(
        select(t.account_entries.c.psn_no, func.sum(t.account_entries.c.amount_fen)).group_by(t.account_entries.c.psn_no))}
    for account, fen in balances(conn, "psn_acct:").items():
        psn_no = account.split(":", 1)[1]
        if -fen != movements.get(psn_no, 0):
            errors.append(f"personal account {psn_no}: ledger {-fen} fen, movements {movements.get(psn_no, 0)}")
    return errors[:limit] + ([f"… and {len(errors) - limit} more"] if len(errors) > limit else [])
