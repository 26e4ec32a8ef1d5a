"""Audit against the shared rule base: rule packages per region in the store, claims built
from stored visits, pre/in-event audit (3101/3102, settlement) and post-event batch runs.

The treatment region's package applies (就医地管理: the place of treatment supervises), found
along the region chain like the catalogue.

The use cases run over a unit of work (app/unit_of_work.py) and reach the store through
``uow.audit`` (store/repositories/audit.py, the ``AuditRepository`` below); the settlement
path's in-event audit joins the gateway's request transaction (``SqlUnitOfWork.joining``).
"""

from __future__ import annotations

import datetime as dt
import json
import threading
from decimal import Decimal
from pathlib import Path
from typing import Callable, Protocol

from yibao.domain.audit import Claim, Finding, History, Line, RulePackage, audit_claim, export_package, import_package
from yibao.domain.audit.knowledge import load_deaths
from yibao.domain.audit.package import package_from_dict
from yibao.store import repository as repo

from .error_codes import refusal
from .unit_of_work import UnitOfWork


class AuditRepository(Protocol):
    """What the use cases below need of the store (``uow.audit``); rows are dicts, fen."""

    def current_package(self, admdvs: str) -> dict | None:
        """The latest package of the region, its city or its province (nearest first)."""

    def package_versions(self, admdvs: str) -> set[str]: ...

    def add_package(self, *, admdvs: str, version: str, document: str, source: str, refuse_definite: bool) -> None: ...

    def other_visits(self, psn_no: str, exclude: str, since: dt.date) -> list[dict]:
        """The person's visits begun from ``since`` on, but ``exclude`` and cancelled ones."""

    def uploaded_lines(self, mdtrt_ids: list[str]) -> dict[str, list[dict]]: ...

    def diagnoses(self, mdtrt_ids: list[str]) -> dict[str, list[dict]]: ...

    def die_date(self, certno: str) -> dt.date | None: ...

    def visits_and_diagnoses(self, psn_no: str, exclude: str, since: dt.date) -> tuple[list[dict], dict[str, list[dict]]]:
        """``other_visits`` and the diagnoses of those and of ``exclude``, in one query."""

    def settled_fee_lines(self, begin: dt.date, end: dt.date, region: str | None) -> list[dict]:
        """One row per uploaded fee line of the period's settlements not reversed (visit, line, person, level)."""

    def diagnosis_codes(self, mdtrt_id: str) -> list[str]: ...

    def deaths(self) -> dict[str, dt.date]: ...

    def replace_death(self, certno: str, day: dt.date) -> None: ...


_cache: dict[tuple, RulePackage] = {}
_lock = threading.Lock()
DEFINITE = "明确违规"


def current_package(uow: UnitOfWork, admdvs: str) -> tuple[dict, RulePackage] | None:
    """The region's package (along the region chain) as stored and parsed; None without one."""
    return _with_package(uow.audit.current_package(admdvs))


def _with_package(row: dict | None) -> tuple[dict, RulePackage] | None:
    # Parsed once per stored version: a stored package never changes (a change is a new row).
    if row is None:
        return None
    # The key names the stored row beyond its id (region, version, size): a process that opens
    # several databases (the tests; a tool comparing two) reuses ids for different packages.
    key = (row["package_id"], row.get("admdvs"), row.get("version"), len(row["document"]))
    package = _cache.get(key)
    if package is None:
        package = package_from_dict(json.loads(row["document"]))
        with _lock:
            _cache[key] = package
    return row, package


def import_rule_package(uow: UnitOfWork, document: str | dict, *, admdvs: str, source: str,
                        refuse_definite: bool | None = None) -> dict:
    """Store a package as the region's new version; returns the diff against its current one."""
    current = current_package(uow, admdvs)
    try:
        package, diff = import_package(document, current[1] if current else None)
    except ValueError as exc:
        raise refusal("AUDIT_PACKAGE_INVALID", detail=str(exc)) from None
    text = export_package(package)
    if current is not None and current[0]["document"] == text and refuse_definite in (None, current[0]["refuse_definite"]):
        return {"changed": False, "diff": diff.describe(), "version": current[0]["version"]}
    taken = uow.audit.package_versions(admdvs)
    version, revision = package.version, 1
    while version in taken:  # the same package stored again (e.g. with another setting): a new revision
        revision += 1
        version = f"{package.version}+{revision}"
    uow.audit.add_package(
        admdvs=admdvs, version=version, document=text, source=source[:100],
        refuse_definite=bool(refuse_definite if refuse_definite is not None else (current[0]["refuse_definite"] if current else False)))
    return {"changed": True, "diff": diff.describe(), "version": version}


def export_rule_package(uow: UnitOfWork, admdvs: str) -> str:
    found = current_package(uow, admdvs)
    if found is None:
        raise refusal("AUDIT_NO_PACKAGE", admdvs=admdvs)
    return export_package(found[1])


# --- claims from stored visits -----------------------------------------------------------------

def _claim(visit: dict, lines: list[dict], person: dict, institution: dict | None, diagnoses: list[dict],
           setl_id: str = "") -> Claim:
    main = visit.get("dise_codg") or next((d["diag_code"] for d in diagnoses if d["maindiag_flag"] == "1"), "") \
        or (diagnoses[0]["diag_code"] if diagnoses else "")
    return Claim(
        mdtrt_id=visit["mdtrt_id"], psn_no=visit["psn_no"], certno=person["certno"], gend=person["gend"],
        fixmedins_code=visit["fixmedins_code"], medins_lv=(institution or {}).get("medins_lv") or "",
        med_type=visit["med_type"], begndate=visit["begntime"].date(),
        enddate=visit["endtime"].date() if visit.get("endtime") else (None if visit["kind"] == "inpatient" else visit["begntime"].date()),
        main_diag=main, diag_codes=tuple(d["diag_code"] for d in diagnoses if d["diag_code"] != main),
        lines=tuple(Line(line["feedetl_sn"], line["med_list_codg"], line["fee_ocur_time"].date(), Decimal(line["cnt"]),
                         Decimal(line["pric"]), repo.from_fen(line["det_item_fee_sumamt_fen"])) for line in lines),
        setl_id=setl_id, brdy=person["brdy"], insuplc_admdvs=visit["insuplc_admdvs"],
        mdtrtarea_admvs=visit["mdtrtarea_admvs"],
    )


def history(uow: UnitOfWork, person: dict, exclude: str, since: dt.date,
            diagnoses_too_of: str | None = None, known: tuple | None = None) -> tuple[History, list[dict]]:
    """The person's other visits from ``since`` on (at most three queries, whatever their
    number) and the death registry's date (from the person row when the settlement's person
    lock read it, ``die_date``); with the diagnoses of the audited visit itself when
    ``diagnoses_too_of`` names it (``exclude``), read in the same query. ``known``: the
    (visits, diagnoses by visit, lines by visit) a settlement already read with its persons'
    lock for this ``since`` (``uow.settlements.lock_for_settlement``)."""
    if known is not None:
        visits, diagnoses, lines = known
    else:
        if diagnoses_too_of == exclude:
            visits, diagnoses = uow.audit.visits_and_diagnoses(person["psn_no"], exclude, since)
        else:
            visits = uow.audit.other_visits(person["psn_no"], exclude, since)
            diagnoses = uow.audit.diagnoses([visit["mdtrt_id"] for visit in visits])
        lines = uow.audit.uploaded_lines([visit["mdtrt_id"] for visit in visits])
    claims = tuple(_claim(visit, lines[visit["mdtrt_id"]], person, None, diagnoses[visit["mdtrt_id"]]) for visit in visits)
    die_date = person["die_date"] if "die_date" in person else uow.audit.die_date(person["certno"])
    return History(claims, die_date), diagnoses.get(diagnoses_too_of, [])


def claim_findings(uow: UnitOfWork, claim: Claim, person: dict, package: RulePackage, stage: str) -> list[Finding]:
    """Pre/in-event audit (3101/3102) of a claim sent by an institution, against the person's
    stored visits of the year before it."""
    past, _ = history(uow, person, claim.mdtrt_id, claim.begndate - dt.timedelta(days=365))
    return audit_claim(claim, past, package, stage)


def history_since(visit: dict) -> dt.date:
    """How far back the in-event audit looks at the person's other visits: a year before the visit."""
    return visit["begntime"].date() - dt.timedelta(days=365)


def audit_visit(uow: UnitOfWork, visit: dict, lines: list[dict], person: dict, institution: dict, stage: str,
                setl_id: str = "", known_history: tuple | None = None) -> tuple[dict, RulePackage, list[Finding]] | None:
    """In-event audit (事中审核) of a stored visit with the treatment region's package (就医地管理);
    None without one. ``known_history``: see ``history``'s ``known``."""
    found = current_package(uow, institution["admdvs"])
    if found is None:
        return None
    row, package = found
    past, diagnoses = history(uow, person, visit["mdtrt_id"], history_since(visit),
                              diagnoses_too_of=visit["mdtrt_id"], known=known_history)
    claim = _claim(visit, lines, person, institution, diagnoses, setl_id)
    return row, package, audit_claim(claim, past, package, stage)


# --- post-event batch ------------------------------------------------------------------------------

def export_claim_rows(uow: UnitOfWork, begin: dt.date, end: dt.date, region: str | None = None) -> list[dict]:
    """The flat claim-line table (docs/audit-rules.md) of the visits settled in the period
    (settlements not reversed), one row per fee line."""
    diagnoses: dict[str, list[str]] = {}
    rows = []
    for row in uow.audit.settled_fee_lines(begin, end, region):
        mdtrt_id = row["mdtrt_id"]
        if mdtrt_id not in diagnoses:
            diagnoses[mdtrt_id] = uow.audit.diagnosis_codes(mdtrt_id)
        rows.append(_claim_row(row, diagnoses[mdtrt_id]))
    return rows


def _claim_row(row: dict, codes: list[str]) -> dict:
    main = row["dise_codg"] or (codes[0] if codes else "")
    fee_date = row["fee_ocur_time"].date()
    return {
        "setl_id": row["setl_id"], "mdtrt_id": row["mdtrt_id"], "psn_no": row["psn_no"], "certno": row["certno"],
        "gend": row["gend"], "age": fee_date.year - row["brdy"].year - ((fee_date.month, fee_date.day) < (row["brdy"].month, row["brdy"].day)),
        "fixmedins_code": row["fixmedins_code"], "medins_lv": row["medins_lv"] or "", "med_type": row["med_type"],
        "insuplc_admdvs": row["insuplc_admdvs"], "mdtrtarea_admvs": row["mdtrtarea_admvs"],
        "begndate": row["begntime"].date(), "enddate": (row["endtime"] or row["begntime"]).date(),
        "main_diag": main, "diag_codes": ";".join(c for c in codes if c != main), "feedetl_sn": row["feedetl_sn"],
        "hilist_code": row["med_list_codg"], "fee_date": fee_date, "cnt": Decimal(row["cnt"]), "pric": Decimal(row["pric"]),
        "det_item_fee_sumamt": repo.from_fen(row["det_item_fee_sumamt_fen"]), "prd_days": None, "scenario": "",
    }


def run_post_audit(units: Callable[..., UnitOfWork], *, begin: dt.date, end: dt.date, region: str,
                   engine: str = "duckdb", progress: Callable | None = None, store: bool = True) -> list[Finding]:
    """The post-event batch's findings (``post_audit`` has the run and the stored ids)."""
    return post_audit(units, begin=begin, end=end, region=region, engine=engine, progress=progress,
                      store=store)["findings"]


def post_audit(units: Callable[..., UnitOfWork], *, begin: dt.date, end: dt.date, region: str,
               engine: str = "duckdb", progress: Callable | None = None, store: bool = True) -> dict:
    """The post-event batch. ``units(write=...)`` opens a unit of work: the claims are read in
    one read unit, the batch runs outside any transaction (it may take minutes), and the
    findings are kept in one write unit as a run of (region, period, package version): a
    re-run supersedes the earlier run of that key, even when it finds nothing, so the queue
    holds one set of findings (app/findings.py). Returns the findings, their stored ids in the
    same order (empty with ``store`` False) and the run."""
    from yibao.analytics.audit_batch import run_batch_audit

    from . import findings as queue

    with units(write=False) as uow:
        found = current_package(uow, region)
        if found is None:
            raise refusal("AUDIT_NO_PACKAGE", admdvs=region)
        rows = export_claim_rows(uow, begin, end, region)
        deaths = uow.audit.deaths()
    findings = run_batch_audit(engine, rows, found[1], deaths, progress=progress) if rows else []
    if not store:
        return {"findings": findings, "finding_ids": [], "run": None}
    with units(write=True) as uow:
        institutions = {row["mdtrt_id"]: row["fixmedins_code"] for row in rows}
        run = queue.record_run(uow, region=region, begin=begin, end=end, package_row=found[0], findings=findings,
                               institutions=institutions)
    return {"findings": findings, "finding_ids": run["finding_ids"], "run": run}


def import_deaths(uow: UnitOfWork, path: Path) -> int:
    try:
        deaths = load_deaths(path)
    except ValueError as exc:
        raise refusal("AUDIT_DEATHS_INVALID", detail=str(exc)) from None
    for certno, day in deaths.items():
        uow.audit.replace_death(certno, day)
    return len(deaths)


def standard_package(admdvs: str, now: dt.datetime, knowledge=None) -> RulePackage:
    """A starting package: one rule of every type with its defaults, and the given knowledge."""
    from yibao.domain.audit import KnowledgeBase, Provenance, standard_rules

    provenance = Provenance(author="yibao standard rules", region=admdvs, date=now.date())
    return RulePackage(package_id=f"std-{admdvs}", version="1", region=admdvs, provenance=provenance,
                       rules=standard_rules(provenance), knowledge=knowledge or KnowledgeBase())


def import_knowledge_file(uow: UnitOfWork, table: str, path: Path) -> list[dict]:
    """``yibao import restrictions FILE`` (and the other knowledge tables): rows go to the
    package of the region each row names, as a new package version (rows with the same key
    replace the old ones). Regions without a package get the standard rules."""
    from dataclasses import replace

    from yibao.domain.audit.knowledge import KnowledgeError, load_table

    try:
        rows = load_table(table, path)
    except KnowledgeError as exc:
        raise refusal("AUDIT_KNOWLEDGE_INVALID", detail=str(exc)) from None
    by_region: dict[str, list] = {}
    for row in rows:
        by_region.setdefault(row.insu_admdvs, []).append(row)
    results = []
    for region, new_rows in sorted(by_region.items()):
        found = current_package(uow, region)
        package = found[1] if found and found[0]["admdvs"] == region else standard_package(region, uow.now)
        keys = {_key(row) for row in new_rows}
        kept = tuple(row for row in package.knowledge.table(table) if _key(row) not in keys)
        knowledge = replace(package.knowledge, **{table: kept + tuple(new_rows)})
        updated = replace(package, knowledge=knowledge, version=f"{uow.now:%Y%m%d%H%M%S}")
        result = import_rule_package(uow, export_package(updated), admdvs=region, source=f"import {table}")
        results.append({"region": region, "rows": len(new_rows), **result})
    return results


def _key(row) -> tuple:
    return tuple(getattr(row, name, None) for name in ("hilist_code", "insu_admdvs", "begndate", "package_code",
                                                        "excl_hilist_code", "period_days"))
