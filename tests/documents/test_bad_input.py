"""Malformed cases are refused with E_BAD_INPUT and the JSON path of the bad field."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from yibao.documents.case_document import load_case
from yibao.domain.errors import SettlementRefused
from yibao.domain.settle import settle

from ..casebuilder import BASE_CATALOG, case_doc, settle_doc


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


# --- hostile case files: the crash classes of a fuzzed `yibao settle` run ----------------------------

def _spliced(doc: dict, raw: dict[str, str]) -> str:
    """The case as JSON text with raw literals (numbers json.dumps cannot write) spliced in."""
    text = json.dumps(doc, ensure_ascii=False)
    for token, literal in raw.items():
        text = text.replace(json.dumps(token), literal)
    return text


def _with(mutate) -> dict:
    doc = case_doc([{"code": "JIA", "cnt": 2, "pric": 5000}])
    mutate(doc)
    return doc


def _deep(depth: int) -> str:
    return "[" * depth + "]" * depth


HOSTILE_FILES = [
    # (name, document text, the path E_BAD_INPUT names)
    ("nesting past the JSON parser", _spliced(_with(lambda d: d.update(note="@D")), {"@D": _deep(1500)}), "$"),
    ("nesting inside a field", _spliced(_with(lambda d: d.update(note="@D")), {"@D": _deep(100)}), "note[0][0]"),
    ("4301-digit integer", _spliced(_with(lambda d: d["lines"][0].update(cnt="@N")), {"@N": "9" * 4301}), "lines[0].cnt"),
    ("5000-digit visits count", _spliced(_with(lambda d: d.update(ytd={"visits": {"inpatient": "@N"}})), {"@N": "9" * 5000}),
     "ytd.visits.inpatient"),
    ("4000-digit visits count", _spliced(_with(lambda d: d.update(ytd={"visits": {"inpatient": "@N"}})), {"@N": "9" * 4000}),
     "ytd"),
    ("huge exponent", _spliced(_with(lambda d: d["lines"][0].update(cnt="@E")), {"@E": "1e999999999999"}), "lines[0].cnt"),
    ("huge exponent as text", json.dumps(_with(lambda d: d["lines"][0].update(pric="1e999999999"))), "lines[0].pric"),
    ("huge exponent in a policy table", _spliced(_with(lambda d: d["policy"]["benefits"][0]["deductible"].update(
        amount={"1": 300, "2": 500, "3": "@E"})), {"@E": "1e999999999"}), "policy.benefits[0].deductible.amount.3"),
    ("tiny exponent amount", _spliced(_with(lambda d: d["person"].update(acct_balance="@E")), {"@E": "1e-999999999"}),
     "person.acct_balance"),
    ("cnt × pric past 1e26", json.dumps(case_doc([{"code": "JIA", "cnt": "99999999999999", "pric": "99999999999999"}])),
     "lines[0]"),
    ("price ceiling × cnt past 1e26", json.dumps(case_doc(
        [{"code": "CONS", "cnt": "999999999999999", "det_item_fee_sumamt": 100}],
        catalog=[dict(e, pric_uplmt_amt="999999999999") if e["code"] == "CONS" else e for e in BASE_CATALOG])), "lines[0].cnt"),
    ("deductible × nth-visit factor past 1e26", json.dumps(_with(lambda d: d["policy"]["benefits"][0]["deductible"].update(
        amount={"1": 300, "2": 500, "3": "999999999999999"}, nth_visit_factor=["999999999999"]))),
     "policy.benefits[0].deductible.nth_visit_factor[0]"),
    ("layer threshold × assistance factor past 1e26", json.dumps(_with(lambda d: (
        d["policy"].update(layers=[{"fund": "hifmi", "base": "inscp_burden", "threshold": "999999999999999",
                                    "bands": [{"upto": None, "ratio": 0.6}]}],
                           medical_assistance={"groups": {"tekun": {"ratio": 0.7, "layer_adjust": {
                               "hifmi": {"threshold_factor": "999999999999"}}}}}),
        d["person"].update(assistance_group="tekun")))),
     "policy.medical_assistance.groups.tekun.layer_adjust.hifmi.threshold_factor"),
    ("lone surrogate", _spliced(_with(lambda d: d["visit"].update(med_type="@S")), {"@S": '"\\ud800"'}), "visit.med_type"),
]


@pytest.mark.parametrize(("name", "text", "path"), HOSTILE_FILES, ids=[case[0] for case in HOSTILE_FILES])
def test_hostile_case_files_are_bad_input_with_a_path(tmp_path, name, text, path):
    case_file = tmp_path / "case.json"
    case_file.write_text(text, encoding="utf-8")
    with pytest.raises(SettlementRefused) as refused:
        settle(load_case(case_file))
    assert refused.value.code == "E_BAD_INPUT", refused.value.message
    assert refused.value.path == path or refused.value.path.startswith(path + "["), (refused.value.path, refused.value.message)
    assert len(refused.value.message) < 400


def test_yibao_settle_answers_hostile_case_files_without_a_traceback(tmp_path):
    for index, (name, text, path) in enumerate(HOSTILE_FILES):
        case_file = tmp_path / f"case{index}.json"
        case_file.write_text(text, encoding="utf-8")
        proc = subprocess.run([sys.executable, "-m", "yibao.cli", "settle", str(case_file)], capture_output=True,
                              text=True, timeout=60)
        assert "Traceback" not in proc.stderr, (name, proc.stderr[-2000:])
        assert proc.returncode == 2, (name, proc.returncode, proc.stdout[-500:])
        error = json.loads(proc.stdout)["error"]
        assert error["code"] == "E_BAD_INPUT" and error["path"].startswith(path), (name, error)
