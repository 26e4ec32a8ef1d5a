"""Post-event audit bench: generate N flat claim lines (default 1,000,000) with violations of
every rule type sprinkled in, then run the full standard rule base on DuckDB (or Spark).

    python bench/audit_bench.py [--lines 1000000] [--engine duckdb|spark]

Generation is one SQL statement over DuckDB's range() into Parquet; pseudo-random choices
come from hash() of the row number, so a run is reproducible. Target: under 60 s for 1M
lines on DuckDB on a 2-core machine.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
import time
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from yibao.analytics.audit_batch import run_batch_audit  # noqa: E402
from yibao.domain.audit import (  # noqa: E402
    Bundle, ExclusivePair, FrequencyLimit, KnowledgeBase, PriceCeiling, Provenance, Restriction, RulePackage,
    standard_rules,
)

LINES_PER_VISIT = 4
VISITS_PER_PERSON = 5
SINCE = dt.date(2024, 1, 1)
# Codes the knowledge base knows; the rest of the lines bill ordinary items N000-N199.
SPECIAL = ["F001", "M002", "C001", "E001", "H001", "IP01", "D001", "BED1", "M001", "P001", "P002",
           "PKG1", "ITM1", "ITM2", "EX1", "EX2", "CT01"]


def bench_package() -> RulePackage:
    def r(code: str, **limits) -> Restriction:
        return Restriction(code, "500000", SINCE, **limits)

    knowledge = KnowledgeBase(
        restrictions=(r("F001", gend="2"), r("M002", gend="1"), r("C001", age_max=14), r("E001", age_min=60),
                      r("H001", medins_lv_min=3), r("IP01", med_types=("21", "24")), r("D001", dise_codes=("E11", "E10")),
                      r("BED1", max_cnt_per_day=Decimal(1)), r("M001", max_cnt_per_day=Decimal(3), max_days=7)),
        price_ceilings=(PriceCeiling("P001", "500000", SINCE, Decimal("12.00")),
                        PriceCeiling("P002", "500100", SINCE, Decimal("100.00"))),
        bundles=(Bundle("PKG1", "ITM1", "500000", SINCE), Bundle("PKG1", "ITM2", "500000", SINCE)),
        exclusive_pairs=(ExclusivePair("EX2", "EX1", "500000", SINCE),),
        frequency_limits=(FrequencyLimit("CT01", Decimal(2), 30, "500000", SINCE),),
    )
    author = Provenance("bench", "500000", SINCE)
    return RulePackage("BENCH", "1", "500000", author, standard_rules(author), knowledge)


def generate(path: Path, lines: int) -> tuple[int, dict[str, dt.date]]:
    visits = lines // LINES_PER_VISIT
    persons = max(visits // VISITS_PER_PERSON, 1)
    special = "[" + ", ".join(f"'{code}'" for code in SPECIAL) + "]"
    sql = f"""
    COPY (
      WITH v AS (
        SELECT v, v % {persons} AS p, v // {persons} AS k,
          hash(v * 31 + 1) % 100 AS kind, hash(v * 31 + 2) AS h
        FROM range({visits}) t(v)),
      visit AS (
        SELECT v, p, k,
          CASE WHEN kind < 20 THEN '21' WHEN kind < 30 THEN '41' WHEN kind < 40 THEN '14' ELSE '11' END AS med_type,
          CASE WHEN kind < 20 THEN h % 9 + 2 ELSE 0 END AS los,
          -- a person's visits k = 0..4 run forward in time, 0-24 days apart
          DATE '2024-01-05' + CAST(hash(p) % 30 + k * 12 + h % 12 AS INTEGER) AS begndate,
          CASE WHEN kind BETWEEN 20 AND 29 THEN 'P50015500' || lpad(CAST(p % 90 AS VARCHAR), 3, '0')
               ELSE 'H5001' || ['55', '01', '02'][CAST(h % 3 AS INTEGER) + 1] || '00' || lpad(CAST(p % 90 AS VARCHAR), 3, '0') END
            AS fixmedins_code,
          h,
          -- inpatient diagnoses repeat per person, so close readmissions repeat the main diagnosis
          CASE WHEN kind < 20 THEN ['I63.9', 'J18.9', 'K35.8', 'Z51.1'][CAST(hash(p) % 4 AS INTEGER) + 1]
               ELSE ['I10', 'E11.9', 'J06.9', 'M54.5', 'K29.7'][CAST(h % 5 AS INTEGER) + 1] END AS main_diag
        FROM v),
      l AS (
        SELECT i, i // {LINES_PER_VISIT} AS v, i % {LINES_PER_VISIT} AS n, hash(i * 17 + 3) AS a, hash(i * 17 + 4) AS b
        FROM range({visits * LINES_PER_VISIT}) t(i)),
      coded AS (
        SELECT l.*, visit.*,
          CASE WHEN l.a % 100 < 15 THEN {special}[CAST(l.b % {len(SPECIAL)} AS INTEGER) + 1]
               ELSE 'N' || lpad(CAST(l.b % 200 AS VARCHAR), 3, '0') END AS code0
        FROM l JOIN visit USING (v)),
      line AS (
        SELECT c.*,
          -- about 2% of lines repeat the previous line of the visit exactly (duplicate entry)
          CASE WHEN c.n > 0 AND c.a % 50 = 0 THEN lag(c.code0) OVER w ELSE c.code0 END AS hilist_code,
          CASE WHEN c.n > 0 AND c.a % 50 = 0 THEN lag(c.n) OVER w ELSE c.n END AS src_n
        FROM coded c WINDOW w AS (PARTITION BY c.v ORDER BY c.n))
      SELECT
        'S' || CAST(v AS VARCHAR) AS setl_id, 'M' || CAST(v AS VARCHAR) AS mdtrt_id,
        'P' || CAST(p AS VARCHAR) AS psn_no, '5001551980' || lpad(CAST(p AS VARCHAR), 8, '0') AS certno,
        CASE WHEN hash(p) % 2 = 0 THEN '1' ELSE '2' END AS gend,
        CAST(hash(p * 7) % 90 + 1 AS INTEGER) AS age,
        fixmedins_code,
        CASE WHEN fixmedins_code LIKE 'P%' THEN '' ELSE CAST(hash(p) % 3 + 1 AS VARCHAR) END AS medins_lv,
        med_type,
        CASE WHEN hash(p) % 10 = 0 THEN '110000' ELSE '500155' END AS insuplc_admdvs,
        substr(fixmedins_code, 2, 6) AS mdtrtarea_admvs,
        begndate, begndate + CAST(los AS INTEGER) AS enddate, main_diag,
        CASE WHEN h % 3 = 0 THEN 'E11.9;I10' ELSE 'I10' END AS diag_codes,
        lpad(CAST(n + 1 AS VARCHAR), 4, '0') AS feedetl_sn, hilist_code,
        begndate + CAST(src_n % (los + 1) AS INTEGER) AS fee_date,
        CAST(CASE WHEN hilist_code = 'M001' THEN (b % 3 + 2) * (src_n + 5) ELSE src_n % 2 + 1 END AS DECIMAL(16,4)) AS cnt,
        CAST(CASE WHEN hilist_code IN ('P001', 'P002') AND src_n % 2 = 1 THEN 130
                  ELSE hash(hilist_code) % 100 + 5 END AS DECIMAL(16,6)) AS pric,
        CAST(0 AS DECIMAL(16,2)) AS det_item_fee_sumamt,
        CASE WHEN hilist_code = 'M001' THEN CAST(src_n + 5 AS INTEGER) END AS prd_days,
        CASE WHEN med_type = '11' AND h % 20 = 0 THEN '互联网' ELSE '' END AS scenario
      FROM line
    ) TO '{path}' (FORMAT parquet)"""
    con = duckdb.connect()
    con.execute(sql)
    # Amounts from quantity × price, then the death registry: one person in 500.
    con.execute(f"""COPY (SELECT * REPLACE (CAST(cnt * pric AS DECIMAL(16,2)) AS det_item_fee_sumamt)
                    FROM '{path}') TO '{path}.tmp' (FORMAT parquet)""")
    Path(f"{path}.tmp").replace(path)
    deaths = dict(con.execute(f"""SELECT DISTINCT certno, DATE '2024-02-15' FROM '{path}'
                                  WHERE CAST(substr(certno, 11) AS INTEGER) % 500 = 0""").fetchall())
    count = con.execute(f"SELECT count(*) FROM '{path}'").fetchone()[0]
    con.close()
    return count, deaths


def _pad(text: str, width: int) -> str:
    # Chinese characters take two columns in a terminal.
    return text + " " * max(width - sum(2 if ord(ch) > 0x2E80 else 1 for ch in text), 0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--engine", choices=("duckdb", "spark"), default="duckdb")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder, "claims.parquet")
        started = time.perf_counter()
        count, deaths = generate(path, args.lines)
        print(f"generated {count:,} claim lines ({path.stat().st_size / 1e6:.1f} MB Parquet) "
              f"in {time.perf_counter() - started:.1f} s; {len(deaths)} deaths")
        package = bench_package()
        steps = []
        started = time.perf_counter()
        findings = run_batch_audit(args.engine, str(path), package, deaths, progress=steps.append)
        total = time.perf_counter() - started
    per_type: dict[str, list] = defaultdict(lambda: [0.0, 0])
    print(f"\n{_pad('step', 20)}{'seconds':>9}{'findings':>10}")
    for step in steps:
        label = step.rule_type or step.step
        print(f"{_pad(label, 20)}{step.seconds:>9.2f}{step.findings:>10,}")
        per_type[label][0] += step.seconds
        per_type[label][1] += step.findings
    amount = sum((item.vola_amt for item in findings), Decimal("0.00"))
    print(f"\n{args.engine}: {count:,} lines, {len(findings):,} findings (vola_amt {amount:,} yuan), "
          f"{len(per_type) - 1} rule types in {total:.1f} s = {count / total:,.0f} lines/s")


if __name__ == "__main__":
    main()
