"""Small settlement cases for unit tests, written as documents and parsed at the edge."""

from __future__ import annotations

import copy
from decimal import Decimal
from typing import Any

from yibao.documents.case_document import parse_case
from yibao.domain.settle import Settlement, settle

BASE_POLICY: dict[str, Any] = {
    "admdvs": "371300",
    "name": "测试职工医保",
    "insutype": "310",
    "valid_from": "2024-01-01",
    "valid_to": "2024-12-31",
    "benefits": [
        {
            "name": "inpatient",
            "med_types": ["21", "24"],
            "accumulator": "inpatient",
            "deductible": {"basis": "per_visit", "amount": {"1": 300, "2": 500, "3": 800},
                           "nth_visit_factor": [1, 0.5, 0], "waived_groups": ["tekun"]},
            "bands_basis": "per_visit",
            "bands": [
                {"upto": 100000, "ratio": {"in_service": {"1": 0.9, "2": 0.85, "3": 0.8},
                                           "retired": {"1": 0.95, "2": 0.925, "3": 0.9}}},
                {"upto": None, "ratio": {"in_service": 0.9, "retired": 0.95}},
            ],
            "cap": {"key": "basic", "amount": 200000},
        },
        {
            "name": "outpatient_general",
            "med_types": ["11"],
            "accumulator": "outpatient_general",
            "deductible": {"basis": "annual", "amount": {"in_service": 200, "retired": 100}},
            "bands_basis": "annual",
            "bands": [{"upto": None, "ratio": {"in_service": {"*": 0.6, "3": 0.5},
                                               "retired": {"*": 0.7, "3": 0.6}}}],
            "cap": {"key": "outpatient_general", "amount": 3000},
        },
    ],
    "layers": [],
    "personal_account": {"payable": ["inscp_burden", "preselfpay", "overlmt", "fulamt"],
                         "family_mutual_aid": True},
    "cross_region": {
        "cross_province": {"long_term": {"mode": "none"},
                           "referral": {"mode": "subtract_points", "value": 0.1},
                           "emergency": {"mode": "subtract_points", "value": 0.1},
                           "temporary_other": {"mode": "subtract_points", "value": 0.2},
                           "unfiled": "reject"},
        "in_province": None,
    },
}

BASE_CATALOG = [
    {"code": "JIA", "name": "甲类", "chrgitm_lv": "01"},
    {"code": "YI", "name": "乙类", "chrgitm_lv": "02", "selfpay_prop": 0.1},
    {"code": "CONS", "name": "乙类耗材", "chrgitm_lv": "02", "selfpay_prop": 0.2, "pric_uplmt_amt": 5000},
    {"code": "BING", "name": "丙类", "chrgitm_lv": "03"},
]


def case_doc(
    lines: list[dict] | None = None,
    *,
    policy: dict | None = None,
    person: dict | None = None,
    visit: dict | None = None,
    ytd: dict | None = None,
    catalog: list[dict] | None = None,
) -> dict[str, Any]:
    doc = {
        "policy": copy.deepcopy(policy if policy is not None else BASE_POLICY),
        "catalog": copy.deepcopy(catalog if catalog is not None else BASE_CATALOG),
        "person": {"psn_no": "P1", "insutype": "310", "psn_type": "1101", "retired": False,
                   "cvlserv_flag": False, "assistance_group": None,
                   "acct_balance": 0, "mutual_aid_balance": 0},
        "ytd": ytd or {},
        "visit": {"med_type": "21", "medins_lv": "3", "begndate": "2024-03-01",
                  "enddate": "2024-03-11", "insuplc_admdvs": "371300",
                  "mdtrtarea_admvs": "371300", "filing": None, "acct_used_flag": True},
        "lines": lines if lines is not None else [{"code": "JIA", "det_item_fee_sumamt": 10000}],
    }
    doc["person"].update(person or {})
    doc["visit"].update(visit or {})
    return doc


def settle_doc(doc: dict[str, Any]) -> Settlement:
    return settle(parse_case(doc))


def run(lines: list[dict] | None = None, **kwargs: Any) -> Settlement:
    return settle_doc(case_doc(lines, **kwargs))


def D(value: str | int) -> Decimal:
    return Decimal(str(value))
