"""One refusal type with a kind that each channel maps mechanically (app/errors.py)."""

import pytest

from yibao.app.error_codes import refusal
from yibao.app.errors import REFUSAL_KINDS, GatewayError


def test_kinds_map_to_http_statuses():
    assert GatewayError("x").http_status == 422
    assert refusal("CLEARING_STATEMENT_NOT_FOUND", statement_id="CS1").http_status == 404
    assert {kind: GatewayError("x", kind).http_status for kind in REFUSAL_KINDS} == {
        "refused": 422, "invalid": 422, "not_found": 404, "forbidden": 403, "conflict": 409, "unauthenticated": 401}


def test_an_unknown_kind_is_a_programming_error():
    with pytest.raises(AssertionError):
        GatewayError("x", "teapot")
