"""What-if replay (app/whatif.py) over case documents with a JSON patch (domain/json_patch.py):
the engine's own numbers before and after, summed by region, med_type and person class."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from yibao.app import whatif
from yibao.app.errors import GatewayError
from yibao.domain import json_patch

D = Decimal
GOLDEN = Path(__file__).resolve().parents[1] / "golden"


def doc(name):
    return json.loads((GOLDEN / f"{name}.case.json").read_text(encoding="utf-8"))


RATIO_UP = [{"op": "test", "path": "/policy/benefits/0/bands/0/ratio/in_service/3", "value": 0.85},
            {"op": "replace", "path": "/policy/benefits/0/bands/0/ratio/in_service/3", "value": 0.90}]


def test_patch_operations_and_the_document_left_unchanged():
    original = {"a": {"b": [1, 2]}, "c": 1}
    patched = json_patch.apply(original, [{"op": "add", "path": "/a/b/-", "value": 3},
                                          {"op": "remove", "path": "/c"}, {"op": "add", "path": "/d~1e", "value": 0}])
    assert patched == {"a": {"b": [1, 2, 3]}, "d/e": 0} and original == {"a": {"b": [1, 2]}, "c": 1}
    with pytest.raises(json_patch.PatchError, match="does not exist"):
        json_patch.apply(original, [{"op": "replace", "path": "/x", "value": 1}])
    with pytest.raises(json_patch.PatchError, match="test failed"):
        json_patch.apply(original, [{"op": "test", "path": "/c", "value": 2}])


def test_inpatient_ratio_up_five_points_moves_the_in_scope_part_above_the_deductible():
    # ex1a: 27 200 in scope − 1 300 deductible = 25 900 at 85 % → 90 %: +1 295.00 from the fund
    ex1a, ex1b = doc("ex1a_employee_inpatient_tertiary"), doc("ex1b_employee_inpatient_retired")
    result = whatif.report(whatif.replay([ex1a, ex1b, ex1a], RATIO_UP))
    by_class = {(r["region"], r["med_type"], r["person_class"]): r for r in result["rows"]}
    in_service = by_class[("110000", "21", "310/in_service")]
    assert in_service["visits"] == 2
    assert (in_service["fund_before"], in_service["fund_after"]) == (D("44030.00"), D("46620.00"))
    assert in_service["fund_change"] == D("2590.00") and in_service["patient_change"] == D("-2590.00")
    retired = next(r for key, r in by_class.items() if key[2].endswith("retired"))
    assert retired["fund_change"] == D("0.00")  # the retirees' ratio was not patched
    assert result["total"]["fund_change"] == D("2590.00") and result["total"]["visits"] == 3


def test_a_price_and_a_category_change():
    ex1a = doc("ex1a_employee_inpatient_tertiary")
    # F-EXAM from 6 000 to 5 000: 1 000 less in scope at 85 % (the fund −850, the patient −150)
    cheaper = whatif.report(whatif.replay([ex1a], [{"op": "add", "path": "/prices/F-EXAM", "value": "5000"}]))
    assert (cheaper["total"]["fund_change"], cheaper["total"]["patient_change"]) == (D("-850.00"), D("-150.00"))
    # XC-BING (丙类, 1 500) made 甲类: 1 500 more in scope at 85 %
    moved = whatif.report(whatif.replay([ex1a], [{"op": "replace", "path": "/catalog/XC-BING/chrgitm_lv",
                                                  "value": "01"}]))
    assert moved["total"]["fund_change"] == D("1275.00")


def test_a_bad_patch_is_refused_with_its_code():
    with pytest.raises(GatewayError) as caught:
        whatif.replay([doc("ex1a_employee_inpatient_tertiary")], [{"op": "replace", "path": "/policy/nope", "value": 1}])
    assert caught.value.code == "WHATIF_BAD_PATCH"


def test_an_operation_for_one_region_leaves_the_other_documents_alone():
    patch = [dict(RATIO_UP[1], admdvs="110000", insutype="310")]
    other = doc("ex2a_resident_outpatient_cap")  # another region and insutype: the path does not exist there
    result = whatif.report(whatif.replay([doc("ex1a_employee_inpatient_tertiary"), other], patch))
    assert result["total"]["fund_change"] == D("1295.00") and result["total"]["visits"] == 2
    with pytest.raises(GatewayError):
        whatif.replay([other], RATIO_UP[1:])  # unfiltered, the path is missing there: refused


def test_a_patch_that_breaks_the_policy_is_refused_as_the_patchs_fault():
    too_high = [{"op": "replace", "path": "/policy/benefits/0/bands/0/ratio/in_service/3", "value": 1.5}]
    with pytest.raises(GatewayError) as caught:
        whatif.replay([doc("ex1a_employee_inpatient_tertiary")], too_high)
    assert caught.value.code == "WHATIF_BAD_PATCH"
    bad_price = [{"op": "add", "path": "/catalog/XA-JIA/chrgitm_lv", "value": "09"}]
    with pytest.raises(GatewayError):
        whatif.replay([doc("ex1a_employee_inpatient_tertiary")], bad_price)
    for price in ("abc", "-1"):
        with pytest.raises(GatewayError):
            whatif.replay([doc("ex1a_employee_inpatient_tertiary")], [{"op": "add", "path": "/prices/XA-JIA", "value": price}])
