"""Races on the agency's write paths that move money or state outside the counter, fired at the
real server (3 worker processes) on SQLite and PostgreSQL, in the manner of ``test_races.py``:
threads wait at a barrier, then send their requests at the same moment on new connections; after
each try an invariant is checked on the stored rows (never a timing).

1. one reviewed manual claim paid by six requests at once: paid once, one ledger payment;
2. a claim's payment racing its rejection: paid or rejected, never both, never neither;
3. an e-voucher suspended (then resumed) by six requests at once: one state row each time, the
   chain 1, 2, … without a gap and alternating;
4. an institution's agreement terminated by four requests at once: one termination record;
and finally ``yibao check`` on what the races left.

Each of these is backed by a database constraint as well as by the lock the use case takes
(docs/locking.md): the race shows the answer is a clean refusal, not an internal error.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys

import httpx
import pytest
from sqlalchemy import func, select

from yibao.app.actors import SYSTEM
from yibao.app.agencies import add_agency
from yibao.app.importing import import_file
from yibao.store import tables as t
from yibao.store.database import Database
from yibao.store.migrate import upgrade
from yibao.store.repositories.ledger import balances as ledger_balances
from yibao.store.unit_of_work import SqlUnitOfWork

from ..server import Server
from .conftest import new_database_url
from .golden_world import write_csv
from .test_claims_store import INSURED, TREATED, load_world
from .test_races import TRIES, Tally, err_msg, fire, unique

pytestmark = pytest.mark.races

WORKERS = 3
PAYERS = 6
SECOND_HOSPITAL = "H11010500002"
TODAY = dt.date.today()


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def world(request, tmp_path_factory):
    url = new_database_url(request.param, request, tmp_path_factory)
    database = Database(url)
    upgrade(database)
    work = tmp_path_factory.mktemp("races-records")
    load_world(database, work, valid_from=f"{TODAY.year - 1}-01-01")
    second = [{"fixmedins_code": SECOND_HOSPITAL, "fixmedins_name": "北京朝阳第二医院", "fixmedins_type": "1",
               "medins_lv": "2", "admdvs": TREATED, "secret": "beijing-secret-2"}]
    import_file(database, "institutions", write_csv(work / "institutions-2.csv", second), now=dt.datetime.now())
    with SqlUnitOfWork(database, SYSTEM, dt.datetime.now()) as uow:
        insured = add_agency(uow, INSURED, "临沂市医疗保障事务中心")
        treatment = add_agency(uow, TREATED, "北京市朝阳区医疗保障事务中心")
    server = Server(url, workers=WORKERS, log_path=work / "server.log").start()
    client = httpx.Client(base_url=server.url, timeout=60)
    yield {"backend": request.param, "url": server.url, "db_url": url, "database": database, "http": client,
           "insured": {"authorization": f"Bearer {INSURED}:{insured}"},
           "treatment": {"authorization": f"Bearer {TREATED}:{treatment}"}}
    client.close()
    server.stop()
    database.dispose()


def admin(world, method: str, path: str, body=None, *, as_: str = "insured") -> tuple[int, dict]:
    response = world["http"].request(method, "/admin/api" + path, json=body, headers=world[as_])
    return response.status_code, response.json()


def post_all(world, path: str, body: dict | None, count: int, *, as_: str = "insured") -> list[dict]:
    payload = None if body is None else json.dumps(body, ensure_ascii=False).encode()
    headers = dict(world[as_], **{"content-type": "application/json"})
    return fire(world["url"], [("POST", "/admin/api" + path, payload, headers)] * count)


def reviewed_claim(world, psn_no: str) -> dict:
    """A claim of a 2,000-yuan outpatient-like bill of ten days ago, every line approved."""
    day = (TODAY - dt.timedelta(days=10)).isoformat()
    status, claim = admin(world, "POST", "/claims", {
        "psn_no": psn_no, "insutype": "310", "fixmedins_code": "H11010500001", "med_type": "21",
        "begndate": day, "enddate": day, "dise_codg": "I21.900", "invoice_no": unique("FP-", 10), "reason": "outage",
        "lines": [{"med_list_codg": "YI-DRUG", "cnt": "1", "pric": "1500"}, {"med_list_codg": "JIA", "cnt": "1", "pric": "500"}]})
    assert status == 201, claim
    decisions = [{"line_no": line["line_no"], "decision": "approve"} for line in claim["lines"]]
    status, reviewed = admin(world, "POST", f"/claims/{claim['claim_id']}/review", {"decisions": decisions})
    assert status == 200, reviewed
    return reviewed


def claim_rows(world, claim_id: str) -> tuple[str, list[dict]]:
    with world["database"].read() as conn:
        status = conn.execute(select(t.claims.c.status).where(t.claims.c.claim_id == claim_id)).scalar_one()
        payments = [dict(row._mapping) for row in conn.execute(
            select(t.claim_payments.c.kind, t.claim_payments.c.fund_pay_sumamt_fen)
            .where(t.claim_payments.c.claim_id == claim_id))]
    return status, payments


def claimant_fen(world, psn_no: str) -> int:
    with world["database"].read() as conn:
        return ledger_balances(conn, f"claimant:{psn_no}").get(f"claimant:{psn_no}", 0)


def answered(results: list[dict], status: int) -> int:
    return sum(1 for result in results if result.get("status") == status)


def unclean(results: list[dict], allowed: set[int]) -> list[str]:
    """Answers that are neither success nor a clean business refusal (4xx in ``allowed``)."""
    return [f"HTTP {result.get('status')}: {err_msg(result)[:160] if 'error' in result else str(result.get('body'))[:160]}"
            for result in results if result.get("status") not in allowed]


# --- 1. one claim paid at once by six requests ------------------------------------------------------

def test_concurrent_payments_of_one_claim_pay_it_once(world):
    tally = Tally("claim_payments", world["backend"])
    for _ in range(TRIES):
        problems: list[str] = []
        claim = reviewed_claim(world, "LY0002")
        before = claimant_fen(world, "LY0002")
        results = post_all(world, f"/claims/{claim['claim_id']}/pay", None, PAYERS)
        problems += unclean(results, {200, 409})
        if answered(results, 200) != 1:
            problems.append(f"{answered(results, 200)} payments answered 200")
        status, payments = claim_rows(world, claim["claim_id"])
        if status != "paid" or len(payments) != 1:
            problems.append(f"claim {status} with {len(payments)} payment rows")
        moved = before - claimant_fen(world, "LY0002")
        if payments and moved != payments[0]["fund_pay_sumamt_fen"]:
            problems.append(f"the ledger paid the person {moved} fen for a payment of {payments[0]['fund_pay_sumamt_fen']}")
        tally.notes["refused"] += answered(results, 409)
        tally.record(problems)
    tally.finish()


# --- 2. payment racing rejection -----------------------------------------------------------------------

def test_a_claims_payment_racing_its_rejection_ends_in_one_state(world):
    tally = Tally("claim_pay_vs_reject", world["backend"])
    for _ in range(TRIES):
        problems: list[str] = []
        claim = reviewed_claim(world, "LY0003")
        path = f"/admin/api/claims/{claim['claim_id']}"
        headers = dict(world["insured"], **{"content-type": "application/json"})
        reject = json.dumps({"reason": "发票存疑"}, ensure_ascii=False).encode()
        results = fire(world["url"], [("POST", path + "/pay", None, headers), ("POST", path + "/reject", reject, headers)] * 3)
        problems += unclean(results, {200, 409})
        status, payments = claim_rows(world, claim["claim_id"])
        if (status, len(payments)) not in (("paid", 1), ("rejected", 0)):
            problems.append(f"claim {status} with {len(payments)} payment rows")
        if answered(results, 200) != 1:
            problems.append(f"{answered(results, 200)} of pay/reject answered 200")
        tally.notes[status] += 1
        tally.record(problems)
    tally.finish()


# --- 3. an e-voucher's state changed at once by six requests -----------------------------------------------

def voucher_chain(world, psn_no: str) -> list[tuple[int, str]]:
    with world["database"].read() as conn:
        voucher = conn.execute(select(t.evouchers.c.voucher_id).where(t.evouchers.c.psn_no == psn_no)).scalar_one()
        return [tuple(row) for row in conn.execute(
            select(t.evoucher_states.c.seq, t.evoucher_states.c.state)
            .where(t.evoucher_states.c.voucher_id == voucher).order_by(t.evoucher_states.c.seq))]


def test_concurrent_evoucher_activation_and_state_changes(world):
    tally = Tally("evoucher_states", world["backend"])
    activations = post_all(world, "/evouchers/LY0001", None, PAYERS)
    activation_problems = unclean(activations, {201, 409})
    with world["database"].read() as conn:
        vouchers = conn.execute(select(func.count()).select_from(t.evouchers)
                                .where(t.evouchers.c.psn_no == "LY0001")).scalar_one()
    if answered(activations, 201) != 1 or vouchers != 1:
        activation_problems.append(f"{answered(activations, 201)} activations answered 201, {vouchers} vouchers stored")
    tally.record(activation_problems)
    for _ in range(TRIES):
        problems: list[str] = []
        for action in ("suspend", "resume"):
            before = voucher_chain(world, "LY0001")
            results = post_all(world, f"/evouchers/LY0001/{action}", {"reason": "挂失/解挂"}, PAYERS)
            problems += unclean(results, {200, 409})
            after = voucher_chain(world, "LY0001")
            if answered(results, 200) != 1 or len(after) != len(before) + 1:
                problems.append(f"{action}: {answered(results, 200)} answered 200, {len(after) - len(before)} rows added")
        chain = voucher_chain(world, "LY0001")
        if [seq for seq, _ in chain] != list(range(1, len(chain) + 1)):
            problems.append(f"the chain's numbers have a gap: {[seq for seq, _ in chain]}")
        if any(first == second for (_, first), (_, second) in zip(chain, chain[1:])):
            problems.append(f"the same state twice in a row: {[state for _, state in chain]}")
        tally.record(problems)
    tally.finish()


# --- 4. an agreement terminated at once by four requests -------------------------------------------------

def test_concurrent_terminations_of_one_agreement_record_one(world):
    status, history = admin(world, "GET", f"/institutions/{SECOND_HOSPITAL}/agreements", as_="treatment")
    assert status == 200, history
    agreement_id = next(step["agreement_id"] for step in history if step["step"] == "sign")
    results = post_all(world, f"/agreements/{agreement_id}/terminate",
                       {"begndate": (TODAY + dt.timedelta(days=30)).isoformat(), "reason": "违规，解除协议"}, 4,
                       as_="treatment")
    problems = unclean(results, {200, 422})  # the losers: AGREEMENT_TERMINATED, a business refusal
    with world["database"].read() as conn:
        terminations = conn.execute(select(func.count()).select_from(t.agreement_records).where(
            t.agreement_records.c.agreement_id == agreement_id, t.agreement_records.c.step == "terminate")).scalar_one()
    if answered(results, 200) != 1 or terminations != 1:
        problems.append(f"{answered(results, 200)} terminations answered 200, {terminations} stored")
    tally = Tally("agreement_terminations", world["backend"])
    tally.record(problems)
    tally.finish()


def test_yibao_check_after_the_record_races(world):
    completed = subprocess.run([sys.executable, "-m", "yibao.cli", "check", "--db", world["db_url"]],
                               capture_output=True, text=True, timeout=300, env=dict(os.environ))
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-3000:]
