"""Queries about a person's visits (5202 diagnoses, 5205 门慢特 medication, 5303 in hospital):
use cases over a unit of work (``uow.visit_records``, store/repositories/visit_records.py).

5202 is about one visit and answers only the institution that registered it. 5205 and 5303
are about the person and look at every institution: a prescriber checks the person's chronic
medication elsewhere before prescribing, and a hospital checks whether the person is already
admitted elsewhere (nhsa-interface §2.5).
"""

from __future__ import annotations

import datetime as dt
from typing import Protocol

from .error_codes import refusal
from .unit_of_work import UnitOfWork

LONGEST_PERIOD = dt.timedelta(days=366)


class VisitRecordRepository(Protocol):
    def visit(self, mdtrt_id: str) -> dict | None: ...

    def person(self, psn_no: str) -> dict | None: ...

    def diagnoses(self, mdtrt_id: str) -> list[dict]:
        """In the order stored (2203, 2401, 2402)."""

    def chronic_lines(self, psn_no: str, begin: dt.datetime, end: dt.datetime) -> list[dict]:
        """Fee lines of settled 门慢特 visits, any institution, with the visit's and settlement's fields."""

    def in_hospital(self, psn_no: str) -> list[dict]: ...

    def qualification_names(self, psn_no: str) -> dict[str, str]: ...


def visit_diagnoses(uow: UnitOfWork, fixmedins_code: str, psn_no: str, mdtrt_id: str) -> tuple[dict, list[dict]]:
    """5202: the visit (this institution's, this person's) and its diagnoses."""
    visit = uow.visit_records.visit(mdtrt_id)
    if visit is None or visit["fixmedins_code"] != fixmedins_code:
        raise refusal("VISIT_NOT_FOUND", mdtrt_id=mdtrt_id, fixmedins_code=fixmedins_code)
    if visit["psn_no"] != psn_no:
        raise refusal("VISIT_OTHER_PERSON", mdtrt_id=mdtrt_id, psn_no=psn_no)
    return visit, uow.visit_records.diagnoses(mdtrt_id)


def _known_person(uow: UnitOfWork, psn_no: str) -> dict:
    person = uow.visit_records.person(psn_no)
    if person is None:
        raise refusal("PERSON_NOT_FOUND", psn_no=psn_no)
    return person


def chronic_medication(uow: UnitOfWork, psn_no: str, begin: dt.datetime | None, end: dt.datetime | None) -> list[dict]:
    """5205: the person's settled 门慢特 lines in [begin, end] (default: the year up to now), each
    with its disease's name from the person's qualifications when the visit does not carry it."""
    _known_person(uow, psn_no)
    end = end or uow.now
    begin = begin or end - dt.timedelta(days=365)
    if begin > end or end - begin > LONGEST_PERIOD:
        raise refusal("QUERY_BAD_PERIOD")
    names = uow.visit_records.qualification_names(psn_no)
    lines = uow.visit_records.chronic_lines(psn_no, begin, end)
    for line in lines:
        line["opsp_dise_name"] = line["dise_name"] or names.get(line["dise_codg"], "")
    return lines


def in_hospital(uow: UnitOfWork, psn_no: str) -> list[dict]:
    """5303: the person's current stays in hospital, anywhere."""
    _known_person(uow, psn_no)
    return uow.visit_records.in_hospital(psn_no)
