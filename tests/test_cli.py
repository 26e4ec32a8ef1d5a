"""`yibao settle` as a user runs it: JSON out, exit codes, no tracebacks, files beside the case."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from .casebuilder import BASE_CATALOG, BASE_POLICY, case_doc


def yibao(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "yibao.cli", *args], capture_output=True, text=True, timeout=60)


def write(path: Path, value) -> Path:
    path.write_text(value if isinstance(value, str) else json.dumps(value, ensure_ascii=False), encoding="utf-8")
    return path


def test_settle_prints_result_with_all_sections(tmp_path):
    proc = yibao("settle", str(write(tmp_path / "c.json", case_doc())))
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert set(result) == {"setlinfo", "setldetail", "lines", "ytd_after", "trace"}
    assert '"hifp_pay": 7360.00' in proc.stdout  # amounts are numbers with two decimals
    assert result["ytd_after"]["visits"] == {"inpatient": 1}


def test_refusal_prints_error_object_and_exits_2(tmp_path):
    doc = case_doc([{"code": "JIA", "cnt": -3, "pric": 1}])
    proc = yibao("settle", str(write(tmp_path / "c.json", doc)))
    assert proc.returncode == 2
    error = json.loads(proc.stdout)["error"]
    assert error["code"] == "E_BAD_INPUT"
    assert error["path"] == "lines[0].cnt"
    assert "Traceback" not in proc.stderr


def test_broken_json_and_missing_file(tmp_path):
    proc = yibao("settle", str(write(tmp_path / "c.json", '{"policy": ')))
    assert proc.returncode == 2
    assert json.loads(proc.stdout)["error"]["code"] == "E_BAD_INPUT"
    proc = yibao("settle", str(tmp_path / "absent.json"))
    assert proc.returncode == 2
    assert "file not found" in json.loads(proc.stdout)["error"]["message"]
    proc = yibao("settle", str(write(tmp_path / "list.json", "[1, 2]")))
    assert proc.returncode == 2


def test_policy_file_and_csv_catalog_resolve_beside_the_case(tmp_path):
    (tmp_path / "policies").mkdir()
    write(tmp_path / "policies" / "p.json", BASE_POLICY)
    rows = ["hilist_code,hilist_name,chrgitm_lv,selfpay_prop,hilist_pric_uplmt_amt"]
    for entry in BASE_CATALOG:
        rows.append(f"{entry['code']},{entry['name']},{entry['chrgitm_lv']},{entry.get('selfpay_prop', '')},"
                    f"{entry.get('pric_uplmt_amt', '')}")
    write(tmp_path / "catalog.csv", "\n".join(rows) + "\n")
    doc = case_doc([{"code": "CONS", "cnt": 1, "pric": 6000}])
    del doc["policy"], doc["catalog"]
    doc["policy_file"] = "policies/p.json"
    doc["catalog_file"] = "catalog.csv"
    proc = yibao("settle", str(write(tmp_path / "c.json", doc)))
    assert proc.returncode == 0, proc.stdout
    line = json.loads(proc.stdout)["lines"][0]
    assert (line["overlmt_amt"], line["preselfpay_amt"], line["inscp_scp_amt"]) == (1000, 1000, 4000)


def test_bad_row_in_csv_catalog_names_the_row(tmp_path):
    write(tmp_path / "catalog.csv", "code,name,chrgitm_lv\nJIA,甲类,01\nYI,乙类,09\n")
    doc = case_doc()
    del doc["catalog"]
    doc["catalog_file"] = "catalog.csv"
    proc = yibao("settle", str(write(tmp_path / "c.json", doc)))
    assert proc.returncode == 2
    assert json.loads(proc.stdout)["error"]["path"] == "catalog_file[1].chrgitm_lv"


def test_explain_shows_tables_and_trace(tmp_path):
    proc = yibao("settle", str(write(tmp_path / "c.json", case_doc())), "--explain")
    assert proc.returncode == 0, proc.stderr
    assert "hifp_pay" in proc.stdout and "7360.00" in proc.stdout
    assert "deductible 800.00: level 3, 1st inpatient visit of the year" in proc.stdout
