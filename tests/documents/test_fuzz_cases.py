"""Malformed case files never crash: whatever is changed, removed or put in the wrong place,
`yibao settle` answers a settlement or a refusal with a code, never a traceback."""

from __future__ import annotations

import copy
import json
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from yibao.documents.case_document import parse_case
from yibao.documents.render import dumps, settlement_result
from yibao.domain.errors import SettlementRefused
from yibao.domain.settle import settle

from ..conftest import golden_cases

CASES = [json.loads(path.read_text(encoding="utf-8"), parse_float=Decimal) for path in golden_cases()]
weird = st.one_of(
    st.none(), st.booleans(), st.integers(-10**12, 10**12), st.text(max_size=12),
    st.sampled_from(["NaN", "Infinity", "-0", "1e400", "0.001", "abc", "", "2024-02-30", "21", "03", "*"]),
    st.decimals(allow_nan=True, allow_infinity=True), st.lists(st.integers(), max_size=3), st.dictionaries(st.text(max_size=5), st.integers(), max_size=3),
)


def paths(value, prefix=()):
    yield prefix
    if isinstance(value, dict):
        for key, item in value.items():
            yield from paths(item, prefix + (key,))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from paths(item, prefix + (index,))


@st.composite
def mutated(draw):
    doc = copy.deepcopy(draw(st.sampled_from(CASES)))
    for _ in range(draw(st.integers(1, 3))):
        places = [p for p in paths(doc) if p]
        if not places:
            break
        place = draw(st.sampled_from(places))
        parent = doc
        for key in place[:-1]:
            parent = parent[key]
        if draw(st.booleans()) and isinstance(parent, dict):
            del parent[place[-1]]
        else:
            parent[place[-1]] = draw(weird)
    return doc


@settings(max_examples=400, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(mutated())
def test_malformed_cases_are_refused_never_crash(doc):
    try:
        result = settlement_result(settle(parse_case(doc)))
        json.loads(dumps(result))
    except SettlementRefused as refusal:
        assert refusal.code in ("E_BAD_INPUT", "E_NOT_FILED", "E_NO_BENEFIT", "E_POLICY_NOT_EFFECTIVE", "E_NOT_QUALIFIED")
        if refusal.code == "E_BAD_INPUT":
            assert refusal.path, refusal.message
