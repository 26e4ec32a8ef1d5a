"""What-if replay throughput: N generated visits (default 1 000 000) replayed under "inpatient
ratio +5 points" (app/whatif.replay_groups), each visit settled twice by domain/settle.

Visits are generated from two golden templates (an employee inpatient stay and a resident
outpatient visit) with varied line amounts and person classes, in chunks, one chunk per task
of a process pool (``--workers``, default the machine's cores); the effects of the chunks are
summed. Prints visits, seconds, visits per second and the fund effect.

    python bench/whatif_bench.py [--visits 1000000] [--workers 2] [--chunk 20000]
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import platform
import time
from concurrent.futures import ProcessPoolExecutor
from decimal import Decimal
from pathlib import Path

from yibao.app import whatif
from yibao.documents.case_document import parse_case
from yibao.domain.case import FeeLine

GOLDEN = Path(__file__).resolve().parent.parent / "tests" / "golden"
PATCH = [{"op": "replace", "admdvs": "110000", "insutype": "310",
          "path": "/policy/benefits/0/bands/0/ratio/in_service/3", "value": 0.90}]
TEMPLATES = ("ex1a_employee_inpatient_tertiary", "ex2a_resident_outpatient_cap")


def _docs() -> list[dict]:
    return [json.loads((GOLDEN / f"{name}.case.json").read_text(encoding="utf-8")) for name in TEMPLATES]


def _variants(doc: dict, start: int, count: int):
    """``count`` visits like the template's: line amounts scaled by a deterministic factor, every
    third person retired."""
    base = parse_case(doc)
    for n in range(start, start + count):
        factor = Decimal(50 + (n * 7919) % 100) / 100
        lines = tuple(FeeLine(line.code, line.cnt, (line.pric * factor).quantize(Decimal("0.01")))
                      for line in base.lines)
        person = dataclasses.replace(base.person, psn_no=f"P{n}", retired=n % 3 == 0)
        yield dataclasses.replace(base, person=person, lines=lines)


def chunk(task: tuple[int, int]) -> dict:
    start, count = task
    docs = _docs()
    half = count // 2
    groups = [(docs[0], _variants(docs[0], start, half)), (docs[1], _variants(docs[1], start + half, count - half))]
    return whatif.replay_groups(groups, PATCH)


def merge(results: list[dict]) -> dict:
    total: dict = {}
    for effects in results:
        for key, effect in effects.items():
            into = total.setdefault(key, whatif.Effect())
            for field in dataclasses.fields(whatif.Effect):
                setattr(into, field.name, getattr(into, field.name) + getattr(effect, field.name))
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--visits", type=int, default=1_000_000)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--chunk", type=int, default=20_000)
    args = parser.parse_args()
    tasks = [(start, min(args.chunk, args.visits - start)) for start in range(0, args.visits, args.chunk)]
    began = time.perf_counter()
    with ProcessPoolExecutor(max_workers=args.workers) as pool:
        effects = merge(list(pool.map(chunk, tasks)))
    seconds = time.perf_counter() - began
    report = whatif.report(effects)
    print(f"{platform.python_implementation()} {platform.python_version()}, {args.workers} workers")
    print(f"{report['total']['visits']} visits in {seconds:.1f} s ({report['total']['visits'] / seconds:,.0f} visits/s)")
    print(f"fund change {report['total']['fund_change']} yuan; patient change {report['total']['patient_change']} yuan")


if __name__ == "__main__":
    main()
