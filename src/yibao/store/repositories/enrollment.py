"""``uow.enrollment``: enrollment records, contributions, transfers and account credits
(app/enrollment.py, docs/enrollment.md), with the person's lock (docs/locking.md, rank 3)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Connection, func, insert, select, update

from .. import repository as repo
from .. import tables as t

_r, _c = t.enrollment_records, t.contributions
_PERIOD_STEPS = ("enroll", "transfer_in")


class Repository:
    def __init__(self, conn: Connection, now: dt.datetime):
        self.conn, self.now = conn, now

    # --- persons and their insurance (the current state the settlement path reads) --------------
    def lock_persons(self, psn_nos: list[str]) -> dict[str, dict]:
        """Rank 3, ascending psn_no; the rows as read after the lock."""
        return repo.lock_persons(self.conn, psn_nos)

    def add_person(self, row: dict) -> None:
        self.conn.execute(insert(t.persons).values(**row))

    def insurance(self, psn_no: str, insutype: str) -> dict | None:
        row = self.conn.execute(select(t.insurances).where(t.insurances.c.psn_no == psn_no,
                                                           t.insurances.c.insutype == insutype)).mappings().first()
        return None if row is None else dict(row)

    def insurances(self, psn_no: str) -> list[dict]:
        return repo.insurances_of(self.conn, psn_no)

    def save_insurance(self, row: dict) -> None:
        """The insurance's current state (a projection of its records), inserted or replaced."""
        key = (t.insurances.c.psn_no == row["psn_no"], t.insurances.c.insutype == row["insutype"])
        if self.conn.execute(select(t.insurances.c.psn_no).where(*key)).first():
            self.conn.execute(update(t.insurances).where(*key).values(**row))
        else:
            self.conn.execute(insert(t.insurances).values(**row))

    def policy_document(self, admdvs: str, insutype: str, day: dt.date) -> str | None:
        """The policy document in force (with the district → city → province fallback)."""
        row = repo.policy_row(self.conn, admdvs, insutype, day)
        return None if row is None else row["document"]

    # --- enrollment records ---------------------------------------------------------------------
    def records(self, psn_no: str, insutype: str | None = None) -> list[dict]:
        query = select(_r).where(_r.c.psn_no == psn_no).order_by(_r.c.record_id)
        if insutype is not None:
            query = query.where(_r.c.insutype == insutype)
        return [dict(row) for row in self.conn.execute(query).mappings()]

    def add_record(self, row: dict) -> int:
        return int(self.conn.execute(insert(_r).values(**row)).inserted_primary_key[0])

    # --- contributions ----------------------------------------------------------------------------
    def contribution(self, psn_no: str, insutype: str, month: str) -> dict | None:
        row = self.conn.execute(select(_c).where(_c.c.psn_no == psn_no, _c.c.insutype == insutype,
                                                 _c.c.month == month)).mappings().first()
        return None if row is None else dict(row)

    def add_contribution(self, row: dict) -> int:
        return int(self.conn.execute(insert(_c).values(**row)).inserted_primary_key[0])

    def contribution_summary(self, psn_no: str, insutype: str) -> dict:
        """Months contributed (in any region) and the last of them."""
        months, last = self.conn.execute(select(func.count(func.distinct(_c.c.month)), func.max(_c.c.month))
                                         .where(_c.c.psn_no == psn_no, _c.c.insutype == insutype)).one()
        return {"months": int(months or 0), "last_month": last}

    def contributions_by_region(self, psn_no: str, insutype: str) -> list[dict]:
        query = (select(_c.c.insuplc_admdvs, func.count().label("months"), func.sum(_c.c.emp_amt_fen).label("emp_amt_fen"),
                        func.sum(_c.c.psn_amt_fen).label("psn_amt_fen"))
                 .where(_c.c.psn_no == psn_no, _c.c.insutype == insutype)
                 .group_by(_c.c.insuplc_admdvs).order_by(_c.c.insuplc_admdvs))
        return [dict(row) for row in self.conn.execute(query).mappings()]

    # --- transfers ------------------------------------------------------------------------------
    def transfer(self, transfer_id: str) -> dict | None:
        query = (select(t.transfers, t.transfer_acceptances.c.accepted_at, t.transfer_acceptances.c.begndate,
                        t.transfer_acceptances.c.benefit_begndate, t.transfer_acceptances.c.acct_moved_fen,
                        t.transfer_acceptances.c.pooled_fund_fen, t.transfer_acceptances.c.accepted_by)
                 .select_from(t.transfers.outerjoin(t.transfer_acceptances))
                 .where(t.transfers.c.transfer_id == transfer_id))
        row = self.conn.execute(query).mappings().first()
        return None if row is None else dict(row)

    def open_transfer(self, psn_no: str, insutype: str) -> str | None:
        query = (select(t.transfers.c.transfer_id).select_from(t.transfers.outerjoin(t.transfer_acceptances))
                 .where(t.transfers.c.psn_no == psn_no, t.transfers.c.insutype == insutype,
                        t.transfer_acceptances.c.transfer_id.is_(None)))
        return self.conn.execute(query).scalars().first()

    def transfers_of(self, psn_no: str) -> list[dict]:
        ids = self.conn.execute(select(t.transfers.c.transfer_id).where(t.transfers.c.psn_no == psn_no)
                                .order_by(t.transfers.c.issued_at, t.transfers.c.transfer_id)).scalars().all()
        return [self.transfer(transfer_id) for transfer_id in ids]

    def add_transfer(self, row: dict) -> None:
        self.conn.execute(insert(t.transfers).values(**row))

    def add_acceptance(self, row: dict) -> None:
        self.conn.execute(insert(t.transfer_acceptances).values(**row))

    # --- monthly crediting ------------------------------------------------------------------------
    def employees_to_credit(self, month_start: dt.date, month_end: dt.date) -> list[dict]:
        """Employee insurances (310) in cover during the month, with the month's own contribution
        (None if absent), in psn_no order."""
        i, month = t.insurances, month_start.strftime("%Y-%m")
        contribution = select(_c.c.psn_amt_fen).where(_c.c.psn_no == i.c.psn_no, _c.c.insutype == i.c.insutype,
                                                      _c.c.month == month).correlate(i).scalar_subquery()
        query = (select(i.c.psn_no, i.c.psn_type, i.c.insuplc_admdvs, contribution.label("psn_amt_fen"))
                 .where(i.c.insutype == "310", i.c.psn_insu_stas == "1",
                        (i.c.insu_enddate.is_(None)) | (i.c.insu_enddate >= month_end),
                        (i.c.enroll_date.is_(None)) | (i.c.enroll_date <= month_end))
                 .order_by(i.c.psn_no))
        return [dict(row) for row in self.conn.execute(query).mappings()]

    def credited(self, psn_nos: list[str], month: str) -> set[str]:
        query = select(t.account_credits.c.psn_no).where(t.account_credits.c.month == month,
                                                         t.account_credits.c.psn_no.in_(psn_nos))
        return set(self.conn.execute(query).scalars())

    def add_credit(self, row: dict) -> None:
        self.conn.execute(insert(t.account_credits).values(**row))
