"""Manual claims (零星报销 / 手工报销): intake, line-level review, payment, rejection, correction.

A visit that was not settled on the spot (unfiled cross-province visit refused with
E_NOT_FILED, a hospital not connected, an outage, an emergency) is paid in full by the person,
who claims afterwards at the insured place's agency. The money is computed by the same engine as
at the counter (domain/settle.py, settlement-spec §5): the catalogue of the treatment place (the
insured place's when the platform holds none for the treatment region, and the claim says so),
the insured place's policy in force on the visit's end date, the filing rules (an unfiled visit
is never refused here: the policy's ``unfiled`` adjustment applies, or, where the policy rejects
unfiled visits at the counter, that of a filed temporary visit), and the person's year-to-date
accumulators: computed at review, and again at payment under the person's lock.

The personal account is not used: the person already paid the whole invoice at the counter, so
the claim reimburses in cash exactly what the funds pay (``acct_pay`` 0, the rest
``psn_cash_pay``). Payments live in ``claim_payments`` with their own ledger entry kind
(``claim_payment``, funds → ``claimant:{psn_no}``): the insured place pays the person, and
clearing between regions, which reads ``settlements``, never sees them.

Locks (docs/locking.md): review locks the claim row; payment and correction lock the visit the
claim names (rank 2), the claim row (rank 2, after the visit), then the person (rank 3). Payment
reads the claim's verification requests (协查, app/claim_verifications.py) after the claim's lock
and refuses while one is open.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Protocol

from yibao.documents.render import fen as as_fen
from yibao.documents.render import ratio as as_ratio
from yibao.documents.render import settlement_result
from yibao.domain import claims as rules
from yibao.domain import ledger as ledger_rules
from yibao.domain.audit import Claim, Line, audit_claim
from yibao.domain.audit.claims import is_inpatient
from yibao.domain.case import SettlementCase, Visit
from yibao.domain.errors import E_NOT_FILED, SettlementRefused
from yibao.domain.audit.rules import IN as IN_EVENT
from yibao.domain.money import ZERO, from_fen, round_fen, to_fen
from yibao.domain.settle import Settlement, settle
from yibao.store.repository import SETLINFO_AMOUNTS

from . import audit, claim_verifications, filings
from .error_codes import refusal
from .errors import GatewayError, new_id
from .platform import case_person, needs_qualification, visit_filing, ytd_from_json
from .unit_of_work import UnitOfWork

STATUSES = ("submitted", "reviewed", "paid", "rejected", "reversed")


class ClaimsRepository(Protocol):
    """``uow.claims`` (store/repositories/claims.py); rows are dicts, amounts fen."""

    def add_claim(self, row: dict, lines: list[dict]) -> None:
        """Raises domain.claims.ClaimRefused(CLAIM_DUPLICATE) when a live claim holds the invoice or visit."""

    def claim(self, claim_id: str) -> dict | None: ...

    def lock_claim(self, claim_id: str) -> dict | None:
        """docs/locking.md rank 2 (after the visit's lock): the row as read after the lock."""

    def lines(self, claim_id: str) -> list[dict]: ...

    def update_claim(self, claim_id: str, values: dict) -> None: ...

    def claims(self, *, regions: list[str], status: str | None, begin: dt.date | None, end: dt.date | None,
               limit: int, offset: int) -> list[dict]: ...

    def add_decisions(self, rows: list[dict]) -> None: ...

    def decisions(self, claim_id: str, review_round: int) -> list[dict]: ...

    def add_payment(self, row: dict) -> None: ...

    def payments(self, claim_id: str) -> list[dict]: ...

    def live_claim_of_invoice(self, issuer: str, invoice_no: str) -> dict | None: ...

    def live_claim_of_visit(self, mdtrt_id: str) -> dict | None: ...

    def overlapping_claims(self, psn_no: str, begndate: dt.date, enddate: dt.date) -> list[dict]: ...

    def settled_visits(self, psn_no: str, begndate: dt.date, enddate: dt.date) -> list[dict]:
        """The person's visits begun in the period holding a direct settlement not reversed."""

    def visit(self, mdtrt_id: str) -> dict | None: ...

    def lock_visit(self, mdtrt_id: str) -> dict | None: ...

    def visit_settled(self, mdtrt_id: str) -> bool: ...

    def holds_catalogue(self, admdvs: str) -> bool: ...


# --- intake ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ClaimForm:
    """What the agency enters (validated at the edge: admin API, CLI). Amounts are Decimal yuan."""

    psn_no: str
    insutype: str
    med_type: str
    begndate: dt.date
    enddate: dt.date
    invoice_no: str
    reason: str
    lines: tuple[dict, ...]  # {med_list_codg, cnt, pric, det_item_fee_sumamt?}
    fixmedins_code: str | None = None
    fixmedins_name: str | None = None
    mdtrtarea_admvs: str | None = None
    medins_lv: str | None = None
    dise_codg: str = ""
    mdtrt_id: str | None = None
    reason_text: str = ""

    @classmethod
    def from_fields(cls, fields: dict) -> "ClaimForm":
        """From a validated claim document (documents/claim_document.ClaimIn.model_dump())."""
        return cls(**dict(fields, lines=tuple(fields["lines"])))


def submit_claim(uow: UnitOfWork, form: ClaimForm) -> dict:
    """Take a claim: check the person, the place, the dates and the lines, refuse a duplicate,
    run the automatic pre-check, store it ``submitted``. A refusal writes nothing."""
    person, insurance = _insured(uow, form.psn_no, form.insutype)
    place = _treatment_place(uow, form)
    _check_dates(form, uow.now.date())
    lines = _claim_lines(form.lines)
    issuer = place["fixmedins_code"] or f"{place['mdtrtarea_admvs']}:{place['fixmedins_name']}"
    _refuse_duplicates(uow, form, place, issuer)
    catalogue_admdvs = (place["mdtrtarea_admvs"] if uow.claims.holds_catalogue(place["mdtrtarea_admvs"])
                        else insurance["insuplc_admdvs"])
    claim_id = new_id("CL")
    row = dict(
        claim_id=claim_id, psn_no=form.psn_no, insutype=form.insutype, insuplc_admdvs=insurance["insuplc_admdvs"],
        **place, catalogue_admdvs=catalogue_admdvs, med_type=form.med_type, begndate=form.begndate,
        enddate=form.enddate, dise_codg=form.dise_codg or "", invoice_issuer=issuer, invoice_no=form.invoice_no,
        mdtrt_id=form.mdtrt_id, reason=form.reason, reason_text=form.reason_text[:200],
        medfee_sumamt_fen=sum(to_fen(line.amount) for line in lines), status="submitted", review_round=0,
        submitted_at=uow.now, submitted_by=uow.actor.label()[:200], closed_at=None, closed_by="", close_reason="", review="",
    )
    row["precheck"] = _json(precheck(uow, row, lines, person))
    try:
        uow.claims.add_claim(row, [_line_row(line) for line in lines])
    except rules.ClaimRefused as exc:
        raise refusal(exc.code, **exc.params) from None
    uow.actions.record("claim.submit", claim_id, {"psn_no": form.psn_no, "invoice_no": form.invoice_no,
                                                  "medfee_sumamt_fen": row["medfee_sumamt_fen"]})
    return claim_view(uow, row)


def _insured(uow: UnitOfWork, psn_no: str, insutype: str) -> tuple[dict, dict]:
    person = uow.settlements.person(psn_no)
    if person is None:
        raise refusal("CLAIM_PERSON_NOT_FOUND", psn_no=psn_no)
    insurance = uow.settlements.insurance(psn_no, insutype)
    if insurance is None or insurance["psn_insu_stas"] != "1":
        raise refusal("CLAIM_NOT_INSURED", psn_no=psn_no, insutype=insutype)
    return person, insurance


def _treatment_place(uow: UnitOfWork, form: ClaimForm) -> dict:
    """An institution of the register by code, or a non-networked one by name, region and level."""
    if form.fixmedins_code:
        found = uow.registry.institution(form.fixmedins_code)
        if found is None:
            raise refusal("CLAIM_INSTITUTION_NOT_FOUND", fixmedins_code=form.fixmedins_code)
        return {"fixmedins_code": found["fixmedins_code"], "fixmedins_name": found["fixmedins_name"],
                "mdtrtarea_admvs": found["admdvs"], "medins_lv": found["medins_lv"] or ""}
    if not (form.fixmedins_name and form.mdtrtarea_admvs and form.medins_lv is not None):
        raise refusal("CLAIM_INSTITUTION_MISSING")
    return {"fixmedins_code": None, "fixmedins_name": form.fixmedins_name, "mdtrtarea_admvs": form.mdtrtarea_admvs,
            "medins_lv": form.medins_lv}


def _check_dates(form: ClaimForm, today: dt.date) -> None:
    if form.enddate < form.begndate or form.enddate > today:
        raise refusal("CLAIM_BAD_DATES", begndate=form.begndate, enddate=form.enddate, today=today)
    if form.reason not in rules.REASONS:
        raise refusal("CLAIM_BAD_REASON", reasons=", ".join(rules.REASONS))


def _claim_lines(given: tuple[dict, ...]) -> list[rules.ClaimLine]:
    if not given:
        raise refusal("CLAIM_NO_LINES")
    lines = []
    for line_no, item in enumerate(given, start=1):
        try:
            amount = rules.line_amount(line_no, item["cnt"], item["pric"], item.get("det_item_fee_sumamt"))
        except rules.ClaimRefused as exc:
            raise refusal(exc.code, **exc.params) from None
        lines.append(rules.ClaimLine(line_no, item["med_list_codg"], item["cnt"], item["pric"], amount))
    return lines


def _line_row(line: rules.ClaimLine) -> dict:
    return {"line_no": line.line_no, "med_list_codg": line.code, "cnt": f"{line.cnt}", "pric": f"{line.pric}",
            "det_item_fee_sumamt_fen": to_fen(line.amount)}


def _refuse_duplicates(uow: UnitOfWork, form: ClaimForm, place: dict, issuer: str) -> None:
    """An invoice or a visit already claimed, or a visit already settled directly, is refused;
    the database's partial unique indexes decide between two claims submitted at once."""
    claims = uow.claims
    taken = claims.live_claim_of_invoice(issuer, form.invoice_no)
    if taken is not None:
        raise refusal("CLAIM_DUPLICATE_INVOICE", invoice_no=form.invoice_no, claim_id=taken["claim_id"],
                      status=taken["status"])
    if form.mdtrt_id:
        visit = claims.visit(form.mdtrt_id)
        if visit is None or visit["psn_no"] != form.psn_no or visit["fixmedins_code"] != place["fixmedins_code"]:
            raise refusal("CLAIM_VISIT_NOT_FOUND", mdtrt_id=form.mdtrt_id)
        if claims.visit_settled(form.mdtrt_id):
            raise refusal("CLAIM_ALREADY_SETTLED", mdtrt_id=form.mdtrt_id)
        taken = claims.live_claim_of_visit(form.mdtrt_id)
        if taken is not None:
            raise refusal("CLAIM_DUPLICATE_VISIT", mdtrt_id=form.mdtrt_id, claim_id=taken["claim_id"])
    for visit in claims.settled_visits(form.psn_no, form.begndate, form.enddate):
        if (visit["fixmedins_code"] == place["fixmedins_code"] and visit["med_type"] == form.med_type
                and is_inpatient(form.med_type)):
            # an inpatient stay of these dates at this institution was settled directly
            raise refusal("CLAIM_ALREADY_SETTLED", mdtrt_id=visit["mdtrt_id"])


# --- the automatic pre-check -------------------------------------------------------------------

def precheck(uow: UnitOfWork, claim: dict, lines: list[rules.ClaimLine], person: dict) -> dict:
    """Per line: the catalogue entry the claim is priced with, over-ceiling amounts, the in-event
    rules' findings (the treatment place's rule package, 就医地管理); for the claim: whose
    catalogue applies, the findings not tied to a line, and possible duplicates to look at."""
    catalog = uow.settlements.catalogue(claim["catalogue_admdvs"], {line.code for line in lines}, claim["enddate"])
    findings, package_version = _findings(uow, claim, lines, person)
    by_line: dict[str, list[dict]] = {}
    for finding in findings:
        by_line.setdefault(finding["feedetl_sn"], []).append(finding)
    checked = [_line_check(line, catalog.get(line.code), by_line.get(str(line.line_no), [])) for line in lines]
    fallback = claim["catalogue_admdvs"] != claim["mdtrtarea_admvs"]
    return {
        "catalogue_admdvs": claim["catalogue_admdvs"], "catalogue_fallback": fallback,
        "catalogue_note": (f"平台未收录就医地 {claim['mdtrtarea_admvs']} 的目录，按参保地 {claim['catalogue_admdvs']} 目录审核"
                           "（the treatment region's catalogue is not held: the insured place's applies）") if fallback else "",
        "rule_package": package_version, "lines": checked, "findings": by_line.get("", []),
        "duplicates": _possible_duplicates(uow, claim),
    }


def _line_check(line: rules.ClaimLine, entry, findings: list[dict]) -> dict:
    check = {"line_no": line.line_no, "med_list_codg": line.code, "in_catalogue": entry is not None,
             "hilist_name": None, "chrgitm_lv": None, "selfpay_prop": None, "pric_uplmt_amt": None,
             "over_ceiling": "0.00", "findings": findings}
    if entry is not None:
        check.update(hilist_name=entry.name, chrgitm_lv=entry.chrgitm_lv, selfpay_prop=f"{entry.selfpay_prop}",
                     pric_uplmt_amt=None if entry.pric_uplmt_amt is None else f"{entry.pric_uplmt_amt}")
        if entry.pric_uplmt_amt is not None and line.pric > entry.pric_uplmt_amt:
            check["over_ceiling"] = f"{as_fen(round_fen((line.pric - entry.pric_uplmt_amt) * line.cnt))}"
    return check


def _findings(uow: UnitOfWork, claim: dict, lines: list[rules.ClaimLine], person: dict) -> tuple[list[dict], str | None]:
    found = audit.current_package(uow, claim["mdtrtarea_admvs"])
    if found is None:
        return [], None
    row, package = found
    past, _ = audit.history(uow, person, claim["claim_id"], claim["begndate"] - dt.timedelta(days=365))
    audited = Claim(
        mdtrt_id=claim["claim_id"], psn_no=claim["psn_no"], certno=person["certno"], gend=person["gend"],
        fixmedins_code=claim["fixmedins_code"] or "", medins_lv=claim["medins_lv"], med_type=claim["med_type"],
        begndate=claim["begndate"], enddate=claim["enddate"], main_diag=claim["dise_codg"],
        lines=tuple(Line(str(line.line_no), line.code, claim["begndate"], line.cnt, line.pric, line.amount) for line in lines),
        brdy=person["brdy"], insuplc_admdvs=claim["insuplc_admdvs"], mdtrtarea_admvs=claim["mdtrtarea_admvs"],
    )
    findings = audit_claim(audited, past, package, IN_EVENT)
    return [{"rule_id": f.rule_id, "rule_name": f.rule_name, "result_type": f.result_type, "sev_deg": f.sev_deg,
             "vola_cont": f.vola_cont, "vola_amt": f"{f.vola_amt}", "feedetl_sn": f.feedetl_sn} for f in findings], row["version"]


def _possible_duplicates(uow: UnitOfWork, claim: dict) -> list[dict]:
    """Not refused, but shown: the person's other live claims and direct settlements of these dates."""
    notes = [{"kind": "claim", "ref": other["claim_id"], "fixmedins_name": other["fixmedins_name"],
              "begndate": other["begndate"].isoformat(), "enddate": other["enddate"].isoformat()}
             for other in uow.claims.overlapping_claims(claim["psn_no"], claim["begndate"], claim["enddate"])]
    notes += [{"kind": "direct_settlement", "ref": visit["mdtrt_id"], "fixmedins_code": visit["fixmedins_code"],
               "begndate": visit["begntime"].date().isoformat(), "med_type": visit["med_type"]}
              for visit in uow.claims.settled_visits(claim["psn_no"], claim["begndate"], claim["enddate"])]
    return notes


# --- the money: the counter's engine on the approved lines --------------------------------------

@dataclass(frozen=True)
class ClaimPricing:
    settlement: Settlement
    case: SettlementCase
    policy_id: int
    year: int
    filing: str | None  # the filing the claim was priced as
    filing_note: str


def price_claim(uow: UnitOfWork, policies, claim: dict, decisions: list[rules.Decision], *,
                person: dict, insurance: dict, ytd) -> ClaimPricing:
    """The settlement of the approved lines, as a counter would have computed it on the visit's
    end date (``policies``: anything with ``policy(row)``, e.g. the Platform and its cache)."""
    day = claim["enddate"]
    policy_row = uow.settlements.policy_in_force(claim["insuplc_admdvs"], claim["insutype"], day)
    if policy_row is None:
        raise refusal("CLAIM_NO_POLICY", insuplc_admdvs=claim["insuplc_admdvs"], day=day, insutype=claim["insutype"])
    policy = policies.policy(policy_row)
    lines = [_claim_line(row) for row in uow.claims.lines(claim["claim_id"])]
    fee_lines = rules.fee_lines(lines, decisions)
    catalog = uow.settlements.catalogue(claim["catalogue_admdvs"], {line.code for line in fee_lines}, day)
    filing, _ = visit_filing(uow, claim["psn_no"], claim["insuplc_admdvs"], claim["mdtrtarea_admvs"], claim["begndate"],
                             emergency=claim["reason"] == "emergency")
    qualified = (filings.qualified_diseases(uow, claim["psn_no"], claim["insutype"], day)
                 if needs_qualification(policy, claim["med_type"]) else None)
    case = SettlementCase(
        policy=policy, catalog=catalog, ytd=ytd, lines=fee_lines,
        person=case_person(person, insurance, balance=ZERO, qualified=qualified),
        visit=Visit(med_type=claim["med_type"], medins_lv=claim["medins_lv"], begndate=claim["begndate"], enddate=day,
                    insuplc_admdvs=claim["insuplc_admdvs"], mdtrtarea_admvs=claim["mdtrtarea_admvs"], filing=filing,
                    acct_used_flag=False, dise_codg=claim["dise_codg"] or None),
    )
    settlement, case, note = _settle_unfiled_too(case)
    return ClaimPricing(settlement, case, policy_row["policy_id"], day.year, case.visit.filing, note)


def _settle_unfiled_too(case: SettlementCase) -> tuple[Settlement, SettlementCase, str]:
    """An unfiled visit is never refused here: where the policy rejects unfiled visits at the
    counter (E_NOT_FILED), the claim is priced as a filed temporary visit (其他临时外出)."""
    visit = case.visit
    unfiled = visit.filing is None and visit.insuplc_admdvs != visit.mdtrtarea_admvs
    try:
        return settle(case), case, "未备案：按参保地政策的未备案（unfiled）待遇计算" if unfiled else ""
    except SettlementRefused as refused:
        if refused.code != E_NOT_FILED:
            raise _not_computable(refused) from None
    as_filed = replace(case, visit=replace(visit, filing=rules.UNFILED_AS))
    try:
        return settle(as_filed), as_filed, "未备案：参保地政策不予直接结算，按其他临时外出备案人员待遇计算（priced as temporary_other）"
    except SettlementRefused as refused:
        raise _not_computable(refused) from None


def _not_computable(refused: SettlementRefused) -> GatewayError:
    """The engine's refusal (settlement-spec §3, its code named in the message) as CLAIM_NOT_COMPUTABLE."""
    return refusal("CLAIM_NOT_COMPUTABLE", engine_code=refused.code, reason=refused.message)


def _claim_line(row: dict) -> rules.ClaimLine:
    return rules.ClaimLine(row["line_no"], row["med_list_codg"], Decimal(row["cnt"]), Decimal(row["pric"]),
                           from_fen(row["det_item_fee_sumamt_fen"]))


def settlement_shape(claim: dict, pricing: ClaimPricing, lines: list[rules.ClaimLine],
                     decisions: list[rules.Decision]) -> dict:
    """The 2207 output's ``setlinfo``/``setldetail`` shape (nhsa-interface §3), with the line split."""
    result = settlement_result(pricing.settlement)
    setlinfo = {"claim_id": claim["claim_id"], "psn_no": claim["psn_no"], "insutype": claim["insutype"],
                "med_type": claim["med_type"], "insuplc_admdvs": claim["insuplc_admdvs"],
                "mdtrtarea_admvs": claim["mdtrtarea_admvs"], **result["setlinfo"]}
    cut_reasons = {rules.cut_code(line.code): decision.reason for line, decision in zip(lines, decisions)
                   if decision.approved < line.amount}
    for line in result["lines"]:
        if line["code"] in cut_reasons:
            line["memo"] = f"审核扣减：{cut_reasons[line['code']]}"
    return {"setlinfo": setlinfo, "setldetail": result["setldetail"], "lines": result["lines"],
            "trace": result.get("trace", []), "filing": pricing.filing, "filing_note": pricing.filing_note,
            "scope": pricing.settlement.scope, "policy_id": pricing.policy_id,
            "catalogue_admdvs": claim["catalogue_admdvs"]}


# --- review, payment, rejection, correction ------------------------------------------------------

def get_claim(uow: UnitOfWork, claim_id: str, *, lock: bool = False) -> dict:
    row = uow.claims.lock_claim(claim_id) if lock else uow.claims.claim(claim_id)
    if row is None:
        raise refusal("CLAIM_NOT_FOUND", claim_id=claim_id)
    return row


def _require_status(claim: dict, allowed: tuple[str, ...], doing: str) -> None:
    if claim["status"] not in allowed:
        raise refusal("CLAIM_STATUS", claim_id=claim["claim_id"], status=claim["status"], action=doing,
                      allowed=" or ".join(allowed))


def review_claim(uow: UnitOfWork, policies, claim_id: str, decisions: list[dict]) -> dict:
    """Decide every line (approve / reduce / reject, each with who decided), compute the money
    with the person's accumulators as they stand (no lock: nothing moves yet). A reviewed claim
    may be reviewed again before payment: a new round of decisions, the old ones kept."""
    claim = get_claim(uow, claim_id, lock=True)
    _require_status(claim, ("submitted", "reviewed"), "审核")
    lines = [_claim_line(row) for row in uow.claims.lines(claim_id)]
    try:
        checked = rules.checked_decisions(lines, decisions)
    except rules.ClaimRefused as exc:
        raise refusal(exc.code, **exc.params) from None
    person, insurance = _insured(uow, claim["psn_no"], claim["insutype"])
    ytd = uow.settlements.year_to_date(claim["psn_no"], claim["insutype"], claim["enddate"].year)
    pricing = price_claim(uow, policies, claim, checked, person=person, insurance=insurance, ytd=ytd)
    review_round = claim["review_round"] + 1
    who = uow.actor.label()[:200]
    uow.claims.add_decisions([
        {"claim_id": claim_id, "review_round": review_round, "line_no": d.line_no, "decision": d.decision,
         "approved_amt_fen": to_fen(d.approved), "billed_amt_fen": to_fen(line.amount), "reason": d.reason[:200],
         "decided_by": who, "decided_at": uow.now} for line, d in zip(lines, checked)])
    review = settlement_shape(claim, pricing, lines, checked)
    review.update(review_round=review_round, reviewed_by=who, reviewed_at=uow.now.isoformat(timespec="seconds"))
    uow.claims.update_claim(claim_id, {"status": "reviewed", "review_round": review_round, "review": _json(review)})
    uow.actions.record("claim.review", claim_id, {"round": review_round, "approved_fen": to_fen(rules.approved_total(checked)),
                                                  "fund_pay_sumamt_fen": to_fen(pricing.settlement.fund_pay_sumamt)})
    claim.update(status="reviewed", review_round=review_round, review=_json(review))
    return claim_view(uow, claim)


def _lock_for_payment(uow: UnitOfWork, claim_id: str) -> dict:
    """The visit the claim names (rank 2), then the claim row, read after the locks."""
    before = get_claim(uow, claim_id)
    if before["mdtrt_id"]:
        uow.claims.lock_visit(before["mdtrt_id"])
    return get_claim(uow, claim_id, lock=True)


def pay_claim(uow: UnitOfWork, policies, claim_id: str) -> dict:
    """Pay a reviewed claim: the money computed again under the person's lock with the
    accumulators as they now stand, stored as a claim payment with its accumulator entries and
    ledger entry (funds → the person). Not part of the clearing between regions."""
    claim = _lock_for_payment(uow, claim_id)
    _require_status(claim, ("reviewed",), "支付")
    _refuse_open_verifications(uow, claim_id)
    if claim["mdtrt_id"] and uow.claims.visit_settled(claim["mdtrt_id"]):
        raise refusal("CLAIM_ALREADY_SETTLED", mdtrt_id=claim["mdtrt_id"])
    person, insurance, _ = uow.settlements.lock_settling_persons(claim["psn_no"], None, claim["insutype"])
    if person is None or insurance is None or insurance["psn_insu_stas"] != "1":
        raise refusal("CLAIM_NOT_INSURED", psn_no=claim["psn_no"], insutype=claim["insutype"])
    year = claim["enddate"].year
    ytd = uow.settlements.year_to_date(claim["psn_no"], claim["insutype"], year)
    decisions = _decisions_of(uow, claim)
    pricing = price_claim(uow, policies, claim, decisions, person=person, insurance=insurance, ytd=ytd)
    row = _payment_row(uow, claim, pricing)
    uow.claims.add_payment(row)
    uow.settlements.add_accumulators(claim["psn_no"], claim["insutype"], year, pricing.settlement.delta, row["payment_id"])
    uow.ledger.post(claim_entry(row))
    uow.claims.update_claim(claim_id, {"status": "paid", "closed_at": uow.now, "closed_by": row["paid_by"]})
    uow.actions.record("claim.pay", claim_id, {"payment_id": row["payment_id"],
                                               "fund_pay_sumamt_fen": row["fund_pay_sumamt_fen"]})
    claim.update(status="paid", closed_at=uow.now, closed_by=row["paid_by"])
    return claim_view(uow, claim)


def _refuse_open_verifications(uow: UnitOfWork, claim_id: str) -> None:
    """A verification request (协查) neither answered nor closed holds the payment; read after
    the claim's lock, which a new request also takes, so the two queue."""
    still_open = claim_verifications.open_requests(uow, claim_id)
    if still_open:
        raise refusal("VERIFY_OPEN", claim_id=claim_id, verification_ids="、".join(still_open))


def _decisions_of(uow: UnitOfWork, claim: dict) -> list[rules.Decision]:
    return [rules.Decision(row["line_no"], row["decision"], from_fen(row["approved_amt_fen"]), row["reason"])
            for row in uow.claims.decisions(claim["claim_id"], claim["review_round"])]


def _payment_row(uow: UnitOfWork, claim: dict, pricing: ClaimPricing) -> dict:
    s = pricing.settlement
    row = {
        "payment_id": new_id("CP"), "claim_id": claim["claim_id"], "kind": "payment", "reverses_payment_id": None,
        "psn_no": claim["psn_no"], "insutype": claim["insutype"], "year": pricing.year,
        "insuplc_admdvs": claim["insuplc_admdvs"], "mdtrtarea_admvs": claim["mdtrtarea_admvs"],
        "policy_id": pricing.policy_id, "scope": s.scope, "filing": pricing.filing,
        "adjustment": "" if s.adjustment.mode == "none" else f"{s.adjustment.mode} {s.adjustment.value}",
        "pool_prop_selfpay": f"{as_ratio(s.pool_prop_selfpay)}",
        "detail": _json({"setldetail": [{"fund_pay_type": r.fund_pay_type, "fund_payamt": f"{as_fen(r.fund_payamt)}"}
                                        for r in s.setldetail],
                         "delta": {category: {k: f"{v}" for k, v in values.items()}
                                   for category, values in s.delta.as_dict().items()},
                         "filing_note": pricing.filing_note}),
        "trace": _json(list(s.trace)), "paid_at": uow.now, "paid_by": uow.actor.label()[:200],
    }
    for name in SETLINFO_AMOUNTS:
        row[f"{name}_fen"] = to_fen(getattr(s, name))
    assert row["acct_pay_fen"] == row["acct_mulaid_pay_fen"] == 0, "a manual claim does not use the personal account"
    return row


def claim_entry(row: dict) -> ledger_rules.Entry:
    """The ledger entry of a stored payment row (a reversal row has negative amounts)."""
    sign = -1 if row["kind"] == "reversal" else 1
    funds = [(item["fund_pay_type"], sign * to_fen(Decimal(item["fund_payamt"])))
             for item in json.loads(row["detail"])["setldetail"] if item["fund_pay_type"] != ledger_rules.ACCT_FUND_PAY_TYPE]
    return ledger_rules.claim_payment_entry(payment_id=row["payment_id"], insured=row["insuplc_admdvs"],
                                            psn_no=row["psn_no"], fund_payments=funds,
                                            kind="claim_reversal" if sign < 0 else "claim_payment")


def reject_claim(uow: UnitOfWork, claim_id: str, reason: str) -> dict:
    """Refuse a claim not yet paid, with the reason the person is told; its invoice is free again."""
    reason = (reason or "").strip()
    if not reason:
        raise refusal("CLAIM_REJECT_REASON")
    claim = get_claim(uow, claim_id, lock=True)
    _require_status(claim, ("submitted", "reviewed"), "拒绝")
    values = {"status": "rejected", "closed_at": uow.now, "closed_by": uow.actor.label()[:200], "close_reason": reason[:200]}
    uow.claims.update_claim(claim_id, values)
    uow.actions.record("claim.reject", claim_id, {"reason": reason[:200]})
    claim.update(values)
    return claim_view(uow, claim)


def reverse_payment(uow: UnitOfWork, claim_id: str, reason: str) -> dict:
    """Correct a paid claim with an opposite payment: the accumulators and the ledger move back
    exactly; the claim becomes ``reversed`` and its invoice may be claimed again, correctly."""
    reason = (reason or "").strip()
    if not reason:
        raise refusal("CLAIM_REVERSE_REASON")
    claim = _lock_for_payment(uow, claim_id)
    _require_status(claim, ("paid",), "冲销")
    uow.settlements.lock_persons([claim["psn_no"]])
    original = next(row for row in uow.claims.payments(claim_id) if row["kind"] == "payment")
    row = dict(original, payment_id=new_id("CP"), kind="reversal", reverses_payment_id=original["payment_id"],
               paid_at=uow.now, paid_by=uow.actor.label()[:200], trace=_json([f"冲销 {original['payment_id']}：{reason}"]))
    for name in SETLINFO_AMOUNTS:
        row[f"{name}_fen"] = -original[f"{name}_fen"]
    uow.claims.add_payment(row)
    delta = ytd_from_json(json.loads(original["detail"])["delta"])
    uow.settlements.add_accumulators(claim["psn_no"], claim["insutype"], original["year"], delta, row["payment_id"], sign=-1)
    uow.ledger.post(claim_entry(row))
    values = {"status": "reversed", "closed_at": uow.now, "closed_by": row["paid_by"], "close_reason": reason[:200]}
    uow.claims.update_claim(claim_id, values)
    uow.actions.record("claim.reverse", claim_id, {"payment_id": row["payment_id"], "reason": reason[:200]})
    claim.update(values)
    return claim_view(uow, claim)


# --- views -------------------------------------------------------------------------------------

def claim_view(uow: UnitOfWork, claim: dict) -> dict:
    """A claim for people and programs: amounts in yuan, lines with their pre-check and the
    latest decisions, the settlement computed at review, the payments."""
    precheck = json.loads(claim["precheck"])
    checks = {item["line_no"]: item for item in precheck["lines"]}
    decisions = {row["line_no"]: row for row in uow.claims.decisions(claim["claim_id"], claim["review_round"])}
    lines = []
    for row in uow.claims.lines(claim["claim_id"]):
        decided = decisions.get(row["line_no"])
        lines.append({"line_no": row["line_no"], "med_list_codg": row["med_list_codg"], "cnt": row["cnt"], "pric": row["pric"],
                      "det_item_fee_sumamt": from_fen(row["det_item_fee_sumamt_fen"]), "precheck": checks.get(row["line_no"]),
                      "decision": None if decided is None else {
                          "decision": decided["decision"], "approved_amt": from_fen(decided["approved_amt_fen"]),
                          "reason": decided["reason"], "decided_by": decided["decided_by"],
                          "decided_at": decided["decided_at"]}})
    view = {key: claim[key] for key in (
        "claim_id", "status", "psn_no", "insutype", "insuplc_admdvs", "fixmedins_code", "fixmedins_name", "mdtrtarea_admvs",
        "medins_lv", "catalogue_admdvs", "med_type", "begndate", "enddate", "dise_codg", "invoice_no", "mdtrt_id", "reason",
        "reason_text", "review_round", "submitted_at", "submitted_by", "closed_at", "closed_by", "close_reason")}
    view.update(medfee_sumamt=from_fen(claim["medfee_sumamt_fen"]), lines=lines,
                precheck={k: v for k, v in precheck.items() if k != "lines"},
                review=json.loads(claim["review"]) if claim["review"] else None,
                payments=[_payment_view(row) for row in uow.claims.payments(claim["claim_id"])],
                verifications=claim_verifications.views_of_claim(uow, claim["claim_id"]))
    return view


def _payment_view(row: dict) -> dict:
    view = {key: row[key] for key in ("payment_id", "kind", "reverses_payment_id", "year", "scope", "filing", "adjustment",
                                      "pool_prop_selfpay", "paid_at", "paid_by")}
    view.update({name: from_fen(row[f"{name}_fen"]) for name in SETLINFO_AMOUNTS})
    view["setldetail"] = json.loads(row["detail"])["setldetail"]
    return view


def claim_summary(claim: dict) -> dict:
    """One row of the queue."""
    return {**{key: claim[key] for key in ("claim_id", "status", "psn_no", "insuplc_admdvs", "fixmedins_name",
                                           "mdtrtarea_admvs", "med_type", "begndate", "enddate", "invoice_no", "reason",
                                           "submitted_at")},
            "medfee_sumamt": from_fen(claim["medfee_sumamt_fen"])}


def list_claims(uow: UnitOfWork, *, regions: list[str], status: str | None = None, begin: dt.date | None = None,
                end: dt.date | None = None, limit: int = 50, offset: int = 0) -> list[dict]:
    if status is not None and status not in STATUSES:
        raise refusal("CLAIM_BAD_STATUS", statuses=", ".join(STATUSES))
    rows = uow.claims.claims(regions=regions, status=status, begin=begin, end=end, limit=limit, offset=offset)
    return [claim_summary(row) for row in rows]


def region_prefix(admdvs: str) -> str:
    """The code prefix an agency's region covers: app/statistics.region_prefix."""
    from .statistics import region_prefix as prefix

    return prefix(admdvs)


def _json(value) -> str:
    return json.dumps(value, ensure_ascii=False, default=_plain)


def _plain(value):
    if isinstance(value, Decimal):
        return f"{value}"
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON")
