"""Who and where: the region a person is insured in and the institutions of the register, as
the admin scope checks ask for them."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import insert, select

from .. import repository as repo
from .. import tables as t


class Repository:
    def __init__(self, conn, now: dt.datetime):
        self.conn, self.now = conn, now

    def insured_region(self, psn_no: str) -> str | None:
        """The insured place of the person's first insurance; None for an unknown or uninsured person."""
        insurances = repo.insurances_of(self.conn, psn_no)
        return insurances[0]["insuplc_admdvs"] if insurances else None

    def institution(self, fixmedins_code: str) -> dict | None:
        return repo.institution(self.conn, fixmedins_code)

    def region_codes(self) -> set[str]:
        """The admdvs codes of the named regions."""
        return {row[0] for row in self.conn.execute(select(t.regions.c.admdvs))}

    def add_regions(self, rows: list[dict]) -> None:
        """New regions, each {"admdvs", "name"}."""
        self.conn.execute(insert(t.regions), rows)

    def insured_people(self) -> list[dict]:
        """Every insurance as (psn_no, insutype, psn_type, insuplc_admdvs), by psn_no."""
        i = t.insurances
        return [dict(row) for row in self.conn.execute(
            select(i.c.psn_no, i.c.insutype, i.c.psn_type, i.c.insuplc_admdvs).order_by(i.c.psn_no)).mappings()]
