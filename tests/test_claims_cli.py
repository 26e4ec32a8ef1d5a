"""`yibao claims submit|list|show|review|pay|reject` and `yibao stats settlements` as an agency's
operator runs them: a claim with its lines from a CSV file, reviewed from a decisions file, paid;
a duplicate invoice exits 2 with the Chinese message and its code's reason."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from yibao.cli import app
from yibao.store.database import Database
from yibao.store.migrate import upgrade

from .platform.test_claims_store import HOSPITAL, INSURED, TREATED, load_world


@pytest.fixture
def cli(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path}/yibao.db"
    database = Database(url)
    upgrade(database)
    load_world(database, tmp_path)
    database.dispose()
    monkeypatch.setenv("YIBAO_ALLOW_FIXED_NOW", "1")
    runner = CliRunner()

    def run(*args: str, now: str = "2026-12-01T09:00:00"):
        return runner.invoke(app, [*args, "--db", url, *(["--now", now] if now else [])], catch_exceptions=False)
    return run


def test_a_claim_from_files_is_reviewed_paid_and_counted(cli, tmp_path):
    claim = {"psn_no": "LY0001", "insutype": "310", "fixmedins_code": HOSPITAL, "med_type": "21",
             "begndate": "2026-11-01", "enddate": "2026-11-11", "invoice_no": "FP-9", "reason": "not_filed", "lines": []}
    (tmp_path / "claim.json").write_text(json.dumps(claim), encoding="utf-8")
    (tmp_path / "lines.csv").write_text("\ufeffmed_list_codg,cnt,pric,det_item_fee_sumamt\nJIA,1,25000,25000.00\n"
                                        "YI-DRUG,2,7500,\nYI-CONS,1,6000,\nBING,4,1000,\n", encoding="utf-8")
    submitted = cli("claims", "submit", str(tmp_path / "claim.json"), "--lines", str(tmp_path / "lines.csv"),
                    "--format", "json", "--operator", "王经办")
    assert submitted.exit_code == 0, submitted.output
    view = json.loads(submitted.stdout)
    assert (view["status"], view["medfee_sumamt"], view["submitted_by"]) == ("submitted", "50000.00", "operator:王经办")
    decisions = [{"line_no": n, "decision": "approve"} for n in (1, 2, 3, 4)]
    (tmp_path / "decisions.json").write_text(json.dumps(decisions), encoding="utf-8")
    reviewed = cli("claims", "review", view["claim_id"], str(tmp_path / "decisions.json"), "--format", "json",
                   "--operator", "李审核")
    assert json.loads(reviewed.stdout)["review"]["setlinfo"]["hifp_pay"] == "25020.00"
    paid = cli("claims", "pay", view["claim_id"], "--format", "json", "--operator", "张复核", now="2026-12-02T10:00:00")
    assert json.loads(paid.stdout)["status"] == "paid"
    listed = json.loads(cli("claims", "list", "--region", INSURED, "--status", "paid", "--format", "json", now="").stdout)
    assert [row["claim_id"] for row in listed] == [view["claim_id"]]
    shown = cli("claims", "show", view["claim_id"], now="")
    assert shown.exit_code == 0 and "paid" in shown.output and "25020.00" in shown.output
    stats = json.loads(cli("stats", "settlements", "--from", "2026-12-01", "--to", "2026-12-31", "--format", "json",
                           now="").stdout)
    assert [(r["insuplc_admdvs"], r["mdtrtarea_admvs"], r["manual_cnt"], r["direct_rate"]) for r in stats["rows"]] == [
        (INSURED, TREATED, 1, "0.0000")]
    table = cli("stats", "settlements", "--from", "2026-12-01", "--to", "2026-12-31", "--agency", INSURED, now="")
    assert table.exit_code == 0 and "0.00%" in table.output and "—" in table.output  # no fees: the fund ratio is undefined
    elsewhere = json.loads(cli("stats", "settlements", "--from", "2026-12-01", "--to", "2026-12-31", "--agency", "440000",
                               "--format", "json", now="").stdout)
    assert elsewhere["rows"] == [] and elsewhere["total"]["direct_rate"] is None

    again = cli("claims", "submit", str(tmp_path / "claim.json"), "--lines", str(tmp_path / "lines.csv"), "--operator", "王经办")
    assert again.exit_code == 2 and "已由报销申请" in again.output
    rejected = cli("claims", "reject", view["claim_id"], "--reason", "x", "--operator", "王经办")
    assert rejected.exit_code == 2 and "不能拒绝" in rejected.output


def test_a_bad_line_file_is_named_and_nothing_is_taken(cli, tmp_path):
    (tmp_path / "claim.json").write_text(json.dumps({"psn_no": "LY0001", "insutype": "310", "fixmedins_code": HOSPITAL,
                                                      "med_type": "21", "begndate": "2026-11-01", "enddate": "2026-11-11",
                                                      "invoice_no": "FP-1", "reason": "outage", "lines": []}), encoding="utf-8")
    (tmp_path / "lines.csv").write_text("med_list_codg,cnt,pric\nJIA,one,25000\n", encoding="utf-8")
    result = cli("claims", "submit", str(tmp_path / "claim.json"), "--lines", str(tmp_path / "lines.csv"), "--operator", "x")
    assert result.exit_code == 2 and "第 2 行 cnt 不是数字" in result.output
    assert json.loads(cli("claims", "list", "--region", INSURED, "--format", "json", now="").stdout) == []
