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
from yibao.documents.validation import parse_json
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


# Raw JSON literals no Python value writes: what a hand-edited or hostile case file may hold.
RAW_LITERALS = ["9" * 4301, "-" + "9" * 5000, "1" + "0" * 4000, "1e999999999999", "-1e999999999", "1e-999999999",
                "1E+400", "99999999999999.99", "999999999999999", "1e26", "NaN", "Infinity", '"\\ud800"',
                '"a\\udfffb"', '"\\u0000"', "[" * 80 + "]" * 80, "[" * 3000 + "]" * 3000, '{"a":' * 70 + "1" + "}" * 70]


@st.composite
def hostile_texts(draw):
    """A golden case as JSON text with one to three values replaced by raw hostile literals."""
    doc = copy.deepcopy(draw(st.sampled_from(CASES)))
    raw = {}
    for number in range(draw(st.integers(1, 3))):
        places = [p for p in paths(doc) if p]
        place = draw(st.sampled_from(places))
        parent = doc
        for key in place[:-1]:
            parent = parent[key]
        token = f"@@raw{number}@@"
        raw[token] = draw(st.sampled_from(RAW_LITERALS))
        parent[place[-1]] = token
    text = json.dumps(doc, default=str, ensure_ascii=False)
    for token, literal in raw.items():
        text = text.replace(json.dumps(token), literal)
    return text


@settings(max_examples=300, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(hostile_texts())
def test_hostile_case_texts_are_refused_never_crash(text):
    """The text path of `yibao settle`: parse, validate, settle, render, print as UTF-8."""
    try:
        result = settlement_result(settle(parse_case(parse_json(text))))
        dumps(result).encode("utf-8")
    except SettlementRefused as refusal:
        assert refusal.code in ("E_BAD_INPUT", "E_NOT_FILED", "E_NO_BENEFIT", "E_POLICY_NOT_EFFECTIVE", "E_NOT_QUALIFIED")
        if refusal.code == "E_BAD_INPUT":
            assert refusal.path, refusal.message
        dumps(refusal.as_dict()).encode("utf-8")
