"""Payment methods per institution and year (the region names each institution's method: total
budget, DIP, DRG, per diem, fee for service), the policy block of their parameters, and the
inpatient cases DIP and DRG work on (docs/payment-methods.md).

Locking (docs/locking.md, rank 15): a write on an institution's payment year locks
``payment-year/{fixmedins_code}/{year}`` and reads that year again after the lock.
"""

from __future__ import annotations

import datetime as dt
from typing import Iterator, Protocol

from yibao.documents.payment_methods_document import parse_payment_methods
from yibao.domain.budget import METHODS, PaymentRules
from yibao.domain.dip import Case

from .error_codes import refusal
from .unit_of_work import UnitOfWork

MAIN_OPERATION = "1"  # oprn_oprt_type 1: 主手术及操作 (nhsa-interface 4101 oprninfo)


class PaymentMethodsRepository(Protocol):
    """What the use cases need of the store (``uow.payment_methods``)."""

    def lock_institution_year(self, fixmedins_code: str, year: int) -> None: ...

    def institution(self, fixmedins_code: str) -> dict | None: ...

    def institutions_of_region(self, admdvs: str) -> list[dict]: ...

    def method_records(self, fixmedins_code: str, year: int) -> list[dict]: ...

    def methods_of_year(self, year: int) -> dict[str, str]: ...

    def add_method_record(self, row: dict) -> int: ...

    def budgets(self, fixmedins_code: str, year: int) -> list[dict]: ...

    def add_budget(self, row: dict) -> int: ...

    def advances(self, fixmedins_code: str, year: int) -> list[dict]: ...

    def add_advance(self, row: dict) -> int: ...

    def results(self, fixmedins_code: str, year: int) -> list[dict]: ...

    def add_result(self, row: dict) -> None: ...

    def tables(self, admdvs: str, year: int, method: str) -> list[dict]: ...

    def add_table(self, row: dict) -> int: ...

    def evaluation_score(self, fixmedins_code: str) -> int | None: ...

    def policy_block(self, admdvs: str, year: int) -> dict | None: ...

    def local_fund_cost(self, fixmedins_code: str, year: int) -> int: ...

    def inpatient_cases(self, admdvs: str, year: int) -> list[dict]: ...

    def coded(self, doc_ids: list[str]) -> tuple[list[dict], list[dict]]: ...

    def discharge_diagnoses(self, mdtrt_ids: list[str]) -> list[dict]: ...


def amount_fen(text: str) -> int:
    """Yuan as typed (at most two decimals, not negative) to fen, through domain/money.py."""
    from decimal import Decimal, InvalidOperation

    from yibao.domain.money import to_fen

    try:
        amount = Decimal(str(text).strip())
    except InvalidOperation:
        raise refusal("BUDGET_BAD_AMOUNT") from None
    # the magnitude first: quantizing a huge exponent would itself fail
    if not amount.is_finite() or amount < 0 or amount > 10**13 or amount != amount.quantize(Decimal("0.01")):
        raise refusal("BUDGET_BAD_AMOUNT")
    return to_fen(amount)


def checked_year(year: int) -> int:
    if not 2000 <= year <= 2100:
        raise refusal("PAYMENT_BAD_YEAR", year=year)
    return year


def institution(uow: UnitOfWork, fixmedins_code: str) -> dict:
    row = uow.payment_methods.institution(fixmedins_code)
    if row is None:
        raise refusal("PAYMENT_INSTITUTION_NOT_FOUND", fixmedins_code=fixmedins_code)
    return row


def rules_of(uow: UnitOfWork, admdvs: str, year: int) -> PaymentRules:
    """The region's ``payment_methods`` policy block for the year (defaults where absent)."""
    return parse_payment_methods(uow.payment_methods.policy_block(admdvs, year))


def set_method(uow: UnitOfWork, fixmedins_code: str, year: int, method: str, *, reason: str = "") -> dict:
    """A dated record naming the institution's payment method for the year; earlier ones are kept."""
    if method not in METHODS:
        raise refusal("PAYMENT_BAD_METHOD", method=method[:40], known="、".join(METHODS))
    institution(uow, fixmedins_code)
    uow.payment_methods.lock_institution_year(fixmedins_code, checked_year(year))
    if uow.payment_methods.results(fixmedins_code, year):
        raise refusal("PAYMENT_YEAR_SETTLED", fixmedins_code=fixmedins_code, year=year)
    row = dict(fixmedins_code=fixmedins_code, year=year, method=method, reason=reason[:2000],
               actor=uow.actor.label()[:200], recorded_at=uow.now)
    row["record_id"] = uow.payment_methods.add_method_record(row)
    uow.actions.record("payment.method", fixmedins_code, {"year": year, "method": method})
    return row


def method_of(uow: UnitOfWork, fixmedins_code: str, year: int) -> str | None:
    records = uow.payment_methods.method_records(fixmedins_code, year)
    return records[-1]["method"] if records else None


def method_history(uow: UnitOfWork, fixmedins_code: str, year: int) -> list[dict]:
    return uow.payment_methods.method_records(fixmedins_code, checked_year(year))


def _age(birthday: dt.date, on: dt.datetime) -> int:
    return on.year - birthday.year - ((on.month, on.day) < (birthday.month, birthday.day))


def _coded_case(row: dict, diagnoses: list[dict], operations: list[dict]) -> tuple[str, str, int]:
    """Main diagnosis, main operation, secondary diagnoses of a settlement list."""
    main = next((d for d in diagnoses if d["maindiag_flag"] == "1"), diagnoses[0] if diagnoses else None)
    operation = next((o for o in operations if o["oprn_oprt_type"] == MAIN_OPERATION),
                     operations[0] if operations else None)
    return (main["diag_code"] if main else row["dise_codg"], operation["oprn_oprt_code"] if operation else "",
            max(len(diagnoses) - 1, 0))


def _visit_case(row: dict, diagnoses: list[dict]) -> tuple[str, str, int]:
    """Without a settlement list: the discharge diagnoses (2402), else the visit's disease code;
    no procedure is known."""
    main = next((d for d in diagnoses if d["maindiag_flag"] == "1"), diagnoses[0] if diagnoses else None)
    return (main["diag_code"] if main else row["dise_codg"], "", max(len(diagnoses) - 1, 0))


def inpatient_cases(uow: UnitOfWork, admdvs: str, year: int) -> Iterator[Case]:
    """One case per discharged, unreversed local inpatient settlement of the region's institutions
    in the year, preferring the coded diagnoses and operations of its current 4101 list."""
    rows = uow.payment_methods.inpatient_cases(admdvs, checked_year(year))
    diagnoses, operations = uow.payment_methods.coded([r["setl_list_id"] for r in rows if r["setl_list_id"]])
    discharge = uow.payment_methods.discharge_diagnoses([r["mdtrt_id"] for r in rows if not r["setl_list_id"]])
    by_doc: dict[str, tuple[list, list]] = {}
    for d in diagnoses:
        by_doc.setdefault(d["doc_id"], ([], []))[0].append(d)
    for o in operations:
        by_doc.setdefault(o["doc_id"], ([], []))[1].append(o)
    by_visit: dict[str, list] = {}
    for d in discharge:
        by_visit.setdefault(d["mdtrt_id"], []).append(d)
    for row in rows:
        if row["setl_list_id"]:
            main, procedure, secondary = _coded_case(row, *by_doc.get(row["setl_list_id"], ([], [])))
        else:
            main, procedure, secondary = _visit_case(row, by_visit.get(row["mdtrt_id"], []))
        end = row["endtime"] or row["begntime"]
        yield Case(row["setl_id"], row["fixmedins_code"], row["medins_lv"] or "", main, procedure,
                   _age(row["brdy"], row["begntime"]), max((end.date() - row["begntime"].date()).days, 1),
                   int(row["medfee_sumamt_fen"]), int(row["fund_pay_sumamt_fen"]), secondary,
                   "setl_list" if row["setl_list_id"] else "visit")
