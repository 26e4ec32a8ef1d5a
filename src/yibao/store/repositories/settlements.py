"""``uow.settlements``: what pricing and storing a settlement reads and writes (the hot path).

Each method is one statement (built once, store/repository/), so a settlement's round
trips can be counted from here: bench/visit_cost.py prints them per national transaction.
Money crosses this boundary as Decimal yuan (the domain's) or integer fen (the rows'); the
conversion is ``repository.to_fen`` / ``from_fen`` and nowhere else.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Iterable

from yibao.domain.case import CatalogEntry, YearToDate

from .. import repository as repo
from .audit import Repository as AuditRepository


class Repository:
    def __init__(self, conn, now: dt.datetime):
        self.conn, self.now = conn, now

    # --- reads ---------------------------------------------------------------------------------
    def person(self, psn_no: str) -> dict | None:
        """The person with ``family_binders`` (亲情账户), in the same round trip."""
        return repo.person_with_binders(self.conn, psn_no)

    def insurance(self, psn_no: str, insutype: str) -> dict | None:
        return repo.insurance(self.conn, psn_no, insutype)

    def lock_settling_persons(self, psn_no: str, family_psn_no: str | None,
                              insutype: str) -> tuple[dict | None, dict | None, dict[str, dict]]:
        """The person and the family account owner locked in psn_no order (docs/locking.md, rank 3)
        and read after the lock, with the person's insurance."""
        return repo.lock_settling_persons(self.conn, psn_no, family_psn_no, insutype)

    def lock_for_settlement(self, *, mdtrt_id: str, psn_no: str, family_psn_no: str | None, insutype: str,
                            history_since: dt.date | None) -> dict:
        """After the visit's lock: the persons' lock with the person, insurance and death date, the
        visit's uploaded lines and settlement chain, and (``history_since``) the person's history
        for the in-event audit; one round trip on PostgreSQL
        (``repository.lock_for_settlement_postgresql`` says why that is safe), the same answer
        from separate statements on SQLite, whose writers are serialized anyway. Keys: person,
        insurance, locked, lines, active, follows, history, claimed (a manual claim that is not
        rejected or reversed names the visit)."""
        fold = repo.lock_for_settlement_postgresql if self.conn.dialect.name == "postgresql" else lock_for_settlement_separately
        return fold(self.conn, mdtrt_id=mdtrt_id, psn_no=psn_no, family_psn_no=family_psn_no, insutype=insutype,
                    history_since=history_since)

    def lock_persons(self, psn_nos: Iterable[str | None]) -> dict[str, dict]:
        return repo.lock_persons(self.conn, psn_nos)

    def policy_in_force(self, admdvs: str, insutype: str, day: dt.date) -> dict | None:
        return repo.policy_row(self.conn, admdvs, insutype, day)

    def catalogue(self, admdvs: str, codes: Iterable[str], day: dt.date) -> dict[str, CatalogEntry]:
        return repo.catalog_entries(self.conn, admdvs, codes, day)

    def account_tips(self, psn_nos: list[str]) -> dict[str, tuple[int, int]]:
        return repo.account_tips(self.conn, psn_nos)

    def year_to_date(self, psn_no: str, insutype: str, year: int) -> YearToDate:
        return repo.year_to_date(self.conn, psn_no, insutype, year)

    def tips_and_year_to_date(self, psn_nos: list[str], psn_no: str, insutype: str,
                              year: int) -> tuple[dict[str, tuple[int, int]], YearToDate]:
        """The account chains' last entries and the person's accumulators, in one round trip."""
        return repo.tips_and_year_to_date(self.conn, psn_nos, psn_no, insutype, year)

    def reversal_of(self, setl_id: str) -> dict | None:
        return repo.reversal_of(self.conn, setl_id)

    def account_balance(self, psn_no: str) -> Decimal:
        return repo.account_balance(self.conn, psn_no)

    # --- writes --------------------------------------------------------------------------------
    def add(self, row: dict) -> None:
        repo.insert_settlement(self.conn, row)

    def move_account(self, psn_no: str, amount: Decimal, kind: str, setl_id: str, *, actor: str,
                     tip: tuple[int, int] | None = None) -> int:
        return repo.add_account_entry(self.conn, psn_no, amount, kind, setl_id, self.now, actor=actor, tip=tip)

    def add_accumulators(self, psn_no: str, insutype: str, year: int, delta: YearToDate, setl_id: str,
                         sign: int = 1) -> None:
        repo.add_accumulator_delta(self.conn, psn_no, insutype, year, delta, setl_id, sign=sign)


def lock_for_settlement_separately(conn, *, mdtrt_id: str, psn_no: str, family_psn_no: str | None, insutype: str,
                                   history_since: dt.date | None) -> dict:
    """``Repository.lock_for_settlement`` in separate statements (SQLite; and the reference the
    PostgreSQL statement is tested against)."""
    person, insurance, locked = repo.lock_settling_persons(conn, psn_no, family_psn_no, insutype)
    together = repo.fee_lines_and_chain(conn, mdtrt_id)
    if together is None:
        active, follows = repo.settlement_chain(conn, mdtrt_id)
        together = [], active is not None, follows
    history = None
    if history_since is not None and person is not None:
        audit = AuditRepository(conn, None)
        visits, diagnoses = audit.visits_and_diagnoses(psn_no, mdtrt_id, history_since)
        history = visits, diagnoses, audit.uploaded_lines([visit["mdtrt_id"] for visit in visits])
    lines, active, follows = together
    return {"person": person, "insurance": insurance, "locked": locked, "lines": lines, "active": active,
            "follows": follows, "history": history, "claimed": repo.visit_claimed(conn, mdtrt_id)}
