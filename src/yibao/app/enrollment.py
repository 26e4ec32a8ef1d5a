"""参保登记与缴费 (enrollment and contributions), 转移接续 (transfers between regions) and
个人账户划入 (monthly crediting of employees' personal accounts); docs/enrollment.md.

Every step is a dated, append-only record (``enrollment_records``, ``contributions``,
``transfers``, ``transfer_acceptances``, ``account_credits``); the person's insurance row keeps
the current state the settlement path checks (``benefit_begndate``, ``insu_enddate``,
``psn_insu_stas``), written in the same transaction as the record it follows from.

Locks (docs/locking.md): every write locks the person's row (rank 3) and decides on what it
reads after it; a transfer's acceptance locks the person alone, ends the old period and opens
the new one in its transaction; crediting locks the month's persons in ascending psn_no.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from decimal import Decimal, InvalidOperation
from typing import Protocol

from yibao.domain import enrollment as rules
from yibao.domain import ledger as ledger_rules
from yibao.domain.money import from_fen, round_fen, to_fen

from .error_codes import refusal
from .errors import new_id
from .ledger import account_movement_entry
from .statistics import region_prefix

MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
POOLED_FUND = "310100"  # 统筹基金 fund_pay_type: the pooled-fund account moved by the 川渝 rule
CREDIT_KIND = "credit"  # account_entries.kind of a monthly 个人账户划入


class EnrollmentRepository(Protocol):
    def lock_persons(self, psn_nos: list[str]) -> dict[str, dict]: ...
    def add_person(self, row: dict) -> None: ...
    def insurance(self, psn_no: str, insutype: str) -> dict | None: ...
    def insurances(self, psn_no: str) -> list[dict]: ...
    def save_insurance(self, row: dict) -> None: ...
    def policy_document(self, admdvs: str, insutype: str, day: dt.date) -> str | None: ...
    def records(self, psn_no: str, insutype: str | None = None) -> list[dict]: ...
    def add_record(self, row: dict) -> int: ...
    def contribution(self, psn_no: str, insutype: str, month: str) -> dict | None: ...
    def add_contribution(self, row: dict) -> int: ...
    def contribution_summary(self, psn_no: str, insutype: str) -> dict: ...
    def contributions_by_region(self, psn_no: str, insutype: str) -> list[dict]: ...
    def transfer(self, transfer_id: str) -> dict | None: ...
    def open_transfer(self, psn_no: str, insutype: str) -> str | None: ...
    def transfers_of(self, psn_no: str) -> list[dict]: ...
    def add_transfer(self, row: dict) -> None: ...
    def add_acceptance(self, row: dict) -> None: ...
    def employees_to_credit(self, month_start: dt.date, month_end: dt.date) -> list[dict]: ...
    def credited(self, psn_nos: list[str], month: str) -> set[str]: ...
    def add_credit(self, row: dict) -> None: ...


# --- parameters ---------------------------------------------------------------------------------

def region_rules(uow, admdvs: str, insutype: str, day: dt.date) -> rules.EnrollmentRules:
    """The ``enrollment`` block of the policy in force (defaults without a policy or a block)."""
    document = uow.enrollment.policy_document(admdvs, insutype, day)
    try:
        return rules.rules_from_document(json.loads(document) if document else None)
    except rules.RuleError as bad:
        raise refusal("ENROLL_POLICY_BAD", region=admdvs, path=bad.path, why=bad.why) from None


def parse_month(month: str) -> tuple[dt.date, dt.date]:
    """YYYY-MM → the month's first and last day."""
    found = MONTH.match(month or "")
    if not found:
        raise refusal("ENROLL_BAD_MONTH", month=month)
    first = dt.date(int(found[1]), int(found[2]), 1)
    return first, rules.add_months(first, 1) - dt.timedelta(days=1)


def parse_yuan(value) -> int:
    """A contribution amount in yuan (text or Decimal, never float) as fen."""
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        raise refusal("ENROLL_BAD_AMOUNT", value=value) from None
    if isinstance(value, float) or not amount.is_finite() or amount < 0 or amount != round_fen(amount) or amount > 10**8:
        raise refusal("ENROLL_BAD_AMOUNT", value=value)
    return to_fen(amount)


# --- enrollment -----------------------------------------------------------------------------------

def register(uow, *, psn_no: str, insutype: str, insuplc_admdvs: str, kind: str, psn_type: str,
             enroll_date: dt.date, emp_no: str | None = None, person: dict | None = None) -> dict:
    """Enroll a person (creating them with ``person``'s identity if new) and derive when benefits
    begin from the region's parameters; a person whose earlier period ended starts a new one."""
    if kind not in rules.KINDS:
        raise refusal("ENROLL_KIND_UNKNOWN", kind=kind)
    if kind == "employee" and not emp_no:
        raise refusal("ENROLL_EMPLOYER_REQUIRED")
    found = uow.enrollment.lock_persons([psn_no]).get(psn_no)
    if found is None:
        found = _new_person(uow, psn_no, person)
    current = uow.enrollment.insurance(psn_no, insutype)  # read after the lock
    follows = None
    if current is not None:
        if current["insu_enddate"] is None or current["insu_enddate"] >= enroll_date:
            raise refusal("ENROLL_ALREADY_INSURED", psn_no=psn_no, insutype=insutype, region=current["insuplc_admdvs"])
        follows = _last_end(uow, psn_no, insutype)
    params = region_rules(uow, insuplc_admdvs, insutype, enroll_date)
    begins = rules.benefit_begndate(kind, enroll_date, params, brdy=found["brdy"])
    record = dict(psn_no=psn_no, insutype=insutype, insuplc_admdvs=insuplc_admdvs, step="enroll", enroll_kind=kind,
                  psn_type=psn_type, emp_no=emp_no, begndate=enroll_date, benefit_begndate=begins,
                  follows_end_id=follows["record_id"] if follows else None,
                  prev_enddate=follows["enddate"] if follows else None, actor=_actor(uow), recorded_at=uow.now)
    record_id = uow.enrollment.add_record(record)
    uow.enrollment.save_insurance(dict(psn_no=psn_no, insutype=insutype, psn_type=psn_type,
                                       insuplc_admdvs=insuplc_admdvs, cvlserv_flag=False, psn_insu_stas="1",
                                       enroll_date=enroll_date, benefit_begndate=begins, insu_enddate=None))
    uow.actions.record("enroll.register", psn_no, {"insutype": insutype, "region": insuplc_admdvs, "kind": kind,
                                                   "enroll_date": enroll_date, "benefit_begndate": begins})
    return dict(record, record_id=record_id)


def _new_person(uow, psn_no: str, person: dict | None) -> dict:
    wanted = ("certno", "psn_name", "gend", "brdy")
    if not person or any(not person.get(name) for name in wanted):
        raise refusal("ENROLL_PERSON_DETAILS_REQUIRED")
    row = dict(psn_no=psn_no, psn_cert_type=person.get("psn_cert_type") or "01", card_no=person.get("card_no") or "",
               **{name: person[name] for name in wanted})
    uow.enrollment.add_person(row)
    return row


def _actor(uow) -> str:
    return uow.actor.label()[:200]


def _periods(records: list[dict]) -> list[dict]:
    return [row for row in records if row["step"] in ("enroll", "transfer_in")]


def _last_end(uow, psn_no: str, insutype: str) -> dict | None:
    ends = [row for row in uow.enrollment.records(psn_no, insutype) if row["step"] == "end"]
    return ends[-1] if ends else None


def current_period(uow, insurance: dict, not_after: dt.date) -> dict:
    """The open period of an insurance; a person imported without records gets one now (kind
    ``imported``, from the insurance's dates, else from ``not_after``: the day the step that needs
    it is dated), so an end or a transfer has a period to refer to."""
    periods = _periods(uow.enrollment.records(insurance["psn_no"], insurance["insutype"]))
    if periods:
        return periods[-1]
    begins = min(insurance["enroll_date"] or insurance["benefit_begndate"] or not_after, not_after)
    row = dict(psn_no=insurance["psn_no"], insutype=insurance["insutype"], step="enroll", enroll_kind="imported",
               insuplc_admdvs=insurance["insuplc_admdvs"], psn_type=insurance["psn_type"], begndate=begins,
               benefit_begndate=insurance["benefit_begndate"] or begins, actor=_actor(uow), recorded_at=uow.now)
    return dict(row, record_id=uow.enrollment.add_record(row))


def _locked_insurance(uow, psn_no: str, insutype: str) -> dict:
    """Lock the person (rank 3), then read their insurance of ``insutype``."""
    uow.enrollment.lock_persons([psn_no])
    insurance = uow.enrollment.insurance(psn_no, insutype)
    if insurance is None:
        raise refusal("ENROLL_NOT_INSURED", psn_no=psn_no, insutype=insutype)
    return insurance


def _open_insurance(uow, psn_no: str, insutype: str, day: dt.date) -> dict:
    insurance = _locked_insurance(uow, psn_no, insutype)
    if insurance["insu_enddate"] is not None and insurance["insu_enddate"] < day:
        raise refusal("ENROLL_ALREADY_ENDED", psn_no=psn_no, insutype=insutype, ended=insurance["insu_enddate"])
    return insurance


def change_state(uow, psn_no: str, insutype: str, step: str, day: dt.date, reason: str = "") -> dict:
    """暂停 (``suspend``), 恢复 (``resume``) or 终止 (``end``, ``day`` = the last day of cover) as a
    dated record; the insurance row follows it."""
    insurance = _open_insurance(uow, psn_no, insutype, day)
    stas = insurance["psn_insu_stas"]
    if step == "suspend" and stas == "2":
        raise refusal("ENROLL_ALREADY_SUSPENDED", psn_no=psn_no, insutype=insutype)
    if step == "resume" and stas != "2":
        raise refusal("ENROLL_NOT_SUSPENDED", psn_no=psn_no, insutype=insutype)
    period = current_period(uow, insurance, day)
    if day < period["begndate"]:
        raise refusal("ENROLL_DATE_BEFORE_PERIOD", day=day, begndate=period["begndate"])
    row = dict(psn_no=psn_no, insutype=insutype, insuplc_admdvs=insurance["insuplc_admdvs"], step=step, begndate=day,
               enddate=day if step == "end" else None, refers_to=period["record_id"], reason=reason[:200],
               actor=_actor(uow), recorded_at=uow.now)
    row["record_id"] = uow.enrollment.add_record(row)
    changes = {"suspend": {"psn_insu_stas": "2"}, "resume": {"psn_insu_stas": "1"}, "end": {"insu_enddate": day}}[step]
    uow.enrollment.save_insurance(dict(insurance, **changes))
    uow.actions.record(f"enroll.{step}", psn_no, {"insutype": insutype, "day": day, "reason": reason[:200]})
    return row


# --- contributions ----------------------------------------------------------------------------------

def contribute(uow, psn_no: str, insutype: str, month: str, *, emp_amt, psn_amt, base=None) -> dict:
    """One month's contribution (employer's and person's parts, yuan) in the insured region."""
    first, last = parse_month(month)
    emp_fen, psn_fen = parse_yuan(emp_amt), parse_yuan(psn_amt)
    base_fen = parse_yuan(base) if base not in (None, "") else None
    insurance = _open_insurance(uow, psn_no, insutype, first)
    if uow.enrollment.contribution(psn_no, insutype, month) is not None:
        raise refusal("ENROLL_CONTRIBUTION_EXISTS", psn_no=psn_no, insutype=insutype, month=month)
    row = dict(psn_no=psn_no, insutype=insutype, insuplc_admdvs=insurance["insuplc_admdvs"], month=month,
               base_fen=base_fen, emp_amt_fen=emp_fen, psn_amt_fen=psn_fen, actor=_actor(uow), recorded_at=uow.now)
    row["contribution_id"] = uow.enrollment.add_contribution(row)
    uow.actions.record("enroll.contribute", psn_no, {"insutype": insutype, "month": month, "emp_amt_fen": emp_fen,
                                                     "psn_amt_fen": psn_fen})
    return row


def person_view(uow, psn_no: str) -> dict:
    """The person's insurances with their records, contribution years by region, transfers."""
    insurances = []
    for insurance in uow.enrollment.insurances(psn_no):
        summary = uow.enrollment.contribution_summary(psn_no, insurance["insutype"])
        years, months = rules.contribution_years(summary["months"])
        insurances.append(dict(insurance, contribution_months=summary["months"], contribution_years=years,
                               contribution_extra_months=months, last_contribution_month=summary["last_month"],
                               contributions=uow.enrollment.contributions_by_region(psn_no, insurance["insutype"]),
                               records=uow.enrollment.records(psn_no, insurance["insutype"])))
    return {"psn_no": psn_no, "insurances": insurances, "transfers": uow.enrollment.transfers_of(psn_no)}


# --- transfers (医保办发〔2021〕43号, domain-rules.md §8) --------------------------------------------

def issue_transfer(uow, *, psn_no: str, from_admdvs: str, to_admdvs: str, insutype: str) -> dict:
    """The transfer-out region's information record: contribution months, the account balance."""
    if from_admdvs == to_admdvs:
        raise refusal("ENROLL_TRANSFER_SAME_REGION", region=from_admdvs)
    insurance = _open_insurance(uow, psn_no, insutype, uow.now.date())
    if insurance["insuplc_admdvs"] != from_admdvs:
        raise refusal("ENROLL_TRANSFER_WRONG_REGION", psn_no=psn_no, actual=insurance["insuplc_admdvs"], claimed=from_admdvs)
    if rules.is_retiree(insurance["psn_type"]):
        raise refusal("ENROLL_TRANSFER_RETIREE")
    waiting = uow.enrollment.open_transfer(psn_no, insutype)
    if waiting is not None:
        raise refusal("ENROLL_TRANSFER_OPEN", psn_no=psn_no, transfer_id=waiting)
    summary = uow.enrollment.contribution_summary(psn_no, insutype)
    balance_fen = uow.accounts.tips([psn_no]).get(psn_no, (0, 0))[1]  # under the person's lock
    row = dict(transfer_id=new_id("TR"), psn_no=psn_no, insutype=insutype, from_admdvs=from_admdvs, to_admdvs=to_admdvs,
               psn_type=insurance["psn_type"], contribution_months=summary["months"],
               last_contribution_month=summary["last_month"], acct_balance_fen=balance_fen,
               issued_at=uow.now, issued_by=_actor(uow))
    uow.enrollment.add_transfer(row)
    uow.actions.record("transfer.issue", psn_no, {k: row[k] for k in ("transfer_id", "from_admdvs", "to_admdvs",
                                                                      "contribution_months", "acct_balance_fen")})
    return transfer_view(row)


def accept_transfer(uow, transfer_id: str, receiver: str | None = None) -> dict:
    """The transfer-in region accepts: the old period ends yesterday, the new one begins today
    (one transaction, backed by the records' constraints); the account balance's funding moves
    to the new region; pooled-fund money moves only under a regional rule (川渝)."""
    transfer = uow.enrollment.transfer(transfer_id)
    if transfer is None:
        raise refusal("ENROLL_TRANSFER_NOT_FOUND", transfer_id=transfer_id)
    if receiver is not None and not receiver(transfer["to_admdvs"]):
        raise refusal("ENROLL_TRANSFER_NOT_RECEIVER", transfer_id=transfer_id, to_admdvs=transfer["to_admdvs"])
    psn_no, insutype, begins = transfer["psn_no"], transfer["insutype"], uow.now.date()
    insurance = _locked_insurance(uow, psn_no, insutype)
    transfer = uow.enrollment.transfer(transfer_id)  # read again after the person's lock
    if transfer["accepted_at"] is not None:
        raise refusal("ENROLL_TRANSFER_ACCEPTED", transfer_id=transfer_id, accepted_at=transfer["accepted_at"])
    ended = insurance["insu_enddate"]
    if insurance["insuplc_admdvs"] != transfer["from_admdvs"] or (ended is not None and ended < begins):
        raise refusal("ENROLL_TRANSFER_STALE", transfer_id=transfer_id, psn_no=psn_no)
    params = region_rules(uow, transfer["to_admdvs"], insutype, begins)
    benefit = rules.transfer_benefit_begndate(begins, transfer["last_contribution_month"], params)
    record_id = _move_period(uow, insurance, transfer, begins, benefit)
    balance_fen = uow.accounts.tips([psn_no]).get(psn_no, (0, 0))[1]
    pooled_fen = rules.pooled_fund_amount_fen(params, transfer["from_admdvs"], begins, transfer["contribution_months"])
    _post_transfer_money(uow, transfer, balance_fen, pooled_fen)
    acceptance = dict(transfer_id=transfer_id, begndate=begins, benefit_begndate=benefit, enrollment_record_id=record_id,
                      acct_moved_fen=balance_fen, pooled_fund_fen=pooled_fen, accepted_at=uow.now, accepted_by=_actor(uow))
    uow.enrollment.add_acceptance(acceptance)
    uow.actions.record("transfer.accept", psn_no, {"transfer_id": transfer_id, "begndate": begins, "benefit_begndate": benefit,
                                                   "acct_moved_fen": balance_fen, "pooled_fund_fen": pooled_fen})
    return transfer_view(dict(transfer, **acceptance))


def _move_period(uow, insurance: dict, transfer: dict, begins: dt.date, benefit: dt.date) -> int:
    """End the old period the day before ``begins`` and open the transfer-in period after it."""
    last_day = begins - dt.timedelta(days=1)
    period = current_period(uow, insurance, last_day)
    base = dict(psn_no=insurance["psn_no"], insutype=insurance["insutype"], transfer_id=transfer["transfer_id"],
                actor=_actor(uow), recorded_at=uow.now)
    end_id = uow.enrollment.add_record(dict(base, insuplc_admdvs=transfer["from_admdvs"], step="end",
                                            begndate=last_day, enddate=last_day,
                                            refers_to=period["record_id"], reason="转出"))
    record_id = uow.enrollment.add_record(dict(base, insuplc_admdvs=transfer["to_admdvs"], step="transfer_in",
                                               enroll_kind=period.get("enroll_kind"), psn_type=insurance["psn_type"],
                                               emp_no=period.get("emp_no"), begndate=begins, benefit_begndate=benefit,
                                               follows_end_id=end_id, prev_enddate=last_day, reason="转入"))
    uow.enrollment.save_insurance(dict(insurance, insuplc_admdvs=transfer["to_admdvs"], enroll_date=begins,
                                       benefit_begndate=benefit, insu_enddate=None))
    return record_id


def _post_transfer_money(uow, transfer: dict, balance_fen: int, pooled_fen: int) -> None:
    """The account's funding passes from the old region to the new (the person's balance is
    unchanged); the regional pooled-fund transfer is its own fund-to-fund entry."""
    old, new, ref = transfer["from_admdvs"], transfer["to_admdvs"], f"transfer:{transfer['transfer_id']}"
    if balance_fen:
        uow.ledger.post(ledger_rules.Entry("account_transfer", ref, (
            ledger_rules.Posting(f"acct_funding:{new}", balance_fen),
            ledger_rules.Posting(f"acct_funding:{old}", -balance_fen))))
    if pooled_fen:
        uow.ledger.post(ledger_rules.Entry("pooled_fund_transfer", ref, (
            ledger_rules.Posting(ledger_rules.fund(old, POOLED_FUND), pooled_fen),
            ledger_rules.Posting(ledger_rules.fund(new, POOLED_FUND), -pooled_fen))))


def transfer_view(row: dict) -> dict:
    years, months = rules.contribution_years(row["contribution_months"])
    view = dict(row, contribution_years=years, contribution_extra_months=months,
                acct_balance=from_fen(row["acct_balance_fen"]), status="accepted" if row.get("accepted_at") else "issued")
    for name in ("acct_moved_fen", "pooled_fund_fen"):
        if row.get(name) is not None:
            view[name.removesuffix("_fen")] = from_fen(row[name])
    return view


# --- 个人账户划入 -----------------------------------------------------------------------------------

def credit_month(uow, month: str, region: str = "") -> dict:
    """Credit every employee's account for ``month`` by the region's parameters (``region``: an
    agency's code, its regions only); a person already credited for the month is skipped, so a
    rerun credits nothing twice."""
    first, last = parse_month(month)
    prefix = region_prefix(region) if region else ""
    candidates = [row for row in uow.enrollment.employees_to_credit(first, last)
                  if row["insuplc_admdvs"].startswith(prefix)]
    uow.enrollment.lock_persons([row["psn_no"] for row in candidates])  # ascending psn_no
    done = uow.enrollment.credited([row["psn_no"] for row in candidates], month)  # read after the locks
    credited, total_fen, params_of = [], 0, {}
    for row in candidates:
        if row["psn_no"] in done:
            continue
        region = row["insuplc_admdvs"]
        if region not in params_of:
            params_of[region] = region_rules(uow, region, "310", last)
        basis, amount_fen = rules.credit_amount_fen(params_of[region], row["psn_type"], row["psn_amt_fen"])
        if amount_fen <= 0:
            continue
        _credit_one(uow, row["psn_no"], region, month, basis, amount_fen)
        credited.append(row["psn_no"])
        total_fen += amount_fen
    uow.actions.record("accounts.credit", month, {"persons": len(credited), "amount_fen": total_fen})
    return {"month": month, "persons": len(credited), "skipped_already_credited": len(done),
            "amount": from_fen(total_fen), "psn_nos": credited}


def _credit_one(uow, psn_no: str, region: str, month: str, basis: str, amount_fen: int) -> None:
    tip = uow.accounts.tips([psn_no]).get(psn_no, (0, 0))
    uow.accounts.append(psn_no, amount_fen, CREDIT_KIND, setl_id=None, actor=_actor(uow), tip=tip)
    uow.ledger.post(account_movement_entry(psn_no, region, amount_fen, f"credit:{psn_no}:{month}"))
    uow.enrollment.add_credit(dict(psn_no=psn_no, month=month, insuplc_admdvs=region, basis=basis, amount_fen=amount_fen,
                                   actor=_actor(uow), credited_at=uow.now))


# --- the settlement path's check --------------------------------------------------------------------

def check_covered(insurance: dict, psn_no: str, day: dt.date) -> None:
    """Refuse a visit beginning ``day`` outside the insurance's benefit period. It reads only the
    insurance row the settlement path already holds (no statement of its own); a person imported
    without dates is covered as before."""
    found = rules.uncovered_code(insurance, day)
    if found is None:
        return
    code, params = found
    if code == "ENROLL_WAITING_PERIOD":
        raise refusal("ENROLL_WAITING_PERIOD", psn_no=psn_no, **params)
    raise refusal("ENROLL_INSURANCE_ENDED", psn_no=psn_no, **params)
