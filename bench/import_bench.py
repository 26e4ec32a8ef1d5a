"""A province-scale persons import on PostgreSQL: a generated 200,000-row persons file (national
shape, valid ID numbers, one in ten with an opening account balance, one in two hundred on a
family account: those links are still written one by one) imported by `yibao import persons`
(app/streaming_import.py: streamed, bulk upserts, one transaction), then imported again (every
row an update). Prints rows/s for both and the peak
memory of the importing process.

    python bench/import_bench.py [--rows 200000] [--db postgresql+psycopg://…]

Without --db a throwaway PostgreSQL cluster is started (as the tests do) and removed after.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from yibao.app.importing import import_file  # noqa: E402
from yibao.sim.idnumbers import make_certno  # noqa: E402
from yibao.store.database import Database  # noqa: E402
from yibao.store.migrate import upgrade  # noqa: E402

REGIONS = ["440300", "440100", "441500", "110000", "310000", "510100"]
COLUMNS = ["psn_no", "psn_cert_type", "certno", "psn_name", "gend", "brdy", "insutype", "psn_type", "insuplc_admdvs",
           "cvlserv_flag", "acct_balance", "card_no", "family_psn_no"]
NOW = dt.datetime(2026, 12, 1, 9, 0)


def write_persons(path: Path, rows: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        for number in range(1, rows + 1):
            region = REGIONS[number % len(REGIONS)]
            born = dt.date(1940, 1, 1) + dt.timedelta(days=number % 25_000)
            male = number % 2 == 1
            certno = make_certno(region, born, (number // 50_000) % 500, male)
            owner = f"P{number - 1:09d}" if number % 200 == 0 else ""
            balance = f"{rng.randint(0, 500_000) / 100:.2f}" if number % 10 == 0 else ""
            writer.writerow([f"P{number:09d}", "01", certno, f"参保人{number}", "1" if male else "2", born.isoformat(),
                             "310" if number % 3 else "390", "11" if number % 3 else "91", region, "0", balance,
                             f"C{number:012d}", owner])


def timed_import(database: Database, path: Path) -> tuple[float, object]:
    started = time.perf_counter()
    result = import_file(database, "persons", path, now=NOW)
    return time.perf_counter() - started, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--db", default=None, help="an empty PostgreSQL database (else a throwaway cluster)")
    args = parser.parse_args()
    cluster = None
    url = args.db
    if url is None:
        from tests.pgcluster import Cluster

        cluster = Cluster().start()
        url = cluster.create_database("import_bench")
    try:
        database = Database(url)
        upgrade(database)
        with tempfile.TemporaryDirectory() as work:
            path = Path(work) / "persons.csv"
            write_persons(path, args.rows)
            size = path.stat().st_size
            first, result = timed_import(database, path)
            again, _ = timed_import(database, path)
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"PostgreSQL, persons file of {args.rows:,} rows ({size / 1e6:.1f} MB), {result.openings:,} opening balances")
        print(f"  first import (inserts): {first:.1f} s, {args.rows / first:,.0f} rows/s")
        print(f"  re-import (updates):    {again:.1f} s, {args.rows / again:,.0f} rows/s")
        print(f"  peak resident memory of this process: {peak_mb:.0f} MB")
        database.dispose()
    finally:
        if cluster is not None:
            cluster.stop()


if __name__ == "__main__":
    main()
