"""What one visit costs in process: SQL statements and CPU, per national transaction.

Walks outpatient visits (2201 register → 2204 five fee lines → 2207 settle) and inpatient visits
(2401 → 2301 twenty lines → 2402 discharge → 2304 settle) through the dispatcher in this process
(no HTTP), against the demo world on a throwaway PostgreSQL cluster (or SQLite), and prints the
statements per visit and per transaction (BEGIN/COMMIT not counted; sign-in 9001 shown apart,
an institution signs in once a day) and the CPU milliseconds this process spent inside the
dispatcher per visit (parsing, authentication, the use case, the database driver, the answer;
not the HTTP server, the load generator nor the database server's own CPU). ``--warmup``
visits first fill the per-worker caches (catalogue entries, policies, rule packages), as a
running gateway's are.

    python bench/visit_cost.py [--backend postgresql|sqlite] [--visits 200] [--warmup 200]
"""

from __future__ import annotations

import argparse
import collections
import csv
import datetime as dt
import json
import random
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

from sqlalchemy import event

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from yibao.app.demo import build_demo  # noqa: E402
from yibao.gateway.dispatch import Dispatcher, Settings  # noqa: E402
from yibao.app.platform import Platform  # noqa: E402
from yibao.documents.render import dumps  # noqa: E402
from yibao.store.database import Database  # noqa: E402


def read_csv(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


class Walker:
    def __init__(self, database: Database, data_dir: Path):
        self.dispatcher = Dispatcher(Platform(database), Settings())
        self.statements: collections.Counter = collections.Counter()
        self.dispatch_cpu = 0.0
        self.current = ""
        event.listen(database.engine, "before_cursor_execute", self._count)
        institutions = [i for i in read_csv(data_dir / "institutions.csv") if i["fixmedins_type"] == "1"]
        persons = read_csv(data_dir / "persons.csv")
        items = [i for i in read_csv(data_dir / "hilist.csv") if i.get("ref_pric") and Decimal(i["ref_pric"]) < 500]
        by_region: dict[str, list[dict]] = collections.defaultdict(list)
        for person in persons:
            by_region[person["insuplc_admdvs"]].append(person)
        self.items: dict[str, list[dict]] = collections.defaultdict(list)
        for item in items:
            self.items[item["insu_admdvs"]].append(item)
        self.pairs = [(i, by_region[i["admdvs"]]) for i in institutions if by_region.get(i["admdvs"]) and self.items.get(i["admdvs"])]
        self.sign_nos: dict[str, str] = {}
        self.serial = 0

    def _count(self, conn, cursor, statement, parameters, context, executemany):
        if statement.strip().upper() not in ("BEGIN", "BEGIN IMMEDIATE", "COMMIT", "ROLLBACK"):
            self.statements[self.current] += 1

    def call(self, institution: dict, infno: str, input_: dict, insuplc: str = "") -> dict:
        self.serial += 1
        message = {"infno": infno, "msgid": f"{institution['fixmedins_code']}B{self.serial:012d}",
                   "mdtrtarea_admvs": institution["admdvs"], "insuplc_admdvs": insuplc,
                   "fixmedins_code": institution["fixmedins_code"], "sign_no": self.sign_nos.get(institution["fixmedins_code"], ""),
                   "opter": "0001", "input": input_}
        headers = {"x-tif-paasid": institution["fixmedins_code"], "apikey": institution["secret"]}
        self.current = infno
        payload = dumps(message, indent=None).encode()
        started = time.process_time()
        answer = self.dispatcher.handle_bytes(payload, headers)
        self.dispatch_cpu += time.process_time() - started
        body = json.loads(answer)
        if body["infcode"] != 0:
            raise RuntimeError(f"{infno}: {body['err_msg']}")
        return body["output"]

    def sign_in(self, institution: dict) -> None:
        if institution["fixmedins_code"] not in self.sign_nos:
            out = self.call(institution, "9001", {"signIn": {"opter_no": "0001"}})
            self.sign_nos[institution["fixmedins_code"]] = out["signinoutb"]["sign_no"]

    def visit(self, rng: random.Random, inpatient: bool) -> None:
        institution, persons = rng.choice(self.pairs)
        person = rng.choice(persons)
        region, psn_no = person["insuplc_admdvs"], person["psn_no"]
        self.sign_in(institution)
        self.serial += 1
        begin = dt.datetime(2026, 11, 2, 9, 0)
        chosen = [rng.choice(self.items[institution["admdvs"]]) for _ in range(20 if inpatient else 5)]
        lines = [{"feedetl_sn": f"{n:04d}", "psn_no": psn_no, "med_list_codg": item["hilist_code"], "cnt": "1",
                  "pric": item["ref_pric"], "det_item_fee_sumamt": item["ref_pric"], "chrg_bchno": "B1",
                  "fee_ocur_time": f"{begin:%Y-%m-%d %H:%M:%S}"} for n, item in enumerate(chosen, 1)]
        total = f"{sum(Decimal(line['det_item_fee_sumamt']) for line in lines):.2f}"
        number = f"V{self.serial:010d}"
        if inpatient:
            out = self.call(institution, "2401", {"mdtrtinfo": {"psn_no": psn_no, "insutype": person["insutype"],
                                                               "begntime": f"{begin:%Y-%m-%d %H:%M:%S}", "med_type": "21",
                                                               "ipt_no": number}}, region)
            mdtrt_id = out["result"]["mdtrt_id"]
        else:
            out = self.call(institution, "2201", {"data": {"psn_no": psn_no, "insutype": person["insutype"],
                                                           "begntime": f"{begin:%Y-%m-%d %H:%M:%S}", "med_type": "11",
                                                           "ipt_otp_no": number}}, region)
            mdtrt_id = out["data"]["mdtrt_id"]
        for line in lines:
            line["mdtrt_id"] = mdtrt_id
        self.call(institution, "2301" if inpatient else "2204", {"feedetail": lines}, region)
        if inpatient:
            self.call(institution, "2402", {"dscginfo": {"mdtrt_id": mdtrt_id, "psn_no": psn_no,
                                                         "endtime": "2026-11-05 10:00:00"}}, region)
        data = {"psn_no": psn_no, "mdtrt_id": mdtrt_id, "medfee_sumamt": total, "insutype": person["insutype"],
                "acct_used_flag": "1", "chrg_bchno": "B1"}
        self.call(institution, "2304" if inpatient else "2207", {"data": data}, region)


def measure(walker: Walker, visits: int, inpatient: bool, warmup: int) -> tuple[float, float, collections.Counter]:
    rng = random.Random(11 if inpatient else 7)
    for _ in range(max(1, warmup)):  # warm caches and sign-ins
        walker.visit(rng, inpatient)
    walker.statements.clear()
    walker.dispatch_cpu = 0.0
    for _ in range(visits):
        walker.visit(rng, inpatient)
    cpu_ms = walker.dispatch_cpu * 1000 / visits
    per_visit = sum(count for infno, count in walker.statements.items() if infno != "9001") / visits
    return per_visit, cpu_ms, collections.Counter({k: v / visits for k, v in walker.statements.items()})


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--backend", choices=["postgresql", "sqlite"], default="postgresql")
    parser.add_argument("--visits", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=200, help="visits walked first, not measured")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="yibao-cost-"))
    cluster = None
    if args.backend == "postgresql":
        from tests.pgcluster import Cluster

        cluster = Cluster().start()
        url = cluster.create_database("cost")
    else:
        url = f"sqlite:///{work}/cost.db"
    try:
        database = Database(url)
        build_demo(database, now=dt.datetime(2026, 11, 1), data_dir=work / "data", persons_per_region=60,
                   report=lambda line: None)
        walker = Walker(database, work / "data")
        for inpatient in (False, True):
            per_visit, cpu_ms, by_infno = measure(walker, args.visits, inpatient, args.warmup)
            kind = "inpatient (2401+2301×20+2402+2304)" if inpatient else "outpatient (2201+2204×5+2207)"
            detail = ", ".join(f"{infno} {count:.1f}" for infno, count in sorted(by_infno.items()))
            print(f"[{args.backend}] {kind}: {per_visit:.1f} SQL statements and {cpu_ms:.2f} ms of dispatcher CPU per visit "
                  f"({args.visits} visits; {detail})", flush=True)
        database.dispose()
    finally:
        if cluster is not None:
            cluster.stop()


if __name__ == "__main__":
    main()
