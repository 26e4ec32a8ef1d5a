"""`yibao demo` then `yibao his` against the real server: every path walked, every stored
settlement consistent with the spec's identities and with the accounts and accumulators."""

from __future__ import annotations

import csv
import json
import re
import subprocess
import sys

import pytest
from sqlalchemy import case, func, select

from yibao.store import tables as t
from yibao.store.database import Database

from ..server import Server
from .conftest import new_database_url


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def demo_server(request, tmp_path_factory):
    url = new_database_url(request.param, request, tmp_path_factory)
    data_dir = tmp_path_factory.mktemp("demo-data")
    proc = subprocess.run([sys.executable, "-m", "yibao.cli", "demo", "--db", url, "--data-dir", str(data_dir),
                           "--persons-per-region", "40"], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    server = Server(url, log_path=data_dir / "server.log").start()
    yield {"url": url, "server": server, "data_dir": data_dir}
    server.stop()


def test_demo_world_has_every_region_and_kind(demo_server):
    database = Database(demo_server["url"])
    with database.read() as conn:
        regions = {row[0] for row in conn.execute(select(t.institutions.c.admdvs).distinct())}
        levels = {row[0] for row in conn.execute(select(t.institutions.c.medins_lv).distinct())}
        insured = dict(conn.execute(select(t.insurances.c.insutype, func.count()).group_by(t.insurances.c.insutype)).all())
        retired = conn.execute(select(func.count()).select_from(t.insurances).where(t.insurances.c.psn_type.like("12%"))).scalar()
        balances = conn.execute(select(func.count(func.distinct(t.account_entries.c.psn_no)))).scalar()
    assert {"510100", "500000", "500155", "441300", "441500", "440300", "440600", "442000", "371300", "110000"} <= regions
    assert {"0", "1", "2", "3", ""} <= levels
    assert insured["310"] > 0 and insured["390"] > 0 and retired > 0 and balances > 0
    database.dispose()


def test_his_walks_visits_through_the_gateway(demo_server):
    proc = subprocess.run([sys.executable, "-m", "yibao.cli", "his", "--visits", "60", "--url", demo_server["server"].url,
                           "--data-dir", str(demo_server["data_dir"]), "--concurrency", "4"],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("60 visits in"), proc.stdout
    assert re.search(r"outpatient\s+settled\s+\d+", proc.stdout), proc.stdout
    assert re.search(r"inpatient\s+settled\s+\d+", proc.stdout), proc.stdout
    database = Database(demo_server["url"])
    with database.read() as conn:
        rows = conn.execute(select(t.settlements)).mappings().all()
        kinds = {row["clr_type"] for row in rows}
        for row in rows:
            f = {key[:-4]: value for key, value in row.items() if key.endswith("_fen")}
            assert f["medfee_sumamt"] == f["fulamt_ownpay_amt"] + f["overlmt_selfpay"] + f["preselfpay_amt"] + f["inscp_scp_amt"]
            assert f["medfee_sumamt"] == f["fund_pay_sumamt"] + f["psn_part_amt"]
            assert f["psn_part_amt"] == f["acct_pay"] + f["acct_mulaid_pay"] + f["psn_cash_pay"]
        account_paid = conn.execute(select(func.coalesce(func.sum(t.account_entries.c.amount_fen), 0))
                                    .where(t.account_entries.c.setl_id.is_not(None))).scalar()
        settled_acct = sum(row["acct_pay_fen"] + row["acct_mulaid_pay_fen"] for row in rows)
    assert len(rows) >= 30
    assert {"11", "21"} <= kinds
    # every fen taken from an account is a settlement's acct_pay or mutual aid, reversals put it back
    assert -account_paid == settled_acct
    database.dispose()


def test_stats_flows_add_up_to_the_month_settlements(demo_server):
    import datetime as dt
    import json
    from decimal import Decimal

    month = dt.date.today().strftime("%Y-%m")
    proc = subprocess.run([sys.executable, "-m", "yibao.cli", "stats", "flows", "--month", month, "--format", "json",
                           "--db", demo_server["url"]], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    rows = json.loads(proc.stdout, parse_float=Decimal)
    database = Database(demo_server["url"])
    with database.read() as conn:
        fund = conn.execute(select(func.sum(t.settlements.c.fund_pay_sumamt_fen))).scalar()
        count = conn.execute(select(func.sum(case((t.settlements.c.kind == "settlement", 1), else_=-1)))).scalar()
    database.dispose()
    assert sum(Decimal(str(r["fund_pay_sumamt"])) for r in rows) * 100 == fund
    assert sum(r["setl_cnt"] for r in rows) == count
    assert {r["scope"] for r in rows} >= {"local", "cross_province"}
    assert all(r["direct_rate"] is None or 0 <= Decimal(str(r["direct_rate"])) <= 1 for r in rows)
    assert all(r["direct_rate"] is not None for r in rows if r["direct_cnt"] + r["manual_cnt"] > 0)


def test_filing_cli_for_agencies(demo_server, tmp_path):
    def yibao(*args):
        return subprocess.run([sys.executable, "-m", "yibao.cli", *args, "--db", demo_server["url"]],
                              capture_output=True, text=True, timeout=120)

    database = Database(demo_server["url"])
    with database.read() as conn:
        psn_no = conn.execute(select(t.insurances.c.psn_no).where(t.insurances.c.insuplc_admdvs == "441500")
                              .order_by(t.insurances.c.psn_no).limit(1)).scalar()
    database.dispose()
    created = yibao("filing", "create", "--psn-no", psn_no, "--type", "temporary_other", "--dest", "440600")
    assert created.returncode == 0, created.stderr
    listed = yibao("filing", "list", psn_no, "--format", "json")
    filing_no = [r for r in json.loads(listed.stdout) if r["dest_admdvs"] == "440600"][-1]["filing_no"]
    assert yibao("filing", "cancel", filing_no, "--reason", "trip cancelled").returncode == 0
    again = yibao("filing", "cancel", filing_no)
    assert again.returncode == 2 and f"error: [FILING_NOT_ACTIVE] 备案 {filing_no} 的状态为 cancelled" in again.stderr
    bad = yibao("filing", "create", "--psn-no", psn_no, "--type", "referral", "--dest", "441500")
    assert bad.returncode == 2 and "error: [FILING_DESTINATION_IS_HOME] 备案就医地 441500 包含参保地 441500" in bad.stderr


def test_clearing_statements_equal_the_month_cross_region_payments_and_ledger_balances(demo_server):
    import datetime as dt

    from yibao.app.actors import SYSTEM
    from yibao.app.clearing import cross_region_payments
    from yibao.store.unit_of_work import SqlUnitOfWork
    from yibao.store.repositories.ledger import balances, check_ledger

    month = __import__("datetime").date.today().strftime("%Y-%m")

    def clear(*extra):
        return subprocess.run([sys.executable, "-m", "yibao.cli", "clear", "--month", month, "--format", "json",
                               "--db", demo_server["url"], *extra], capture_output=True, text=True, timeout=300)

    # the demo's month has not ended: it is cleared only provisionally (a trial whose statements
    # cannot be confirmed or paid), the same figures as a final run after the month's end
    refused = clear()
    assert refused.returncode == 2 and "CLEARING_MONTH_NOT_ENDED" in refused.stderr
    proc = clear("--provisional")
    assert proc.returncode == 0, proc.stderr
    first = json.loads(proc.stdout, parse_float=__import__("decimal").Decimal)
    assert first and all(statement["provisional"] for statement in first)
    assert json.loads(clear("--provisional").stdout, parse_float=__import__("decimal").Decimal) == first  # a re-run changes nothing
    database = Database(demo_server["url"])
    with database.read() as conn:
        with SqlUnitOfWork.joining(conn, SYSTEM, dt.datetime.now()) as uow:
            expected = cross_region_payments(uow, month)
        items = conn.execute(select(func.count()).select_from(t.clearing_items)).scalar()
        assert check_ledger(conn) == []
        funds = balances(conn, "fund:")
        fund_by_region = {}
        for account, fen in funds.items():
            region = account.split(":")[1]
            fund_by_region[region] = fund_by_region.get(region, 0) + fen
        settled_by_region = dict(conn.execute(select(t.settlements.c.insuplc_admdvs, func.sum(t.settlements.c.fund_pay_sumamt_fen))
                                              .group_by(t.settlements.c.insuplc_admdvs)).all())
        accounts = balances(conn, "psn_acct:")
        movements = dict(conn.execute(select(t.account_entries.c.psn_no, func.sum(t.account_entries.c.amount_fen))
                                      .group_by(t.account_entries.c.psn_no)).all())
    database.dispose()
    stated = {(s["insuplc_admdvs"], s["mdtrtarea_admvs"]) for s in first}
    assert stated <= set(expected)
    # a pair with no statement is one whose settlements and reversals cancel out (no empty statements)
    assert all(not (pair["fund_pay_sumamt_fen"] or pair["acct_pay_fen"]) for key, pair in expected.items() if key not in stated)
    for statement in first:
        pair = expected[(statement["insuplc_admdvs"], statement["mdtrtarea_admvs"])]
        assert statement["fund_pay_sumamt"] * 100 == pair["fund_pay_sumamt_fen"]
        assert statement["acct_pay"] * 100 == pair["acct_pay_fen"]
        assert statement["clearing_amount"] * 100 == pair["fund_pay_sumamt_fen"] + pair["acct_pay_fen"]
    assert items == sum(pair["rows"] for pair in expected.values())
    # each region's fund expense in the ledger is the sum of its settlements' fund payments
    assert {r: v for r, v in fund_by_region.items() if v} == {r: int(v) for r, v in settled_by_region.items() if v}
    # each personal account in the ledger mirrors its movements (credit balance = money left)
    assert {p.split(":", 1)[1]: -v for p, v in accounts.items() if v} == {p: int(v) for p, v in movements.items() if v}


def test_short_load_run_loses_nothing(demo_server):
    """The load bench for a few seconds (CI's short run): no errors, every settlement consistent."""
    import asyncio

    sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parents[2] / "bench"))
    from gateway_bench import Bench

    import datetime as dt

    from yibao.app.actors import SYSTEM
    from yibao.app.consistency import check_database
    from yibao.store.unit_of_work import SqlUnitOfWork

    bench = Bench(demo_server["server"].url, demo_server["data_dir"], clients=8, inpatient_share=0.2)
    result = asyncio.run(bench.run(4))
    assert result["errors"] == 0, result["first_error"]
    assert result["settled"] >= 10
    database = Database(demo_server["url"])
    with SqlUnitOfWork(database, SYSTEM, dt.datetime.now(), write=False) as uow:
        assert check_database(uow) == []
    database.dispose()


HIS_SAMPLES = __import__("pathlib").Path(__file__).resolve().parents[2] / "docs" / "his" / "samples"


def key_paths(value, prefix: str = "") -> set[str]:
    """The field names of a message, as paths (list items share ``[]``): what a sample documents."""
    if isinstance(value, dict):
        paths = {f"{prefix}.{key}" for key in value}
        for key, item in value.items():
            paths |= key_paths(item, f"{prefix}.{key}")
        return paths
    if isinstance(value, list):
        return set().union(*(key_paths(item, f"{prefix}[]") for item in value)) if value else set()
    return set()


def test_the_conformance_pack_passes_against_yibao_and_its_samples_are_current(demo_server, tmp_path):
    """``yibao conformance`` against the running gateway: every step passes. The exchanges it
    saves are docs/his/samples (regenerate: YIBAO_WRITE_HIS_SAMPLES=1 with this test): the
    documented field names must be the ones sent and answered today."""
    import os

    proc = subprocess.run([sys.executable, "-m", "yibao.cli", "conformance", "--url", demo_server["server"].url,
                           "--data-dir", str(demo_server["data_dir"]), "--save", str(tmp_path / "exchanges")],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert re.search(r"^(\d+) passed, 0 failed, 0 skipped$", proc.stdout, re.M), proc.stdout
    fresh = {path.name: json.loads(path.read_text(encoding="utf-8")) for path in sorted((tmp_path / "exchanges").glob("*.json"))}
    assert len(fresh) >= 18
    if os.environ.get("YIBAO_WRITE_HIS_SAMPLES") == "1" and "sqlite" in demo_server["url"]:
        HIS_SAMPLES.mkdir(parents=True, exist_ok=True)
        for stale in HIS_SAMPLES.glob("*.json"):
            stale.unlink()
        for name, exchange in fresh.items():
            (HIS_SAMPLES / name).write_text(json.dumps(exchange, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    documented = {path.name: json.loads(path.read_text(encoding="utf-8")) for path in sorted(HIS_SAMPLES.glob("*.json"))}
    assert sorted(documented) == sorted(fresh), "docs/his/samples is stale: regenerate (see this test's docstring)"
    for name, exchange in fresh.items():
        assert key_paths(exchange) == key_paths(documented[name]), f"docs/his/samples/{name} is stale"


def test_the_demo_catalogue_downloads_have_rows(demo_server):
    """1301, 1305, 1307, 1308 and 1309 answer files with rows in the demo world (sim/code_lists.py,
    the regional catalogues and the cross-province 门慢特 diseases)."""
    import io
    import zipfile

    import httpx

    from yibao.sim.his import HisClient

    institutions = list(csv.DictReader(open(demo_server["data_dir"] / "institutions.csv", encoding="utf-8")))
    hospital = next(row for row in institutions if row["fixmedins_type"] == "1" and row["admdvs"] == "440300")
    with httpx.Client(base_url=demo_server["server"].url, timeout=30) as http:
        client = HisClient(http, hospital)
        client.sign_in()
        counts = {}
        for infno in ("1301", "1305", "1307", "1308", "1309"):
            answer = client.call(infno, {"data": {"ver": "0"}})
            content = client.fetch_file(answer["file_qury_no"])
            with zipfile.ZipFile(io.BytesIO(content)) as archive:
                counts[infno] = len(archive.read(archive.namelist()[0]).decode("utf-8").splitlines()) - 1
            assert counts[infno] == answer["data_cn"]
    assert counts["1301"] > 0 and counts["1305"] > 0 and counts["1307"] >= 15 and counts["1308"] >= 9
    assert counts["1309"] == 10
