"""Pharmacy: 2101/2102/2103."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import Connection

from yibao.domain.agreements import account_allowed
from yibao.store import repository as repo

from yibao.app import prescriptions
from yibao.app.error_codes import refusal
from yibao.app.errors import new_id
from yibao.app.platform import Platform, Priced
from ..access import check_agreement, check_credit, check_envelope_region, check_evoucher, check_not_halted, check_sanctions
from ..chapters.settlement import in_event_audit, reverse_request
from ..internet_checks import circulated_lines, warn_delivery
from ..outputs import preview_output, settlement_output, split_output
from ..readers import amount, flag, moment, node, number, text
from ..registry import Request, transaction


# --- pharmacy 2101/2102/2103 -------------------------------------------------------------------------------------

def pharmacy_visit_and_lines(platform: Platform, conn: Connection, request: Request, *,
                             store: bool) -> tuple[dict, list[dict]]:
    info = node(request, "druginfo")
    details = node(request, "drugdetail", many=True)
    where = "input.druginfo"
    if not details:
        raise refusal("INPUT_LIST_EMPTY", field="input.drugdetail")
    psn_no = text(info, "psn_no", where)
    check_evoucher(platform, request, info, where, psn_no)  # a sale is a visit of its own: a fresh token
    insutype = text(info, "insutype", where)
    insurance = repo.insurance(conn, psn_no, insutype)
    if repo.person(conn, psn_no) is None or insurance is None:
        raise refusal("PERSON_NO_INSURANCE", psn_no=psn_no, insutype=insutype)
    check_envelope_region(request, insurance)
    begntime = moment(info, "begntime", where, required=False, default=request.now)
    visit = dict(
        mdtrt_id=new_id("31"), fixmedins_code=request.institution["fixmedins_code"], psn_no=psn_no,
        insutype=insutype, med_type=text(info, "med_type", where, required=False, default="41"), kind="pharmacy",
        ipt_otp_no=f"{request.msgid}", begntime=begntime, endtime=begntime, insuplc_admdvs=insurance["insuplc_admdvs"],
        mdtrtarea_admvs=request.institution["admdvs"], dise_codg=text(info, "dise_codg", where, required=False),
        dise_name=text(info, "dise_name", where, required=False), status="registered", created_at=request.now,
    )
    lines = []
    for index, row in enumerate(details):
        w = f"input.drugdetail[{index}]"
        cnt, pric = number(row, "cnt", w), number(row, "pric", w)
        total = amount(row, "det_item_fee_sumamt", w)
        expected = (cnt * pric).quantize(Decimal("0.01"))
        if abs(expected - total) > Decimal("0.01"):
            raise refusal("FEE_LINE_TOTAL_MISMATCH", field=f"{w}.det_item_fee_sumamt", total=total, expected=expected)
        lines.append(dict(
            mdtrt_id=visit["mdtrt_id"], feedetl_sn=text(row, "feedetl_sn", w), init_feedetl_sn="", psn_no=psn_no,
            chrg_bchno="", med_list_codg=text(row, "med_list_codg", w),
            medins_list_codg=text(row, "medins_list_codg", w, required=False), cnt=f"{cnt:f}", pric=f"{pric:f}",
            det_item_fee_sumamt_fen=repo.to_fen(total), fee_ocur_time=moment(row, "fee_ocur_time", w, required=False, default=begntime),
            status="uploaded", upload_msgid=request.msgid, created_at=request.now,
        ))
    if len({line["feedetl_sn"] for line in lines}) != len(lines):
        raise refusal("FEE_SN_REPEATED", field="input.drugdetail")
    medfee = amount(info, "medfee_sumamt", where)
    uploaded = repo.from_fen(sum(line["det_item_fee_sumamt_fen"] for line in lines))
    if medfee != uploaded:
        raise refusal("FEE_SUM_MISMATCH", field=f"{where}.medfee_sumamt", medfee=medfee, uploaded=uploaded)
    if store:
        repo.insert_visit(conn, visit)
        repo.insert_fee_lines(conn, lines)
    return visit, lines


def pharmacy_price(platform: Platform, conn: Connection, request: Request, *,
                   store: bool) -> tuple[Priced, dict, list[dict], dict]:
    """Also what the sale's circulated prescriptions give (app/prescriptions.py): checked after
    the persons' locks, which a stored sale takes in price_visit (docs/locking.md, rank 14)."""
    visit, lines = pharmacy_visit_and_lines(platform, conn, request, store=store)
    circulated = circulated_lines(node(request, "drugdetail", many=True))
    covered = check_agreement(conn, request, visit, "结算")
    check_not_halted(conn, request, visit)
    check_sanctions(conn, request, visit["psn_no"], request.now.date())
    check_credit(conn, request, visit)
    info = node(request, "druginfo")
    # A sale is a new visit of its own; a stored one (2102) locks the person and the family
    # account owner in price_visit (docs/locking.md).
    priced = platform.price_visit(request.uow, visit, request.institution, lines, med_type=visit["med_type"],
                                  acct_used_flag=flag(info, "acct_used_flag", True) and account_allowed(covered), lock=store,
                                  delivery=bool(circulated))
    taken = {}
    if circulated:
        taken = prescriptions.check_dispensing(request.uow, pharmacy=request.institution, psn_no=visit["psn_no"],
                                               wanted=circulated, lock=store)
        warn_delivery(request, priced)
    return priced, visit, lines, taken


def detlcutinfo(priced: Priced, lines: list[dict]) -> list[dict]:
    catalog = priced.case.catalog
    return split_output(lines, catalog)


@transaction("2101", "药店预结算", writes=False)
def pharmacy_presettle(platform: Platform, conn: Connection, request: Request) -> dict:
    priced, visit, lines, _ = pharmacy_price(platform, conn, request, store=False)
    output = preview_output(priced, visit)
    output["detlcutinfo"] = detlcutinfo(priced, lines)
    return output


@transaction("2102", "药店结算", writes=True)
def pharmacy_settle(platform: Platform, conn: Connection, request: Request) -> dict:
    priced, visit, lines, taken = pharmacy_price(platform, conn, request, store=True)
    in_event_audit(conn, request, visit, lines, priced.person)
    row = platform.store_settlement(request.uow, priced, visit, request.institution, msgid=request.msgid, infno=request.infno)
    if taken:
        prescriptions.record_dispensing(request.uow, pharmacy=request.institution, mdtrt_id=visit["mdtrt_id"],
                                        setl_id=row["setl_id"], taken=taken)
    output = settlement_output(row, visit, priced.person, priced.insurance)
    output["detlcutinfo"] = detlcutinfo(priced, lines)
    return output


@transaction("2103", "药店结算撤销", writes=True)
def pharmacy_reverse(platform: Platform, conn: Connection, request: Request) -> dict:
    return reverse_request(platform, conn, request, kind="pharmacy")


