"""Monthly clearing of 1,000,000 generated settlements on PostgreSQL.

Data generation is set-based too: one INSERT … SELECT over generate_series writes the month's
settlements (30 regions, 30 % of visits cross-region, 2 % reversals of an earlier settlement,
amounts that satisfy the spec's identities). Then ``run_clearing`` marks the cross-region ones
and totals a statement per region pair, and the bench checks the statements against a direct
SUM over the settlements.

    python bench/clearing_bench.py [--rows 1000000] [--db postgresql+psycopg://…]

Without --db a throwaway PostgreSQL cluster is started (as the tests do) and removed after.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from pathlib import Path

from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from yibao.app.actors import SYSTEM  # noqa: E402
from yibao.app.clearing import cross_region_payments, run_clearing  # noqa: E402
from yibao.store.database import Database  # noqa: E402
from yibao.store.migrate import upgrade  # noqa: E402
from yibao.store.unit_of_work import SqlUnitOfWork  # noqa: E402

REGIONS = ["110000", "120000", "130100", "310000", "320100", "330100", "340100", "350100", "360100", "370100",
           "371300", "410100", "420100", "430100", "440100", "440300", "440600", "441300", "441500", "442000",
           "450100", "500000", "500155", "510100", "520100", "530100", "610100", "611000", "620100", "650100"]

GENERATE = """
INSERT INTO settlements (
  setl_id, mdtrt_id, psn_no, insutype, fixmedins_code, med_type, kind, reverses_setl_id, medins_setl_id, infno,
  setl_time, year, insuplc_admdvs, mdtrtarea_admvs, policy_id, scope, filing, clr_type, chrg_bchno,
  medfee_sumamt_fen, fulamt_ownpay_amt_fen, overlmt_selfpay_fen, preselfpay_amt_fen, inscp_scp_amt_fen,
  act_pay_dedc_fen, hifp_pay_fen, pool_prop_selfpay, cvlserv_pay_fen, hifes_pay_fen, hifmi_pay_fen, hifob_pay_fen,
  maf_pay_fen, oth_pay_fen, fund_pay_sumamt_fen, psn_part_amt_fen, acct_pay_fen, acct_mulaid_pay_fen,
  psn_cash_pay_fen, hosp_part_amt_fen, balc_fen, detail, trace, adjustment)
SELECT
  'B' || lpad(g::text, 11, '0'), 'V' || lpad(g::text, 11, '0'), 'P' || (g % 200000), '310',
  'H' || tr || '00001', '21',
  CASE WHEN rev THEN 'reversal' ELSE 'settlement' END,
  CASE WHEN rev THEN 'B' || lpad((g - 1)::text, 11, '0') END,
  'M' || lpad(g::text, 29, '0'), CASE WHEN rev THEN '2305' ELSE '2304' END,
  timestamp '{start}' + ((g * 7919) % {seconds}) * interval '1 second', {year}, ins, tr, 1,
  CASE WHEN ins = tr THEN 'local' WHEN substr(ins, 1, 2) = substr(tr, 1, 2) THEN 'in_province' ELSE 'cross_province' END,
  NULL, '21', '',
  s * f, 0, 0, 0, s * f, 0, s * (f * 6 / 10), '0.6', 0, 0, 0, 0, 0, 0, s * (f * 6 / 10), s * (f - f * 6 / 10),
  s * (f / 10), 0, s * (f - f * 6 / 10 - f / 10), 0, 0, '{{}}', '[]', ''
FROM (
  SELECT g,
         (g % 50 = 49) AS rev,
         CASE WHEN g % 50 = 49 THEN -1 ELSE 1 END AS s,
         10000 + (g * 104729) % 2000000 AS f,
         (ARRAY[{regions}])[1 + g % 30] AS ins,
         CASE WHEN g % 10 < 7 THEN (ARRAY[{regions}])[1 + g % 30] ELSE (ARRAY[{regions}])[1 + (g / 30) % 30] END AS tr
  FROM generate_series({first}::bigint, {last}::bigint) AS g
) AS rows
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--db", help="a PostgreSQL URL (default: a throwaway cluster)")
    parser.add_argument("--month", default="2026-03")
    args = parser.parse_args()
    cluster = None
    url = args.db
    if url is None:
        from tests.pgcluster import Cluster

        cluster = Cluster().start()
        url = cluster.create_database("clearing_bench")
    try:
        database = Database(url)
        upgrade(database)
        start = dt.datetime.strptime(args.month, "%Y-%m")
        end = (start + dt.timedelta(days=32)).replace(day=1)
        regions = ", ".join(f"'{region}'" for region in REGIONS)
        began = time.perf_counter()
        batch = 250_000
        with database.engine.begin() as conn:
            conn.exec_driver_sql("TRUNCATE settlements, clearing_items, clearing_statements")
        for first in range(1, args.rows + 1, batch):
            last = min(args.rows, first + batch - 1)
            with database.engine.begin() as conn:
                conn.execute(text(GENERATE.format(start=start, seconds=int((end - start).total_seconds()), year=start.year,
                                                  regions=regions, first=first, last=last)))
            print(f"  generated {last:,} settlements", flush=True)
        with database.engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE settlements")
        generated = time.perf_counter() - began
        began = time.perf_counter()
        with SqlUnitOfWork(database, SYSTEM, dt.datetime.now()) as uow:
            statements = run_clearing(uow, args.month,
                                      progress=lambda step: print(f"  {step} ({time.perf_counter() - began:.1f}s)", flush=True))
        cleared = time.perf_counter() - began
        began = time.perf_counter()
        with SqlUnitOfWork(database, SYSTEM, dt.datetime.now()) as uow:
            again = run_clearing(uow, args.month)
        rerun = time.perf_counter() - began
        with SqlUnitOfWork(database, SYSTEM, dt.datetime.now(), write=False) as uow:
            expected = cross_region_payments(uow, args.month)
        with database.read() as conn:
            items = conn.exec_driver_sql("SELECT count(*) FROM clearing_items").scalar()
        assert again == statements, "re-running the month changed the statements"
        for row in statements:
            pair = expected[(row["insuplc_admdvs"], row["mdtrtarea_admvs"])]
            assert row["fund_pay_sumamt_fen"] == pair["fund_pay_sumamt_fen"]
        assert len(statements) == len(expected) and items == sum(p["rows"] for p in expected.values())
        print(f"PostgreSQL, {args.rows:,} settlements in {args.month}: generated in {generated:.1f}s")
        print(f"clearing: {items:,} cross-region settlements into {len(statements)} statements in {cleared:.1f}s "
              f"(re-run, nothing new: {rerun:.1f}s); statements equal a direct SUM per pair")
        database.dispose()
    finally:
        if cluster is not None:
            cluster.stop()


if __name__ == "__main__":
    main()
