"""Manual claims on both backends: the money a paid claim moves (accumulators, ledger), that
clearing never picks it up, that ``yibao check`` agrees, the statistics, and the constraints of
migration 0012 refusing what the use cases refuse (a duplicate invoice, an approval above the
bill, a second payment, an edited payment)."""

from __future__ import annotations

import copy
import datetime as dt
import json
from decimal import Decimal

import pytest
from sqlalchemy import insert, select, update
from sqlalchemy.exc import DatabaseError, IntegrityError

from yibao.app import actors, claims, clearing, statistics
from yibao.app.consistency import find_problems
from yibao.app.errors import GatewayError
from yibao.app.importing import import_file
from yibao.app.platform import Platform
from yibao.domain.claims import ClaimRefused
from yibao.sim.idnumbers import make_certno
from yibao.store import repository as repo
from yibao.store import tables as t
from yibao.store.unit_of_work import SqlUnitOfWork

from ..conftest import VENDORED_GOLDEN
from .golden_world import write_csv

INSURED, TREATED, HOSPITAL = "371300", "110105", "H11010500001"
NOW = dt.datetime(2026, 12, 1, 9, 0)
AGENCY = actors.agency(INSURED, "0badc0de")


def load_world(database, work, valid_from: str = "2025-01-01") -> None:
    """Linyi's employee policy of domain-rules Example 3 (unfiled visits rejected at the counter),
    Beijing 朝阳's catalogue and one tertiary hospital there, three Linyi employees; the
    institutions and persons are also left in ``work`` as JSON for the HIS simulator."""
    case = json.loads((VENDORED_GOLDEN / "ex3d_unfiled_cross_province.case.json").read_text(encoding="utf-8"))
    policy = copy.deepcopy(case["policy"])
    policy.update(valid_from=valid_from, valid_to=None)
    (work / "policy.json").write_text(json.dumps(policy, ensure_ascii=False), encoding="utf-8")
    import_file(database, "policy", work / "policy.json", now=NOW)
    hilist = [{"hilist_code": e["code"], "hilist_name": e["name"], "insu_admdvs": TREATED, "begndate": "2000-01-01",
               "chrgitm_lv": e["chrgitm_lv"]} for e in case["catalog"]]
    lmtpric = [{"hilist_code": e["code"], "insu_admdvs": TREATED, "begndate": "2000-01-01",
                "hilist_pric_uplmt_amt": e["pric_uplmt_amt"]} for e in case["catalog"] if e.get("pric_uplmt_amt")]
    selfpay = [{"hilist_code": e["code"], "insu_admdvs": TREATED, "begndate": "2000-01-01",
                "selfpay_prop": e["selfpay_prop"]} for e in case["catalog"] if e.get("selfpay_prop")]
    institutions = [{"fixmedins_code": HOSPITAL, "fixmedins_name": "北京朝阳医院", "fixmedins_type": "1", "medins_lv": "3",
                     "admdvs": TREATED, "secret": "beijing-secret-1"}]
    persons = [{"psn_no": f"LY{i:04d}", "certno": make_certno(INSURED, dt.date(1980, 1, 1 + i), i, True),
                "psn_name": f"参保人{i}", "gend": "1", "brdy": f"1980-01-{1 + i:02d}", "insutype": "310",
                "psn_type": "1101", "insuplc_admdvs": INSURED, "acct_balance": "100", "card_no": f"K{i:05d}"}
               for i in range(1, 4)]
    for kind, rows in (("hilist", hilist), ("lmtpric", lmtpric), ("selfpay", selfpay),
                       ("institutions", institutions), ("persons", persons)):
        import_file(database, kind, write_csv(work / f"{kind}.csv", rows), now=NOW)
    for name, rows in (("institutions", institutions), ("persons", persons)):
        (work / f"{name}.json").write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")


def form(psn_no="LY0001", invoice_no="FP-0001", **changes) -> claims.ClaimForm:
    lines = tuple({"med_list_codg": code, "cnt": Decimal(1), "pric": Decimal(amount)}
                  for code, amount in (("JIA", "25000"), ("YI-DRUG", "15000"), ("YI-CONS", "6000"), ("BING", "4000")))
    fields = dict(psn_no=psn_no, insutype="310", med_type="21", begndate=dt.date(2026, 11, 1), enddate=dt.date(2026, 11, 11),
                  invoice_no=invoice_no, reason="not_filed", fixmedins_code=HOSPITAL, lines=lines)
    fields.update(changes)
    return claims.ClaimForm(**fields)


@pytest.fixture
def world(database, tmp_path):
    load_world(database, tmp_path)
    platform = Platform(database)

    def run(action, *, now=NOW, write=True):
        with SqlUnitOfWork(database, AGENCY, now, write=write) as uow:
            return action(uow)
    return database, platform, run


def paid_claim(world, psn_no="LY0001", invoice_no="FP-0001") -> dict:
    _, platform, run = world
    view = run(lambda uow: claims.submit_claim(uow, form(psn_no, invoice_no)))
    decisions = [{"line_no": n, "decision": "approve"} for n in (1, 2, 3)] + [
        {"line_no": 4, "decision": "reject", "reason": "丙类不予报销"}]
    run(lambda uow: claims.review_claim(uow, platform, view["claim_id"], decisions))
    return run(lambda uow: claims.pay_claim(uow, platform, view["claim_id"]), now=NOW + dt.timedelta(hours=1))


def test_a_paid_claim_moves_accumulators_and_ledger_but_not_clearing(world):
    database, _, run = world
    paid = paid_claim(world)
    payment = paid["payments"][0]
    assert (paid["status"], payment["hifp_pay"], payment["psn_cash_pay"], payment["acct_pay"]) == (
        "paid", Decimal("25020.00"), Decimal("24980.00"), Decimal("0.00"))
    with database.read() as conn:
        ytd = repo.year_to_date(conn, "LY0001", "310", 2026)
        assert repo.account_balance(conn, "LY0001") == Decimal("100.00")  # the account is not used
    assert (ytd.visits, ytd.inscp, ytd.fund_paid) == ({"inpatient": 1}, {"inpatient": Decimal("42500.00")},
                                                      {"basic": Decimal("25020.00")})
    balances = run(lambda uow: uow.ledger.balances(""), write=False)
    assert {k: v for k, v in balances.items() if not k.startswith("acct_funding") and not k.startswith("psn_acct")} == {
        f"fund:{INSURED}:310100": 2_502_000, "claimant:LY0001": -2_502_000}
    statements = run(lambda uow: clearing.run_clearing(uow, "2026-12"), now=NOW + dt.timedelta(days=40))
    assert statements == []  # the insured place paid the person: nothing to clear between regions
    assert run(find_problems, write=False) == []


def test_a_correction_restores_everything_and_check_still_agrees(world):
    database, _, run = world
    paid = paid_claim(world)
    reversed_ = run(lambda uow: claims.reverse_payment(uow, paid["claim_id"], "重复报销"))
    assert [p["kind"] for p in reversed_["payments"]] == ["payment", "reversal"]
    with database.read() as conn:
        ytd = repo.year_to_date(conn, "LY0001", "310", 2026)
    assert all(value == 0 for values in ytd.as_dict().values() for value in values.values())
    assert run(find_problems, write=False) == []
    again = run(lambda uow: claims.submit_claim(uow, form()))  # a reversed claim frees its invoice
    assert again["status"] == "submitted"


def test_the_direct_settlement_rate_has_paid_claims_in_its_denominator(world):
    _, _, run = world
    paid_claim(world)
    paid_claim(world, "LY0002", "FP-0002")
    def december(uow, begin=dt.date(2026, 12, 1), end=dt.date(2026, 12, 31)):
        return statistics.settlements(uow, agency_code=INSURED, begin=begin, end=end)["rows"]

    rows = run(december, write=False)
    assert [(r["insuplc_admdvs"], r["mdtrtarea_admvs"], r["setl_cnt"], r["manual_cnt"], r["direct_rate"],
             r["fund_ratio"], r["dianzi_avoided_amt"], r["manual_reimbursed"]) for r in rows] == [
        (INSURED, TREATED, 0, 2, Decimal("0.0000"), None, Decimal("0.00"), Decimal("50040.00"))]
    assert run(lambda uow: december(uow, dt.date(2026, 11, 1), dt.date(2026, 11, 30)), write=False) == []
    listed = run(lambda uow: claims.list_claims(uow, regions=["3713"], status="paid"), write=False)
    assert sorted(row["psn_no"] for row in listed) == ["LY0001", "LY0002"]
    assert run(lambda uow: claims.list_claims(uow, regions=["44"]), write=False) == []


def test_the_database_refuses_what_the_use_cases_refuse(world):
    database, platform, run = world
    paid = paid_claim(world)
    with pytest.raises(GatewayError) as refused:
        run(lambda uow: claims.submit_claim(uow, form()))
    assert refused.value.code == "CLAIM_DUPLICATE_INVOICE"
    row = run(lambda uow: uow.claims.claim(paid["claim_id"]), write=False)
    # a second live claim of the invoice, written past the use case's check: the partial unique index refuses it
    with pytest.raises(ClaimRefused) as duplicate:
        run(lambda uow: uow.claims.add_claim(dict(row, claim_id="CL-TWIN"), []))
    assert duplicate.value.code == "CLAIM_DUPLICATE"
    with database.write() as conn, pytest.raises(IntegrityError):
        conn.execute(insert(t.claim_decisions).values(
            claim_id=paid["claim_id"], review_round=9, line_no=1, decision="reduce", approved_amt_fen=2_500_001,
            billed_amt_fen=2_500_000, reason="x", decided_by="agency:371300", decided_at=NOW))
    payment = paid["payments"][0]
    with database.write() as conn, pytest.raises(IntegrityError):
        conn.execute(insert(t.claim_payments).values(
            **{c.name: v for c, v in zip(t.claim_payments.c, _payment_values(conn, payment["payment_id"]))},
        ).values(payment_id="CP-TWICE"))
    with database.write() as conn, pytest.raises(DatabaseError, match="append-only"):
        conn.execute(update(t.claim_payments).where(t.claim_payments.c.payment_id == payment["payment_id"])
                     .values(hifp_pay_fen=0))


def _payment_values(conn, payment_id: str) -> tuple:
    return tuple(conn.execute(select(t.claim_payments).where(t.claim_payments.c.payment_id == payment_id)).one())
