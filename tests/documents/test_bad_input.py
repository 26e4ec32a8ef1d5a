"""Malformed cases are refused with E_BAD_INPUT and the JSON path of the bad field."""

from __future__ import annotations

import pytest

from yibao.domain.errors import SettlementRefused

from ..casebuilder import case_doc, settle_doc


def refusal(doc) -> SettlementRefused:
    with pytest.raises(SettlementRefused) as refused:
        settle_doc(doc)
    assert refused.value.code == "E_BAD_INPUT"
    return refused.value


def without(doc: dict, *keys: str) -> dict:
    target = doc
    for key in keys[:-1]:
        target = target[key]
    del target[keys[-1]]
    return doc


@pytest.mark.parametrize(
    ("keys", "path"),
    [
        (("visit", "med_type"), "visit.med_type"),
        (("visit", "enddate"), "visit.enddate"),
        (("person",), "person"),
        (("lines",), "lines"),
        (("policy", "benefits"), "policy.benefits"),
        (("policy", "valid_from"), "policy.valid_from"),
        (("policy", "benefits", 0, "bands"), "policy.benefits[0].bands"),
    ],
)
def test_missing_field_is_named(keys, path):
    error = refusal(without(case_doc(), *keys))
    assert error.path == path
    assert path in error.message


def test_missing_policy_and_catalog():
    assert refusal(without(case_doc(), "policy")).path == "policy"
    assert refusal(without(case_doc(), "catalog")).path == "catalog"


@pytest.mark.parametrize(
    ("mutate", "path"),
    [
        (lambda d: d["lines"][0].update(det_item_fee_sumamt="lots"), "lines[0].det_item_fee_sumamt"),
        (lambda d: d["lines"].append({"code": "JIA", "cnt": "two", "pric": 3}), "lines[1].cnt"),
        (lambda d: d["person"].update(acct_balance=[1]), "person.acct_balance"),
        (lambda d: d["visit"].update(enddate="2024-13-45"), "visit.enddate"),
        (lambda d: d["visit"].update(filing="sometimes"), "visit.filing"),
        (lambda d: d.update(lines={"code": "JIA"}), "lines"),
        (lambda d: d["policy"]["benefits"][0].update(bands="steep"), "policy.benefits[0].bands"),
        (lambda d: d["ytd"].update(visits={"inpatient": "many"}), "ytd.visits.inpatient"),
    ],
)
def test_wrong_type_is_named(mutate, path):
    doc = case_doc()
    mutate(doc)
    assert refusal(doc).path == path


def test_negative_quantity():
    doc = case_doc([{"code": "JIA", "cnt": -1, "pric": 10}])
    error = refusal(doc)
    assert error.path == "lines[0].cnt"
    assert "greater than or equal to 0" in error.message


def test_negative_amount_and_balance():
    assert refusal(case_doc([{"code": "JIA", "det_item_fee_sumamt": -5}])).path == "lines[0].det_item_fee_sumamt"
    assert refusal(case_doc(person={"acct_balance": "-1"})).path == "person.acct_balance"


def test_line_without_an_amount():
    assert refusal(case_doc([{"code": "JIA", "cnt": 2}])).path == "lines[0]"


def test_unknown_level_in_a_ratio_table():
    doc = case_doc()
    doc["policy"]["benefits"][0]["bands"][0]["ratio"]["in_service"]["7"] = 0.5
    error = refusal(doc)
    assert error.path == "policy.benefits[0].bands[0].ratio.in_service.7"
    assert "unknown hospital level" in error.message


def test_level_missing_from_a_ratio_table_for_this_visit():
    """The visit is at level 0 (基层); the table has only 1..3 and no '*'."""
    error = refusal(case_doc(visit={"medins_lv": "0"}))
    assert error.path.startswith("policy.benefits[0].deductible.amount")
    assert "level '0'" in error.message


def test_unknown_person_class_in_a_table():
    doc = case_doc()
    doc["policy"]["benefits"][0]["bands"][1]["ratio"] = {"in_service": 0.9, "veteran": 1}
    assert refusal(doc).path == "policy.benefits[0].bands[1].ratio.veteran"


def test_ratio_above_one():
    doc = case_doc()
    doc["policy"]["benefits"][0]["bands"][1]["ratio"]["retired"] = 1.5
    assert refusal(doc).path == "policy.benefits[0].bands[1].ratio.retired"


def test_bands_must_ascend_and_open_band_last():
    doc = case_doc()
    doc["policy"]["benefits"][0]["bands"] = [{"upto": 5000, "ratio": 0.5}, {"upto": 4000, "ratio": 0.6}]
    assert refusal(doc).path == "policy.benefits[0].bands[1].upto"
    doc["policy"]["benefits"][0]["bands"] = [{"upto": None, "ratio": 0.5}, {"upto": 4000, "ratio": 0.6}]
    assert refusal(doc).path == "policy.benefits[0].bands[1].upto"


def test_amounts_have_at_most_two_decimals():
    assert refusal(case_doc(person={"acct_balance": "10.001"})).path == "person.acct_balance"


def test_person_insured_under_another_insurance_type():
    assert refusal(case_doc(person={"insutype": "390"})).path == "person.insutype"


def test_duplicate_catalogue_code():
    doc = case_doc()
    doc["catalog"].append({"code": "JIA", "name": "again", "chrgitm_lv": "01"})
    assert refusal(doc).path == "catalog[4].code"


def test_unknown_layer_fund_and_benefit():
    doc = case_doc()
    doc["policy"]["layers"] = [{"fund": "lottery", "base": "beyond_bands", "bands": [{"upto": None, "ratio": 1}]}]
    assert refusal(doc).path == "policy.layers[0].fund"
    doc["policy"]["layers"] = [{"fund": "hifob", "benefits": ["dental"], "base": "beyond_bands",
                                "bands": [{"upto": None, "ratio": 1}]}]
    assert refusal(doc).path == "policy.layers[0].benefits[0]"


def test_strings_are_accepted_for_numbers_and_numbers_for_codes():
    doc = case_doc([{"code": "JIA", "cnt": "2", "pric": "5000.00"}], visit={"medins_lv": 3, "med_type": 21})
    settled = settle_doc(doc)
    assert settled.medfee_sumamt == 10000


def test_unknown_keys_are_ignored():
    doc = case_doc()
    doc["comment"] = "from the HIS test suite"
    doc["lines"][0]["feedetl_sn"] = "0001"
    assert settle_doc(doc).medfee_sumamt == 10000
