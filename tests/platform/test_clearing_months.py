"""Month-end clearing on both backends with a fixed clock: a closed month is cleared (through
``yibao clear --now``), confirmed and paid; a late settlement and a late reversal of that month
then clear as a supplementary statement of exactly their difference, so flows equal clearing
again; a re-run before confirmation keeps the superseded version; a settlement and its reversal
make no statement; a prepayment of the next year pays nothing of this year; confirm and pay name
the acting agency; the database refuses changing a statement's figures (migration 0016)."""

from __future__ import annotations

import copy
import datetime as dt
import itertools
import json
from decimal import Decimal

import pytest
from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.exc import DatabaseError
from typer.testing import CliRunner

from yibao.app import actors, clearing, prepayment
from yibao.app.importing import import_file
from yibao.app.platform import Platform
from yibao.cli import app as cli
from yibao.gateway.dispatch import Dispatcher, Settings
from yibao.sim.idnumbers import make_certno
from yibao.store import tables as t
from yibao.store.unit_of_work import SqlUnitOfWork

from ..conftest import VENDORED_GOLDEN
from ..refusals import refused
from .golden_world import write_csv

INSURED, TREATED, OTHER = "371300", "110105", "110108"
PHARMACIES = {TREATED: f"P{TREATED}00001", OTHER: f"P{OTHER}00001"}
INSURED_AGENCY, TREATED_AGENCY = actors.agency(INSURED, "1a2b"), actors.agency(TREATED, "3c4d")
OCTOBER = dt.datetime(2026, 10, 10, 9, 0)
LATE = dt.datetime(2026, 10, 31, 23, 0)  # a settlement of October that reaches the platform late
FIELDS = ("setl_cnt", "medfee_sumamt_fen", "fund_pay_sumamt_fen", "acct_pay_fen", "psn_cash_pay_fen")


class World:
    """Linyi employees buying at Beijing pharmacies, over the gateway, at whatever ``now`` says."""

    def __init__(self, database, work):
        self.database, self.now = database, OCTOBER
        self.dispatcher = Dispatcher(Platform(database, clock=lambda: self.now), Settings(insecure_demo=True))
        self.msgids = itertools.count(1)
        case = json.loads((VENDORED_GOLDEN / "ex3d_unfiled_cross_province.case.json").read_text(encoding="utf-8"))
        policy = copy.deepcopy(case["policy"])
        policy.update(valid_from="2025-01-01", valid_to=None)
        policy["cross_region"]["cross_province"]["unfiled"] = {"mode": "subtract_points", "value": 0.2}
        policy["benefits"].append({"name": "pharmacy", "med_types": ["41"], "accumulator": "pharmacy", "deductible": None,
                                   "bands": [{"upto": None, "ratio": 0.5}], "cap": {"key": "pharmacy", "amount": 30000}})
        (work / "policy.json").write_text(json.dumps(policy, ensure_ascii=False), encoding="utf-8")
        import_file(database, "policy", work / "policy.json", now=OCTOBER)
        hilist = [{"hilist_code": "DRUG", "hilist_name": "DRUG", "insu_admdvs": region, "begndate": "2000-01-01",
                   "chrgitm_lv": "01"} for region in PHARMACIES]
        institutions = [{"fixmedins_code": code, "fixmedins_name": code, "fixmedins_type": "2", "medins_lv": "",
                         "admdvs": region, "secret": "clearing-secret"} for region, code in PHARMACIES.items()]
        persons = [{"psn_no": f"C{i}", "certno": make_certno(INSURED, dt.date(1971, 2, i), i, True), "psn_name": "x",
                    "gend": "1", "brdy": f"1971-02-{i:02d}", "insutype": "310", "psn_type": "1101",
                    "insuplc_admdvs": INSURED, "acct_balance": "500.00"} for i in range(1, 4)]
        for kind, rows in (("hilist", hilist), ("institutions", institutions), ("persons", persons)):
            import_file(database, kind, write_csv(work / f"{kind}.csv", rows), now=OCTOBER)

    def call(self, code: str, infno: str, input_: dict) -> dict:
        message = {"infno": infno, "msgid": f"{code}{next(self.msgids):018d}", "fixmedins_code": code,
                   "mdtrtarea_admvs": code[1:7], "insuplc_admdvs": INSURED, "input": input_}
        body = self.dispatcher.handle(message, {}, 0)
        assert body["infcode"] == 0, body["err_msg"]
        return body["output"]

    def sale(self, region: str, amount: str, person: int = 1, account: bool = True) -> dict:
        info = {"psn_no": f"C{person}", "insutype": "310", "med_type": "41", "acct_used_flag": "1" if account else "0",
                "medfee_sumamt": amount, "begntime": self.now.strftime("%Y-%m-%d %H:%M:%S")}
        detail = [{"feedetl_sn": "1", "med_list_codg": "DRUG", "cnt": "1", "pric": amount, "det_item_fee_sumamt": amount}]
        setl = self.call(PHARMACIES[region], "2102", {"druginfo": info, "drugdetail": detail})["setlinfo"]
        return {"setl_id": setl["setl_id"], "mdtrt_id": setl["mdtrt_id"], "psn_no": f"C{person}", "region": region}

    def reverse(self, sold: dict) -> None:
        self.call(PHARMACIES[sold["region"]], "2103", {"data": {key: sold[key] for key in ("setl_id", "mdtrt_id", "psn_no")}})

    def run(self, actor, action, *, at: dt.datetime):
        with SqlUnitOfWork(self.database, actor, at) as uow:
            return action(uow)

    def figures(self, setl_ids: list[str]) -> dict:
        """What these settlement rows add up to, signed like clearing (a reversal row counts -1)."""
        s = t.settlements
        with self.database.read() as conn:
            rows = conn.execute(select(s).where(s.c.setl_id.in_(setl_ids))).mappings().all()
        return {"setl_cnt": sum(1 if r["kind"] == "settlement" else -1 for r in rows),
                "medfee_sumamt_fen": sum(r["medfee_sumamt_fen"] for r in rows),
                "fund_pay_sumamt_fen": sum(r["fund_pay_sumamt_fen"] for r in rows),
                "acct_pay_fen": sum(r["acct_pay_fen"] + r["acct_mulaid_pay_fen"] for r in rows),
                "psn_cash_pay_fen": sum(r["psn_cash_pay_fen"] for r in rows)}

    def reversal_of(self, setl_id: str) -> str:
        s = t.settlements
        with self.database.read() as conn:
            return conn.execute(select(s.c.setl_id).where(s.c.kind != "settlement", s.c.reverses_setl_id == setl_id)).scalar_one()


def clear_with_cli(database, month: str, now: dt.datetime, *extra: str):
    env = {"YIBAO_NOW": None, "YIBAO_ALLOW_FIXED_NOW": "1", "YIBAO_OPERATOR": None}
    return CliRunner().invoke(cli, ["clear", "--month", month, "--now", now.isoformat(), "--format", "json",
                                    "--operator", "月末清算", "--db", database.url, *extra], env=env)


def flows_equal_clearing(world: World, month: str) -> None:
    with SqlUnitOfWork(world.database, actors.SYSTEM, LATE, write=False) as uow:
        live = clearing.statements(uow, month)
        payments = clearing.cross_region_payments(uow, month)
    stated: dict[tuple, int] = {}
    for row in live:
        pair = (row["insuplc_admdvs"], row["mdtrtarea_admvs"])
        stated[pair] = stated.get(pair, 0) + row["clearing_amount_fen"]
    owed = {pair: p["fund_pay_sumamt_fen"] + p["acct_pay_fen"] for pair, p in payments.items()}
    assert stated == {pair: amount for pair, amount in owed.items() if amount}


def confirm_and_pay(world: World, statement_id: str, at: dt.datetime) -> dict:
    world.run(INSURED_AGENCY, lambda uow: clearing.confirm(uow, statement_id, "insured"), at=at)
    world.run(TREATED_AGENCY, lambda uow: clearing.confirm(uow, statement_id, "treatment"), at=at)
    return world.run(INSURED_AGENCY, lambda uow: clearing.pay(uow, statement_id), at=at)


@pytest.fixture
def world(database, tmp_path):
    return World(database, tmp_path)


def test_late_settlements_after_payment_clear_as_a_supplementary_statement(world):
    october = [world.sale(TREATED, "120.00"), world.sale(TREATED, "80.00", person=2)]
    world.reverse(world.sale(OTHER, "60.00", person=3))  # a settlement and its reversal: no statement
    result = clear_with_cli(world.database, "2026-10", dt.datetime(2026, 10, 20, 9, 0))
    assert result.exit_code == 2 and "CLEARING_MONTH_NOT_ENDED" in result.output
    result = clear_with_cli(world.database, "2026-10", dt.datetime(2026, 11, 2, 8, 0))
    assert result.exit_code == 0, result.output
    [statement] = json.loads(result.stdout)
    assert (statement["mdtrtarea_admvs"], statement["sequence"], statement["provisional"]) == (TREATED, 0, False)
    assert statement["setl_cnt"] == 2
    flows_equal_clearing(world, "2026-10")
    paid = confirm_and_pay(world, statement["statement_id"], dt.datetime(2026, 11, 5, 10, 0))
    assert paid["status"] == "paid"

    world.now = LATE  # a late settlement and a late reversal of an October settlement already paid
    late = world.sale(TREATED, "45.50", person=3)
    world.reverse(october[1])
    late_rows = [late["setl_id"], world.reversal_of(october[1]["setl_id"])]
    result = clear_with_cli(world.database, "2026-10", dt.datetime(2026, 11, 6, 8, 0))
    assert result.exit_code == 0, result.output
    first, supplement = json.loads(result.stdout)
    assert (first["statement_id"], first["status"]) == (statement["statement_id"], "paid")
    assert (supplement["sequence"], supplement["version"], supplement["status"]) == (1, 1, "generated")
    with SqlUnitOfWork(world.database, actors.SYSTEM, LATE, write=False) as uow:
        stored = clearing.get_statement(uow, supplement["statement_id"])
    assert {key: stored[key] for key in FIELDS} == world.figures(late_rows)
    flows_equal_clearing(world, "2026-10")


def test_a_rerun_before_confirmation_keeps_the_superseded_version_and_confirm_pay_name_the_agency(world):
    world.sale(TREATED, "100.00")
    november = dt.datetime(2026, 11, 2, 8, 0)
    [first] = world.run(actors.SYSTEM, lambda uow: clearing.run_clearing(uow, "2026-10"), at=november)
    world.now = LATE
    world.sale(TREATED, "30.00", person=2)
    [second] = world.run(actors.SYSTEM, lambda uow: clearing.run_clearing(uow, "2026-10"), at=november)
    assert (second["version"], second["supersedes"]) == (2, first["statement_id"])
    with SqlUnitOfWork(world.database, actors.SYSTEM, november, write=False) as uow:
        history = clearing.statements(uow, "2026-10", superseded=True)
    assert [(row["statement_id"], row["status"]) for row in history] == [
        (first["statement_id"], "superseded"), (second["statement_id"], "generated")]
    assert {key: history[0][key] for key in FIELDS} == {key: first[key] for key in FIELDS}  # the old figures kept
    with refused("CLEARING_STATEMENT_SUPERSEDED", first["statement_id"]):
        world.run(INSURED_AGENCY, lambda uow: clearing.confirm(uow, first["statement_id"], "insured"), at=november)
    paid = confirm_and_pay(world, second["statement_id"], november)
    with world.database.read() as conn:
        row = conn.execute(select(t.clearing_statements).where(
            t.clearing_statements.c.statement_id == second["statement_id"])).mappings().one()
    assert (row["insured_confirmed_by"], row["treatment_confirmed_by"], row["paid_by"], row["paid_at"]) == (
        "agency:371300/token:1a2b", "agency:110105/token:3c4d", "agency:371300/token:1a2b", november)
    assert paid["paid_in_cash_fen"] == second["clearing_amount_fen"]
    flows_equal_clearing(world, "2026-10")


def test_a_prepayment_of_next_year_never_pays_a_december_statement(world):
    world.now = dt.datetime(2026, 12, 15, 9, 0)
    world.sale(TREATED, "200.00")
    january = dt.datetime(2027, 1, 3, 9, 0)

    def prepay(uow):
        row = prepayment.approve(uow, year=2027, insured=INSURED, prov="110000", amount_fen=1_000_000, kind="annual",
                                 basis_fen=0, months=Decimal(2))
        prepayment.mark_paid(uow, row["prepay_id"])
        return prepayment.mark_received(uow, row["prepay_id"])
    world.run(INSURED_AGENCY, prepay, at=dt.datetime(2026, 12, 28, 9, 0))  # paid early, for 2027
    [december] = world.run(actors.SYSTEM, lambda uow: clearing.run_clearing(uow, "2026-12"), at=january)
    paid = confirm_and_pay(world, december["statement_id"], january)
    assert (paid["drawn_from_prepayment_fen"], paid["paid_in_cash_fen"]) == (0, december["clearing_amount_fen"])
    with SqlUnitOfWork(world.database, actors.SYSTEM, january, write=False) as uow:
        usage = {row["insured_admdvs"]: row for row in prepayment.usage(uow, 2027)}
        assert prepayment.available(uow, INSURED, "110000", 2026) == 0
    assert usage[INSURED]["available"] == Decimal("10000.00")


def test_the_database_refuses_changing_figures_deleting_or_a_second_open_statement(world):
    world.sale(TREATED, "100.00")
    [row] = world.run(actors.SYSTEM, lambda uow: clearing.run_clearing(uow, "2026-10"),
                      at=dt.datetime(2026, 11, 2, 8, 0))
    cs = t.clearing_statements
    changes = [update(cs).where(cs.c.statement_id == row["statement_id"]).values(clearing_amount_fen=1),
               delete(cs).where(cs.c.statement_id == row["statement_id"]),
               insert(cs).values({**{key: row[key] for key in row if key != "statement_id"},
                                  "statement_id": "CS-SECOND", "version": 2})]
    for change in changes:
        with pytest.raises(DatabaseError):
            with world.database.write() as conn:
                conn.execute(change)
    with world.database.read() as conn:
        assert conn.execute(select(func.count()).select_from(cs)).scalar_one() == 1
        assert conn.execute(select(cs.c.clearing_amount_fen)).scalar_one() == row["clearing_amount_fen"]
