"""生育保险 use cases (docs/maternity.md): the maternity filing (生育登记) and the maternity
allowance (生育津贴). Maternity visits themselves (med_type 51/52, insutype 510) settle through
the one engine like any visit (app/platform.py): the visit's insutype selects the insurance and
the policy, whose benefits for 51/52 pay by delivery kind.

- **Filing.** Where the policy says ``maternity.filing_required``, a 51/52 visit settles only
  on a day a filing of the person covers (``MATERNITY_NOT_FILED`` otherwise). A filing is a
  dated period, recorded with its actor; by default it runs ``FILING_MONTHS`` from its start.
- **Allowance.** The employer's average monthly wage of the previous year ÷ 30 × the days of
  the delivery kind (the policy's ``maternity.allowance_days``), once per delivery (a unique
  key on person and delivery date backs the check). It is paid by the insured region's
  maternity fund (510100) to the person: one ledger entry, as a manual claim's payment is.

Locks (docs/locking.md, rank 3): both writes lock the person's row, then read the insurance,
the policy and what was already filed or paid; they take no other lock.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Protocol

from yibao.documents.policy_document import parse_policy
from yibao.documents.validation import parse_json
from yibao.domain import codes
from yibao.domain import ledger as ledger_rules
from yibao.domain import maternity as rules
from yibao.domain.filing import add_months
from yibao.domain.money import FEN, from_fen, to_fen

from .error_codes import refusal
from .errors import new_id
from .unit_of_work import UnitOfWork

MATERNITY_INSUTYPE = "510"
FILING_MONTHS = 12  # illustrative: a filing covers the pregnancy and the delivery
WAGE_LIMIT = Decimal(10) ** 7  # yuan a month; far above any average wage


class MaternityRepository(Protocol):
    """``uow.maternity`` (store/repositories/maternity.py)."""

    def lock_person(self, psn_no: str) -> dict | None: ...
    def insurance(self, psn_no: str, insutype: str) -> dict | None: ...
    def policy_in_force(self, admdvs: str, insutype: str, day: dt.date) -> dict | None: ...
    def filing_covering(self, psn_no: str, day: dt.date) -> dict | None: ...
    def filings(self, psn_no: str) -> list[dict]: ...
    def add_filing(self, row: dict) -> None: ...
    def allowance_for(self, psn_no: str, delivery_date: dt.date) -> dict | None: ...
    def allowances(self, psn_no: str) -> list[dict]: ...
    def add_allowance(self, row: dict) -> None: ...


def register_filing(uow: UnitOfWork, psn_no: str, begndate: dt.date, enddate: dt.date | None = None) -> dict:
    """生育登记 of an insured person (active 510)."""
    insurance = _locked_insurance(uow, psn_no)
    enddate = enddate or add_months(begndate, FILING_MONTHS)
    if enddate < begndate:
        raise refusal("MATERNITY_BAD_PERIOD", begndate=begndate, enddate=enddate)
    row = {"filing_id": new_id("MF"), "psn_no": psn_no, "insuplc_admdvs": insurance["insuplc_admdvs"],
           "begndate": begndate, "enddate": enddate, "actor": uow.actor.label()[:200], "recorded_at": uow.now}
    uow.maternity.add_filing(row)
    uow.actions.record("maternity.filing", psn_no, {"filing_id": row["filing_id"], "begndate": begndate.isoformat(),
                                                    "enddate": enddate.isoformat()})
    return row


def require_filing(uow: UnitOfWork, psn_no: str, day: dt.date) -> None:
    """A 51/52 visit under a policy that requires a filing: one must cover the visit's day."""
    if uow.maternity.filing_covering(psn_no, day) is None:
        raise refusal("MATERNITY_NOT_FILED", psn_no=psn_no, day=day)


def pay_allowance(uow: UnitOfWork, psn_no: str, *, delivery_type: str, delivery_date: dt.date,
                  avg_monthly_wage: Decimal, babies: int = 1) -> dict:
    """Compute and pay the 生育津贴 of one delivery; the stored row (amounts in fen)."""
    if delivery_type not in rules.DELIVERY_KINDS:
        raise refusal("MATERNITY_BAD_DELIVERY_TYPE", delivery_type=delivery_type, known=", ".join(rules.DELIVERY_KINDS))
    if not (Decimal(0) < avg_monthly_wage < WAGE_LIMIT) or avg_monthly_wage != avg_monthly_wage.quantize(FEN):
        raise refusal("MATERNITY_BAD_WAGE", wage=avg_monthly_wage)
    if not 1 <= babies <= 10:
        raise refusal("MATERNITY_BAD_BABIES", babies=babies)
    insurance = _locked_insurance(uow, psn_no)
    insured = insurance["insuplc_admdvs"]
    policy_row = uow.maternity.policy_in_force(insured, MATERNITY_INSUTYPE, delivery_date)
    policy = parse_policy(parse_json(policy_row["document"]), "policy") if policy_row else None
    if policy is None or policy.maternity is None:
        raise refusal("MATERNITY_NO_POLICY", insured=insured, day=delivery_date)
    days = policy.maternity.days(delivery_type, babies)
    if days is None:
        raise refusal("MATERNITY_NO_ALLOWANCE", delivery_type=delivery_type, policy=policy.name)
    if uow.maternity.allowance_for(psn_no, delivery_date) is not None:
        raise refusal("MATERNITY_ALLOWANCE_PAID", psn_no=psn_no, day=delivery_date)
    amount_fen = to_fen(rules.allowance(avg_monthly_wage, days))
    row = {"allowance_id": new_id("MA"), "psn_no": psn_no, "insuplc_admdvs": insured,
           "policy_id": policy_row["policy_id"], "delivery_date": delivery_date, "delivery_type": delivery_type,
           "days": days, "avg_monthly_wage_fen": to_fen(avg_monthly_wage), "amount_fen": amount_fen,
           "actor": uow.actor.label()[:200], "recorded_at": uow.now}
    uow.maternity.add_allowance(row)
    uow.ledger.post(ledger_rules.claim_payment_entry(
        payment_id=row["allowance_id"], insured=insured, psn_no=psn_no, kind="maternity_allowance",
        fund_payments=[(codes.basic_fund_pay_type(MATERNITY_INSUTYPE), amount_fen)]))
    uow.actions.record("maternity.allowance", psn_no, {"allowance_id": row["allowance_id"], "days": days,
                                                       "amount_fen": amount_fen})
    return row


def _locked_insurance(uow: UnitOfWork, psn_no: str) -> dict:
    if uow.maternity.lock_person(psn_no) is None:
        raise refusal("PERSON_NOT_FOUND", psn_no=psn_no)
    insurance = uow.maternity.insurance(psn_no, MATERNITY_INSUTYPE)
    if insurance is None or insurance["psn_insu_stas"] != "1":
        raise refusal("PERSON_NO_ACTIVE_INSURANCE", psn_no=psn_no, insutype=MATERNITY_INSUTYPE)
    return insurance


def public_allowance(row: dict) -> dict:
    return {"allowance_id": row["allowance_id"], "psn_no": row["psn_no"], "insuplc_admdvs": row["insuplc_admdvs"],
            "delivery_date": row["delivery_date"].isoformat(), "delivery_type": row["delivery_type"],
            "days": row["days"], "avg_monthly_wage": f"{from_fen(row['avg_monthly_wage_fen'])}",
            "amount": f"{from_fen(row['amount_fen'])}", "actor": row["actor"]}


def public_filing(row: dict) -> dict:
    return {"filing_id": row["filing_id"], "psn_no": row["psn_no"], "insuplc_admdvs": row["insuplc_admdvs"],
            "begndate": row["begndate"].isoformat(), "enddate": row["enddate"].isoformat(), "actor": row["actor"]}
