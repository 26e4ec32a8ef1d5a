"""The shipped regional policies load, and the golden regions are among them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from yibao.documents.policy_document import parse_policy
from yibao.documents.validation import parse_json

POLICIES = sorted((Path(__file__).resolve().parents[2] / "policies").glob("*.json"))


@pytest.mark.parametrize("path", POLICIES, ids=[p.stem for p in POLICIES])
def test_policy_file_loads_and_is_named_for_its_key(path: Path):
    policy = parse_policy(parse_json(path.read_text(encoding="utf-8")), "")
    admdvs, insutype, year = path.stem.split("-")
    assert (policy.admdvs, policy.insutype, policy.valid_from.year) == (admdvs, insutype, int(year))
    if insutype == "510":  # maternity: prenatal and delivery benefits instead (docs/maternity.md)
        assert {"51", "52"} <= {m for b in policy.benefits for m in b.med_types} and policy.maternity is not None
    else:
        assert any("21" in b.med_types for b in policy.benefits), "every policy has an inpatient benefit"


def test_golden_regions_have_policies():
    regions = {p.stem.rsplit("-", 1)[0] for p in POLICIES}
    assert {"110000-310", "371300-310", "611000-390", "500000-310", "500000-390"} <= regions


def test_policy_errors_name_the_field_without_a_prefix():
    doc = json.loads(POLICIES[0].read_text(encoding="utf-8"))
    doc["benefits"][0]["bands"][0]["ratio"] = "high"
    with pytest.raises(Exception) as refused:
        parse_policy(doc, "")
    assert refused.value.path == "benefits[0].bands[0].ratio"
