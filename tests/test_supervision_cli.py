"""`yibao rules import --preview/--accept`, `yibao rules origins` and `yibao findings list|move` as a user runs them."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from decimal import Decimal

from yibao.app import actors, audit, findings
from yibao.domain.audit import Finding, KnowledgeBase, PriceCeiling, export_package
from yibao.store.database import Database
from yibao.store.unit_of_work import SqlUnitOfWork

NOW = dt.datetime(2026, 12, 1, 9, 0)


def yibao(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "yibao.cli", *args], capture_output=True, text=True, timeout=120)


def test_a_shared_package_is_previewed_then_accepted_with_its_origin(tmp_path):
    db = f"sqlite:///{tmp_path / 'y.db'}"
    assert yibao("db", "upgrade", "--db", db).returncode == 0
    assert yibao("rules", "init", "--region", "441500", "--db", db).returncode == 0
    shared = audit.standard_package("441300", NOW, KnowledgeBase(
        price_ceilings=(PriceCeiling("XA01", "441300", dt.date(2026, 1, 1), Decimal("30")),)))
    path = tmp_path / "huizhou.json"
    path.write_text(export_package(shared), encoding="utf-8")
    preview = yibao("rules", "import", str(path), "--region", "441500", "--preview", "--db", db)
    assert preview.returncode == 0, preview.stderr
    assert "new 1, changed 0, same 14, only-mine 0" in preview.stdout
    assert "new  price_ceilings/XA01/441300/2026-01-01" in preview.stdout
    nothing = yibao("rules", "import", str(path), "--region", "441500", "--db", db)
    assert "nothing applied" in nothing.stdout
    wrong = yibao("rules", "import", str(path), "--region", "441500", "--accept", "rule/NOPE", "--operator", "张三", "--db", db)
    assert wrong.returncode == 2 and "[RULESHARE_ITEM_NOT_ACCEPTABLE]" in wrong.stderr
    done = yibao("rules", "import", str(path), "--region", "441500", "--accept", "all", "--operator", "张三", "--db", db)
    assert done.returncode == 0, done.stderr
    assert "applied 1, kept 0 only this region has" in done.stdout
    origins = json.loads(yibao("rules", "origins", "--region", "441500", "--format", "json", "--db", db).stdout)
    by_id = {row["item_id"]: row for row in origins}
    assert by_id["price_ceilings/XA01/441300/2026-01-01"]["imported_by"] == "operator:张三"
    assert by_id["price_ceilings/XA01/441300/2026-01-01"]["source_region"] == "441300"
    assert len(by_id) == 15


def test_the_findings_queue_lists_ids_and_moves_them(tmp_path):
    db = f"sqlite:///{tmp_path / 'y.db'}"
    assert yibao("db", "upgrade", "--db", db).returncode == 0
    database = Database(db)
    finding = Finding("PRICE-01", "超标准收费", "超标准收费", "明确违规", "明确违规", "单价高于限价", Decimal("5.00"),
                      "V1", "S1", "1", "P1")
    with SqlUnitOfWork(database, actors.SYSTEM, NOW) as uow:
        [finding_id] = findings.record_run(uow, region="441500", begin=dt.date(2026, 11, 1), end=dt.date(2026, 11, 30),
                                           package_row={"admdvs": "441500", "version": "1"}, findings=[finding],
                                           institutions={"V1": "H44150000001"})["finding_ids"]
    database.dispose()
    listed = json.loads(yibao("findings", "list", "--format", "json", "--db", db).stdout, parse_float=Decimal)
    assert [(row["finding_id"], row["status"], row["vola_amt"]) for row in listed] == [(finding_id, "new", Decimal("5.00"))]
    moved = yibao("findings", "move", finding_id, "checking", "--operator", "李四", "--db", db)
    assert moved.returncode == 0 and f"{finding_id}: new → checking" in moved.stdout
    refused = yibao("findings", "move", finding_id, "confirmed", "--agency", "440300", "--operator", "李四", "--db", db)
    assert refused.returncode == 2 and "[AUTHZ_NOT_TREATMENT_PLACE]" in refused.stderr
    refused = yibao("findings", "move", finding_id, "dismissed", "--operator", "李四", "--db", db)
    assert refused.returncode == 2 and "[FINDING_REASON_REQUIRED]" in refused.stderr
    assert json.loads(yibao("findings", "list", "--status", "checking", "--format", "json", "--db", db).stdout)[0][
        "finding_id"] == finding_id
