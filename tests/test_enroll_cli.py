"""``yibao enroll`` and ``yibao accounts credit`` from the command line on SQLite: the operator
is the actor, the fixed clock dates the enrollment, a refusal exits 2 with its code, a second
crediting run of the month credits nobody."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from yibao.cli import app
from yibao.store.database import Database
from yibao.store.migrate import upgrade


@pytest.fixture
def cli(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path}/yibao.db"
    database = Database(url)
    upgrade(database)
    database.dispose()
    monkeypatch.setenv("YIBAO_ALLOW_FIXED_NOW", "1")
    runner = CliRunner()

    def run(*args: str, now: str | None = "2026-03-10T09:00:00"):
        return runner.invoke(app, [*args, "--db", url, *(["--now", now] if now else [])], catch_exceptions=False)
    return run


def test_register_contribute_show_and_credit_from_the_command_line(cli, tmp_path):
    registered = cli("enroll", "register", "CLI001", "--region", "510100", "--kind", "resident", "--psn-type", "1501",
                     "--insutype", "390", "--certno", "510104199001011234", "--name", "某", "--gend", "1",
                     "--brdy", "1990-01-01", "--operator", "王五")
    assert registered.exit_code == 0, registered.output
    body = json.loads(registered.stdout)
    assert (body["begndate"], body["benefit_begndate"], body["actor"]) == ("2026-03-10", "2026-06-10", "operator:王五")
    again = cli("enroll", "register", "CLI001", "--region", "510100", "--kind", "resident", "--psn-type", "1501",
                "--insutype", "390", "--operator", "王五")
    assert again.exit_code == 2 and "[ENROLL_ALREADY_INSURED]" in again.output
    employee = cli("enroll", "register", "CLI002", "--region", "510100", "--kind", "employee", "--psn-type", "1201",
                   "--emp-no", "U1", "--certno", "510104199001021234", "--name", "乙", "--gend", "2",
                   "--brdy", "1950-01-02", "--operator", "王五")
    assert employee.exit_code == 0, employee.output
    paid = cli("enroll", "contribute", "CLI001", "--insutype", "390", "--month", "2026-03",
               "--employer-amount", "0", "--personal-amount", "380.00", "--operator", "王五")
    assert paid.exit_code == 0 and json.loads(paid.stdout)["psn_amt_fen"] == 38000
    shown = json.loads(cli("enroll", "show", "CLI001", now=None).stdout)
    assert shown["insurances"][0]["contribution_months"] == 1
    assert json.loads(cli("accounts", "credit", "--month", "2026-03", "--operator", "王五").stdout)["persons"] == 0
    cli("import", "policy", str(crediting_policy(tmp_path)), now=None)
    for expected in (("1", "95.00"), ("0", "0.00")):  # the retiree once; the rerun credits nobody
        credited = json.loads(cli("accounts", "credit", "--month", "2026-03", "--operator", "王五").stdout)
        assert (str(credited["persons"]), credited["amount"]) == expected


def crediting_policy(tmp_path) -> Path:
    """Chengdu's employee policy with illustrative crediting parameters (not Chengdu's real ones)."""
    source = Path(__file__).resolve().parents[1] / "policies" / "510100-310-2024.json"
    document = json.loads(source.read_text(encoding="utf-8"))
    document["enrollment"] = {"account_crediting": {"share_of_personal_contribution": "1.00", "retiree_monthly": "95.00"}}
    path = tmp_path / "policy.json"
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    return path
