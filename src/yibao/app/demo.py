"""``yibao demo``: a realistic demo world in the database.

Imports the regional policies shipped in ``policies/``, generates the demo world's import
files (catalogues, institutions, insured persons) and imports them through the same path
as an agency's own files. Policy documents are dated; so that the demo settles visits of
today, the latest policy of each region and insurance type is carried forward to the
current year under a name that says so, when no shipped policy covers today.
"""

from __future__ import annotations

import datetime as dt
import random
from copy import deepcopy
import tempfile
from pathlib import Path
from typing import Callable, Protocol

from yibao.documents.validation import parse_json
from yibao.documents.render import dumps
from yibao.sim.world import REGIONS, generate_world
from yibao.store.database import Database
from yibao.store.migrate import upgrade
from yibao.store.unit_of_work import SqlUnitOfWork

from yibao.domain import filing as filing_rules

from . import actors, filings
from .agencies import add_agency
from .importing import ImportResult, import_file


class RegistryRepository(Protocol):
    """``uow.registry`` (store/repositories/registry.py), as the demo reads and extends it; the
    filings it has are read through ``uow.filings`` (app/filings.py's FilingRepository)."""

    def region_codes(self) -> set[str]: ...

    def add_regions(self, rows: list[dict]) -> None: ...

    def insured_people(self) -> list[dict]:
        """psn_no, insutype, psn_type, insuplc_admdvs of every insurance, by psn_no."""


IMPORT_ORDER = ("hilist", "lmtpric", "selfpay", "institutions", "persons")


def default_policies_dir() -> Path:
    import yibao

    return Path(yibao.__file__).resolve().parents[2] / "policies"


def demo_policy_documents(policies_dir: Path, today: dt.date) -> list[dict]:
    """The shipped documents, plus a carried-forward copy where none covers today."""
    documents = []
    for path in sorted(policies_dir.glob("*.json")):
        documents.append(parse_json(path.read_text(encoding="utf-8"), str(path)))
    latest: dict[tuple[str, str], dict] = {}
    for document in documents:
        key = (document["admdvs"], document["insutype"])
        if key not in latest or document["valid_from"] > latest[key]["valid_from"]:
            latest[key] = document
    carried = []
    for (admdvs, insutype), document in sorted(latest.items()):
        valid_to = document.get("valid_to")
        if valid_to is None or dt.date.fromisoformat(valid_to) >= today:
            continue
        copy = deepcopy(document)
        copy["valid_from"] = f"{today.year}-01-01"
        copy["valid_to"] = f"{today.year}-12-31"
        copy["name"] = f"{document['name']}（演示：参数沿用至{today.year}年）"
        carried.append(copy)
    return documents + carried


def build_demo(
    database: Database, *, now: dt.datetime, data_dir: Path, policies_dir: Path | None = None, seed: int = 7,
    persons_per_region: int = 400, items_per_region: int = 250, report: Callable[[str], None] = print,
) -> dict:
    upgrade(database)
    policies_dir = policies_dir or default_policies_dir()
    if not policies_dir.is_dir():
        raise FileNotFoundError(f"policy directory not found: {policies_dir} (give --policies DIR)")
    data_dir.mkdir(parents=True, exist_ok=True)
    manifest = generate_world(data_dir, seed=seed, persons_per_region=persons_per_region, items_per_region=items_per_region)
    results: list[ImportResult] = []
    with tempfile.TemporaryDirectory() as tmp:
        documents = demo_policy_documents(policies_dir, now.date())
        policy_file = Path(tmp) / "policies.json"
        policy_file.write_text(dumps(documents), encoding="utf-8")
        results.append(import_file(database, "policy", policy_file, now=now))
        report(f"policies: {results[-1].written} new of {results[-1].rows}")
    for kind in IMPORT_ORDER:
        path = Path(manifest["files"][kind])
        results.append(import_file(database, kind, path, now=now))
        report(f"{kind}: {results[-1].rows} rows from {path}")
    for line in demo_code_lists(database, now, data_dir):
        report(line)
    with SqlUnitOfWork(database, actors.SYSTEM, now) as uow:
        known = uow.registry.region_codes()
        new = [{"admdvs": admdvs, "name": name} for admdvs, name in REGIONS if admdvs not in known]
        if new:
            uow.registry.add_regions(new)
    for line in demo_cross_region(database, now, data_dir, seed):
        report(line)
    from .demo_users import demo_users

    for line in demo_users(database, now, data_dir, seed, [admdvs for admdvs, _ in REGIONS]):
        report(line)
    report(demo_evouchers(database, now, seed))
    # Each region's audit rule base: the standard rules with the region's price ceilings.
    from . import audit

    with SqlUnitOfWork(database, actors.SYSTEM, now) as uow:
        packages = audit.import_knowledge_file(uow, "price_ceilings", data_dir / "lmtpric.csv")
    report(f"audit rule packages: {len(packages)} regions (standard rules + price ceilings; warnings only)")
    return {"data_dir": str(data_dir), "imports": [r.__dict__ for r in results], "counts": manifest.get("counts", {})}


def demo_code_lists(database: Database, now: dt.datetime, data_dir: Path) -> list[str]:
    """Sample diagnosis and procedure lists (1307/1308) and the cross-province 门慢特 diseases
    as the 1309 list, so the demo's catalogue downloads have rows."""
    from yibao.sim.code_lists import write_code_lists

    from .filings import CROSS_PROVINCE_CHRONIC_DISEASES

    files = write_code_lists(data_dir)
    files["code_list"] = data_dir / "code_lists.csv"
    _write_csv(files["code_list"], [{"list_kind": "chronic_disease", "code": code, "name": name}
                                    for code, name in CROSS_PROVINCE_CHRONIC_DISEASES.items()])
    lines = []
    for kind, path in files.items():
        result = import_file(database, kind, path, now=now)
        lines.append(f"{kind}: {result.rows} rows from {path}")
    return lines


def demo_cross_region(database: Database, now: dt.datetime, data_dir: Path, seed: int) -> list[str]:
    """Agencies with tokens, filings and 门慢特 qualifications for the cross-region paths:
    Chongqing people living in Chengdu, Huizhou retirees resettled in Shenzhen, referrals
    between Shanwei and Foshan, other temporary trips, chronic-disease patients. The filings
    are history (made two months ago), so they arrive as an import."""
    rng = random.Random(seed * 7919)
    tokens = []
    with SqlUnitOfWork(database, actors.SYSTEM, now) as uow:
        for admdvs, name in REGIONS:
            token = f"demo-{admdvs}-{rng.getrandbits(48):012x}"
            add_agency(uow, admdvs, f"{name}医疗保障事务中心", token)
            tokens.append({"agency_code": admdvs, "agency_name": name, "token": token})
        people = uow.registry.insured_people()
        filed = uow.filings.persons_with_filings()
        held = uow.filings.persons_with_qualifications()
    _write_csv(data_dir / "agencies.csv", tokens)
    begin = now.date() - dt.timedelta(days=60)
    temporary_end = filing_rules.add_months(begin, 6) - dt.timedelta(days=1)
    rows = []
    for person in people:
        if person["psn_no"] in filed:
            continue
        region, retired = person["insuplc_admdvs"], person["psn_type"].startswith(("12", "1300"))
        roll = rng.random()
        plan = None
        if region.startswith("50") and roll < 0.15:
            plan = ("long_term", "long_term_residence", "510100")
        elif region == "441300" and retired and roll < 0.5:
            plan = ("long_term", "resettled_retiree", "440300")
        elif region == "441500" and roll < 0.15:
            plan = ("referral", "referral", "440600")
        elif region == "440600" and roll < 0.10:
            plan = ("referral", "referral", "441500")
        elif region in ("110000", "371300") and roll < 0.08:
            plan = ("temporary_other", "temporary_other", "371300" if region == "110000" else "110000")
        if plan:
            kind, subtype, dest = plan
            rows.append({"psn_no": person["psn_no"], "filing_type": kind, "subtype": subtype, "dest_admdvs": dest,
                         "begndate": begin.isoformat(), "enddate": "" if kind == "long_term" else temporary_end.isoformat()})
    if rows:
        _write_csv(data_dir / "filings.csv", rows)
        import_file(database, "filings", data_dir / "filings.csv", now=now)
    qualified = []
    diseases = list(filings.CROSS_PROVINCE_CHRONIC_DISEASES)
    with SqlUnitOfWork(database, actors.SYSTEM, now) as uow:
        for person in people:
            if person["psn_no"] in held or rng.random() >= 0.06:
                continue
            row = filings.grant_qualification(uow, psn_no=person["psn_no"], insutype=person["insutype"],
                                              dise_code=rng.choice(diseases), begndate=now.date().replace(month=1, day=1),
                                              source="agency", created_by=person["insuplc_admdvs"])
            qualified.append({k: row[k] for k in ("qual_no", "psn_no", "insutype", "opsp_dise_code", "opsp_dise_name", "begndate")})
    if qualified:
        _write_csv(data_dir / "qualifications.csv", qualified)
    return [f"agencies: {len(tokens)} (tokens in {data_dir / 'agencies.csv'})",
            f"filings: {len(rows)} imported", f"门慢特 qualifications: {len(qualified)} granted"]


def demo_evouchers(database: Database, now: dt.datetime, seed: int, share: float = 0.3) -> str:
    """E-vouchers activated for about ``share`` of the insured (docs/evoucher.md), so the counts by
    region and the token path have data; the agencies activate them, as at a counter."""
    from . import evouchers

    rng = random.Random(seed * 104729)
    with SqlUnitOfWork(database, actors.SYSTEM, now) as uow:
        chosen = [person["psn_no"] for person in uow.registry.insured_people() if rng.random() < share]
        for psn_no in chosen:
            evouchers.activate(uow, psn_no)
    return f"e-vouchers: {len(chosen)} activated (about {share:.0%} of the insured)"


def _write_csv(path: Path, rows: list[dict]) -> None:
    import csv

    columns = list(rows[0]) if rows else []
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)
