"""Fee lines: upload (2204 outpatient, 2301 inpatient) and cancellation (2205, 2302), use cases
over a unit of work (``uow.fees``, store/repositories/fees.py; the visits through ``uow.visits``).

Locks (docs/locking.md): the visits of the request are locked first, in ascending mdtrt_id order
(rank 2), and the settlement chain and the stored line numbers are read after the locks: lines
are never added to, nor cancelled from, a settled visit. The request log of the gateway is the
action record (institution and msgid), and each stored line carries the msgid that uploaded it.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from yibao.domain.case import CatalogEntry
from yibao.domain.money import to_fen

from . import list_mapping
from .error_codes import refusal
from .unit_of_work import UnitOfWork
from .visits import ensure_unsettled, lock_own_visits, owned

CENT = Decimal("0.01")
ALL_LINES = "0000"  # a cancellation naming "0000" cancels every unsettled line of the visit


class FeeRepository(Protocol):
    def chain_and_line_numbers(self, mdtrt_id: str) -> tuple[dict | None, str | None, set[str]]:
        """The visit's active settlement, the reversal a new one follows, and every stored feedetl_sn."""

    def catalogue(self, admdvs: str, codes, day) -> dict[str, CatalogEntry]: ...

    def add(self, rows: list[dict]) -> None: ...

    def cancel(self, mdtrt_id: str, *, key: str | None = None, value: str | None = None) -> int:
        """Mark the visit's uploaded lines cancelled (those whose ``key`` equals ``value``, or all); how many."""


@dataclass(frozen=True)
class Cancellation:
    mdtrt_id: str
    psn_no: str | None
    key: str  # the fee-line column naming what to cancel: chrg_bchno (2205) or feedetl_sn (2302)
    value: str  # ALL_LINES for every unsettled line of the visit


def upload(uow: UnitOfWork, fixmedins_code: str, treatment_admdvs: str, kind: str, lines: list[dict], *,
           msgid: str) -> tuple[list[dict], dict[str, CatalogEntry]]:
    """2204/2301: store the lines (as read from the request, each with ``field``, its place in
    the request for refusals; amounts as Decimal yuan) on the institution's open visits of
    ``kind``; the stored rows and the catalogue entries of their codes (the answer's split)."""
    locked = lock_own_visits(uow, fixmedins_code, [line["mdtrt_id"] for line in lines])
    visits: dict[str, dict] = {}
    stored = []
    for line in lines:
        mdtrt_id = line["mdtrt_id"]
        if mdtrt_id not in visits:
            visits[mdtrt_id] = _open_visit(uow, locked[mdtrt_id], line["psn_no"], kind)
        elif line["psn_no"] != visits[mdtrt_id]["psn_no"]:
            # Every line of a visit belongs to the visit's person, not only the first one.
            raise refusal("VISIT_LINE_OTHER_PERSON", field=f"{line['field']}.psn_no", mdtrt_id=mdtrt_id)
        _check_amounts(line)
        stored.append(_row(line, visits[mdtrt_id]["psn_no"], msgid, uow.now))
    _check_line_numbers(stored, visits)
    _fill_national_codes(uow, fixmedins_code, stored)
    first_visit = next(iter(visits.values()))
    # read before the insert, which is then sent with the request log (store/write_batch.py)
    catalog = uow.fees.catalogue(treatment_admdvs, {row["med_list_codg"] for row in stored},
                                 first_visit["begntime"].date())
    uow.fees.add(stored)
    return stored, catalog


def cancel(uow: UnitOfWork, fixmedins_code: str, cancellations: list[Cancellation]) -> None:
    """2205/2302: cancel unsettled lines; the visits are locked first, in mdtrt_id order. A
    cancellation that matches no uploaded line is refused (FEE_NO_MATCH)."""
    locked = lock_own_visits(uow, fixmedins_code, [c.mdtrt_id for c in cancellations])
    for c in cancellations:
        visit = owned(locked[c.mdtrt_id], fixmedins_code, c.mdtrt_id, c.psn_no)
        ensure_unsettled(uow, visit, "撤销费用明细")
        narrowed = {} if c.value == ALL_LINES else {"key": c.key, "value": c.value}
        if uow.fees.cancel(c.mdtrt_id, **narrowed) == 0:
            raise refusal("FEE_NO_MATCH", mdtrt_id=c.mdtrt_id, key=c.key, value=c.value)


def _open_visit(uow: UnitOfWork, visit: dict, psn_no: str, kind: str) -> dict:
    """The locked visit if lines may be added to it; with the feedetl_sn already stored for it."""
    mdtrt_id = visit["mdtrt_id"]
    if visit["psn_no"] != psn_no:
        raise refusal("VISIT_OTHER_PERSON", mdtrt_id=mdtrt_id, psn_no=psn_no)
    if visit["kind"] != kind:
        raise refusal("VISIT_WRONG_KIND", mdtrt_id=mdtrt_id, actual=visit["kind"], expected=kind)
    if visit["status"] == "cancelled":
        raise refusal("VISIT_CANCELLED", mdtrt_id=mdtrt_id)
    active, _, numbers = uow.fees.chain_and_line_numbers(mdtrt_id)
    if active is not None:
        raise refusal("VISIT_SETTLED", mdtrt_id=mdtrt_id, action="上传费用明细")
    return dict(visit, stored_line_numbers=numbers)


def _check_amounts(line: dict) -> None:
    """A refund line (negative, inpatient only) names the line it refunds; the line's total is
    its count times its price, to the fen (one fen of rounding allowed)."""
    cnt, total = line["cnt"], line["det_item_fee_sumamt"]
    if (cnt < 0 or total < 0) and not line["init_feedetl_sn"]:
        raise refusal("FEE_REFUND_NEEDS_ORIGINAL", field=line["field"])
    expected = (cnt * line["pric"]).quantize(CENT)
    if abs(expected - total) > CENT:
        raise refusal("FEE_LINE_TOTAL_MISMATCH", field=f"{line['field']}.det_item_fee_sumamt", total=total,
                      expected=expected)


def _row(line: dict, psn_no: str, msgid: str, now) -> dict:
    return dict(
        mdtrt_id=line["mdtrt_id"], feedetl_sn=line["feedetl_sn"], init_feedetl_sn=line["init_feedetl_sn"],
        psn_no=psn_no, chrg_bchno=line["chrg_bchno"], med_list_codg=line["med_list_codg"],
        medins_list_codg=line["medins_list_codg"], cnt=f"{line['cnt']:f}", pric=f"{line['pric']:f}",
        det_item_fee_sumamt_fen=to_fen(line["det_item_fee_sumamt"]), fee_ocur_time=line["fee_ocur_time"],
        status="uploaded", upload_msgid=msgid, created_at=now,
    )


def _check_line_numbers(stored: list[dict], visits: dict[str, dict]) -> None:
    """A feedetl_sn once per visit: not twice in the request, not one the visit already has."""
    keys = [(row["mdtrt_id"], row["feedetl_sn"]) for row in stored]
    if len(set(keys)) != len(keys):
        raise refusal("FEE_SN_REPEATED", field="input.feedetail")
    for mdtrt_id, visit in visits.items():
        taken = sorted(sn for visit_id, sn in keys if visit_id == mdtrt_id and sn in visit["stored_line_numbers"])
        if taken:
            raise refusal("FEE_SN_TAKEN", feedetl_sn=taken[0], mdtrt_id=mdtrt_id)


def _fill_national_codes(uow: UnitOfWork, fixmedins_code: str, rows: list[dict]) -> None:
    """Lines sent with ``medins_list_codg`` and no ``med_list_codg`` get the national code of the
    institution's mapping in force on the fee date (3301); a line with neither is refused. Read
    from the per-worker cache (store/repositories/list_mappings.py): no statement once seen."""
    unmapped = [row for row in rows if not row["med_list_codg"]]
    if not unmapped:
        return
    for row in unmapped:
        if not row["medins_list_codg"]:
            raise refusal("MAPPING_NO_CODE", feedetl_sn=row["feedetl_sn"])
    codes = list_mapping.national_codes_for(uow, fixmedins_code, unmapped)
    for row in unmapped:
        row["med_list_codg"] = codes[row["medins_list_codg"]]
