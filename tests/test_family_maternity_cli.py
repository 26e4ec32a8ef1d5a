"""``yibao family`` and ``yibao maternity`` from the command line: bind, list and unbind with
the operator as the actor; a maternity filing and the allowance, paid once."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from yibao.app.importing import import_file
from yibao.cli import app
from yibao.sim.idnumbers import make_certno
from yibao.store.database import Database
from yibao.store.migrate import upgrade

from .platform.golden_world import write_csv
from .platform.test_claims_store import INSURED, NOW, load_world

POLICY = Path(__file__).resolve().parents[1] / "policies" / "441500-510-2024.json"


@pytest.fixture
def cli(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path}/yibao.db"
    database = Database(url)
    upgrade(database)
    load_world(database, tmp_path)  # LY0001..LY0003, employees (310) in 371300
    policy = json.loads(POLICY.read_text(encoding="utf-8")) | {"admdvs": INSURED, "valid_to": None}
    (tmp_path / "maternity.json").write_text(json.dumps(policy, ensure_ascii=False), encoding="utf-8")
    import_file(database, "policy", tmp_path / "maternity.json", now=NOW)
    second = [{"psn_no": "LY0002", "certno": make_certno(INSURED, dt.date(1980, 1, 3), 2, True), "psn_name": "参保人2",
               "gend": "2", "brdy": "1980-01-03", "insutype": "510", "psn_type": "1101", "insuplc_admdvs": INSURED,
               "acct_balance": "", "card_no": "K00002"}]
    import_file(database, "persons", write_csv(tmp_path / "persons-510.csv", second), now=NOW)
    database.dispose()
    monkeypatch.setenv("YIBAO_ALLOW_FIXED_NOW", "1")
    runner = CliRunner()

    def run(*args: str):
        return runner.invoke(app, [*args, "--db", url, "--now", "2026-12-01T09:00:00"], catch_exceptions=False)
    return run


def test_bind_list_and_unbind(cli):
    bound = cli("family", "bind", "LY0001", "LY0003", "--relation", "sibling", "--operator", "王五")
    assert bound.exit_code == 0, bound.output
    binding = json.loads(bound.stdout)
    assert (binding["relation"], binding["actor"], binding["begndate"]) == ("sibling", "operator:王五", "2026-12-01")
    assert cli("family", "bind", "LY0001", "LY0003", "--relation", "cousin", "--operator", "王五").exit_code == 2
    listed = json.loads(cli("family", "list", "LY0003", "--format", "json").stdout)
    assert [row["owner_psn_no"] for row in listed] == ["LY0001"]
    ended = json.loads(cli("family", "unbind", str(binding["binding_id"]), "--operator", "王五").stdout)
    assert ended["binding_id"] == binding["binding_id"] + 1
    assert json.loads(cli("family", "list", "LY0003", "--format", "json").stdout) == []
    again = cli("family", "unbind", str(binding["binding_id"]), "--operator", "王五")
    assert again.exit_code == 2 and "FAMILY_ALREADY_UNBOUND" in again.output


def test_a_maternity_filing_and_the_allowance_once(cli):
    filed = cli("maternity", "filing", "LY0002", "--begndate", "2026-03-01", "--operator", "王五")
    assert filed.exit_code == 0, filed.output
    assert json.loads(filed.stdout)["enddate"] == "2027-03-01"
    args = ("maternity", "allowance", "LY0002", "--delivery-type", "natural", "--delivery-date", "2026-11-20",
            "--avg-wage", "6000.00", "--operator", "王五")
    paid = cli(*args)
    assert paid.exit_code == 0, paid.output
    assert (json.loads(paid.stdout)["days"], json.loads(paid.stdout)["amount"]) == (178, "35600.00")  # 6,000 / 30 × 178
    twice = cli(*args)
    assert twice.exit_code == 2 and "MATERNITY_ALLOWANCE_PAID" in twice.output
    no_insurance = cli("maternity", "allowance", "LY0001", "--delivery-type", "natural", "--delivery-date", "2026-11-20",
                       "--avg-wage", "6000", "--operator", "王五")
    assert no_insurance.exit_code == 2 and "PERSON_NO_ACTIVE_INSURANCE" in no_insurance.output
