"""The gateway's Internet+ checks (docs/internet-plus.md): an online visit is registered and
settled only as a revisit and under med_type 11 (or its chronic type); delivery lines of an
online visit or a circulated prescription are answered as self-paid, with a warning."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import Connection

from yibao.app import internet_plus
from yibao.app.error_codes import refusal, warning
from yibao.app.platform import Platform, Priced
from yibao.domain import internet_plus as rules
from yibao.store import repository as repo

from .readers import number, text
from .registry import Request


def online_med_type(platform: Platform, conn: Connection, request: Request, visit: dict, med_type: str,
                    *, diagnosis: str | None = None) -> str | None:
    """None for an offline visit; for an online one, refuse a first visit (INTERNET_NOT_REVISIT)
    and return the med_type it is settled under. ``diagnosis``: the one to check (default: the
    visit's main diagnosis as uploaded)."""
    if visit.get("kind", "outpatient") != "outpatient":
        return None  # Internet+ services are outpatient revisits (seed 003); an admission is never online
    day = visit["begntime"].date()
    if "internet" not in repo.agreement_coverage(conn, visit["fixmedins_code"], day):
        return None  # the common case, from the worker's memo: no Internet+ agreement at all
    agreements = repo.agreements_now(conn)
    if not internet_plus.online(agreements, visit):
        return None
    uow = request.uow
    policy_row = uow.settlements.policy_in_force(visit["insuplc_admdvs"], visit["insutype"], day)
    days = platform.policy(policy_row).internet_revisit_days if policy_row else rules.DEFAULT_REVISIT_DAYS
    if diagnosis is None:
        diagnosis = internet_plus.visit_diagnosis(uow, visit)
    internet_plus.check_revisit(uow, agreements, visit, revisit_days=days, diagnosis=diagnosis)
    return rules.settled_med_type(med_type)


def warn_delivery(request: Request, priced: Priced) -> None:
    """Delivery lines settled self-paid are named in warn_msg (the cashier tells the patient)."""
    delivery = [line for line in priced.settlement.lines if line.memo == rules.DELIVERY_MEMO]
    if delivery:
        total = sum((line.det_item_fee_sumamt for line in delivery), Decimal(0))
        request.warnings.append(warning("INTERNET_DELIVERY_SELF_PAID", count=len(delivery), amount=f"{total:.2f}"))


def circulated_lines(details: list) -> dict[str, list[tuple[str, Decimal]]]:
    """A pharmacy sale's lines dispensed against e-prescriptions (rx_circ_flag 1, rxno = the
    prescription's hi_rxno): hi_rxno -> [(med_list_codg, cnt)]. A circulated line without rxno
    is refused."""
    wanted: dict[str, list[tuple[str, Decimal]]] = {}
    for index, row in enumerate(details or []):
        where = f"input.drugdetail[{index}]"
        if text(row, "rx_circ_flag", where, required=False) != "1":
            continue
        rxno = text(row, "rxno", where, required=False)
        if not rxno:
            raise refusal("RX_NUMBER_REQUIRED", field=f"{where}.rxno")
        wanted.setdefault(rxno, []).append((text(row, "med_list_codg", where), number(row, "cnt", where)))
    return wanted
