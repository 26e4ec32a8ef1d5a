"""Who and where: the region a person is insured in and the institutions of the register, as
the admin scope checks ask for them."""

from __future__ import annotations

import datetime as dt

from .. import repository as repo


class Repository:
    def __init__(self, conn, now: dt.datetime):
        self.conn, self.now = conn, now

    def insured_region(self, psn_no: str) -> str | None:
        """The insured place of the person's first insurance; None for an unknown or uninsured person."""
        insurances = repo.insurances_of(self.conn, psn_no)
        return insurances[0]["insuplc_admdvs"] if insurances else None

    def institution(self, fixmedins_code: str) -> dict | None:
        return repo.institution(self.conn, fixmedins_code)
