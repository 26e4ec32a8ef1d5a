"""Internet+ visits at the gateway (docs/internet-plus.md; rules in domain/internet_plus.py): is
the visit online, is it a revisit, which of its catalogue items are delivery services.

The gateway passes the agreements it read from its worker's copy (``repo.agreements_now``);
prior visits and diagnoses come through ``uow.prescriptions`` (store/repositories/prescriptions.py).
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from yibao.domain import internet_plus as rules
from yibao.domain.agreements import Agreement
from yibao.domain.case import CatalogEntry

from . import filings
from .error_codes import refusal
from .unit_of_work import UnitOfWork


def online(agreements: dict[str, Agreement], visit: dict) -> bool:
    """Whether the visit was registered by an Internet+ institution (on its registration day)."""
    return rules.is_internet_institution(agreements, visit["fixmedins_code"], visit["begntime"].date())


def check_revisit(uow: UnitOfWork, agreements: dict[str, Agreement], visit: dict, *, revisit_days: int,
                  diagnosis: str) -> str:
    """The basis of the revisit (for the trace), or the refusal of a first online visit (seed 003
    §二: 复诊; the number of days is the insured policy's ``internet_revisit_days``)."""
    day = visit["begntime"].date()
    since = dt.datetime.combine(day - dt.timedelta(days=revisit_days), dt.time())
    prior = uow.prescriptions.prior_visits(visit["psn_no"], since, visit["begntime"],
                                           rules.internet_institutions(agreements, day))
    qualified = filings.qualified_diseases(uow, visit["psn_no"], visit["insutype"], day)
    basis = rules.revisit_basis(prior, qualified, diagnosis=diagnosis, day=day, revisit_days=revisit_days)
    if basis is None:
        raise refusal("INTERNET_NOT_REVISIT", psn_no=visit["psn_no"], days=revisit_days,
                      diagnosis=diagnosis or "（未上传主诊断）")
    return basis


def visit_diagnosis(uow: UnitOfWork, visit: dict) -> str:
    """The main diagnosis of 2203's diseinfo, else the visit's dise_codg."""
    return uow.prescriptions.main_diagnosis(visit["mdtrt_id"]) or visit.get("dise_codg") or ""


def mark_delivery(uow: UnitOfWork, catalog: dict[str, CatalogEntry], admdvs: str) -> dict[str, CatalogEntry]:
    """The catalogue with its delivery items marked (never paid by the funds)."""
    kinds = uow.prescriptions.list_types(admdvs, sorted(catalog))
    return {code: dataclasses.replace(entry, category="delivery") if kinds.get(code) == rules.DELIVERY_LIST_TYPE else entry
            for code, entry in catalog.items()}
