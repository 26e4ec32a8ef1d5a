"""app/statistics.py over ``uow.statistics`` on SQLite and PostgreSQL, against one small fixed
dataset written through the repositories and the supervision use cases. Each figure's value is
worked out by hand in the test's docstring, from the definitions in app/statistics.py.

Regions: 广东 440000; 汕尾 441500 and its district 城区 441502; 深圳 440300; 北京朝阳 110105;
上海 310101; 济南 370100; 重庆 500000. Institutions: HSW1 (441500), HSW2 (441502), HSZ1
(440300), HBJ1 (110105). The current range is 2026-01-01..2026-11-30, a year earlier
2025-01-01..2025-11-30.

Settlements (fees / funds / accounts in yuan):

    S1  441502→440300 HSZ1 21  2026-03-05  10000.00 / 7000.00 / 300.00 + mutual aid 200.00
    S2  441502→440300 HSZ1 21  2026-04-10   2000.00 / 1200.00, reversed 2026-04-11 (R2, −)
    S3  440300→441500 HSW1 11  2026-05-01    500.00 /  300.00 / 100.00
    S4  441500→441500 HSW1 11  2026-06-01    200.00 /  120.00 /  50.00
    S5  441500→110105 HBJ1 21  2026-07-01    966.11 /  690.40 (seed 001's fee and fund sums)
    S6  441502→440300 HSZ1 21  2025-03-05   1000.00 /  600.00          (a year earlier)
    S8  441502→440300 HSZ1 21  2025-12-30    100.00 /   60.00, reversed 2026-01-02 (R8, −)
    S9  441502→440300 HSZ1 21  2026-09-09   3000.00 / 2100.00
    S7  441502→440300 HSZ1 21  2026-12-05    (after the range)

Manual claims paid: M1 441502→440300 HSZ1 21 on 2026-05-20, funds 500.00; M2 441500→110105
HBJ1 21 paid 2026-08-01 (200.00) and corrected 2026-08-03 (net 0).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import BigInteger, Boolean, Date, DateTime, Integer, insert

from yibao.app import actors, credit, statistics, supervision
from yibao.app.errors import GatewayError
from yibao.store import tables as t
from yibao.store.unit_of_work import SqlUnitOfWork

NOW = dt.datetime(2026, 12, 1, 9, 0)
BEGIN, END = dt.date(2026, 1, 1), dt.date(2026, 11, 30)
D = Decimal


def filled(table, **values) -> dict:
    """A row of the table: the given values, and a neutral value in every other required column."""
    row = dict(values)
    for column in table.columns:
        if column.name in row or column.nullable or column.default is not None or column.server_default is not None \
                or (column.primary_key and column.autoincrement is True):
            continue
        kind = column.type
        row[column.name] = (0 if isinstance(kind, (Integer, BigInteger)) else NOW if isinstance(kind, DateTime)
                            else NOW.date() if isinstance(kind, Date) else False if isinstance(kind, Boolean) else "")
    return row


def fen(yuan: str) -> int:
    return int(D(yuan) * 100)


SETTLEMENTS = [  # id, insured, treated, institution, med_type, time, fees, funds, account, mutual aid, reverses
    ("S1", "441502", "440300", "HSZ1", "21", dt.datetime(2026, 3, 5), "10000.00", "7000.00", "300.00", "200.00", None),
    ("S2", "441502", "440300", "HSZ1", "21", dt.datetime(2026, 4, 10), "2000.00", "1200.00", "0", "0", None),
    ("R2", "441502", "440300", "HSZ1", "21", dt.datetime(2026, 4, 11), "-2000.00", "-1200.00", "0", "0", "S2"),
    ("S3", "440300", "441500", "HSW1", "11", dt.datetime(2026, 5, 1), "500.00", "300.00", "100.00", "0", None),
    ("S4", "441500", "441500", "HSW1", "11", dt.datetime(2026, 6, 1), "200.00", "120.00", "50.00", "0", None),
    ("S5", "441500", "110105", "HBJ1", "21", dt.datetime(2026, 7, 1), "966.11", "690.40", "0", "0", None),
    ("S6", "441502", "440300", "HSZ1", "21", dt.datetime(2025, 3, 5), "1000.00", "600.00", "0", "0", None),
    ("S8", "441502", "440300", "HSZ1", "21", dt.datetime(2025, 12, 30), "100.00", "60.00", "0", "0", None),
    ("R8", "441502", "440300", "HSZ1", "21", dt.datetime(2026, 1, 2), "-100.00", "-60.00", "0", "0", "S8"),
    ("S9", "441502", "440300", "HSZ1", "21", dt.datetime(2026, 9, 9), "3000.00", "2100.00", "0", "0", None),
    ("S7", "441502", "440300", "HSZ1", "21", dt.datetime(2026, 12, 5), "50.00", "30.00", "0", "0", None),
]
PAYMENTS = [  # id, claim, insured, treated, institution, paid at, funds, reverses
    ("M1", "C1", "441502", "440300", "HSZ1", dt.datetime(2026, 5, 20), "500.00", None),
    ("M2", "C2", "441500", "110105", "HBJ1", dt.datetime(2026, 8, 1), "200.00", None),
    ("M2R", "C2", "441500", "110105", "HBJ1", dt.datetime(2026, 8, 3), "-200.00", "M2"),
]
PREPAYMENTS = [  # id, year, insured place, treatment province, amount, status
    ("P1", 2026, "441500", "110000", "50000.00", "approved"),
    ("P2", 2026, "441500", "110000", "30000.00", "paid"),
    ("P3", 2026, "110105", "440000", "20000.00", "received"),
    ("P4", 2026, "370000", "110000", "10000.00", "received"),
    ("P5", 2025, "441500", "110000", "99999.00", "received"),
]
STATEMENTS = [  # month, insured, treated, amount, status
    ("2026-03", "441500", "110105", "407.30", "paid"),
    ("2026-03", "370100", "110105", "100.00", "generated"),
    ("2026-03", "441500", "310101", "50.00", "confirmed"),
    ("2026-04", "500000", "441500", "70.00", "generated"),
    ("2026-05", "441500", "310101", "1.00", "generated"),
]


def write_registry(conn) -> None:
    for code, region in (("HSW1", "441500"), ("HSW2", "441502"), ("HSZ1", "440300"), ("HBJ1", "110105")):
        conn.execute(insert(t.institutions).values(**filled(t.institutions, fixmedins_code=code, admdvs=region)))
    for psn_no, region in (("P441", "441502"), ("P440", "440300")):
        conn.execute(insert(t.persons).values(**filled(t.persons, psn_no=psn_no)))
        conn.execute(insert(t.insurances).values(**filled(t.insurances, psn_no=psn_no, insutype="310",
                                                          insuplc_admdvs=region)))


def write_money_flows(uow) -> None:
    for setl_id, insured, treated, inst, med_type, at, fees, funds, acct, aid, reverses in SETTLEMENTS:
        uow.settlements.add(filled(
            t.settlements, setl_id=setl_id, mdtrt_id=f"V{reverses or setl_id}", kind="reversal" if reverses else "settlement",
            reverses_setl_id=f"{reverses}" if reverses else None, insuplc_admdvs=insured, mdtrtarea_admvs=treated,
            fixmedins_code=inst, med_type=med_type, setl_time=at, year=at.year, medfee_sumamt_fen=fen(fees),
            fund_pay_sumamt_fen=fen(funds), acct_pay_fen=fen(acct), acct_mulaid_pay_fen=fen(aid)))
    for payment_id, claim_id, insured, treated, inst, at, funds, reverses in PAYMENTS:
        if not reverses:
            uow.claims.add_claim(filled(t.claims, claim_id=claim_id, fixmedins_code=inst, med_type="21",
                                        insuplc_admdvs=insured, mdtrtarea_admvs=treated, invoice_issuer=inst,
                                        invoice_no=claim_id, status="paid", medfee_sumamt_fen=100_000),
                                [{"line_no": 1, "med_list_codg": "X", "cnt": "1", "pric": "1000",
                                  "det_item_fee_sumamt_fen": 100_000}])
        uow.claims.add_payment(filled(t.claim_payments, payment_id=payment_id, claim_id=claim_id,
                                      kind="reversal" if reverses else "payment", reverses_payment_id=reverses,
                                      insuplc_admdvs=insured, mdtrtarea_admvs=treated, paid_at=at,
                                      fund_pay_sumamt_fen=fen(funds)))
    for prepay_id, year, insured, province, amount, status in PREPAYMENTS:
        uow.prepayments.add(filled(t.prepayments, prepay_id=prepay_id, year=year, insured_admdvs=insured,
                                   treatment_prov=province, kind="annual", amount_fen=fen(amount), status=status))
    for n, (month, insured, treated, amount, status) in enumerate(STATEMENTS):
        uow.clearing.add_statement(filled(t.clearing_statements, statement_id=f"ST{n}", month=month, insuplc_admdvs=insured,
                                          mdtrtarea_admvs=treated, clearing_amount_fen=fen(amount), status=status))


def write_supervision(database) -> None:
    """Seed 004's figures for 汕尾 in yuan (追回 3565.97, 自查自纠 920.66, a penalty of 2089.49,
    one referral), one 深圳 case, sanctions and three findings."""
    def run(action, at=dt.datetime(2026, 6, 1, 10)):
        with SqlUnitOfWork(database, actors.agency(action.__name__[-6:], "0badc0de"), at) as uow:
            return action(uow)

    def case(uow, region, institution, statuses=("investigating", "confirmed")):
        found = supervision.open_case(uow, admdvs=region, subject_type="institution", subject_id=institution,
                                      summary="x", amount_fen=0, source="manual")
        for status in statuses:
            supervision.move(uow, found["case_id"], status)
        return found["case_id"]

    def as_441500(uow):
        shanwei = case(uow, "441500", "HSW1")
        supervision.record_money(uow, shanwei, "recovery", D("3565.97"))
        supervision.record_money(uow, shanwei, "penalty", D("2089.49"))
        supervision.refer_to_police(uow, shanwei, note="涉嫌欺诈骗保")
        supervision.record_money(uow, case(uow, "441502", "HSW2", ()), "refund", D("920.66"))
        # a penalty decision (行政处罚) is a case of its own, counted among the penalty cases
        supervision.record_money(uow, case(uow, "441500", "HSW1"), "penalty", D("500.00"))
        # a report (举报) rewarded on the first case by the default rule: 5% of 3565.97 is 178.30, the floor 200.00
        report = credit.receive_report(uow, admdvs="441500", subject_type="institution", subject_id="HSW1", content="x")
        credit.pay_reward(uow, report["report_id"], case_id=shanwei, agency_region="441500")
        credit.receive_report(uow, admdvs="440300", subject_type="institution", subject_id="HSZ1", content="y")
        for subject_type, subject, kind in (("institution", "HSW1", "suspend"), ("institution", "HSW2", "terminate"),
                                            ("person", "P441", "suspend")):
            supervision.sanction(uow, subject_type=subject_type, subject_id=subject, kind=kind, begndate=NOW.date(),
                                 enddate=NOW.date() + dt.timedelta(days=30), reason="x", case_id=None)

    def as_440300(uow):
        shenzhen = case(uow, "440300", "HSZ1")
        supervision.record_money(uow, shenzhen, "recovery", D("100.00"))
        supervision.record_money(uow, shenzhen, "penalty", D("50.00"))
        supervision.sanction(uow, subject_type="institution", subject_id="HSZ1", kind="suspend", begndate=NOW.date(),
                             enddate=NOW.date() + dt.timedelta(days=30), reason="x", case_id=None)
        uow.supervision.add_findings([
            filled(t.audit_findings, finding_id=f"F{n}", rule_type=rule_type, fixmedins_code=inst, psn_no=psn_no,
                   found_at=dt.datetime(2026, 6, 1)) for n, (rule_type, inst, psn_no) in enumerate(
                [("重复收费", "HSW1", ""), ("超限价", "HBJ1", "P441"), ("重复收费", "HSZ1", "P440")])])

    run(as_441500)
    run(as_440300)
    run(lambda uow: supervision.record_money(uow, case(uow, "441500", "HSW1"), "recovery", D("1.00")),
        at=dt.datetime(2026, 12, 10))  # after the range


@pytest.fixture
def world(database):
    with database.write() as conn:
        write_registry(conn)
    with SqlUnitOfWork(database, actors.SYSTEM, NOW) as uow:
        write_money_flows(uow)
    write_supervision(database)

    def read(action):
        with SqlUnitOfWork(database, actors.SYSTEM, NOW, write=False) as uow:
            return action(uow)
    return read


def pick(row: dict, *names: str) -> tuple:
    return tuple(row[name] for name in names)


FIGURES = ("setl_cnt", "medfee_sumamt", "fund_pay_sumamt", "fund_ratio", "direct_cnt", "manual_cnt", "direct_rate",
           "dianzi_avoided_amt", "prev_year_setl_cnt")


def test_settlements_of_a_city_as_insured_place(world):
    """汕尾 441500 as insured place sees its own code and 441502 under it:

    441502→440300 (in-province): S1 + S2 − R2 − R8 + S9 = 1 人次 (R8 reverses a 2025 settlement, so
    counts −1 in 2026); fees 10000 + 2000 − 2000 − 100 + 3000 = 12900.00; funds 7000 + 1200 −
    1200 − 60 + 2100 = 9040.00; fund ratio 9040 / 12900 = 0.7008; manual M1 = 1, direct rate 1 /
    (1 + 1) = 0.5000; 垫资 avoided 9040.00 + accounts 300 + 200 = 9540.00; a year earlier S6 = 1
    (S8 of 2025-12-30 is after 2025-11-30), rate 1 / 1, so yoy (1 − 1) / 1 = 0 and the rate
    changed by 0.5000 − 1.0000 = −0.5000.
    441500→441500 (local): S4, 1 人次, 200.00 / 120.00, ratio 0.6000, rate 1, avoided 0.00 (local).
    441500→110105 (cross-province): S5, 966.11 / 690.40, ratio 0.7146 (seed 001 "71.5%"), M2 and
    its correction net 0 so rate 1/1, avoided 690.40; nothing a year earlier, yoy null.
    Total: 3 人次, fees 14066.11, funds 9850.40, ratio 985040 / 1406611 = 0.7003, rate 3 / 4 =
    0.7500, avoided 9540.00 + 690.40 = 10230.40. S3 (treated in 汕尾) is not in this role."""
    figures = world(lambda uow: statistics.settlements(uow, agency_code="441500", begin=BEGIN, end=END))
    rows = {(r["insuplc_admdvs"], r["mdtrtarea_admvs"], r["scope"]): pick(r, *FIGURES) for r in figures["rows"]}
    assert rows == {
        ("441500", "441500", "local"): (1, D("200.00"), D("120.00"), D("0.6000"), 1, 0, D("1.0000"), D("0.00"), 0),
        ("441502", "440300", "in_province"): (1, D("12900.00"), D("9040.00"), D("0.7008"), 1, 1, D("0.5000"),
                                               D("9540.00"), 1),
        ("441500", "110105", "cross_province"): (1, D("966.11"), D("690.40"), D("0.7146"), 1, 0, D("1.0000"),
                                                  D("690.40"), 0)}
    assert [r["scope"] for r in figures["rows"]] == ["local", "in_province", "cross_province"]
    in_province = next(r for r in figures["rows"] if r["scope"] == "in_province")
    assert pick(in_province, "setl_cnt_yoy", "direct_rate_change", "manual_reimbursed") == (
        D("0.0000"), D("-0.5000"), D("500.00"))
    cross = figures["by_scope"][2]
    assert (cross["scope"], cross["setl_cnt_yoy"], cross["prev_year_direct_rate"]) == ("cross_province", None, None)
    assert pick(figures["total"], *FIGURES) == (3, D("14066.11"), D("9850.40"), D("0.7003"), 3, 1, D("0.7500"),
                                                 D("10230.40"), 1)


def test_settlements_as_treatment_place_and_other_groupings(world):
    """汕尾 as treatment place: S3 (440300→441500: 500.00 / 300.00, ratio 0.6000, avoided 300.00 +
    100.00 = 400.00) and its local S4. By institution as insured place: HBJ1 S5, HSW1 S4, HSZ1 the
    in-province 1 人次 with M1; by med_type: 11 → S4, 21 → S5 and the in-province pair = 2."""
    figures = world(lambda uow: statistics.settlements(uow, agency_code="441500", begin=BEGIN, end=END, role="treatment"))
    assert [pick(r, "insuplc_admdvs", "mdtrtarea_admvs", "setl_cnt", "fund_ratio", "dianzi_avoided_amt")
            for r in figures["rows"]] == [("441500", "441500", 1, D("0.6000"), D("0.00")),
                                          ("440300", "441500", 1, D("0.6000"), D("400.00"))]
    by_institution = world(lambda uow: statistics.settlements(uow, agency_code="441500", begin=BEGIN, end=END,
                                                              by="institution"))
    assert {(r["fixmedins_code"], r["scope"]): (r["setl_cnt"], r["manual_cnt"]) for r in by_institution["rows"]} == {
        ("HSW1", "local"): (1, 0), ("HSZ1", "in_province"): (1, 1), ("HBJ1", "cross_province"): (1, 0)}
    by_type = world(lambda uow: statistics.settlements(uow, agency_code="441500", begin=BEGIN, end=END, by="med_type"))
    assert sorted((r["med_type"], r["setl_cnt"]) for r in by_type["rows"]) == [("11", 1), ("21", 1), ("21", 1)]
    assert sum(r["setl_cnt"] for r in by_type["rows"] if r["med_type"] == "21") == 2


def test_scoping_a_province_sees_its_cities_and_another_region_sees_nothing(world):
    """广东 440000 as insured place: 441502, 441500 and 440300 (S3) = 4 人次. 深圳 440300 as
    insured place: S3 only. 山东 370000: nothing; every rate undefined (null), not 0."""
    province = world(lambda uow: statistics.settlements(uow, agency_code="440000", begin=BEGIN, end=END))
    assert province["total"]["setl_cnt"] == 4
    shenzhen = world(lambda uow: statistics.settlements(uow, agency_code="440300", begin=BEGIN, end=END))
    assert [pick(r, "insuplc_admdvs", "mdtrtarea_admvs") for r in shenzhen["rows"]] == [("440300", "441500")]
    other = world(lambda uow: statistics.settlements(uow, agency_code="370000", begin=BEGIN, end=END))
    assert other["rows"] == [] and other["by_scope"] == []
    assert pick(other["total"], "setl_cnt", "fund_ratio", "direct_rate", "setl_cnt_yoy") == (0, None, None, None)
    with pytest.raises(GatewayError) as reversed_range:
        world(lambda uow: statistics.settlements(uow, agency_code="441500", begin=END, end=BEGIN))
    assert reversed_range.value.code == "STATS_RANGE_REVERSED"


def test_prepayments_count_each_stage_including_the_next(world):
    """2026 for 汕尾: P1 approved 50000, P2 paid 30000 → approved 2 / 80000.00, paid 1 / 30000.00,
    received 0. 广东 also receives P3 (110105 → 440000, received 20000): approved 3 / 100000.00,
    paid 2 / 50000.00, received 1 / 20000.00. Every region (the CLI's operator): P1–P4, approved
    4 / 110000.00, paid 3 / 60000.00, received 2 / 30000.00; P5 is 2025's."""
    names = ("approved_cnt", "approved_amt", "paid_cnt", "paid_amt", "received_cnt", "received_amt")
    assert pick(world(lambda uow: statistics.prepayments(uow, agency_code="441500", year=2026)), *names) == (
        2, D("80000.00"), 1, D("30000.00"), 0, D("0.00"))
    assert pick(world(lambda uow: statistics.prepayments(uow, agency_code="440000", year=2026)), *names) == (
        3, D("100000.00"), 2, D("50000.00"), 1, D("20000.00"))
    assert pick(world(lambda uow: statistics.prepayments(uow, agency_code=None, year=2026)), *names) == (
        4, D("110000.00"), 3, D("60000.00"), 2, D("30000.00"))


def test_clearing_per_month(world):
    """汕尾, March–April: March holds 441500→110105 (407.30, paid) and 441500→310101 (50.00,
    confirmed): 2 statements, provinces 44, 11, 31 = 3, 457.30; April 500000→441500: 1, provinces
    50 and 44 = 2, 70.00. Every region in March adds 370100→110105: 3 statements, 4 provinces, 557.30."""
    figures = world(lambda uow: statistics.clearing(uow, agency_code="441500", first_month="2026-03",
                                                    last_month="2026-04"))
    assert [pick(m, "month", "statements", "provinces", "amount", "by_status") for m in figures["months"]] == [
        ("2026-03", 2, 3, D("457.30"), {"paid": 1, "confirmed": 1}), ("2026-04", 1, 2, D("70.00"), {"generated": 1})]
    everyone = world(lambda uow: statistics.clearing(uow, agency_code=None, first_month="2026-03", last_month="2026-03"))
    assert pick(everyone["months"][0], "statements", "provinces", "amount") == (3, 4, D("557.30"))


def test_supervision_scoped_and_recovered_without_penalties(world):
    """汕尾 (441500 and 441502's cases): 追回 3565.97, 自查自纠 920.66, 挽回基金损失 = 4486.63 (seed
    004), penalty 2089.49 on 1 case, HSW1 suspended, HSW2 terminated, person P441 (insured in
    441502) suspended, 1 referral; findings on HSW1 (重复收费) and on P441 (超限价, treated in
    北京). The recovery of 2026-12-10 is after the range. 深圳: 100.00 / 50.00, HSZ1 suspended,
    its finding. 广东: both. 北京 110000: only the finding at HBJ1.

    Added with the credit system: 汕尾's penalty decision of 500.00 is a second penalty case (2589.49
    on 2 cases; 广东 2639.49 on 3); a report in 汕尾 rewarded 200.00 (the floor over 5% of 3565.97),
    one in 深圳 not rewarded; credit records of the confirmed cases in the range: 汕尾 2 (HSW1 twice),
    深圳 1, 广东 3 (the case confirmed on 2026-12-10 is after the range)."""
    names = ("recovered_amt", "refunded_amt", "fund_loss_recovered_amt", "penalty_amt", "penalty_cases",
             "institutions_suspended", "institutions_terminated", "persons_suspended", "police_referrals",
             "findings_by_rule_type", "reports_received", "report_rewards", "report_rewards_amt", "credit_records")
    figures = {code: world(lambda uow, code=code: statistics.supervision(uow, agency_code=code, begin=BEGIN, end=END))
               for code in ("441500", "440300", "440000", "110000")}
    assert pick(figures["441500"], *names) == (D("3565.97"), D("920.66"), D("4486.63"), D("2589.49"), 2, 1, 1, 1, 1,
                                               {"超限价": 1, "重复收费": 1}, 1, 1, D("200.00"), 2)
    assert pick(figures["440300"], *names) == (D("100.00"), D("0.00"), D("100.00"), D("50.00"), 1, 1, 0, 0, 0,
                                               {"重复收费": 1}, 1, 0, D("0.00"), 1)
    assert pick(figures["440000"], *names) == (D("3665.97"), D("920.66"), D("4586.63"), D("2639.49"), 3, 2, 1, 1, 1,
                                               {"超限价": 1, "重复收费": 2}, 2, 1, D("200.00"), 3)
    assert pick(figures["110000"], *names) == (D("0.00"), D("0.00"), D("0.00"), D("0.00"), 0, 0, 0, 0, 0, {"超限价": 1},
                                               0, 0, D("0.00"), 0)
