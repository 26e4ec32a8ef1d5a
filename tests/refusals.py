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


@contextmanager
def answered_refusal(code: str, *words: str):
    """The block's gateway call is answered infcode -1 with ``[code] …`` in err_msg holding each of ``words``."""
    from yibao.sim.his import TransactionFailed

    with pytest.raises(TransactionFailed) as caught:
        yield caught
    assert caught.value.code == code, caught.value.err_msg
    for word in words:
        assert word in caught.value.err_msg, (word, caught.value.err_msg)
