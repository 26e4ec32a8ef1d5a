"""``uow.visits``: what registering a visit and changing its state read and write (app/visits.py).

Each method is one statement of store/repository/ (the registration facts and the visit lock run
prepared on the driver connection, store/driver_sql.py), so the statements of a visit stay
countable here: bench/visit_cost.py prints them per national transaction.
"""

from __future__ import annotations

import datetime as dt

from .. import repository as repo


class Repository:
    def __init__(self, conn, now: dt.datetime):
        self.conn, self.now = conn, now

    def registration_facts(self, psn_no: str, insutype: str, fixmedins_code: str,
                           ipt_otp_no: str) -> tuple[dict | None, dict | None, bool]:
        return repo.registration_facts(self.conn, psn_no, insutype, fixmedins_code, ipt_otp_no)

    def lock(self, mdtrt_id: str) -> dict | None:
        return repo.lock_visit(self.conn, mdtrt_id)

    def settlement_chain(self, mdtrt_id: str) -> tuple[dict | None, str | None]:
        return repo.settlement_chain(self.conn, mdtrt_id)

    def add(self, row: dict) -> None:
        repo.insert_visit(self.conn, row)

    def add_diagnoses(self, rows: list[dict]) -> None:
        repo.insert_diagnoses(self.conn, rows)

    def change(self, mdtrt_id: str, **values) -> None:
        repo.update_visit(self.conn, mdtrt_id, **values)
