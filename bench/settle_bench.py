"""Settlements per second of the pure engine, single process.

Two cases: a 20-line inpatient case (employee, Beijing-style bands, large-expense layer,
civil-servant subsidy) and a 5-line outpatient case (resident outpatient pooling with an
annual deductible and cap). The cases are parsed once; the loop times ``settle`` alone,
which is what the gateway calls per request after parsing.

    python bench/settle_bench.py [--seconds 3]
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from pathlib import Path

from yibao.documents.case_document import load_case
from yibao.domain.settle import settle

GOLDEN = Path(__file__).resolve().parent.parent / "tests" / "golden"


def inpatient_case():
    doc = json.loads((GOLDEN / "ex5_civil_servant_large_expense.case.json").read_text())
    doc["catalog"] = [
        {"code": f"I{i:02d}", "name": f"item {i}", "chrgitm_lv": ["01", "02", "03"][i % 3],
         "selfpay_prop": "0.1" if i % 3 == 1 else "0", **({"pric_uplmt_amt": "300"} if i % 5 == 0 else {})}
        for i in range(20)
    ]
    doc["lines"] = [{"code": f"I{i:02d}", "cnt": str(1 + i % 4), "pric": f"{150 + 97 * i}.35"} for i in range(20)]
    return doc


def outpatient_case():
    doc = json.loads((GOLDEN / "ex2b_resident_outpatient_family_account.case.json").read_text())
    doc["ytd"] = {"fund_paid": {"outpatient_general": 120}}
    return doc


def measure(case, seconds: float) -> tuple[float, int]:
    settle(case)  # warm up
    count = 0
    started = time.perf_counter()
    deadline = started + seconds
    while True:
        for _ in range(200):
            settle(case)
        count += 200
        now = time.perf_counter()
        if now >= deadline:
            return count / (now - started), count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0, help="time per case")
    args = parser.parse_args()
    import tempfile

    print(f"python {platform.python_version()} on {platform.machine()}, single process")
    with tempfile.TemporaryDirectory() as tmp:
        for name, doc in (("outpatient, 5 lines", outpatient_case()), ("inpatient, 20 lines", inpatient_case())):
            path = Path(tmp) / "case.json"
            path.write_text(json.dumps(doc, ensure_ascii=False))
            case = load_case(path)
            rate, count = measure(case, args.seconds)
            print(f"{name:22s} {rate:10,.0f} settlements/s  ({count:,} in {args.seconds:.0f}s, "
                  f"{1e6 / rate:6.1f} µs each)")


if __name__ == "__main__":
    main()
