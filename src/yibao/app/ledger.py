"""The ledger entries of settlements and account movements (pure); use cases post them with
``uow.ledger.post`` (store/repositories/ledger.py)."""

from __future__ import annotations

import json
from decimal import Decimal

from yibao.domain import ledger as rules
from yibao.domain.money import to_fen


def settlement_entry_for(row: dict) -> rules.Entry:
    """The entry of a stored settlement row (a reversal row has negative amounts: its entry is
    the exact opposite of the original's)."""
    detail = json.loads(row["detail"])
    sign = -1 if row["kind"] == "reversal" else 1
    funds = []
    for item in detail["setldetail"]:
        if item["fund_pay_type"] != rules.ACCT_FUND_PAY_TYPE:
            fen = to_fen(Decimal(item["fund_payamt"]))
            funds.append((item["fund_pay_type"], sign * fen))
    entry = rules.settlement_entry(
        setl_id=row["setl_id"], insured=row["insuplc_admdvs"], treated=row["mdtrtarea_admvs"],
        fixmedins_code=row["fixmedins_code"], psn_no=row["psn_no"], family_psn_no=detail.get("family_psn_no"),
        fund_payments=funds, acct_pay_fen=row["acct_pay_fen"], acct_mulaid_pay_fen=row["acct_mulaid_pay_fen"],
        mutual_aid_fen=[(owner, sign * fen) for owner, fen in mutual_aid_draws(detail, abs(row["acct_mulaid_pay_fen"]))],
    )
    kind = "reversal" if row["kind"] == "reversal" else "settlement"
    return rules.Entry(kind, row["setl_id"], entry.postings)


def mutual_aid_draws(detail: dict, acct_mulaid_pay_fen: int) -> list[tuple[str, int]]:
    """Whose bound accounts paid a settlement's acct_mulaid_pay, in fen (positive), as its
    stored detail says: ``mutual_aid`` (亲情账户, one row per binder) or, for settlements stored
    before bindings, the single ``family_psn_no``."""
    if "mutual_aid" in detail:
        return [(owner, int(fen)) for owner, fen in detail["mutual_aid"]]
    return [(detail["family_psn_no"], acct_mulaid_pay_fen)] if acct_mulaid_pay_fen else []


def account_movement_entry(psn_no: str, region: str, amount_fen: int, ref: str) -> rules.Entry:
    """Money into (or out of) a personal account from outside the settlements (contributions, imports)."""
    return rules.Entry("account_funding", ref, (
        rules.Posting(f"acct_funding:{region}", amount_fen),
        rules.Posting(rules.psn_acct(psn_no), -amount_fen),
    ))

