"""Which agency administers which region, and the one-side checks (app/authorization.py)."""

from __future__ import annotations

import pytest

from yibao.app import agencies, authorization

from ..refusals import refused


@pytest.mark.parametrize("agency, region, expected", [
    ("440000", "440000", True),   # a province: itself
    ("440000", "441500", True),   # its cities (汕尾)
    ("440000", "440305", True),   # and their districts (南山)
    ("440000", "450100", False),  # not another province's city
    ("440300", "440300", True),   # a city: itself
    ("440300", "440305", True),   # its districts
    ("440300", "440100", False),  # not another city of the province
    ("440300", "440000", False),  # nor its province
    ("440305", "440305", True),   # a district: itself only
    ("440305", "440306", False),
    ("440305", "440300", False),  # not its city
    ("500000", "500155", True),   # 重庆 → 梁平区
    ("500100", "500155", True),
    ("440300", "", False),        # an unknown region is nobody's
    ("", "440300", False),
    ("4403", "440300", False),    # not a region code
])
def test_an_agency_administers_its_own_code_and_the_codes_under_it(agency, region, expected):
    assert authorization.administers(agency, region) is expected
    assert agencies.administers({"agency_code": agency}, region) is expected


@pytest.mark.parametrize("agency, prefix", [("440000", "44"), ("440300", "4403"), ("440305", "440305"), (None, None)])
def test_the_scope_prefix_is_what_the_agency_administers(agency, prefix):
    assert authorization.scope_prefix(agency) == prefix


@pytest.mark.parametrize("agency, insured, treatment, expected", [
    ("440300", "440300", "500155", True),   # the insured side
    ("500000", "440300", "500155", True),   # the treatment side's province
    ("440100", "440300", "500155", False),  # neither
    ("441500", "441500", "441500", True),
])
def test_clearing_belongs_to_either_side_of_its_pair(agency, insured, treatment, expected):
    assert authorization.clearing_side(agency, insured, treatment) is expected


def test_one_side_checks_refuse_with_their_codes_and_forbidden():
    authorization.check_treatment_place("440000", "440305", "H44030500001")
    with refused("AUTHZ_NOT_TREATMENT_PLACE", "H44030500001"):
        authorization.check_treatment_place("440100", "440305", "H44030500001")
    authorization.check_insured_place("440300", "440305", "编制预付金计划")
    with refused("AUTHZ_NOT_INSURED_PLACE", "参保地"):
        authorization.check_insured_place("500000", "440305", "编制预付金计划")
    with refused("AUTHZ_NOT_ADMINISTERED", "441500") as caught:
        authorization.check_region("440300", "441500", "导入规则包")
    assert caught.value.http_status == 403


@pytest.mark.parametrize("psn_no, masked", [
    ("44030019900101001X", "4403************1X"), ("P1234567", "P123**67"), ("P12", "***"), ("", "")])
def test_person_numbers_for_another_region_are_masked(psn_no, masked):
    assert authorization.mask_psn_no(psn_no) == masked
