"""Settlement: 2206/2207/2208 outpatient, 2303/2304/2305 inpatient."""

from __future__ import annotations


from sqlalchemy import Connection

from yibao.domain.agreements import account_allowed
from yibao.store import repository as repo

from yibao.app import audit, prescriptions, supervision, visits
from yibao.app.error_codes import refusal, warning
from yibao.app.platform import Platform, Priced
from ..access import check_agreement, check_credit, check_not_halted, check_envelope_region, check_sanctions, own_settlement, own_visit, own_visit_to_settle
from ..internet_checks import online_med_type, warn_delivery
from ..outputs import preview_output, settlement_output
from ..readers import amount, flag, node, text
from ..registry import Request, transaction


# --- settlement: 2206/2207/2208 outpatient, 2303/2304/2305 inpatient -----------------------------------------

def price_for_request(platform: Platform, conn: Connection, request: Request, *, kind: str,
                      lock: bool) -> tuple[Priced, dict, list[dict], str | None, tuple | None]:
    """``lock``: a settlement (not a preview) locks the visit, then the person and the family
    account owner (docs/locking.md), and decides on what it reads after the locks.

    Returns the pricing, the visit, its lines, what a new settlement of the visit follows
    in its settlement chain (repo.settlement_chain) and, when locked, the person's history the
    in-event audit reads (None when the region has no rule package)."""
    data = node(request, "data")
    where = "input.data"
    psn_no = text(data, "psn_no", where)
    mdtrt_id = text(data, "mdtrt_id", where)
    if lock:
        visit, family_link = own_visit_to_settle(conn, request, mdtrt_id, psn_no)
    else:
        visit, family_link = own_visit(conn, request, mdtrt_id, psn_no), None
    if visit["kind"] != kind:
        raise refusal("VISIT_WRONG_KIND", mdtrt_id=visit["mdtrt_id"], actual=visit["kind"], expected=kind)
    if visit["status"] == "cancelled":
        raise refusal("VISIT_CANCELLED", mdtrt_id=visit["mdtrt_id"])
    if kind == "inpatient" and visit["status"] != "discharged":
        raise refusal("VISIT_NOT_DISCHARGED", mdtrt_id=visit["mdtrt_id"])
    insutype = text(data, "insutype", where, required=False, default=visit["insutype"])
    if insutype != visit["insutype"]:
        raise refusal("VISIT_INSUTYPE_MISMATCH", field=f"{where}.insutype", insutype=insutype, visit_insutype=visit["insutype"])
    covered = check_agreement(conn, request, visit, "结算")
    check_not_halted(conn, request, visit)
    check_sanctions(conn, request, psn_no, request.now.date())
    check_credit(conn, request, visit)
    read, history = None, None
    if lock:
        # after the visit's lock, with the persons' lock: the visit's lines and settlement chain
        # and the history the in-event audit needs (one statement on PostgreSQL)
        wants_history = audit.current_package(request.uow, request.institution["admdvs"]) is not None
        read = request.uow.settlements.lock_for_settlement(
            mdtrt_id=visit["mdtrt_id"], psn_no=visit["psn_no"], family_psn_no=family_link, insutype=visit["insutype"],
            history_since=audit.history_since(visit) if wants_history else None)
        lines, active, follows_reversal_id, history = read["lines"], read["active"], read["follows"], read["history"]
        if read["claimed"]:
            raise refusal("SETTLE_VISIT_CLAIMED", mdtrt_id=visit["mdtrt_id"])
    else:
        together = repo.fee_lines_and_chain(conn, visit["mdtrt_id"])
        if together is None:
            active, follows_reversal_id = False, visits.ensure_unsettled(request.uow, visit, "重新结算")
            lines = []
        else:
            lines, active, follows_reversal_id = together
    if active:
        raise refusal("VISIT_SETTLED", mdtrt_id=visit["mdtrt_id"], action="重新结算")
    chrg_bchno = text(data, "chrg_bchno", where, required=False)
    if kind == "outpatient" and chrg_bchno and chrg_bchno != "0000":
        lines = [line for line in lines if line["chrg_bchno"] == chrg_bchno]
    medfee = amount(data, "medfee_sumamt", where)
    uploaded = repo.from_fen(sum(line["det_item_fee_sumamt_fen"] for line in lines))
    if medfee != uploaded:
        raise refusal("FEE_SUM_MISMATCH", field=f"{where}.medfee_sumamt", medfee=medfee, uploaded=uploaded)
    med_type = text(data, "med_type", where, required=False, default=visit["med_type"])
    online = online_med_type(platform, conn, request, visit, med_type)  # Internet+: revisits only (docs/internet-plus.md)
    priced = platform.price_visit(request.uow, visit, request.institution, lines, med_type=online or med_type,
                                  acct_used_flag=flag(data, "acct_used_flag", True) and account_allowed(covered), lock=lock,
                                  family_link=family_link, locked=read, delivery=online is not None)
    if online is not None:
        warn_delivery(request, priced)
    check_envelope_region(request, priced.insurance)
    return priced, visit, lines, follows_reversal_id, history


def in_event_audit(conn: Connection, request: Request, visit: dict, lines: list[dict], person: dict, setl_id: str = "",
                   history: tuple | None = None) -> None:
    """事中审核 at settlement with the treatment region's rule package: a definite violation
    refuses the settlement where the region so configured it; findings are kept and answered
    as warnings (warn_msg)."""
    uow = request.uow
    audited = audit.audit_visit(uow, visit, lines, person, request.institution, "事中", setl_id, known_history=history)
    if audited is None:
        return
    package_row, _, findings = audited
    if not findings:
        return
    strict_level = check_credit(conn, request, visit)  # a low credit level: every finding blocks
    if strict_level is not None:
        raise refusal("CREDIT_STRICT_AUDIT_REFUSED", level=strict_level, findings="；".join(
            f"[{f.rule_id} {f.rule_type}] {f.vola_cont}" for f in findings[:5]))
    definite = [f for f in findings if f.result_type == audit.DEFINITE]
    if definite and package_row["refuse_definite"]:
        raise refusal("SETTLE_AUDIT_REFUSED", findings="；".join(
            f"[{f.rule_id} {f.rule_type}] {f.vola_cont}" for f in definite[:5]))
    supervision.record_findings(uow, findings, stage="事中", run_id=request.msgid,
                                context={"psn_no": visit["psn_no"], "fixmedins_code": visit["fixmedins_code"]})
    request.warnings += [warning("AUDIT_FINDING", rule_id=f.rule_id, rule_type=f.rule_type, result_type=f.result_type,
                                 content=f.vola_cont) for f in findings[:10]]


def settle_request(platform: Platform, conn: Connection, request: Request, *, kind: str) -> dict:
    priced, visit, lines, follows_reversal_id, history = price_for_request(platform, conn, request, kind=kind, lock=True)
    data = node(request, "data")
    in_event_audit(conn, request, visit, lines, priced.person, history=history)
    row = platform.store_settlement(request.uow, priced, visit, request.institution, msgid=request.msgid,
                                    infno=request.infno, chrg_bchno=text(data, "chrg_bchno", "input.data", required=False),
                                    follows_reversal_id=follows_reversal_id)
    return settlement_output(row, visit, priced.person, priced.insurance)


def reverse_request(platform: Platform, conn: Connection, request: Request, *, kind: str) -> dict:
    data = node(request, "data")
    original = own_settlement(conn, request, text(data, "setl_id", "input.data"))
    visit = own_visit(conn, request, text(data, "mdtrt_id", "input.data"), text(data, "psn_no", "input.data"), lock=True)
    if original["mdtrt_id"] != visit["mdtrt_id"]:
        raise refusal("SETTLE_NOT_OF_VISIT", setl_id=original["setl_id"], mdtrt_id=visit["mdtrt_id"])
    if visit["kind"] != kind:
        raise refusal("VISIT_WRONG_KIND", mdtrt_id=visit["mdtrt_id"], actual=visit["kind"], expected=kind)
    return reversal_output(platform, conn, request, original, visit)


def reversal_output(platform: Platform, conn: Connection, request: Request, original: dict, visit: dict) -> dict:
    """The caller holds the visit's lock; the reversal locks the persons whose accounts it restores."""
    row = platform.reverse_settlement(request.uow, original, msgid=request.msgid, infno=request.infno,
                                      actor=f"{request.institution['fixmedins_code']}/{request.msgid}")
    if visit["kind"] == "pharmacy":  # a circulated prescription's quantities come back (docs/internet-plus.md)
        prescriptions.put_back(request.uow, setl_id=original["setl_id"], reversal_setl_id=row["setl_id"])
    person = repo.person(conn, original["psn_no"])
    insurance = repo.insurance(conn, original["psn_no"], original["insutype"])
    output = settlement_output(row, visit, person, insurance)
    short = {key: output["setlinfo"][key] for key in (
        "mdtrt_id", "setl_id", "clr_optins", "setl_time", "medfee_sumamt", "fulamt_ownpay_amt", "overlmt_selfpay",
        "preselfpay_amt", "inscp_scp_amt", "act_pay_dedc", "hifp_pay", "pool_prop_selfpay", "cvlserv_pay",
        "hifes_pay", "hifmi_pay", "hifob_pay", "maf_pay", "oth_pay", "fund_pay_sumamt", "psn_part_amt", "acct_pay",
        "psn_cash_pay", "hosp_part_amt", "balc", "acct_mulaid_pay", "medins_setl_id")}
    return {"setlinfo": short, "setldetail": output["setldetail"]}


@transaction("2206", "门诊预结算", writes=False)
def outpatient_presettle(platform: Platform, conn: Connection, request: Request) -> dict:
    priced, visit, _, _, _ = price_for_request(platform, conn, request, kind="outpatient", lock=False)
    return preview_output(priced, visit)


@transaction("2207", "门诊结算", writes=True)
def outpatient_settle(platform: Platform, conn: Connection, request: Request) -> dict:
    return settle_request(platform, conn, request, kind="outpatient")


@transaction("2208", "门诊结算撤销", writes=True)
def outpatient_reverse(platform: Platform, conn: Connection, request: Request) -> dict:
    return reverse_request(platform, conn, request, kind="outpatient")


@transaction("2303", "住院预结算", writes=False)
def inpatient_presettle(platform: Platform, conn: Connection, request: Request) -> dict:
    priced, visit, _, _, _ = price_for_request(platform, conn, request, kind="inpatient", lock=False)
    return preview_output(priced, visit)


@transaction("2304", "住院结算", writes=True)
def inpatient_settle(platform: Platform, conn: Connection, request: Request) -> dict:
    return settle_request(platform, conn, request, kind="inpatient")


@transaction("2305", "住院结算撤销", writes=True)
def inpatient_reverse(platform: Platform, conn: Connection, request: Request) -> dict:
    return reverse_request(platform, conn, request, kind="inpatient")


