"""End-to-end gateway throughput: the platform served by uvicorn workers, driven over loopback
by concurrent HIS clients walking complete visits.

Outpatient visit: 2201 register → 2204 five fee lines → 2207 settle. Inpatient visit: 2401 →
2301 twenty lines → 2402 discharge → 2304 settle. Prints committed settlements per second and
the latency of the settle call (p50/p95/p99), first at full load, then at half that rate.

    python bench/gateway_bench.py [--backend postgresql|sqlite|both] [--seconds 20] [--clients 32]
                                  [--workers 2] [--inpatient-share 0.1]

The load generator runs in this process (asyncio + aiohttp); the server runs in its own
processes; both share this machine's cores, as they would on one small server.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import csv
import datetime as dt
import itertools
import random
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from yibao.app.demo import build_demo  # noqa: E402
from yibao.documents.render import dumps  # noqa: E402
from yibao.store.database import Database  # noqa: E402

DISPATCH = "/fsi/api/rsfComIfsService/callService"


def read_csv(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


class Bench:
    def __init__(self, url: str, data_dir: Path, clients: int, inpatient_share: float):
        self.url = url
        institutions = [i for i in read_csv(data_dir / "institutions.csv") if i["fixmedins_type"] == "1"]
        persons = read_csv(data_dir / "persons.csv")
        items = [i for i in read_csv(data_dir / "hilist.csv") if i.get("ref_pric") and Decimal(i["ref_pric"]) < 500]
        by_region: dict[str, list[dict]] = {}
        for person in persons:
            by_region.setdefault(person["insuplc_admdvs"], []).append(person)
        self.pairs = [(i, by_region[i["admdvs"]]) for i in institutions if by_region.get(i["admdvs"])]
        self.items_by_region: dict[str, list[dict]] = {}
        for item in items:
            self.items_by_region.setdefault(item["insu_admdvs"], []).append(item)
        self.clients = clients
        self.inpatient_share = inpatient_share
        self.sequence = itertools.count(1)
        self.signins: dict[str, str] = {}
        self.by_worker: collections.Counter = collections.Counter()

    def items_for(self, admdvs: str) -> list[dict]:
        for region in (admdvs, admdvs[:4] + "00", admdvs[:2] + "0000"):
            if self.items_by_region.get(region):
                return self.items_by_region[region]
        raise RuntimeError(f"no items for {admdvs}")

    async def call(self, http, institution, infno, input_, insuplc="", msgid=None):
        n = next(self.sequence)
        envelope = {"infno": infno, "msgid": msgid or f"{institution['fixmedins_code']}{n:018d}",
                    "mdtrtarea_admvs": institution["admdvs"], "insuplc_admdvs": insuplc, "recer_sys_code": "YBXT",
                    "infver": "V1.0", "opter_type": "1", "opter": "1", "opter_name": "bench",
                    "fixmedins_code": institution["fixmedins_code"], "fixmedins_name": "bench",
                    "sign_no": self.signins.get(institution["fixmedins_code"], ""), "input": input_}
        async with http.post(self.url + DISPATCH, data=dumps(envelope, indent=None).encode(), headers={
                "content-type": "application/json", "x-tif-paasid": institution["fixmedins_code"],
                "apikey": institution["secret"]}) as response:
            body = await response.json(content_type=None)
        # the answering worker, from inf_refmsgid's serial ((pid % 1000) * 10^7 + counter)
        self.by_worker[int(str(body["inf_refmsgid"])[-10:]) // 10_000_000] += 1
        if body["infcode"] != 0:
            raise RuntimeError(f"{infno}: {body['err_msg']}")
        return body["output"]

    async def sign_in_all(self, http):
        for institution, _ in self.pairs:
            output = await self.call(http, institution, "9001", {"signIn": {"opter_no": "1"}})
            self.signins[institution["fixmedins_code"]] = output["signinoutb"]["sign_no"]

    async def visit(self, http, rng: random.Random) -> float:
        institution, persons = rng.choice(self.pairs)
        person = rng.choice(persons)
        items = self.items_for(institution["admdvs"])
        inpatient = rng.random() < self.inpatient_share
        now = dt.datetime.now()
        lines = []
        for n in range(1, (21 if inpatient else 6)):
            item = rng.choice(items)
            pric = Decimal(item["ref_pric"])
            lines.append({"feedetl_sn": f"{n:04d}", "psn_no": person["psn_no"], "med_list_codg": item["hilist_code"],
                          "cnt": 1, "pric": pric, "det_item_fee_sumamt": pric, "fee_ocur_time": f"{now:%Y-%m-%d %H:%M:%S}",
                          "chrg_bchno": "B1", "med_type": "21" if inpatient else "11"})
        region = person["insuplc_admdvs"]
        number = next(self.sequence)
        if inpatient:
            out = await self.call(http, institution, "2401", {"mdtrtinfo": {
                "psn_no": person["psn_no"], "insutype": person["insutype"], "med_type": "21",
                "begntime": f"{now:%Y-%m-%d %H:%M:%S}", "ipt_no": f"Z{number}"}}, region)
            mdtrt_id = out["result"]["mdtrt_id"]
        else:
            out = await self.call(http, institution, "2201", {"data": {
                "psn_no": person["psn_no"], "insutype": person["insutype"], "begntime": f"{now:%Y-%m-%d %H:%M:%S}",
                "ipt_otp_no": f"M{number}", "mdtrt_cert_type": "02", "mdtrt_cert_no": person["certno"]}}, region)
            mdtrt_id = out["data"]["mdtrt_id"]
        for line in lines:
            line["mdtrt_id"] = mdtrt_id
        await self.call(http, institution, "2301" if inpatient else "2204", {"feedetail": lines}, region)
        if inpatient:
            await self.call(http, institution, "2402", {"dscginfo": {"mdtrt_id": mdtrt_id, "psn_no": person["psn_no"],
                                                                     "endtime": f"{now:%Y-%m-%d %H:%M:%S}"}}, region)
        data = {"psn_no": person["psn_no"], "mdtrt_id": mdtrt_id, "insutype": person["insutype"], "chrg_bchno": "B1",
                "medfee_sumamt": sum(line["det_item_fee_sumamt"] for line in lines), "acct_used_flag": "1"}
        started = time.perf_counter()
        await self.call(http, institution, "2304" if inpatient else "2207", {"data": data}, region)
        return time.perf_counter() - started

    async def run(self, seconds: float, rate: float | None = None) -> dict:
        latencies, errors = [], []
        deadline = time.perf_counter() + seconds
        connector = aiohttp.TCPConnector(limit=self.clients * 2)
        async with aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=60)) as http:
            if not self.signins:
                await self.sign_in_all(http)
            interval = self.clients / rate if rate else 0.0
            started = time.perf_counter()

            async def client(number: int):
                rng = random.Random(number)
                next_start = time.perf_counter() + rng.random() * interval
                while time.perf_counter() < deadline:
                    if interval:
                        await asyncio.sleep(max(0.0, next_start - time.perf_counter()))
                        next_start += interval
                    try:
                        latencies.append(await self.visit(http, rng))
                    except Exception as exc:  # counted and shown
                        errors.append(str(exc)[:120])

            await asyncio.gather(*(client(n) for n in range(self.clients)))
            elapsed = time.perf_counter() - started
        latencies.sort()

        def pct(p):
            return latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000 if latencies else float("nan")

        return {"settled": len(latencies), "rate": len(latencies) / elapsed, "p50": pct(0.50), "p95": pct(0.95),
                "p99": pct(0.99), "errors": len(errors), "first_error": errors[0] if errors else ""}


def serve(url: str, workers: int, log: Path):
    from tests.server import Server

    return Server(url, workers=workers, log_path=log, log_level="warning").start()  # as `yibao serve` runs by default


def measure(backend: str, args) -> None:
    cluster = None
    work = Path(tempfile.mkdtemp(prefix="yibao-bench-"))
    if backend == "postgresql":
        from tests.pgcluster import Cluster

        cluster = Cluster(durable=True).start()
        url = cluster.create_database("bench")
    else:
        url = f"sqlite:///{work}/bench.db"
    try:
        database = Database(url)
        began = time.perf_counter()
        build_demo(database, now=dt.datetime.now().replace(microsecond=0), data_dir=work / "data",
                   persons_per_region=args.persons, report=lambda line: None)
        database.dispose()
        print(f"[{backend}] demo world loaded in {time.perf_counter() - began:.0f}s; {args.workers} gateway workers, "
              f"{args.clients} concurrent HIS clients, {args.inpatient_share:.0%} inpatient", flush=True)
        server = serve(url, args.workers, work / "server.log")
        try:
            bench = Bench(server.url, work / "data", args.clients, args.inpatient_share)
            full = asyncio.run(bench.run(args.seconds))
            shares = sorted(bench.by_worker.values(), reverse=True)
            spread = " / ".join(f"{count / sum(shares):.0%}" for count in shares)
            bench.by_worker.clear()
            print(f"[{backend}] full load: {full['settled']} settlements, {full['rate']:.0f}/s committed; settle latency "
                  f"p50 {full['p50']:.0f} ms, p95 {full['p95']:.0f} ms, p99 {full['p99']:.0f} ms; errors {full['errors']} "
                  f"{full['first_error']}; requests by worker {spread}", flush=True)
            half = asyncio.run(bench.run(args.seconds, rate=full["rate"] / 2))
            print(f"[{backend}] at half that rate ({full['rate'] / 2:.0f}/s offered): {half['rate']:.0f}/s; settle latency "
                  f"p50 {half['p50']:.0f} ms, p95 {half['p95']:.0f} ms, p99 {half['p99']:.0f} ms; errors {half['errors']}",
                  flush=True)
        finally:
            server.stop()
    finally:
        if cluster is not None:
            cluster.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=["postgresql", "sqlite", "both"], default="both")
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--workers", type=int, default=2, help="gateway workers (this machine has 2 cores)")
    parser.add_argument("--persons", type=int, default=200, help="insured persons per region in the bench world")
    parser.add_argument("--inpatient-share", type=float, default=0.1)
    args = parser.parse_args()
    for backend in (["postgresql", "sqlite"] if args.backend == "both" else [args.backend]):
        measure(backend, args)


if __name__ == "__main__":
    main()
