"""The registry's use cases (agencies, filings, qualifications, the consistency check) against
in-memory repositories (milliseconds)."""

from __future__ import annotations

import pytest

from yibao.app import actors, agencies
from yibao.app.errors import GatewayError

from .fake_registry import FakeAgencies
from .fakes import FakeUnitOfWork


def unit(actor=actors.SYSTEM) -> FakeUnitOfWork:
    uow = FakeUnitOfWork(actor)
    uow.agencies = FakeAgencies()
    return uow


# --- agencies ---------------------------------------------------------------------------------

def test_an_agency_authenticates_with_its_token_only():
    uow = unit()
    token = agencies.add_agency(uow, "440300", "深圳市医疗保障事务中心", "secret-token")
    assert token == "secret-token"
    stored = uow.agencies.rows["440300"]
    assert stored["token_hash"] != token and stored["role"] == "agency"  # only a salted hash is kept
    assert agencies.authenticate(uow, "440300", "secret-token")["agency_name"] == "深圳市医疗保障事务中心"
    assert agencies.authenticate(uow, "440300", "wrong") is None
    assert agencies.authenticate(uow, "440300", "") is None
    assert agencies.authenticate(uow, "110000", "secret-token") is None


def test_rekeying_an_agency_changes_its_token_fingerprint_and_retires_the_old_token():
    uow = unit()
    first = agencies.add_agency(uow, "440300", "深圳")
    before = agencies.token_fingerprint(agencies.get(uow, "440300"))
    second = agencies.add_agency(uow, "440300", "深圳市医保")
    after = agencies.get(uow, "440300")
    assert first != second and len(uow.agencies.rows) == 1
    assert agencies.token_fingerprint(after) != before and len(before) == 8
    assert agencies.authenticate(uow, "440300", first) is None
    assert agencies.authenticate(uow, "440300", second)["agency_name"] == "深圳市医保"
    assert agencies.actor(after).ref == f"token:{agencies.token_fingerprint(after)}"


@pytest.mark.parametrize("code", ["44030", "4403000", "44030X", ""])
def test_an_agency_code_is_six_digits(code):
    uow = unit()
    with pytest.raises(GatewayError, match="6-digit"):
        agencies.add_agency(uow, code, "x")
    assert uow.agencies.rows == {}
