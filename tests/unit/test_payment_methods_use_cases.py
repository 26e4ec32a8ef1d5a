"""Payment methods, total budgets, DIP and DRG use cases against the in-memory fakes."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from yibao.app import budgets, dip, drg, payment_methods, payment_tables, year_end
from yibao.app.actors import operator
from yibao.app.errors import GatewayError

from .fake_payment_methods import FakePaymentMethods
from .fakes import FakeUnitOfWork

H1, H2, H3 = "H44030000001", "H44030000002", "H44030000003"


def unit() -> FakeUnitOfWork:
    uow = FakeUnitOfWork(operator("经办员"))
    uow.payment_methods = FakePaymentMethods(institution_rows={
        H1: {"fixmedins_code": H1, "admdvs": "440300", "medins_lv": "3"},
        H2: {"fixmedins_code": H2, "admdvs": "440300", "medins_lv": "2"},
        H3: {"fixmedins_code": H3, "admdvs": "440300", "medins_lv": "1"}})
    return uow


def refused(code: str, action) -> GatewayError:
    with pytest.raises(GatewayError) as caught:
        action()
    assert caught.value.code == code, caught.value.message
    return caught.value


def test_the_method_is_a_dated_record_and_history_is_kept():
    uow = unit()
    payment_methods.set_method(uow, H1, 2026, "fee_for_service")
    payment_methods.set_method(uow, H1, 2026, "total_budget", reason="年度协议")
    assert payment_methods.method_of(uow, H1, 2026) == "total_budget"
    assert [r["method"] for r in payment_methods.method_history(uow, H1, 2026)] == ["fee_for_service", "total_budget"]
    assert uow.payment_methods.method_rows[-1]["actor"] == "operator:经办员"
    refused("PAYMENT_BAD_METHOD", lambda: payment_methods.set_method(uow, H1, 2026, "capitation"))
    refused("PAYMENT_INSTITUTION_NOT_FOUND", lambda: payment_methods.set_method(uow, "H0", 2026, "dip"))


def budget_year(score: int | None = 80) -> FakeUnitOfWork:
    uow = unit()
    if score is not None:
        uow.payment_methods.scores[H1] = score
    payment_methods.set_method(uow, H1, 2026, "total_budget")
    budgets.set_budget(uow, H1, 2026, 12_000_000_00)
    for month in range(1, 13):
        budgets.advance(uow, H1, 2026, month)
    return uow


def test_a_budget_year_advances_monthly_and_settles_once_with_the_deposit_released_by_score():
    uow = budget_year()
    assert uow.ledger.balance("budget_advance:H44030000001:2026") == 12_000_000_00
    assert uow.ledger.balance("quality_deposit:H44030000001:2026") == -600_000_00
    assert uow.ledger.balance("bank:440300") == -11_400_000_00
    uow.payment_methods.cost[(H1, 2026)] = 11_000_000_00
    result = budgets.settle_year(uow, H1, 2026)
    detail = result["detail"]
    assert detail["savings_kept_fen"] == 500_000_00  # half of the 1 000 000 yuan saved
    assert detail["released_fen"] == 400_000_00  # score 80: (80 − 60) / 30 of 600 000
    assert result["amount_fen"] == 11_500_000_00 - 200_000_00 - 11_400_000_00
    assert uow.ledger.balance("budget_advance:H44030000001:2026") == 0
    assert uow.ledger.balance("quality_deposit:H44030000001:2026") == 0
    error = refused("PAYMENT_YEAR_SETTLED", lambda: budgets.settle_year(uow, H1, 2026))
    assert "2026 年度已清算" in error.message
    refused("PAYMENT_YEAR_SETTLED", lambda: payment_methods.set_method(uow, H1, 2026, "dip"))
    assert uow.payment_methods.locked.count("H44030000001/2026") >= 14


def test_a_correction_is_the_opposite_record_and_the_year_may_then_be_settled_again():
    uow = budget_year()
    uow.payment_methods.cost[(H1, 2026)] = 11_000_000_00
    first = budgets.settle_year(uow, H1, 2026)
    bank_after = uow.ledger.balance("bank:440300")
    correction = year_end.correct(uow, H1, 2026, reason="费用数据更正")
    assert correction["amount_fen"] == -first["amount_fen"] and correction["corrects_id"] == first["result_id"]
    assert uow.ledger.balance("bank:440300") == bank_after + first["amount_fen"]
    assert uow.ledger.entries[-1].kind == "budget_settlement_correction"
    uow.payment_methods.cost[(H1, 2026)] = 12_500_000_00
    again = budgets.settle_year(uow, H1, 2026, score=95)
    assert again["follows_correction_id"] == correction["result_id"]
    assert again["detail"]["overspend_shared_fen"] == 250_000_00
    refused("PAYMENT_REASON_REQUIRED", lambda: year_end.correct(uow, H1, 2026, reason=" "))


def test_budget_refusals():
    uow = unit()
    refused("BUDGET_NOT_TOTAL_BUDGET", lambda: budgets.set_budget(uow, H1, 2026, 1))
    payment_methods.set_method(uow, H1, 2026, "total_budget")
    refused("BUDGET_NOT_SET", lambda: budgets.advance(uow, H1, 2026, 1))
    budgets.set_budget(uow, H1, 2026, 1_200_00)
    budgets.advance(uow, H1, 2026, 1)
    refused("BUDGET_MONTH_ADVANCED", lambda: budgets.advance(uow, H1, 2026, 1))
    refused("BUDGET_BAD_MONTH", lambda: budgets.advance(uow, H1, 2026, 13))
    refused("BUDGET_ADVANCED", lambda: budgets.set_budget(uow, H1, 2026, 2_400_00))
    refused("BUDGET_NO_SCORE", lambda: budgets.settle_year(uow, H1, 2026))


def test_policy_parameters_come_from_the_policy_block():
    uow = unit()
    uow.payment_methods.policy = {"total_budget": {"quality_deposit_share": "0.1"}}
    payment_methods.set_method(uow, H1, 2026, "total_budget")
    budgets.set_budget(uow, H1, 2026, 1_200_00)
    assert budgets.advance(uow, H1, 2026, 1)["withheld_fen"] == 10_00


def case_row(n: int, code: str, diag: str, total: int, fund: int, *, list_id: str | None = None) -> dict:
    return {"setl_id": f"S{n:04d}", "mdtrt_id": f"M{n:04d}", "fixmedins_code": code, "medfee_sumamt_fen": total,
            "fund_pay_sumamt_fen": fund, "begntime": dt.datetime(2026, 3, 1, 8), "endtime": dt.datetime(2026, 3, 6, 9),
            "dise_codg": diag, "brdy": dt.date(1956, 3, 2), "medins_lv": "3", "setl_list_id": list_id, "year": 2026}


def test_cases_prefer_the_settlement_list_and_fall_back_to_the_discharge_diagnoses():
    uow = unit()
    uow.payment_methods.case_rows = [case_row(1, H1, "K35.800", 10_000_00, 7_000_00, list_id="L1"),
                                     case_row(2, H1, "J18.900", 5_000_00, 3_000_00)]
    uow.payment_methods.coded_rows = (
        [{"doc_id": "L1", "diag_code": "I10.x00", "maindiag_flag": "0", "seq": 1},
         {"doc_id": "L1", "diag_code": "K35.800", "maindiag_flag": "1", "seq": 2}],
        [{"doc_id": "L1", "oprn_oprt_code": "47.0901", "oprn_oprt_type": "1", "seq": 1}])
    uow.payment_methods.discharge_rows = [{"mdtrt_id": "M0002", "diag_code": "J15.000", "maindiag_flag": "1"}]
    listed, visited = payment_methods.inpatient_cases(uow, "440300", 2026)
    assert (listed.main_diagnosis, listed.main_procedure, listed.secondary_diagnoses, listed.source) == (
        "K35.800", "47.0901", 1, "setl_list")
    assert (listed.age, listed.los_days) == (69, 5)  # born 2 March 1956, admitted 1 March 2026
    assert (visited.main_diagnosis, visited.main_procedure, visited.source) == ("J15.000", "", "visit")


def dip_region() -> FakeUnitOfWork:
    uow = unit()
    uow.payment_methods.policy = {"dip": {"core_case_threshold": 2}}
    rows = [case_row(i, code, diag, total, fund) for i, (code, diag, total, fund) in enumerate([
        (H1, "K35.800", 10_000_00, 8_000_00), (H1, "K35.800", 12_000_00, 9_000_00), (H2, "K35.800", 8_000_00, 6_000_00),
        (H2, "J18.900", 5_000_00, 4_000_00), (H3, "I21.000", 30_000_00, 25_000_00)])]
    uow.payment_methods.case_rows = rows
    for code in (H1, H2):
        payment_methods.set_method(uow, code, 2026, "dip")
    payment_methods.set_method(uow, H3, 2026, "fee_for_service")
    return uow


def test_dip_builds_groups_and_settles_the_dip_institutions_to_the_budget():
    uow = dip_region()
    built = dip.build(uow, "440300", 2026)
    assert (built["groups"], built["core_groups"], built["cases"]) == (3, 1, 5)
    settled = dip.settle(uow, "440300", 2026, 3_000_000_01)
    rows = {r["fixmedins_code"]: r for r in settled["institutions"]}
    assert set(rows) == {H1, H2}  # H3 is paid fee for service
    assert sum(r["detail"]["allocated_fen"] for r in rows.values()) == 3_000_000_01
    assert rows[H1]["amount_fen"] == rows[H1]["detail"]["allocated_fen"] - 17_000_00
    assert sum(-uow.ledger.balance(f"payable:{code}") for code in rows) == 3_000_000_01 - 27_000_00
    assert uow.payment_methods.locked[-2:] == [f"{H1}/2026", f"{H2}/2026"]
    refused("PAYMENT_YEAR_SETTLED", lambda: dip.settle(uow, "440300", 2026, 1_00))


def test_dip_and_drg_tables_travel_between_regions_as_data():
    uow = dip_region()
    dip.build(uow, "440300", 2026)
    exported = json.loads(json.dumps(payment_tables.export(uow, "dip", "440300", 2026)))
    uow.payment_methods.institution_rows["H44130000001"] = {"fixmedins_code": "H44130000001", "admdvs": "441300",
                                                             "medins_lv": "2"}
    payment_tables.import_table(uow, "dip", "441300", 2026, exported)
    assert dip.show(uow, "441300", 2026)["group_list"] == dip.show(uow, "440300", 2026)["group_list"]
    refused("PAYMENT_BAD_TABLE", lambda: payment_tables.import_table(uow, "drg", "441300", 2026, exported))
    weights = drg.build_weights(uow, "440300", 2026)
    # stored visits carry no procedure (medical ADRGs); aged 69, at risk: severity 3
    assert {w["drg"] for w in weights["weights"]} == {"GMD3", "ES13", "FR13"}
    payment_tables.import_table(uow, "drg", "441300", 2026, payment_tables.export(uow, "drg", "440300", 2026))
    assert drg.group(uow, "440300", 2026)[0] == {"mdc": "MDCE", "adrg": "ES1", "drg": "ES13", "cases": 1,
                                                 "average_fen": 5_000_00}
    refused("PAYMENT_NO_TABLE", lambda: dip.show(uow, "441500", 2026))
