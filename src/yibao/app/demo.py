"""``yibao demo``: a realistic demo world in the database.

Imports the regional policies shipped in ``policies/``, generates the demo world's import
files (catalogues, institutions, insured persons) and imports them through the same path
as an agency's own files. Policy documents are dated; so that the demo settles visits of
today, the latest policy of each region and insurance type is carried forward to the
current year under a name that says so, when no shipped policy covers today.
"""

from __future__ import annotations

import datetime as dt
import json
import tempfile
from pathlib import Path
from typing import Callable

from sqlalchemy import insert, select

from yibao.documents.validation import parse_json
from yibao.documents.render import dumps
from yibao.sim.world import REGIONS, generate_world
from yibao.store import tables as t
from yibao.store.database import Database
from yibao.store.migrate import upgrade

from .importing import ImportResult, import_file

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
        copy = json.loads(dumps(document, indent=None), parse_float=__import__("decimal").Decimal)
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
    with database.write() as conn:
        known = {row[0] for row in conn.execute(select(t.regions.c.admdvs))}
        new = [{"admdvs": admdvs, "name": name} for admdvs, name in REGIONS if admdvs not in known]
        if new:
            conn.execute(insert(t.regions), new)
    return {"data_dir": str(data_dir), "imports": [r.__dict__ for r in results], "counts": manifest.get("counts", {})}
