"""Asserting a refusal by its stable code (docs/his/error-codes.md) rather than its wording."""

from __future__ import annotations

from contextlib import contextmanager

import pytest

from yibao.app.errors import GatewayError


@contextmanager
def refused(code: str, *words: str):
    """The block raises GatewayError with ``code``; its message holds each of ``words``
    (the values it names: an id, an amount, a status)."""
    with pytest.raises(GatewayError) as caught:
        yield caught
    assert caught.value.code == code, (caught.value.code, caught.value.message)
    for word in words:
        assert word in caught.value.message, (word, caught.value.message)
