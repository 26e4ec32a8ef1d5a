"""The golden cases settled through the real gateway equal `yibao settle` on the same data."""

from __future__ import annotations

from decimal import Decimal

import httpx
import pytest

from yibao.documents.case_document import parse_case
from yibao.documents.render import settlement_result
from yibao.domain.errors import SettlementRefused
from yibao.domain.settle import settle
from yibao.sim.his import TransactionFailed

from .walk import walk_golden


def engine_result(case: dict) -> dict:
    try:
        return settlement_result(settle(parse_case(case)))
    except SettlementRefused as refusal:
        return refusal.as_dict()


def test_golden_cases_settle_through_the_gateway(platform_world):
    checked = 0
    with httpx.Client(base_url=platform_world["url"], timeout=30) as http:
        for setup in platform_world["setups"]:
            expected = setup.expected
            engine = engine_result(setup.case)
            if "error" in expected:
                with pytest.raises(TransactionFailed) as refused:
                    walk_golden(http, setup)
                assert refused.value.infno in ("2206", "2303")
                assert expected["error"]["code"] in refused.value.err_msg
                checked += 1
                continue
            outputs = walk_golden(http, setup)
            setlinfo = outputs["settle"]["setlinfo"]
            for field, value in expected["setlinfo"].items():
                assert Decimal(str(setlinfo[field])) == Decimal(value), (setup.name, field)
            # every setlinfo amount equals the engine's for the same data, not only the expected ones
            for field, value in engine["setlinfo"].items():
                assert Decimal(str(setlinfo[field])) == Decimal(str(value)), (setup.name, field)
            presettle = outputs.get("2206") or outputs.get("2303")
            assert Decimal(str(presettle["setlinfo"]["fund_pay_sumamt"])) == Decimal(str(setlinfo["fund_pay_sumamt"]))
            assert "setl_id" not in presettle["setlinfo"]
            assert setlinfo["medins_setl_id"] == outputs["settle_msgid"]
            detail = {row["fund_pay_type"]: Decimal(str(row["fund_payamt"])) for row in outputs["settle"]["setldetail"]}
            assert detail == {row["fund_pay_type"]: Decimal(str(row["fund_payamt"])) for row in engine["setldetail"]}
            checked += 1
    assert checked == len(platform_world["setups"]) >= 12
