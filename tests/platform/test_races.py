"""Races of the integrity issue, fired at the real server (3 worker processes) on SQLite and
PostgreSQL. Each race is repeated ``YIBAO_RACE_TRIES`` times (default 10); threads wait at a
barrier and then send their requests at the same moment, each on a new connection so that the
requests land on different workers. After each try the test checks an invariant on the stored
data (never a timing) and counts the tries that broke it; the test fails if any did.

With ``-s`` every race prints one line: ``[race] <name> <backend>: tries=N violations=V …``.

1. family mutual aid (家庭共济): members settle at once against one owner's account;
2. 2207 settle racing 2202 cancel registration of the same visit;
3. 2207 settle racing 2205 cancel fee lines of the same visit;
4. ten 3203 clearing applications of one institution for overlapping periods;
5. twenty clearing runs of one month through the admin API;
6. msgids of 31–40 characters on 2201, 2207 and 2102;
7. a sign-out, and a replaced institution secret, honoured at once by every worker;
and finally ``yibao check`` on the database the races left behind.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import http.client
import itertools
import json
import os
import subprocess
import sys
import threading
import uuid
from collections import Counter
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from sqlalchemy import func, select

from yibao.app import clearing
from yibao.app.actors import SYSTEM
from yibao.app.agencies import add_agency
from yibao.app.error_codes import code_of
from yibao.app.importing import import_file
from yibao.sim.his import DISPATCH_PATH, HisClient
from yibao.sim.idnumbers import make_certno
from yibao.store import tables as t
from yibao.store.unit_of_work import SqlUnitOfWork
from yibao.store.database import Database
from yibao.store.migrate import upgrade

from ..conftest import golden_cases
from ..server import Server
from .conftest import named, new_database_url
from .golden_world import load_golden_world, write_csv
from .walk import line_fields, walk_golden

pytestmark = pytest.mark.races

TRIES = max(1, int(os.environ.get("YIBAO_RACE_TRIES", "10")))
WORKERS = 3
BARRIER_TIMEOUT = 60


# --- the world: golden cases, a server with three workers -------------------------------------

@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def race_world(request, tmp_path_factory):
    url = new_database_url(request.param, request, tmp_path_factory)
    database = Database(url)
    upgrade(database)
    work = tmp_path_factory.mktemp("races")
    setups = load_golden_world(database, golden_cases(), work)
    server = Server(url, workers=WORKERS, log_path=work / "server.log").start()
    client = httpx.Client(base_url=server.url, timeout=60)
    world = {"backend": request.param, "url": server.url, "db_url": url, "database": database, "setups": setups,
             "server": server, "work": work, "http": client, "clients": {}}
    yield world
    client.close()
    server.stop()
    database.dispose()


def his_for(world, setup) -> HisClient:
    """One signed-in HIS connection per institution (keep-alive, for the preparations)."""
    code = setup.institution["fixmedins_code"]
    if code not in world["clients"]:
        client = HisClient(world["http"], setup.institution)
        client.sign_in()
        world["clients"][code] = client
    return world["clients"][code]


# --- the tally of a race ---------------------------------------------------------------------

@dataclasses.dataclass
class Tally:
    race: str
    backend: str
    tries: int = 0
    violated: int = 0
    details: list[str] = dataclasses.field(default_factory=list)
    notes: Counter = dataclasses.field(default_factory=Counter)

    def record(self, problems: list[str]) -> None:
        self.tries += 1
        if problems:
            self.violated += 1
            self.details.append(f"try {self.tries}: " + "; ".join(problems))

    def finish(self) -> None:
        notes = " ".join(f"{key}={value}" for key, value in sorted(self.notes.items()))
        print(f"\n[race] {self.race} {self.backend}: tries={self.tries} violations={self.violated}"
              + (f" ({notes})" if notes else ""), flush=True)
        shown = "\n".join(self.details[:8])
        assert self.violated == 0, \
            f"{self.race} on {self.backend}: {self.violated} of {self.tries} tries broke the invariant\n{shown}"


# --- sending envelopes ---------------------------------------------------------------------------

def envelope(institution: dict, sign_no: str, infno: str, input_: dict, *, msgid: str, insuplc: str = "") -> dict:
    return {"infno": infno, "msgid": msgid, "mdtrtarea_admvs": institution["admdvs"], "insuplc_admdvs": insuplc,
            "recer_sys_code": "YBXT", "infver": "V1.0", "opter_type": "1", "opter": "0001", "opter_name": "收费员",
            "inf_time": f"{dt.datetime.now():%Y-%m-%d %H:%M:%S}", "fixmedins_code": institution["fixmedins_code"],
            "fixmedins_name": institution["fixmedins_name"], "sign_no": sign_no, "input": input_}


def request_for(institution: dict, message: dict, *, secret: str | None = None) -> tuple[bytes, dict]:
    headers = {"content-type": "application/json", "x-tif-paasid": institution["fixmedins_code"],
               "apikey": institution["secret"] if secret is None else secret}
    return json.dumps(message, ensure_ascii=False).encode(), headers


def fire(url: str, requests: list[tuple[str, str, bytes | None, dict]]) -> list[dict]:
    """Send every (method, path, body, headers) at the same moment, each from its own thread on
    its own new connection (opened before the barrier, so the workers that accepted them race
    with nothing but the requests themselves); returns per request {"status", "body"} or
    {"error"}. Plain http.client: an httpx.Client per thread costs ~0.1 s of CPU to build."""
    address = urlsplit(url)
    barrier = threading.Barrier(len(requests), timeout=BARRIER_TIMEOUT)
    results: list[dict] = [{} for _ in requests]

    def run(index: int, method: str, path: str, body: bytes | None, headers: dict) -> None:
        connection = http.client.HTTPConnection(address.hostname, address.port, timeout=120)
        try:
            connection.connect()
        except OSError as exc:
            barrier.abort()  # the others fail at the barrier instead of waiting for it
            results[index] = {"error": f"connect: {exc}"}
            return
        try:
            barrier.wait()
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            raw = response.read()
            try:
                parsed = json.loads(raw)
            except ValueError:
                parsed = raw[:300].decode(errors="replace")
            results[index] = {"status": response.status, "body": parsed}
        except Exception as exc:  # reported as a violation by the caller
            results[index] = {"error": f"{type(exc).__name__}: {exc}"}
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(index, *request)) for index, request in enumerate(requests)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def dispatch(requests: list[tuple[bytes, dict]]) -> list[tuple[str, str, bytes, dict]]:
    return [("POST", DISPATCH_PATH, body, headers) for body, headers in requests]


def ok(result: dict) -> bool:
    return result.get("status") == 200 and isinstance(result.get("body"), dict) and str(result["body"].get("infcode")) == "0"


def err_msg(result: dict) -> str:
    if "error" in result:
        return result["error"]
    body = result.get("body")
    if result.get("status") != 200 or not isinstance(body, dict):
        return f"HTTP {result.get('status')}: {str(body)[:200]}"
    return str(body.get("err_msg") or "")


def broken(result: dict) -> bool:
    """Not a business answer: transport error, HTTP error, internal error or database failure."""
    if ok(result):
        return False
    message = err_msg(result)
    return ("error" in result or result.get("status") != 200
            or code_of(message) in ("SYSTEM_INTERNAL_ERROR", "SYSTEM_DATABASE_UNAVAILABLE"))


def worker_of(body: Any) -> int | None:
    """The answering worker, from the serial of inf_refmsgid ((pid % 1000) * 10^7 + counter)."""
    try:
        return int(str(body["inf_refmsgid"])[-10:]) // 10_000_000
    except (KeyError, TypeError, ValueError):
        return None


_unique = itertools.count(1)


def unique(prefix: str, width: int = 12) -> str:
    return f"{prefix}{next(_unique):04d}{uuid.uuid4().hex}"[:width]


# --- outpatient visits: register and upload ---------------------------------------------------

def visit_day(setup) -> dt.datetime:
    return dt.datetime.fromisoformat(setup.case["visit"]["begndate"]).replace(hour=9)


def register_outpatients(world, his: HisClient, setup, persons: list[dict], *, batch: str = "B1") -> list[dict]:
    """2201 for every person, then 2204 with the case's lines for every visit (each step sent
    concurrently; this is preparation, not a race); returns the 2207 input data per visit."""
    insuplc = setup.case["visit"]["insuplc_admdvs"]
    med_type = setup.case["visit"]["med_type"]
    begin = visit_day(setup)

    def send_all(infno: str, inputs: list[dict]) -> list[dict]:
        results = fire(world["url"], dispatch([request_for(his.institution, envelope(
            his.institution, his.sign_no, infno, input_, msgid=his.msgid(), insuplc=insuplc)) for input_ in inputs]))
        for result in results:
            assert ok(result), f"preparing the race: {infno} failed: {err_msg(result)}"
        return [result["body"]["output"] for result in results]

    registered = send_all("2201", [{"data": {
        "psn_no": person["psn_no"], "insutype": person["insutype"], "begntime": f"{begin:%Y-%m-%d %H:%M:%S}",
        "mdtrt_cert_type": "02", "mdtrt_cert_no": person["certno"], "ipt_otp_no": unique("MZ", 24),
        "med_type": med_type}} for person in persons])
    uploads, visits = [], []
    for person, output in zip(persons, registered):
        mdtrt_id = output["data"]["mdtrt_id"]
        lines = []
        for number, line in enumerate(setup.case["lines"], start=1):
            cnt, pric, total = line_fields(line)
            lines.append({"feedetl_sn": f"{number:04d}", "mdtrt_id": mdtrt_id, "psn_no": person["psn_no"],
                          "med_list_codg": line["code"], "medins_list_codg": line["code"], "cnt": f"{cnt}",
                          "pric": f"{pric}", "det_item_fee_sumamt": f"{total}",
                          "fee_ocur_time": f"{begin:%Y-%m-%d %H:%M:%S}", "chrg_bchno": batch, "med_type": med_type})
        uploads.append({"feedetail": lines})
        total = sum(Decimal(line["det_item_fee_sumamt"]) for line in lines)
        visits.append({"psn_no": person["psn_no"], "mdtrt_id": mdtrt_id, "medfee_sumamt": f"{total}", "chrg_bchno": batch,
                       "insutype": person["insutype"], "med_type": med_type, "acct_used_flag": "1",
                       "mdtrt_cert_type": "02", "mdtrt_cert_no": person["certno"], "psn_setlway": "01"})
    send_all("2204", uploads)
    return visits


def settle_message(his: HisClient, setup, data: dict, *, msgid: str | None = None) -> tuple[bytes, dict]:
    return request_for(his.institution, envelope(his.institution, his.sign_no, "2207", {"data": data},
                                                 msgid=msgid or his.msgid(), insuplc=setup.case["visit"]["insuplc_admdvs"]))


# --- database views ---------------------------------------------------------------------------------

def account_fen(conn, psn_no: str) -> int:
    return int(conn.execute(select(func.coalesce(func.sum(t.account_entries.c.amount_fen), 0))
                            .where(t.account_entries.c.psn_no == psn_no)).scalar_one())


def lowest_running_balance(conn, psn_no: str) -> int:
    """The lowest balance the person's account movements ever added up to, in entry order."""
    e = t.account_entries
    running = lowest = 0
    for (amount,) in conn.execute(select(e.c.amount_fen).where(e.c.psn_no == psn_no).order_by(e.c.entry_id)):
        running += int(amount)
        lowest = min(lowest, running)
    return lowest


def visit_state(conn, mdtrt_id: str) -> tuple[str, list[dict]]:
    """The visit's status and its active (settled, not reversed) settlements."""
    status = conn.execute(select(t.visits.c.status).where(t.visits.c.mdtrt_id == mdtrt_id)).scalar_one()
    rows = [dict(row) for row in conn.execute(select(t.settlements).where(t.settlements.c.mdtrt_id == mdtrt_id)).mappings()]
    reversed_ids = {row["reverses_setl_id"] for row in rows if row["kind"] == "reversal"}
    return status, [row for row in rows if row["kind"] == "settlement" and row["setl_id"] not in reversed_ids]


def fen(value: Any) -> int:
    return int(Decimal(str(value)) * 100)


# --- 1. family mutual aid -------------------------------------------------------------------------

MEMBERS = 4


def new_family(world, setup, number: int) -> tuple[dict, list[dict]]:
    """An account owner with a small balance and members with empty or tiny accounts who may
    draw on it (family_psn_no), imported as the persons file (data-formats.md)."""
    insured = setup.person["insuplc_admdvs"]
    tag = uuid.uuid4().hex[:8].upper()
    born = dt.date(1970, 1, 1) + dt.timedelta(days=number % 9000)
    owner = dict(setup.person, psn_no=f"RO{tag}", certno=make_certno(insured, born, 1, True), psn_name="户主",
                 brdy=born.isoformat(), acct_balance="300.00", card_no=f"RO{tag}", family_psn_no="")
    members = [dict(setup.person, psn_no=f"RM{tag}{index}", certno=make_certno(insured, born, 10 + index, index % 2 == 0),
                    psn_name=f"家属{index}", brdy=born.isoformat(), gend="1" if index % 2 == 0 else "2",
                    acct_balance="0" if index % 2 == 0 else "10.00", card_no=f"RM{tag}{index}",
                    family_psn_no=owner["psn_no"]) for index in range(MEMBERS)]
    path = write_csv(world["work"] / f"family-{tag}.csv", [owner] + members)
    import_file(world["database"], "persons", path, now=dt.datetime.now().replace(microsecond=0))
    return owner, members


def test_family_mutual_aid_settlements_at_once_never_overdraw_the_owner(race_world):
    """Family members settle at the same moment, each drawing on the owner's account (and the
    owner settles a visit of their own at that moment too): every settlement succeeds, the
    owner's balance never goes below zero, the account movements are exactly the amounts the
    answers report, and the family's next settlements still work."""
    setup = named(race_world, "ex2b")
    his = his_for(race_world, setup)
    database = race_world["database"]
    tally = Tally("family_mutual_aid", race_world["backend"])
    for attempt in range(TRIES):
        problems: list[str] = []
        owner, members = new_family(race_world, setup, attempt)
        family = [owner] + members
        visits = register_outpatients(race_world, his, setup, family + family)
        racing, later = visits[:len(family)], visits[len(family):]
        with database.read() as conn:
            opening = {person["psn_no"]: account_fen(conn, person["psn_no"]) for person in family}
        assert opening[owner["psn_no"]] == 30000, "the owner's opening balance (300.00) was not imported"
        results = fire(race_world["url"], dispatch([settle_message(his, setup, data) for data in racing]))
        drawn = {person["psn_no"]: 0 for person in family}  # what the answers say left each account
        for person, result in zip(family, results):
            if not ok(result):
                problems.append(f"settlement of {person['psn_no']} failed: {err_msg(result)[:120]}")
                tally.notes["failed"] += 1
                continue
            info = result["body"]["output"]["setlinfo"]
            drawn[person["psn_no"]] += fen(info["acct_pay"])
            if person is not owner:
                drawn[owner["psn_no"]] += fen(info["acct_mulaid_pay"])
                tally.notes["mulaid_paid"] += fen(info["acct_mulaid_pay"]) > 0
        with database.read() as conn:
            after = {person["psn_no"]: account_fen(conn, person["psn_no"]) for person in family}
        if after[owner["psn_no"]] < 0:
            problems.append(f"owner's balance is {after[owner['psn_no']] / 100:.2f} (overdrawn)")
            tally.notes["overdrawn"] += 1
        for psn_no, balance in after.items():
            if balance != opening[psn_no] - drawn[psn_no]:
                problems.append(f"account {psn_no}: {balance} fen stored, {opening[psn_no]} - {drawn[psn_no]} answered")
        # the family's next settlements (at once again) still work
        results = fire(race_world["url"], dispatch([settle_message(his, setup, data) for data in later]))
        for person, result in zip(family, results):
            if not ok(result):
                problems.append(f"the next settlement of {person['psn_no']} failed: {err_msg(result)[:120]}")
                tally.notes["next_failed"] += 1
                continue
            info = result["body"]["output"]["setlinfo"]
            drawn[person["psn_no"]] += fen(info["acct_pay"])
            if person is not owner:
                drawn[owner["psn_no"]] += fen(info["acct_mulaid_pay"])
        with database.read() as conn:
            final = {person["psn_no"]: account_fen(conn, person["psn_no"]) for person in family}
            lowest = min(lowest_running_balance(conn, person["psn_no"]) for person in family)
        if final[owner["psn_no"]] < 0:
            problems.append(f"owner's balance after the next settlements is {final[owner['psn_no']] / 100:.2f}")
        if lowest < 0:
            problems.append(f"an account of the family went down to {lowest / 100:.2f} on the way")
        for psn_no, balance in final.items():
            if balance != opening[psn_no] - drawn[psn_no]:
                problems.append(f"after the next settlements, account {psn_no}: {balance} fen stored, "
                                f"{opening[psn_no]} - {drawn[psn_no]} answered")
        tally.record(problems)
    tally.finish()
    assert tally.notes["mulaid_paid"] > 0, "no settlement drew on the owner's account: the race tested nothing"


# --- 2. settle racing the cancellation of the registration ---------------------------------------------

def test_settlement_racing_registration_cancel(race_world):
    """2207 and 2202 of one visit at the same moment: afterwards the visit is either cancelled
    with no active settlement, or settled and not cancelled; exactly one request succeeded."""
    setup = named(race_world, "ex2a")
    his = his_for(race_world, setup)
    insuplc = setup.case["visit"]["insuplc_admdvs"]
    tally = Tally("settle_vs_cancel_registration", race_world["backend"])
    for _ in range(TRIES):
        problems: list[str] = []
        data = register_outpatients(race_world, his, setup, [setup.person])[0]
        cancel = request_for(his.institution, envelope(his.institution, his.sign_no, "2202", {"data": {
            "mdtrt_id": data["mdtrt_id"], "psn_no": data["psn_no"]}}, msgid=his.msgid(), insuplc=insuplc))
        settled, cancelled = fire(race_world["url"], dispatch([settle_message(his, setup, data), cancel]))
        with race_world["database"].read() as conn:
            status, active = visit_state(conn, data["mdtrt_id"])
        if status == "cancelled" and active:
            problems.append(f"visit cancelled but has {len(active)} active settlement(s)")
        if status != "cancelled" and len(active) != 1:
            problems.append(f"visit {status} with {len(active)} active settlements")
        if ok(settled) and ok(cancelled):
            problems.append("both 2207 and 2202 succeeded")
        if not ok(settled) and not ok(cancelled):
            problems.append(f"neither succeeded: 2207 {err_msg(settled)[:80]!r}, 2202 {err_msg(cancelled)[:80]!r}")
        if ok(settled) and status == "cancelled" or ok(cancelled) and active:
            problems.append("an answer contradicts the stored state")
        for name, result in (("2207", settled), ("2202", cancelled)):
            if broken(result):
                problems.append(f"{name}: {err_msg(result)[:120]}")
        tally.notes["settled_won" if ok(settled) else "cancel_won"] += 1
        tally.record(problems)
    tally.finish()


# --- 3. settle racing the cancellation of fee lines ---------------------------------------------------------

def test_settlement_racing_fee_line_cancel(race_world):
    """2207 and 2205 of one visit at the same moment (chrg_bchno "0000" = every line, or the
    batch itself): either the settlement was refused, or every line it covered is still
    uploaded (their sum is its medfee_sumamt) and the cancellation was refused."""
    setup = named(race_world, "ex6")
    his = his_for(race_world, setup)
    insuplc = setup.case["visit"]["insuplc_admdvs"]
    tally = Tally("settle_vs_cancel_fee_lines", race_world["backend"])
    for attempt in range(TRIES):
        problems: list[str] = []
        data = register_outpatients(race_world, his, setup, [setup.person])[0]
        which = "0000" if attempt % 2 == 0 else "B1"
        cancel = request_for(his.institution, envelope(his.institution, his.sign_no, "2205", {"data": {
            "mdtrt_id": data["mdtrt_id"], "psn_no": data["psn_no"], "chrg_bchno": which}}, msgid=his.msgid(), insuplc=insuplc))
        settled, cancelled = fire(race_world["url"], dispatch([settle_message(his, setup, data), cancel]))
        with race_world["database"].read() as conn:
            _, active = visit_state(conn, data["mdtrt_id"])
            lines = [dict(row) for row in conn.execute(select(t.fee_lines).where(
                t.fee_lines.c.mdtrt_id == data["mdtrt_id"])).mappings()]
        uploaded = [line for line in lines if line["status"] == "uploaded"]
        if len(active) > 1:
            problems.append(f"{len(active)} active settlements")
        if active:
            covered = active[0]["medfee_sumamt_fen"]
            if len(uploaded) != len(lines) or sum(line["det_item_fee_sumamt_fen"] for line in uploaded) != covered:
                problems.append(f"settled {covered} fen but {len(lines) - len(uploaded)} of {len(lines)} lines are cancelled")
            if ok(cancelled):
                problems.append(f"2205 {which} succeeded on a settled visit")
        else:
            if ok(settled):
                problems.append("2207 answered a settlement that is not stored")
            if len(uploaded) == len(lines) and not ok(cancelled):
                problems.append(f"neither succeeded: 2207 {err_msg(settled)[:80]!r}, 2205 {err_msg(cancelled)[:80]!r}")
        for name, result in (("2207", settled), ("2205", cancelled)):
            if broken(result):
                problems.append(f"{name}: {err_msg(result)[:120]}")
        tally.notes["settled_won" if ok(settled) else "cancel_won"] += 1
        tally.record(problems)
    tally.finish()


# --- 4. clearing applications of one institution and period ---------------------------------------------

APPLICATIONS = 10


def test_concurrent_clearing_applications_leave_one_open_per_period(race_world):
    """Ten 3203 for one institution, one clr_type and overlapping periods at the same moment:
    exactly one is applied, and no two applied applications of the institution overlap."""
    setup = named(race_world, "ex5")
    his = his_for(race_world, setup)
    code = setup.institution["fixmedins_code"]
    a = t.clearing_applications
    tally = Tally("clearing_applications", race_world["backend"])
    for attempt in range(TRIES):
        problems: list[str] = []
        year = 1900 + attempt  # a period of its own per try, with no settlements: totals are zero
        requests = []
        for index in range(APPLICATIONS):
            if index % 2 == 0:
                period = {"setlym": f"{year}01"}  # the whole month
            else:  # every period contains 10..20 January, so each pair overlaps
                period = {"begndate": f"{year}-01-{1 + index:02d}", "enddate": f"{year}-01-{20 + index:02d}"}
            data = {"clr_type": "21", "medfee_sumamt": "0.00", "fund_appy_sum": "0.00", "acct_pay": "0.00",
                    "cash_payamt": "0.00", "psntime": 0, **period}
            requests.append(request_for(his.institution, envelope(his.institution, his.sign_no, "3203", {"data": data},
                                                                  msgid=his.msgid())))
        results = fire(race_world["url"], dispatch(requests))
        with race_world["database"].read() as conn:
            applied = [dict(row) for row in conn.execute(select(a).where(
                a.c.fixmedins_code == code, a.c.clr_type == "21", a.c.status == "applied")).mappings()]
        this_year = [row for row in applied if row["begndate"].year == year]
        overlapping = [(x["clr_appy_evt_id"], y["clr_appy_evt_id"]) for x, y in itertools.combinations(applied, 2)
                       if x["begndate"] <= y["enddate"] and y["begndate"] <= x["enddate"]]
        if overlapping:
            problems.append(f"{len(this_year)} applied applications for {year}-01, {len(overlapping)} overlapping pairs")
        successes = sum(ok(result) for result in results)
        if successes != 1:
            problems.append(f"{successes} of {APPLICATIONS} applications accepted")
        problems += [f"3203: {err_msg(result)[:120]}" for result in results if broken(result)]
        tally.notes["applied"] += len(this_year)
        tally.record(problems)
    tally.finish()


# --- 5. clearing runs of one month --------------------------------------------------------------------------

RUNS = 20
STATEMENT_FIELDS = ("setl_cnt", "medfee_sumamt", "fund_pay_sumamt", "acct_pay", "clearing_amount")


def test_concurrent_clearing_runs_of_one_month(race_world):
    """Twenty runs of the month's clearing through the admin API at the same moment (after a new
    cross-region settlement each try): no HTTP error, one statement per region pair, each equal
    to the month's cross-region payments, every settlement cleared once, and every run answered
    the same statements."""
    setup = named(race_world, "ex3a")
    region = setup.person["insuplc_admdvs"]
    with SqlUnitOfWork(race_world["database"], SYSTEM, dt.datetime.now()) as uow:
        token = add_agency(uow, region, "参保地医保经办机构")
    auth = {"authorization": f"Bearer {region}:{token}"}
    tally = Tally("clearing_runs", race_world["backend"])
    for attempt in range(TRIES):
        problems: list[str] = []
        settled = walk_golden(race_world["http"], setup, suffix=unique("-k", 8))["settle"]["setlinfo"]
        month = str(settled["setl_time"])[:7]
        results = fire(race_world["url"], [("POST", f"/admin/api/clearing/{month}/run?provisional=true", None, auth)] * RUNS)
        for result in results:
            if result.get("status") != 200:
                problems.append(f"run answered {err_msg(result)[:120]}")
                tally.notes[f"http_{result.get('status', 'error')}"] += 1
        with race_world["database"].read() as conn:
            with SqlUnitOfWork.joining(conn, SYSTEM, dt.datetime.now()) as uow:
                statements = clearing.statements(uow, month)
                payments = clearing.cross_region_payments(uow, month)
            items = conn.execute(select(func.count()).select_from(t.clearing_items)
                                 .where(t.clearing_items.c.month == month)).scalar_one()
        by_pair = Counter((row["insuplc_admdvs"], row["mdtrtarea_admvs"]) for row in statements)
        if any(count > 1 for count in by_pair.values()):
            problems.append(f"pairs with more than one statement: {[pair for pair, n in by_pair.items() if n > 1]}")
        if set(by_pair) != set(payments):
            problems.append(f"statements for {sorted(by_pair)}, payments for {sorted(payments)}")
        for row in statements:
            paid = payments.get((row["insuplc_admdvs"], row["mdtrtarea_admvs"]))
            if paid is None:
                continue
            if (row["fund_pay_sumamt_fen"], row["acct_pay_fen"]) != (paid["fund_pay_sumamt_fen"], paid["acct_pay_fen"]) \
                    or row["clearing_amount_fen"] != paid["fund_pay_sumamt_fen"] + paid["acct_pay_fen"]:
                problems.append(f"statement {row['insuplc_admdvs']}→{row['mdtrtarea_admvs']} clears "
                                f"{row['clearing_amount_fen']} fen, the month's payments are {paid}")
        if items != sum(paid["rows"] for paid in payments.values()):
            problems.append(f"{items} clearing items for {sum(p['rows'] for p in payments.values())} cross-region settlements")
        final = {row["statement_id"]: {name: clearing.statement_view(row)[name] for name in STATEMENT_FIELDS}
                 for row in statements}
        pair = (setup.case["visit"]["insuplc_admdvs"], settled["clr_optins"])
        ours = next((row["statement_id"] for row in statements
                     if (row["insuplc_admdvs"], row["mdtrtarea_admvs"]) == pair), None)
        if ours is None:
            problems.append(f"no statement for {pair[0]}→{pair[1]}, whose settlement {settled['setl_id']} is of {month}")
        for result in results:
            if result.get("status") == 200 and isinstance(result.get("body"), list):
                answered = {row["statement_id"]: {name: Decimal(str(row[name])) if name != "setl_cnt" else row[name]
                                                  for name in STATEMENT_FIELDS} for row in result["body"]}
                if ours not in answered or any(final.get(key) != values for key, values in answered.items()):
                    problems.append("a run answered statements that differ from the stored ones")
                    break
        tally.record(problems)
    tally.finish()


# --- 6. msgids of 31–40 characters ------------------------------------------------------------------------

def long_msgid(his: HisClient, length: int) -> str:
    base = his.msgid()
    return (base + uuid.uuid4().hex.upper())[:length]


def test_msgids_of_up_to_40_characters(race_world):
    """2201, 2207 and 2102 with a msgid of 31..40 characters succeed (a retry returns the
    stored answer, medins_setl_id echoes the msgid) on both backends; 41 is refused."""
    setup = named(race_world, "ex6")
    his = his_for(race_world, setup)
    person, insuplc = setup.person, setup.case["visit"]["insuplc_admdvs"]
    tally = Tally("msgid_31_40", race_world["backend"])

    def send(infno: str, input_: dict, msgid: str) -> dict:
        message = envelope(his.institution, his.sign_no, infno, input_, msgid=msgid, insuplc=insuplc)
        body, headers = request_for(his.institution, message)
        response = race_world["http"].post(DISPATCH_PATH, content=body, headers=headers)
        return {"status": response.status_code, "body": response.json()}

    for attempt in range(TRIES):
        problems: list[str] = []
        length = 31 + attempt % 10
        # 2201 with the long msgid, then the usual 2204
        begin = visit_day(setup)
        registration = {"data": {"psn_no": person["psn_no"], "insutype": person["insutype"],
                                 "begntime": f"{begin:%Y-%m-%d %H:%M:%S}", "mdtrt_cert_type": "02",
                                 "mdtrt_cert_no": person["certno"], "ipt_otp_no": unique("MZ", 24),
                                 "med_type": setup.case["visit"]["med_type"]}}
        registered = send("2201", registration, long_msgid(his, length))
        if not ok(registered):
            problems.append(f"2201 with a {length}-character msgid: {err_msg(registered)[:120]}")
            tally.record(problems)
            continue
        mdtrt_id = registered["body"]["output"]["data"]["mdtrt_id"]
        lines = [{"feedetl_sn": "0001", "mdtrt_id": mdtrt_id, "psn_no": person["psn_no"], "med_list_codg": "IN",
                  "medins_list_codg": "IN", "cnt": "2", "pric": "10", "det_item_fee_sumamt": "20.00",
                  "fee_ocur_time": f"{begin:%Y-%m-%d %H:%M:%S}", "chrg_bchno": "B1"}]
        his.call("2204", {"feedetail": lines}, insuplc_admdvs=insuplc)
        data = {"psn_no": person["psn_no"], "mdtrt_id": mdtrt_id, "medfee_sumamt": "20.00", "chrg_bchno": "B1",
                "insutype": person["insutype"], "acct_used_flag": "1"}
        preview = his.call("2206", {"data": data}, insuplc_admdvs=insuplc)["setlinfo"]
        msgid = long_msgid(his, length)
        settled = send("2207", {"data": data}, msgid)
        if not ok(settled):
            problems.append(f"2207 with a {length}-character msgid: {err_msg(settled)[:120]}")
        else:
            info = settled["body"]["output"]["setlinfo"]
            if info["medins_setl_id"] != msgid or info["fund_pay_sumamt"] != preview["fund_pay_sumamt"]:
                problems.append("2207's answer does not echo the msgid or differs from 2206")
            again = send("2207", {"data": data}, msgid)
            if not ok(again) or again["body"]["output"] != settled["body"]["output"]:
                problems.append(f"2207 retried with the same msgid: {err_msg(again)[:120] or 'another answer'}")
        # 2102: the pharmacy sale's visit number is its msgid
        info = {"psn_no": person["psn_no"], "insutype": person["insutype"], "medfee_sumamt": "20.00",
                "begntime": "2024-12-02 10:00:00", "med_type": "11", "acct_used_flag": "1"}
        detail = [{"feedetl_sn": "1", "med_list_codg": "IN", "cnt": "2", "pric": "10", "det_item_fee_sumamt": "20.00"}]
        msgid = long_msgid(his, length)
        sale = send("2102", {"druginfo": info, "drugdetail": detail}, msgid)
        if not ok(sale):
            problems.append(f"2102 with a {length}-character msgid: {err_msg(sale)[:120]}")
        elif sale["body"]["output"]["setlinfo"]["medins_setl_id"] != msgid:
            problems.append("2102's answer does not echo the msgid")
        too_long = send("2201", registration, long_msgid(his, 30) + "X" * 11)
        if ok(too_long) or code_of(err_msg(too_long)) != "ENVELOPE_MSGID_TOO_LONG":
            problems.append(f"a 41-character msgid was not refused as too long: {err_msg(too_long)[:120]!r}")
        tally.notes[f"len{length}"] += 1
        tally.record(problems)
    tally.finish()


# --- 7. sign-out and re-keying honoured at once on every worker ------------------------------------------

SPREAD = 12


def person_query(setup, institution: dict, sign_no: str, his: HisClient, *, secret: str | None = None) -> tuple[bytes, dict]:
    message = envelope(institution, sign_no, "1101", {"data": {"mdtrt_cert_type": "02",
                                                               "mdtrt_cert_no": setup.person["certno"]}}, msgid=his.msgid())
    return request_for(institution, message, secret=secret)


def warm_every_worker(world, setup, his: HisClient, sign_no: str) -> tuple[set, list[str]]:
    """Accepted requests with these credentials on new connections until every worker has
    answered one (so each worker has seen, and may have cached, the sign-in and the secret)."""
    seen: set = set()
    refused: list[dict] = []
    for _ in range(10):
        results = fire(world["url"], dispatch([person_query(setup, his.institution, sign_no, his) for _ in range(6)]))
        seen |= {worker_of(result["body"]) for result in results if ok(result)}
        refused += [result for result in results if not ok(result)]
        if len(seen) >= WORKERS:
            break
    if refused:
        return seen, [f"{len(refused)} requests with the current credentials were refused: {err_msg(refused[0])[:100]}"]
    return seen, []


def test_sign_out_is_honoured_at_once_by_every_worker(race_world):
    """Sign in, use the sign_no on every worker, sign out (9002), then at once send requests with
    the old sign_no on new connections: every one is refused."""
    setup = named(race_world, "ex4a")
    tally = Tally("sign_out_every_worker", race_world["backend"])
    for _ in range(TRIES):
        his = HisClient(race_world["http"], setup.institution)
        sign_no = his.sign_in()
        warmed, problems = warm_every_worker(race_world, setup, his, sign_no)
        tally.notes["workers_warmed_min"] = min(tally.notes.get("workers_warmed_min", WORKERS), len(warmed))
        his.call("9002", {"signOut": {"sign_no": sign_no, "opter_no": "0001"}})
        results = fire(race_world["url"], dispatch([person_query(setup, his.institution, sign_no, his)
                                                    for _ in range(SPREAD)]))
        accepted = [result for result in results if ok(result)]
        if accepted:
            problems.append(f"{len(accepted)} of {SPREAD} requests with the signed-out sign_no were accepted "
                            f"(workers {sorted({worker_of(r['body']) for r in accepted})})")
        problems += [err_msg(result)[:100] for result in results if broken(result)]
        tally.notes["accepted"] += len(accepted)
        tally.record(problems)
    tally.finish()


def test_replaced_secret_is_refused_at_once_by_every_worker(race_world):
    """Use an institution's secret on every worker, replace it (re-import of the institutions
    file with a new secret), then at once send requests with the old secret on new connections:
    every one is refused, and the new secret is accepted. A new institution each try, so that
    no try depends on what the workers remember from the one before."""
    setup = named(race_world, "ex4b")
    admdvs = setup.institution["admdvs"]
    tally = Tally("rekey_every_worker", race_world["backend"])

    def import_institution(row: dict) -> None:
        """What `yibao import institutions FILE` does with a file of this one row."""
        columns = ("fixmedins_code", "fixmedins_name", "fixmedins_type", "medins_lv", "admdvs", "secret")
        path = write_csv(race_world["work"] / f"institution-{uuid.uuid4().hex[:8]}.csv", [{k: row[k] for k in columns}])
        import_file(race_world["database"], "institutions", path, now=dt.datetime.now().replace(microsecond=0))

    for attempt in range(TRIES):
        institution = dict(setup.institution, fixmedins_code=f"H{admdvs}{90000 + attempt:05d}",
                           fixmedins_name=f"换钥医院{attempt}", secret=f"first-{uuid.uuid4().hex}")
        import_institution(institution)
        his = HisClient(race_world["http"], institution)
        sign_no = his.sign_in()
        warmed, problems = warm_every_worker(race_world, setup, his, sign_no)
        tally.notes["workers_warmed_min"] = min(tally.notes.get("workers_warmed_min", WORKERS), len(warmed))
        old = institution["secret"]
        institution["secret"] = f"second-{uuid.uuid4().hex}"
        import_institution(institution)
        results = fire(race_world["url"], dispatch([person_query(setup, institution, sign_no, his, secret=old)
                                                    for _ in range(SPREAD)]))
        accepted = [result for result in results if ok(result)]
        if accepted:
            problems.append(f"{len(accepted)} of {SPREAD} requests with the replaced secret were accepted "
                            f"(workers {sorted({worker_of(r['body']) for r in accepted})})")
        problems += [err_msg(result)[:100] for result in results if broken(result)]
        fresh = fire(race_world["url"], dispatch([person_query(setup, institution, sign_no, his)
                                                  for _ in range(SPREAD // 2)]))
        refused = [result for result in fresh if not ok(result)]
        if refused:
            problems.append(f"{len(refused)} of {SPREAD // 2} requests with the new secret were refused: "
                            f"{err_msg(refused[0])[:80]}")
        tally.notes["old_accepted"] += len(accepted)
        tally.notes["new_refused"] += len(refused)
        tally.record(problems)
    tally.finish()


# --- after the races ------------------------------------------------------------------------------

def test_catalogue_import_is_seen_at_once_by_every_worker(race_world):
    """Price a visit on every worker (each caches the catalogue entries), import the catalogue
    with the visit's first item withdrawn (vali_flag 0), then at once pre-settle on new
    connections: every worker prices the item as outside the catalogue (full self-pay); after
    the item is restored, every worker prices it as before (the catalogue's version row,
    read with each request's authentication)."""
    setup = named(race_world, "ex2a")
    his = his_for(race_world, setup)
    treated = setup.institution["admdvs"]
    entry = next(e for e in setup.case["catalog"] if e["code"] == setup.case["lines"][0]["code"])
    tally = Tally("catalogue_import_every_worker", race_world["backend"])

    def import_item(valid: bool) -> None:
        row = {"hilist_code": entry["code"], "hilist_name": entry["name"], "insu_admdvs": treated,
               "begndate": "2000-01-01", "chrgitm_lv": entry["chrgitm_lv"], "vali_flag": "1" if valid else "0"}
        path = write_csv(race_world["work"] / f"hilist-{uuid.uuid4().hex[:8]}.csv", [row])
        import_file(race_world["database"], "hilist", path, now=dt.datetime.now().replace(microsecond=0))

    def presettle_everywhere(data: dict) -> list[dict]:
        message = lambda: request_for(his.institution, envelope(  # noqa: E731
            his.institution, his.sign_no, "2206", {"data": data}, msgid=his.msgid(),
            insuplc=setup.case["visit"]["insuplc_admdvs"]))
        return fire(race_world["url"], dispatch([message() for _ in range(SPREAD)]))

    for _ in range(TRIES):
        [data] = register_outpatients(race_world, his, setup, [setup.person])
        before = presettle_everywhere(data)
        problems = [err_msg(result)[:100] for result in before if not ok(result)]
        listed = {fen(result["body"]["output"]["setlinfo"]["fulamt_ownpay_amt"]) for result in before if ok(result)}
        import_item(valid=False)
        try:
            withdrawn = presettle_everywhere(data)
        finally:
            import_item(valid=True)
        restored = presettle_everywhere(data)
        for name, results in (("withdrawn", withdrawn), ("restored", restored)):
            problems += [f"{name}: {err_msg(result)[:100]}" for result in results if not ok(result)]
        seen_withdrawn = {fen(r["body"]["output"]["setlinfo"]["fulamt_ownpay_amt"]) for r in withdrawn if ok(r)}
        seen_restored = {fen(r["body"]["output"]["setlinfo"]["fulamt_ownpay_amt"]) for r in restored if ok(r)}
        if len(listed) != 1 or len(seen_withdrawn) != 1 or seen_withdrawn == listed or seen_restored != listed:
            problems.append(f"full self-pay listed {sorted(listed)}, withdrawn {sorted(seen_withdrawn)}, "
                            f"restored {sorted(seen_restored)} (fen): a worker priced with a stale catalogue")
        tally.record(problems)
    tally.finish()


def test_yibao_check_after_the_races(race_world):
    """Whatever the races did, everything stored still agrees (yibao check exits 0)."""
    completed = subprocess.run([sys.executable, "-m", "yibao.cli", "check", "--db", race_world["db_url"]],
                               capture_output=True, text=True, timeout=300, env=dict(os.environ))
    print(f"\n[race] yibao check {race_world['backend']}: exit {completed.returncode}", flush=True)
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-3000:]
