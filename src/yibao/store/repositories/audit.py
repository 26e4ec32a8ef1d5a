"""Audit (app/audit.py): the regions' rule packages, a person's stored visits as audit history,
the settled claim lines of a period for the post-event batch, and the death registry."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Connection, and_, bindparam, insert, or_, select

from .. import repository as repo
from .. import tables as t


_PACKAGES_OF_CHAIN = (select(t.rule_packages).where(t.rule_packages.c.admdvs.in_(bindparam("chain", expanding=True)))
                      .order_by(t.rule_packages.c.package_id.desc()))
_package_cache: dict[tuple, dict | None] = {}


_VISITS_AND_DIAGNOSES = (
    select(t.visits, *[c.label(f"d_{c.name}") for c in t.diagnoses.c])
    .select_from(t.visits.outerjoin(t.diagnoses, t.diagnoses.c.mdtrt_id == t.visits.c.mdtrt_id))
    .where(t.visits.c.psn_no == bindparam("psn_no"),
           or_(t.visits.c.mdtrt_id == bindparam("exclude"),
               and_(t.visits.c.status != "cancelled", t.visits.c.begntime >= bindparam("since"))))
    .order_by(t.visits.c.begntime, t.visits.c.mdtrt_id, t.diagnoses.c.diag_id)
)


class Repository:
    """``uow.audit``. Rows are plain dicts; amounts in fen."""

    def __init__(self, conn: Connection, now: dt.datetime):
        self.conn, self.now = conn, now

    # --- rule packages -------------------------------------------------------------------------

    def current_package(self, admdvs: str) -> dict | None:
        """The latest package of the region, its city or its province (nearest first);
        remembered per worker while the rules' version read with the gateway request's
        authentication is unchanged (migration 0008 bumps it on any change)."""
        version = (repo.current_cache_versions.get() or {}).get("rules")
        if version is not None and (version, admdvs) in _package_cache:
            return _package_cache[(version, admdvs)]
        chain = repo.region_chain(admdvs)
        rows = self.conn.execute(_PACKAGES_OF_CHAIN, {"chain": chain}).mappings().all()
        found = next((dict(row) for region in chain for row in rows if row["admdvs"] == region), None)
        if version is not None:
            if len(_package_cache) > 1_000:
                _package_cache.clear()
            _package_cache[(version, admdvs)] = found
        return found

    def package_versions(self, admdvs: str) -> set[str]:
        """Every version the region has stored."""
        return {v for (v,) in self.conn.execute(select(t.rule_packages.c.version).where(t.rule_packages.c.admdvs == admdvs))}

    def add_package(self, *, admdvs: str, version: str, document: str, source: str, refuse_definite: bool) -> None:
        self.conn.execute(insert(t.rule_packages).values(admdvs=admdvs, version=version, document=document, source=source,
                                                         imported_at=self.now, refuse_definite=refuse_definite))

    # --- a person's history --------------------------------------------------------------------

    def other_visits(self, psn_no: str, exclude: str, since: dt.date) -> list[dict]:
        """The person's visits begun from ``since`` on, but ``exclude`` and cancelled ones."""
        v = t.visits
        return [dict(row) for row in self.conn.execute(select(v).where(
            v.c.psn_no == psn_no, v.c.mdtrt_id != exclude, v.c.status != "cancelled",
            v.c.begntime >= dt.datetime.combine(since, dt.time()))).mappings()]

    def visits_and_diagnoses(self, psn_no: str, exclude: str, since: dt.date) -> tuple[list[dict], dict[str, list[dict]]]:
        """``other_visits`` and the diagnoses of those visits and of ``exclude`` (the visit being
        audited), in one query."""
        visits: dict[str, dict] = {}
        diagnoses: dict[str, list[dict]] = {exclude: []}
        rows = self.conn.execute(_VISITS_AND_DIAGNOSES, {"psn_no": psn_no, "exclude": exclude,
                                                         "since": dt.datetime.combine(since, dt.time())}).mappings()
        for row in rows:
            mdtrt_id = row["mdtrt_id"]
            if mdtrt_id != exclude and mdtrt_id not in visits:
                visits[mdtrt_id] = {c.name: row[c.name] for c in t.visits.c}
            diagnoses.setdefault(mdtrt_id, [])
            if row["d_diag_id"] is not None:
                diagnoses[mdtrt_id].append({c.name: row[f"d_{c.name}"] for c in t.diagnoses.c})
        return list(visits.values()), diagnoses

    def uploaded_lines(self, mdtrt_ids: list[str]) -> dict[str, list[dict]]:
        """The uploaded fee lines of each visit, in feedetl_sn order (one query)."""
        lines: dict[str, list[dict]] = {mdtrt_id: [] for mdtrt_id in mdtrt_ids}
        if mdtrt_ids:
            f = t.fee_lines
            for row in self.conn.execute(select(f).where(f.c.mdtrt_id.in_(mdtrt_ids), f.c.status == "uploaded")
                                         .order_by(f.c.feedetl_sn)).mappings():
                lines[row["mdtrt_id"]].append(dict(row))
        return lines

    def diagnoses(self, mdtrt_ids: list[str]) -> dict[str, list[dict]]:
        """The diagnoses of each visit in the order they were stored (one query)."""
        found: dict[str, list[dict]] = {mdtrt_id: [] for mdtrt_id in mdtrt_ids}
        if mdtrt_ids:
            for row in self.conn.execute(select(t.diagnoses).where(t.diagnoses.c.mdtrt_id.in_(mdtrt_ids))
                                         .order_by(t.diagnoses.c.diag_id)).mappings():
                found[row["mdtrt_id"]].append(dict(row))
        return found

    def die_date(self, certno: str) -> dt.date | None:
        return self.conn.execute(select(t.deaths.c.die_date).where(t.deaths.c.certno == certno)).scalar_one_or_none()

    # --- the post-event batch --------------------------------------------------------------------

    def settled_fee_lines(self, begin: dt.date, end: dt.date, region: str | None) -> list[dict]:
        """One row per uploaded fee line of the visits settled in the period (settlements not
        reversed): the settlement id, the visit's columns, the line, the person's certno, gend
        and brdy and the institution's level. ``region`` keeps the visits treated in it or
        a district under it (a city 510100 covers 5101xx)."""
        s, v, f, p, i = t.settlements, t.visits, t.fee_lines, t.persons, t.institutions
        reversal = s.alias("reversal")
        query = (
            select(s.c.setl_id, v, f.c.feedetl_sn, f.c.med_list_codg, f.c.fee_ocur_time, f.c.cnt, f.c.pric,
                   f.c.det_item_fee_sumamt_fen, p.c.certno, p.c.gend, p.c.brdy, i.c.medins_lv)
            .select_from(s.join(v, v.c.mdtrt_id == s.c.mdtrt_id).join(f, f.c.mdtrt_id == v.c.mdtrt_id)
                         .join(p, p.c.psn_no == v.c.psn_no).join(i, i.c.fixmedins_code == v.c.fixmedins_code))
            .where(s.c.kind == "settlement", f.c.status == "uploaded",
                   s.c.setl_time >= dt.datetime.combine(begin, dt.time()),
                   s.c.setl_time < dt.datetime.combine(end + dt.timedelta(days=1), dt.time()),
                   ~select(reversal.c.setl_id).where(reversal.c.reverses_setl_id == s.c.setl_id).exists())
        )
        if region:
            query = query.where(v.c.mdtrtarea_admvs.like(region.rstrip("0") + "%"))
        return [dict(row) for row in self.conn.execute(query).mappings()]

    def diagnosis_codes(self, mdtrt_id: str) -> list[str]:
        """The visit's diagnosis codes in the order they were stored."""
        return [d for (d,) in self.conn.execute(select(t.diagnoses.c.diag_code).where(t.diagnoses.c.mdtrt_id == mdtrt_id)
                                                .order_by(t.diagnoses.c.diag_id))]

    # --- the death registry ----------------------------------------------------------------------

    def deaths(self) -> dict[str, dt.date]:
        """Every registered death: the date by certno."""
        return {certno: day for certno, day in self.conn.execute(select(t.deaths.c.certno, t.deaths.c.die_date))}

    def replace_death(self, certno: str, day: dt.date) -> None:
        """The person's registered death is now ``day`` (imported at the unit's clock reading)."""
        self.conn.execute(t.deaths.delete().where(t.deaths.c.certno == certno))
        self.conn.execute(insert(t.deaths).values(certno=certno, die_date=day, imported_at=self.now))
