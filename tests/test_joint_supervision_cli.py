"""`yibao inspections|experts|credit|reports` as an operator runs them: a check request from one
agency to another answered with a hashed evidence file, another region refused, an expert on
request, and a report rewarded on a confirmed case."""

from __future__ import annotations

import datetime as dt
import json
import re
from decimal import Decimal

from sqlalchemy import insert
from typer.testing import CliRunner

from yibao.app import actors, supervision
from yibao.cli import app as cli
from yibao.store import tables as t
from yibao.store.database import Database
from yibao.store.migrate import upgrade
from yibao.store.unit_of_work import SqlUnitOfWork

HOSPITAL = "H44010600001"


def run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def world(tmp_path) -> str:
    db = f"sqlite:///{tmp_path / 'y.db'}"
    database = Database(db)
    upgrade(database)
    with database.write() as conn:
        conn.execute(insert(t.institutions).values(fixmedins_code=HOSPITAL, fixmedins_name="x", fixmedins_type="1",
                                                   medins_lv="3", admdvs="440106", secret_salt="s", secret_hash="h"))
    database.dispose()
    return db


def test_a_check_request_through_the_cli(tmp_path):
    db = world(tmp_path)
    asked = run("inspections", "request", "--agency", "440300", "--to", "440100", "--institution", HOSPITAL,
                "--item", "床位费", "--item", "护理记录", "--operator", "张三", "--db", db)
    assert asked.exit_code == 0, asked.output
    request_id = re.search(r"(XC\d+)", asked.output).group(1)
    refused = run("inspections", "assign", request_id, "--inspector", "李", "--agency", "440300", "--db", db)
    assert refused.exit_code == 2 and "[JOINT_NOT_YOUR_SIDE]" in refused.output
    assert run("inspections", "assign", request_id, "--inspector", "李", "--agency", "440100", "--db", db).exit_code == 0
    evidence = tmp_path / "笔录.txt"
    evidence.write_bytes(b"on-site record")
    answered = run("inspections", "answer", request_id, "--text", "多计 2 天", "--evidence", str(evidence),
                   "--agency", "440100", "--db", db)
    assert answered.exit_code == 0 and "[1 evidence]" in answered.output, answered.output
    done = run("inspections", "conclude", request_id, "--conclusion", "查实", "--agency", "440300", "--db", db)
    assert done.exit_code == 0 and f"{request_id} 440300 → 440100 {HOSPITAL}: concluded" in done.output
    assert [line.split()[1] for line in done.output.splitlines()[1:]] == ["request", "assign", "result", "conclude"]


def test_experts_credit_and_a_report_through_the_cli(tmp_path):
    db = world(tmp_path)
    added = run("experts", "add", "--name", "王", "--specialty", "骨科", "--agency", "440300", "--db", db)
    expert_id = added.output.split()[0]
    planned = run("inspections", "plan", "--agency", "440100", "--title", "联合检查", "--institution", HOSPITAL,
                  "--begin", "2026-12-10", "--db", db)
    inspection_id = planned.output.split()[0]
    asked = run("experts", "assign", expert_id, "--target", "inspection", "--id", inspection_id, "--day", "2026-12-10",
                "--agency", "440100", "--db", db)
    assert "requested (waiting for the home agency)" in asked.output, asked.output
    assert run("experts", "answer", asked.output.split()[0], "--accept", "--agency", "440300", "--db", db).exit_code == 0
    assert run("credit", "policy", "--agency", "440100", "--begin", "2026-01-01", "--reward-share", "0.1",
               "--reward-floor", "0", "--reward-cap", "500", "--db", db).exit_code == 0
    database = Database(db)
    with SqlUnitOfWork(database, actors.agency("440100", "x"), dt.datetime(2026, 12, 1, 9)) as uow:
        case_id = supervision.open_case(uow, admdvs="440100", subject_type="institution", subject_id=HOSPITAL,
                                        summary="s", amount_fen=0, source="manual")["case_id"]
        supervision.move(uow, case_id, "investigating")
        supervision.move(uow, case_id, "confirmed")
        supervision.record_money(uow, case_id, "recovery", Decimal("8000"))
    database.dispose()
    shown = run("credit", "show", "institution", HOSPITAL, "--region", "440100", "--db", db)
    assert f"institution {HOSPITAL}: 80 (B)" in shown.output and "-20" in shown.output
    report = run("reports", "receive", "--agency", "440100", "--subject-type", "institution", "--subject", HOSPITAL,
                 "--content", "多收", "--reporter", "张三", "--contact", "13800001234", "--db", db)
    assert "received from 张* ****1234" in report.output
    paid = run("reports", "reward", report.output.split()[0], "--case", case_id, "--agency", "440100", "--db", db)
    assert "reward 500.00 yuan on 8000.00 yuan recovered" in paid.output, paid.output  # 10% of 8 000, capped at 500
    listed = json.loads(run("credit", "negative-list", "--db", db).output)
    assert listed["format"] == "yibao-negative-list/1" and listed["entries"] == []
