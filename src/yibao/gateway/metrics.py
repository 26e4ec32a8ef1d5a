"""Prometheus metrics of the gateway (``GET /metrics``): requests by infno and infcode, their
latency, settlements and their amounts, and the database pool in use.

With several worker processes (``yibao serve --workers N``) each worker counts on its own;
``serve`` then points ``PROMETHEUS_MULTIPROC_DIR`` at a directory the workers share and the
scrape adds them up (prometheus_client's multiprocess mode), so one scrape sees the whole
gateway whichever worker answers it.
"""

from __future__ import annotations

import json
import os
from decimal import Decimal

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client import REGISTRY, multiprocess

REQUESTS = Counter("yibao_requests_total", "National interface requests answered, by transaction and infcode",
                   ["infno", "infcode"])
LATENCY = Histogram("yibao_request_seconds", "Time from receipt to answer of a national interface request", ["infno"],
                    buckets=(0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0))
SETTLEMENTS = Counter("yibao_settlements_total", "Settlements answered (a reversal counts in its own infno)", ["infno"])
# Metrics, not accounts: float yuan is fine here (the ledger and the settlements are the record).
SETTLED_YUAN = Counter("yibao_settled_yuan_total", "Amounts of the settlements answered, in yuan; a reversal's "
                       "(2208/2305/2103) counted under its own infno", ["infno", "amount"])
POOL_IN_USE = Gauge("yibao_db_connections_in_use", "Database connections checked out of the pool",
                    multiprocess_mode="livesum")

# Transactions whose answer carries a settlement's setlinfo (spec §3 amounts).
SETTLING = frozenset({"2207", "2304", "2102", "2208", "2305", "2103"})
AMOUNTS = ("medfee_sumamt", "fund_pay_sumamt", "acct_pay", "psn_cash_pay")


def observe(infno: str, infcode: int, seconds: float, output, pool) -> None:
    """One answered request. ``output`` is the answer's output (a dict, or its JSON text)."""
    known = infno if len(infno) <= 6 and infno.isalnum() else "other"  # no unbounded label values
    REQUESTS.labels(known, str(infcode)).inc()
    LATENCY.labels(known).observe(seconds)
    if infcode == 0 and known in SETTLING and output is not None:
        if isinstance(output, str):  # the answer's text: the document it was written from, or parsed (a stored answer)
            output = getattr(output, "document", None) or json.loads(output, parse_float=Decimal)
        setlinfo = output.get("setlinfo") or {}
        SETTLEMENTS.labels(known).inc()
        for name in AMOUNTS:
            value = abs(Decimal(str(setlinfo.get(name) or 0)))  # a counter only grows
            if value:
                SETTLED_YUAN.labels(known, name).inc(float(value))
    checked_out = getattr(pool, "checkedout", None)
    if checked_out is not None:
        POOL_IN_USE.set(checked_out())


def exposition() -> tuple[bytes, str]:
    """The text a scrape reads, over every worker in multiprocess mode."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST
