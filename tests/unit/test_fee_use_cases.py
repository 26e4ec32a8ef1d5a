"""Uploading and cancelling fee lines over a fake unit of work (app/fees.py): the visits are
locked first in mdtrt_id order, and lines never join or leave a settled visit."""

from __future__ import annotations

from decimal import Decimal

from yibao.app import fees, visits

from ..refusals import refused
from .fake_visits import FakeFees
from .test_visit_use_cases import HOSPITAL, NOW, PERSON, registration, unit


def fee_unit():
    uow = unit()
    uow.fees = FakeFees(uow.visits)
    first = visits.register(uow, registration(visit_number="OP-1"))
    second = visits.register(uow, registration(visit_number="OP-2"))
    uow.visits.locked.clear()
    return uow, first, second


def line(mdtrt_id: str, sn: str, cnt="2", pric="12.50", total="25.00", **changes) -> dict:
    values = dict(field=f"input.feedetail[{sn}]", mdtrt_id=mdtrt_id, psn_no=PERSON, cnt=Decimal(cnt),
                  pric=Decimal(pric), det_item_fee_sumamt=Decimal(total), init_feedetl_sn="", feedetl_sn=sn,
                  chrg_bchno="B1", med_list_codg="XA01", medins_list_codg="", fee_ocur_time=NOW)
    return {**values, **changes}


def upload(uow, lines, kind="outpatient"):
    return fees.upload(uow, HOSPITAL, "510100", kind, lines, msgid="M1")


def test_an_upload_locks_the_visits_in_order_and_stores_fen_and_the_msgid():
    uow, first, second = fee_unit()
    stored, _ = upload(uow, [line(second, "1"), line(first, "1", cnt="3", pric="0.333", total="1.00")])
    assert uow.visits.locked == sorted([first, second])
    assert [(r["mdtrt_id"], r["det_item_fee_sumamt_fen"], r["cnt"], r["upload_msgid"]) for r in uow.fees.lines] == [
        (second, 2500, "2", "M1"), (first, 100, "3", "M1")]
    assert stored == uow.fees.lines
    assert uow.fees.catalogue_reads == [("510100", frozenset({"XA01"}), NOW.date())]


def test_an_upload_whose_line_total_is_not_count_times_price_is_refused():
    uow, first, _ = fee_unit()
    with refused("FEE_LINE_TOTAL_MISMATCH", "input.feedetail[2].det_item_fee_sumamt", "26.00", "25.00"):
        upload(uow, [line(first, "1"), line(first, "2", total="26.00")])
    assert uow.fees.lines == []


def test_an_upload_to_a_settled_visit_is_refused():
    uow, first, _ = fee_unit()
    uow.visits.active_settlements[first] = {"setl_id": "41000000001"}
    with refused("VISIT_SETTLED", first, "上传费用明细"):
        upload(uow, [line(first, "1")])
    assert uow.fees.lines == []


def test_an_upload_refuses_a_line_number_taken_a_refund_without_original_and_the_wrong_kind():
    uow, first, _ = fee_unit()
    upload(uow, [line(first, "1")])
    with refused("FEE_SN_TAKEN", "1"):
        upload(uow, [line(first, "1")])
    with refused("FEE_SN_REPEATED"):
        upload(uow, [line(first, "2"), line(first, "2")])
    with refused("VISIT_WRONG_KIND", "outpatient", "inpatient"):
        upload(uow, [line(first, "3")], kind="inpatient")
    with refused("VISIT_LINE_OTHER_PERSON", "input.feedetail[4].psn_no"):
        upload(uow, [line(first, "3"), line(first, "4", psn_no="51010000000000000002")])
    with refused("FEE_REFUND_NEEDS_ORIGINAL", "input.feedetail[5]"):
        upload(uow, [line(first, "5", cnt="-2", total="-25.00")])
    assert [r["feedetl_sn"] for r in uow.fees.lines] == ["1"]


def test_cancelling_lines_of_a_settled_visit_is_refused_and_leaves_them_uploaded():
    uow, first, _ = fee_unit()
    upload(uow, [line(first, "1"), line(first, "2", chrg_bchno="B2")])
    uow.visits.active_settlements[first] = {"setl_id": "41000000001"}
    with refused("VISIT_SETTLED", "撤销费用明细"):
        fees.cancel(uow, HOSPITAL, [fees.Cancellation(first, PERSON, "chrg_bchno", "0000")])
    assert {r["status"] for r in uow.fees.lines} == {"uploaded"}


def test_cancelling_by_batch_or_all_and_a_cancel_matching_nothing():
    uow, first, second = fee_unit()
    upload(uow, [line(first, "1"), line(first, "2", chrg_bchno="B2"), line(second, "1")])
    uow.visits.locked.clear()
    fees.cancel(uow, HOSPITAL, [fees.Cancellation(first, PERSON, "chrg_bchno", "B2")])
    assert [(r["feedetl_sn"], r["status"]) for r in uow.fees.lines if r["mdtrt_id"] == first] == [
        ("1", "uploaded"), ("2", "cancelled")]
    with refused("FEE_NO_MATCH", "B2"):
        fees.cancel(uow, HOSPITAL, [fees.Cancellation(first, None, "chrg_bchno", "B2")])
    fees.cancel(uow, HOSPITAL, [fees.Cancellation(second, None, "feedetl_sn", "0000"),
                                fees.Cancellation(first, None, "feedetl_sn", "1")])
    assert {r["status"] for r in uow.fees.lines} == {"cancelled"}
    assert uow.visits.locked[-2:] == sorted([first, second])  # locked together, in order, before any change


def test_a_line_without_a_national_code_needs_the_institutions_own():
    uow, first, _ = fee_unit()
    with refused("MAPPING_NO_CODE", "1"):
        upload(uow, [line(first, "1", med_list_codg="")])
    assert uow.fees.lines == []


def test_a_second_institution_cannot_upload_to_the_visit():
    uow, first, _ = fee_unit()
    with refused("VISIT_NOT_FOUND", first, "H51010100002"):
        fees.upload(uow, "H51010100002", "510100", "outpatient", [line(first, "1")], msgid="M2")
    assert uow.fees.lines == []
