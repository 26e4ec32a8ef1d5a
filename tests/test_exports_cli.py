"""The CLI's exports: ``--format xlsx --out FILE`` and ``--format csv --out FILE`` on a table
command (added once to every command with --format, cli/common.install_out_option) and
``yibao clearing statement-pdf``, over the statistics' fixed dataset on SQLite."""

from __future__ import annotations

import subprocess
import sys

import pytest
from openpyxl import load_workbook

from yibao.app.actors import SYSTEM
from yibao.store.database import Database
from yibao.store.migrate import upgrade
from yibao.store.unit_of_work import SqlUnitOfWork

from .platform.test_statistics import NOW, write_money_flows, write_registry
from .unit.test_exports import pdf_text


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    url = f"sqlite:///{tmp_path_factory.mktemp('cli-exports')}/yibao.db"
    database = Database(url)
    upgrade(database)
    with database.write() as conn:
        write_registry(conn)
    with SqlUnitOfWork(database, SYSTEM, NOW) as uow:
        write_money_flows(uow)
    database.dispose()
    return url


def yibao(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "yibao.cli", *args], capture_output=True, text=True, timeout=120)


def test_a_table_command_writes_a_typed_workbook(db, tmp_path):
    out = tmp_path / "clearing.xlsx"
    done = yibao("stats", "clearing", "--from-month", "2026-03", "--to-month", "2026-05", "--agency", "441500",
                 "--format", "xlsx", "--out", str(out), "--db", db)
    assert done.returncode == 0, done.stderr
    sheet = load_workbook(out).active
    assert [c.value for c in sheet[1]][:4] == ["月份", "清算单数", "省份数", "金额"]
    # March: ST0 407.30 and ST2 50.00 (441500 → 110105, 310101): provinces 44, 11, 31
    assert [c.value for c in sheet[2]][:4] == ["2026-03", 2, 3, 457.3]
    assert sheet["A2"].data_type == "s" and sheet["D2"].number_format == "#,##0.00"


def test_xlsx_without_out_is_refused_and_csv_to_a_file_has_a_bom(db, tmp_path):
    refused = yibao("stats", "prepayments", "--year", "2026", "--format", "xlsx", "--db", db)
    assert refused.returncode == 2 and "--out" in refused.stderr
    out = tmp_path / "prepayments.csv"
    done = yibao("stats", "prepayments", "--year", "2026", "--agency", "441500", "--format", "csv", "--out", str(out),
                 "--db", db)
    assert done.returncode == 0, done.stderr
    text = out.read_bytes()
    assert text.startswith(b"\xef\xbb\xbf") and text.count(b"\xef\xbb\xbf") == 1
    assert b"approved_cnt" in text and b"80000.00" in text  # P1 50000.00 + P2 30000.00 approved for 441500


def test_the_statement_pdf_command(db, tmp_path):
    out = tmp_path / "ST0.pdf"
    done = yibao("clearing", "statement-pdf", "ST0", "--out", str(out), "--db", db)
    assert done.returncode == 0, done.stderr
    text = pdf_text(out.read_bytes())
    assert "跨省异地就医费用清算单" in text and "ST0" in text and "407.30" in text and "已支付" in text
    missing = yibao("clearing", "statement-pdf", "NOPE", "--out", str(tmp_path / "x.pdf"), "--db", db)
    assert missing.returncode == 2 and "EXPORT_STATEMENT_NOT_FOUND" in missing.stderr
