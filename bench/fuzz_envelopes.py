"""Hostile-input fuzzing of the gateway, in-process: N generated hostile envelopes per backend
(SQLite and a throwaway PostgreSQL cluster, both loaded with the golden world) through
``Dispatcher.handle_bytes``. Prints the answers by class and what must stay zero: escaped
exceptions (a 500 on the wire), answers UTF-8 cannot carry, internal errors, tracebacks and
errors in the log, and envelopes one backend answered and the other refused (the generator is
deterministic, so both backends get the same envelopes). Exits 1 when any of those is not zero.

    python bench/fuzz_envelopes.py [--envelopes 12000] [--backend both|sqlite|postgresql] [--seed 1]

The generator is tests/platform/hostile_envelopes.py (the fuzz test in tests/platform/test_hostile.py
uses it too).
"""

from __future__ import annotations

import argparse
import collections
import logging
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # for tests.* (yibao itself comes from the installed package)

from yibao.gateway.dispatch import Dispatcher, Settings  # noqa: E402
from yibao.app.platform import Platform  # noqa: E402
from yibao.store.database import Database  # noqa: E402
from yibao.store.migrate import upgrade  # noqa: E402

from tests.conftest import golden_cases  # noqa: E402
from tests.platform.golden_world import load_golden_world  # noqa: E402
from tests.platform.hostile_envelopes import Generator, classify, prepare  # noqa: E402


class Recorder(logging.Handler):
    def __init__(self):
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def run(backend: str, url: str, envelopes: int, seed: int, work: Path) -> tuple[collections.Counter, list[int]]:
    database = Database(url)
    upgrade(database)
    setups = load_golden_world(database, golden_cases(), work)
    dispatcher = Dispatcher(Platform(database), Settings())
    context = prepare(dispatcher, setups[0])
    generator = Generator(context, seed)
    recorder = Recorder()
    logging.getLogger().addHandler(recorder)
    counts: collections.Counter = collections.Counter()
    outcomes: list[int] = []  # infcode per envelope (2: no envelope), to compare the backends
    started = time.perf_counter()
    try:
        for _ in range(envelopes):
            body, headers, _infno = generator.envelope()
            seen = len(recorder.records)
            try:
                text = dispatcher.handle_bytes(body, headers)
            except Exception:  # noqa: BLE001 - on the wire this is a bare 500
                counts["exception escaped (HTTP 500)"] += 1
                outcomes.append(2)
                continue
            try:
                text.encode("utf-8")
            except UnicodeEncodeError:
                counts["answer UTF-8 cannot carry (HTTP 500)"] += 1
            new = recorder.records[seen:]
            kind = classify(text, any(r.levelno >= logging.ERROR for r in new))
            counts[kind] += 1
            outcomes.append(0 if kind.startswith("answered") else 1 if kind.startswith("refused") else 2)
            counts["tracebacks logged"] += sum(1 for r in new if r.exc_info)
            counts["errors logged"] += sum(1 for r in new if r.levelno >= logging.ERROR)
    finally:
        logging.getLogger().removeHandler(recorder)
        database.dispose()
    elapsed = time.perf_counter() - started
    print(f"\n{backend}: {envelopes} envelopes in {elapsed:.1f} s ({envelopes / elapsed:.0f}/s)")
    return counts, outcomes


MUST_BE_ZERO = ("exception escaped (HTTP 500)", "answer UTF-8 cannot carry (HTTP 500)", "internal error",
                "refused, but an error was logged", "broken answer (not JSON)", "broken answer (not an envelope)",
                "tracebacks logged", "errors logged")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--envelopes", type=int, default=12000, help="envelopes per backend")
    parser.add_argument("--backend", choices=["both", "sqlite", "postgresql"], default="both")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    logging.getLogger("yibao").setLevel(logging.WARNING)
    failed = False
    outcomes: dict[str, list[int]] = {}
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    for backend in backends:
        with tempfile.TemporaryDirectory(prefix="yibao-fuzz-") as folder:
            work = Path(folder)
            cluster = None
            if backend == "sqlite":
                url = f"sqlite:///{work}/fuzz.db"
            else:
                from tests.pgcluster import Cluster

                cluster = Cluster().start()
                url = cluster.create_database("fuzz")
            try:
                counts, outcomes[backend] = run(backend, url, args.envelopes, args.seed, work)
            finally:
                if cluster is not None:
                    cluster.stop()
        for name in sorted(name for name in counts if name not in MUST_BE_ZERO):
            print(f"  {name:45s} {counts[name]:7d}")
        for name in MUST_BE_ZERO:
            print(f"  {name:45s} {counts[name]:7d}")
            failed = failed or counts[name] > 0
    if len(outcomes) == 2:
        # the same envelopes (same seed, same world) must be answered or refused alike on both
        disagree = sum(1 for a, b in zip(outcomes["sqlite"], outcomes["postgresql"]) if a != b)
        print(f"\n  {'backends disagree (answered on one, refused on the other)':55s} {disagree:7d}")
        failed = failed or disagree > 0
    print("\nOK: every hostile envelope got a valid envelope, none an internal error, nothing logged as an error"
          if not failed else "\nFAILED: see the non-zero counts above")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
