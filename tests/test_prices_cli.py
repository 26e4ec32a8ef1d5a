"""``yibao prices``, ``procurement``, ``price-reform`` and ``whatif`` end to end on SQLite: listings
of two regions compared and shared, a batch recorded and its linkage written as an lmtpric file,
an integration batch and a what-if replayed over the golden case files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from yibao.cli import app
from yibao.store.database import Database
from yibao.store.migrate import upgrade

GOLDEN = Path(__file__).resolve().parent / "golden"


@pytest.fixture
def cli(tmp_path):
    url = f"sqlite:///{tmp_path}/yibao.db"
    database = Database(url)
    upgrade(database)
    runner = CliRunner()

    def run(*args: str, db: bool = True):
        return runner.invoke(app, [*args, *(["--db", url] if db else [])], catch_exceptions=False)
    yield run
    database.dispose()


def test_listings_batch_and_linkage_from_the_command_line(cli, tmp_path):
    (tmp_path / "sz.csv").write_text("national_code,spec,maker,price,listed_on\nXA01,10mg,甲,10.00,2026-01-05\n"
                                     "XB02,5mg,乙,3.00,2026-01-05\n", encoding="utf-8")
    (tmp_path / "cd.json").write_text(json.dumps([{"national_code": "XA01", "price": "12.50", "listed_on": "2026-02-01"}]))
    assert cli("prices", "list", "440300", str(tmp_path / "sz.csv"), "--operator", "价格科").exit_code == 0
    assert cli("prices", "list", "510100", str(tmp_path / "cd.json"), "--operator", "价格科").exit_code == 0
    compared = json.loads(cli("prices", "compare", "440300", "510100").output)
    assert [(r["national_code"], r["lowest_region"], r["spread"]) for r in compared] == [("XA01", "440300", "2.50")]
    shared = json.loads(cli("prices", "share", "440300", "500000", "--operator", "价格科").output)
    assert shared["shared"] == 2
    (tmp_path / "batch.csv").write_text("national_code,agreed_price,agreed_volume\nXA01,4.00,1000\n", encoding="utf-8")
    recorded = cli("procurement", "record", "GJ-10", str(tmp_path / "batch.csv"), "--level", "national",
                   "--region", "440300", "--begin", "2026-07-01", "--operator", "价格科")
    assert recorded.exit_code == 0, recorded.output
    again = cli("procurement", "record", "GJ-10", str(tmp_path / "batch.csv"), "--level", "national",
                "--region", "440300", "--begin", "2026-07-01", "--operator", "价格科")
    assert again.exit_code == 2 and "PROCUREMENT_BATCH_EXISTS" in again.output
    savings = json.loads(cli("procurement", "savings", "GJ-10", "--until", "2027-01-01").output)
    assert (savings["savings"], savings["items"][0]["reduction"]) == ("0.00", "0.6000")  # nothing settled yet
    assert json.loads(cli("procurement", "linkage", "GJ-10").output) == []  # XA01 is not in the catalogue


def test_an_integration_batch_and_a_whatif_over_case_files(cli, tmp_path):
    batch = {"batch_no": "T1", "tolerance": "0.05", "mappings": [{"old_code": "F-EXAM", "new_code": "F-EXAM-2026",
                                                                  "new_price": "5000"}]}
    (tmp_path / "batch.json").write_text(json.dumps(batch))
    case = str(GOLDEN / "ex1a_employee_inpatient_tertiary.case.json")
    replay = json.loads(cli("price-reform", "replay", str(tmp_path / "batch.json"), case, db=False).output)
    assert replay["balanced"] is True and replay["lowered"] == ["F-EXAM"]
    assert (replay["overall"]["fund_change"], replay["by_level"]["3"]["patient_change"]) == ("-850.00", "-150.00")
    (tmp_path / "volumes.csv").write_text("code,volume,price\nCT,1000,200\nMR,500,600\nLABOUR,4000,50\n")
    room = json.loads(cli("price-reform", "room", str(tmp_path / "volumes.csv"), "--fix", "LABOUR=60", db=False).output)
    assert room["factor"] == "0.9200" and room["proposed"] == {"CT": "184.00", "MR": "552.00"}
    (tmp_path / "patch.json").write_text(json.dumps([{"op": "replace", "admdvs": "110000", "insutype": "310",
                                                      "path": "/policy/benefits/0/bands/0/ratio/in_service/3",
                                                      "value": 0.90}]))
    result = cli("whatif", "run", str(tmp_path / "patch.json"), case, db=False)
    assert json.loads(result.output)["total"]["fund_change"] == 1295.00
