"""The hot path's shortcuts answer exactly what the long way answers: the common date-time
form read without strptime, the body check skipped only when the walk could find nothing, and
Decimals written as exact literals by the encoder's hook."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from yibao.app.errors import GatewayError
from yibao.documents.render import dumps
from yibao.gateway import readers
from yibao.gateway.dispatch import plainly_safe
from yibao.gateway.json_input import check_json, load_json


def strptime_reading(text: str) -> dt.datetime | str:
    try:
        return readers.moment({"t": text}, "t", "input")
    except GatewayError as refused:
        return str(refused)


def long_way(text: str) -> dt.datetime | str:
    for pattern in readers.DATETIME_FORMATS:
        try:
            found = dt.datetime.strptime(text.strip()[:64], pattern)
        except ValueError:
            continue
        return found if readers.EARLIEST <= found <= readers.LATEST else "out of range"
    return "not a date-time"


@settings(max_examples=400, deadline=None)
@given(st.one_of(st.datetimes(min_value=dt.datetime(1800, 1, 1), max_value=dt.datetime(3100, 1, 1)).map(
    lambda d: f"{d:%Y-%m-%d %H:%M:%S}"), st.from_regex(r"[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}", fullmatch=True)))
def test_the_common_form_reads_as_strptime_reads_it(text):
    reading, expected = strptime_reading(text), long_way(text)
    if isinstance(expected, dt.datetime):
        assert reading == expected
    else:
        assert isinstance(reading, str)  # refused either way


@pytest.mark.parametrize("text, expected", [
    ("2026-11-02 09:00:00", dt.datetime(2026, 11, 2, 9)),
    ("2026-1-2 3:4:5", dt.datetime(2026, 1, 2, 3, 4, 5)),  # not the common form: strptime still reads it
    ("20261102", dt.datetime(2026, 11, 2)),
])
def test_other_forms_still_read(text, expected):
    assert strptime_reading(text) == expected


@pytest.mark.parametrize("text", ["2026-02-29 00:00:00", "2026-13-01 00:00:00", "1899-12-31 23:59:59"])
def test_impossible_or_out_of_range_moments_are_refused(text):
    assert isinstance(strptime_reading(text), str)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=4), children, max_size=3),
    max_leaves=12)


@settings(max_examples=400, deadline=None)
@given(json_values, st.sampled_from([True, False]))
def test_a_body_passed_as_plain_passes_the_walk(value, ascii_only):
    body = json.dumps({"input": value}, ensure_ascii=ascii_only).encode("utf-8", "surrogatepass")
    if plainly_safe(body):
        check_json(load_json(body))  # never raises when the walk was skipped


@pytest.mark.parametrize("body", [
    b'{"a": "x\\u0000"}', b'{"a": "\\ud800"}', b'{"a": "\xed\xa0\x80"}', "{\"a\": \"x\"}".encode("utf-16"),
    b'{"a": ' + b"[" * 64 + b"]" * 64 + b"}",
])
def test_bodies_that_could_hide_a_bad_character_or_nest_deep_are_walked(body):
    assert not plainly_safe(body)


def test_a_plain_fee_upload_is_plain():
    body = json.dumps({"infno": "2204", "input": {"feedetail": [{"cnt": "1", "name": "阿莫西林"}] * 5}},
                      ensure_ascii=False).encode()
    assert plainly_safe(body)


def test_decimals_are_exact_literals_and_other_types_refused():
    assert dumps({"a": Decimal("1.50"), "b": (Decimal("-0.01"), [Decimal("12345678901234567890.1")])}, indent=None) == \
        '{"a": 1.50, "b": [-0.01, [12345678901234567890.1]]}'
    assert dumps({"name": "张三"}, indent=None) == '{"name": "张三"}'
    with pytest.raises(TypeError):
        dumps({"when": dt.date(2026, 1, 1)})
