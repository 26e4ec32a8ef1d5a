"""A model test of the fund flows (hypothesis stateful): random sequences of settlements,
reversals, prepayments, clearing runs and statement payments, over the real use cases and an
in-process gateway, keep the ledger zero-sum, keep every fund's balance equal to the sum of
its settlements, and clear every settled fen exactly once."""

from __future__ import annotations

import copy
import datetime as dt
import itertools
import json
import tempfile
from decimal import Decimal
from pathlib import Path

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule
from sqlalchemy import func, select

from yibao.app import clearing, prepayment
from yibao.app.actors import SYSTEM
from yibao.gateway.dispatch import Dispatcher, Settings
from yibao.app.importing import import_file
from yibao.store.repositories.ledger import balances, check_ledger
from yibao.app.platform import Platform
from yibao.sim.idnumbers import make_certno
from yibao.store import tables as t
from yibao.store.database import Database
from yibao.store.unit_of_work import SqlUnitOfWork

from ..conftest import VENDORED_GOLDEN
from .golden_world import write_csv

INSURED, TREATED = "371300", "110105"
PHARMACIES = {INSURED: f"P{INSURED}00001", TREATED: f"P{TREATED}00001"}


class FundFlows(RuleBasedStateMachine):
    @initialize()
    def world(self):
        self.tmp = tempfile.TemporaryDirectory()
        work = Path(self.tmp.name)
        self.database = Database(f"sqlite:///{work}/model.db")
        t.metadata.create_all(self.database.engine)
        self.now = dt.datetime(2026, 1, 10, 9, 0, 0)
        self.platform = Platform(self.database, clock=lambda: self.now)
        self.dispatcher = Dispatcher(self.platform, Settings(insecure_demo=True))
        case = json.loads((VENDORED_GOLDEN / "ex3d_unfiled_cross_province.case.json").read_text(encoding="utf-8"))
        policy = copy.deepcopy(case["policy"])
        policy.update(valid_from="2025-01-01", valid_to=None)
        policy["cross_region"]["cross_province"]["unfiled"] = {"mode": "subtract_points", "value": 0.2}
        policy["benefits"].append({"name": "pharmacy", "med_types": ["41"], "accumulator": "pharmacy", "deductible": None,
                                   "bands": [{"upto": None, "ratio": 0.5}], "cap": {"key": "pharmacy", "amount": 3000}})
        (work / "policy.json").write_text(json.dumps(policy, ensure_ascii=False), encoding="utf-8")
        now = self.now
        import_file(self.database, "policy", work / "policy.json", now=now)
        hilist = [{"hilist_code": code, "hilist_name": code, "insu_admdvs": region, "begndate": "2000-01-01",
                   "chrgitm_lv": level} for region in PHARMACIES for code, level in (("DRUG", "01"), ("OWN", "03"))]
        institutions = [{"fixmedins_code": code, "fixmedins_name": code, "fixmedins_type": "2", "medins_lv": "",
                         "admdvs": region, "secret": "model-secret"} for region, code in PHARMACIES.items()]
        persons = [{"psn_no": f"M{i}", "certno": make_certno(INSURED, dt.date(1970, 1, i + 1), i, True), "psn_name": "x",
                    "gend": "1", "brdy": f"1970-01-{i + 1:02d}", "insutype": "310", "psn_type": "1101",
                    "insuplc_admdvs": INSURED, "acct_balance": "500.00"} for i in range(1, 4)]
        for kind, rows in (("hilist", hilist), ("institutions", institutions), ("persons", persons)):
            import_file(self.database, kind, write_csv(work / f"{kind}.csv", rows), now=now)
        self.msgids = itertools.count(1)
        self.settlements: list[dict] = []
        self.cleared_months: set[str] = set()

    def teardown(self):
        self.database.dispose()
        self.tmp.cleanup()

    def call(self, code: str, infno: str, input_: dict) -> dict:
        message = {"infno": infno, "msgid": f"{code}{next(self.msgids):018d}", "fixmedins_code": code,
                   "mdtrtarea_admvs": code[1:7], "insuplc_admdvs": INSURED, "input": input_}
        return self.dispatcher.handle(message, {}, 0)

    @rule(region=st.sampled_from([INSURED, TREATED]), person=st.integers(1, 3),
          drug=st.integers(1, 400_00), own=st.integers(0, 50_00), account=st.booleans())
    def sale(self, region, person, drug, own, account):
        lines = [("1", "DRUG", Decimal(drug) / 100), ("2", "OWN", Decimal(own) / 100)]
        detail = [{"feedetl_sn": sn, "med_list_codg": code, "cnt": "1", "pric": f"{amount}", "det_item_fee_sumamt": f"{amount}"}
                  for sn, code, amount in lines if amount]
        info = {"psn_no": f"M{person}", "insutype": "310", "med_type": "41", "acct_used_flag": "1" if account else "0",
                "medfee_sumamt": f"{sum(a for *_, a in lines)}", "begntime": self.now.strftime("%Y-%m-%d %H:%M:%S")}
        body = self.call(PHARMACIES[region], "2102", {"druginfo": info, "drugdetail": detail})
        assert body["infcode"] == 0, body["err_msg"]
        self.settlements.append({"setl_id": body["output"]["setlinfo"]["setl_id"], "mdtrt_id": body["output"]["setlinfo"]["mdtrt_id"],
                                 "psn_no": f"M{person}", "code": PHARMACIES[region], "reversed": False})

    @rule(data=st.data())
    def reverse(self, data):
        open_ = [s for s in self.settlements if not s["reversed"]]
        if not open_:
            return
        target = data.draw(st.sampled_from(open_))
        body = self.call(target["code"], "2103", {"data": {"setl_id": target["setl_id"], "mdtrt_id": target["mdtrt_id"],
                                                           "psn_no": target["psn_no"]}})
        assert body["infcode"] == 0, body["err_msg"]
        target["reversed"] = True

    @rule(amount=st.integers(1, 2000_00))
    def prepay(self, amount):
        with SqlUnitOfWork(self.database, SYSTEM, self.now) as uow:
            row = prepayment.approve(uow, year=self.now.year, insured=INSURED, prov="110000", amount_fen=amount,
                                     kind="top_up", basis_fen=0, months=Decimal(0))
            prepayment.mark_paid(uow, row["prepay_id"])
            prepayment.mark_received(uow, row["prepay_id"])

    @rule()
    def next_month(self):
        self.now = (self.now.replace(day=1) + dt.timedelta(days=32)).replace(day=10)

    @rule(back=st.integers(0, 2))
    def clear(self, back):
        month_start = self.now.replace(day=1)
        for _ in range(back):
            month_start = (month_start - dt.timedelta(days=1)).replace(day=1)
        month = month_start.strftime("%Y-%m")
        # the current month only provisionally (its statements cannot be confirmed); an ended
        # month for good, with supplementary statements for what arrived after a payment
        with SqlUnitOfWork(self.database, SYSTEM, self.now) as uow:
            statements = clearing.run_clearing(uow, month, provisional=back == 0)
        if month < self.now.strftime("%Y-%m"):
            self.cleared_months.add(month)
        with SqlUnitOfWork(self.database, SYSTEM, self.now) as uow:
            for statement in statements:
                if statement["status"] == "generated" and month < self.now.strftime("%Y-%m"):
                    clearing.confirm(uow, statement["statement_id"], "insured")
                    clearing.confirm(uow, statement["statement_id"], "treatment")
                    clearing.pay(uow, statement["statement_id"])

    @invariant()
    def ledger_is_zero_sum(self):
        if hasattr(self, "database"):
            with self.database.read() as conn:
                assert check_ledger(conn) == []

    @invariant()
    def funds_equal_their_settlements(self):
        if not hasattr(self, "database"):
            return
        with self.database.read() as conn:
            ledger_funds = sum(balances(conn, f"fund:{INSURED}:").values())
            settled = conn.execute(select(func.coalesce(func.sum(t.settlements.c.fund_pay_sumamt_fen), 0))).scalar()
            accounts = sum(balances(conn, "psn_acct:").values())
            movements = conn.execute(select(func.coalesce(func.sum(t.account_entries.c.amount_fen), 0))).scalar()
        assert ledger_funds == settled
        assert -accounts == movements

    @invariant()
    def every_cross_region_fen_cleared_once(self):
        if not hasattr(self, "database"):
            return
        s, ci, cs = t.settlements, t.clearing_items, t.clearing_statements
        with self.database.read() as conn:
            for month in self.cleared_months:
                start = dt.datetime.strptime(month, "%Y-%m")
                end = (start + dt.timedelta(days=32)).replace(day=1)
                owed = conn.execute(select(func.coalesce(func.sum(s.c.fund_pay_sumamt_fen + s.c.acct_pay_fen + s.c.acct_mulaid_pay_fen), 0))
                                    .where(s.c.setl_time >= start, s.c.setl_time < end, s.c.insuplc_admdvs != s.c.mdtrtarea_admvs)).scalar()
                stated = conn.execute(select(func.coalesce(func.sum(cs.c.clearing_amount_fen), 0))
                                      .where(cs.c.month == month, cs.c.status != "superseded")).scalar()
                assert owed == stated, month
            items = conn.execute(select(ci.c.setl_id, s.c.setl_time).join(s, s.c.setl_id == ci.c.setl_id)).all()
            months = conn.execute(select(ci.c.setl_id, ci.c.month)).all()
        assert len({setl_id for setl_id, _ in items}) == len(items)
        by_id = dict(months)
        for setl_id, when in items:
            assert by_id[setl_id] == when.strftime("%Y-%m")  # each settlement cleared in its own month
            assert by_id[setl_id] <= self.now.strftime("%Y-%m")


FundFlows.TestCase.settings = settings(max_examples=12, stateful_step_count=20, deadline=None,
                                       suppress_health_check=[HealthCheck.too_slow])
TestFundFlows = FundFlows.TestCase
