"""E-voucher tokens (domain/evoucher.py) and the use cases of app/evouchers.py over an
in-memory unit of work: a good token, a tampered, an expired one, another person's, a person
number posing as a token, a suspended voucher; activation, suspension, resumption, counts."""

from __future__ import annotations

import base64
import datetime as dt
import json

import pytest

from yibao.app import actors, evouchers
from yibao.app.errors import GatewayError
from yibao.domain.evoucher import TokenClaims, TokenRefused, read_token, sign_token

from .fake_evouchers import FakeEvouchers
from .fakes import FakeUnitOfWork

NOW = dt.datetime(2026, 12, 1, 9, 0)
KEY = b"k" * 32
CLAIMS = TokenClaims("LY0001", "EV0000000001", NOW, NOW + dt.timedelta(minutes=5))


def refused_code(action) -> str:
    with pytest.raises(GatewayError) as caught:
        action()
    return caught.value.code


# --- pure tokens -----------------------------------------------------------------------------------------

def test_a_good_token_reads_back_its_claims_until_it_expires():
    token = sign_token(KEY, CLAIMS)
    assert read_token(KEY, token, NOW + dt.timedelta(seconds=299)) == CLAIMS
    with pytest.raises(TokenRefused) as caught:
        read_token(KEY, token, NOW + dt.timedelta(seconds=300))
    assert caught.value.code == "EVOUCHER_TOKEN_EXPIRED" and caught.value.params == {"expires": "2026-12-01 09:05:00"}


def test_a_tampered_payload_or_signature_or_another_key_is_refused():
    token = sign_token(KEY, CLAIMS)
    body, _, signature = token.partition(".")
    payload = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    payload["psn_no"] = "LY0002"  # the same token for someone else
    forged = base64.urlsafe_b64encode(json.dumps(payload).encode()).rstrip(b"=").decode() + "." + signature
    flipped = body + "." + ("A" if signature[0] != "A" else "B") + signature[1:]
    for bad, key in ((forged, KEY), (flipped, KEY), (token, b"x" * 32), (body + ".!!", KEY)):
        with pytest.raises(TokenRefused) as caught:
            read_token(key, bad, NOW)
        assert caught.value.code == "EVOUCHER_TOKEN_BAD_SIGNATURE", bad


@pytest.mark.parametrize("posing", ["LY0001", "37130019800102001X", "EV0000000001", ".", "a."])
def test_a_person_number_or_any_bare_text_is_not_a_token(posing):
    with pytest.raises(TokenRefused) as caught:
        read_token(KEY, posing, NOW)
    assert caught.value.code == "EVOUCHER_NOT_A_TOKEN"


def test_the_platform_key_derives_a_token_key_that_is_not_the_platform_key_itself():
    platform_key = base64.urlsafe_b64encode(b"p" * 32).decode()
    derived = evouchers.TokenSettings.from_platform_key(platform_key, 60)
    assert derived.seconds == 60 and len(derived.platform_key) == 32 and derived.platform_key != b"p" * 32
    assert derived.platform_key == evouchers.TokenSettings.from_platform_key(platform_key).platform_key
    assert evouchers.TokenSettings.from_platform_key("").platform_key is None


# --- use cases -------------------------------------------------------------------------------------------

@pytest.fixture
def uow():
    unit = FakeUnitOfWork(actors.agency("371300", "0badc0de"), NOW)
    unit.evouchers = FakeEvouchers(persons={"LY0001": "371300", "LY0002": "371302", "SZ0001": "440300"})
    return unit


def test_activation_issues_one_voucher_per_person_with_its_actor(uow):
    voucher = evouchers.activate(uow, "LY0001")
    assert voucher["state"] == "active" and voucher["insuplc_admdvs"] == "371300"
    assert voucher["activated_by"] == "agency:371300/token:0badc0de" and voucher["activated_at"] == NOW
    assert uow.evouchers.locked == ["LY0001"]
    assert [row[1:3] for row in uow.actions.rows] == [("evoucher.activate", "LY0001")]
    assert refused_code(lambda: evouchers.activate(uow, "LY0001")) == "EVOUCHER_ALREADY_ACTIVATED"
    assert refused_code(lambda: evouchers.activate(uow, "NOBODY")) == "PERSON_NOT_FOUND"


def test_a_token_names_the_holder_and_is_refused_for_another_person_or_once_suspended(uow):
    settings = evouchers.TokenSettings(KEY, 300)
    evouchers.activate(uow, "LY0001")
    evouchers.activate(uow, "LY0002")
    issued = evouchers.issue_token(uow, settings, "LY0001")
    assert issued["expires_at"] == NOW + dt.timedelta(seconds=300)
    token = issued["token"]
    assert evouchers.verified_holder(uow, settings, token, NOW) == "LY0001"
    assert uow.evouchers.voucher_reads == 1  # one indexed read per verification
    assert evouchers.verified_holder(uow, settings, token, NOW, "LY0001") == "LY0001"
    assert refused_code(lambda: evouchers.verified_holder(uow, settings, token, NOW, "LY0002")) == "EVOUCHER_TOKEN_OTHER_PERSON"
    assert refused_code(lambda: evouchers.verified_holder(uow, settings, "LY0001", NOW, "LY0001")) == "EVOUCHER_NOT_A_TOKEN"
    late = NOW + dt.timedelta(seconds=301)
    assert refused_code(lambda: evouchers.verified_holder(uow, settings, token, late)) == "EVOUCHER_TOKEN_EXPIRED"

    evouchers.suspend(uow, "LY0001", "挂失")
    assert refused_code(lambda: evouchers.verified_holder(uow, settings, token, NOW)) == "EVOUCHER_SUSPENDED"
    assert refused_code(lambda: evouchers.issue_token(uow, settings, "LY0001")) == "EVOUCHER_SUSPENDED"
    evouchers.resume(uow, "LY0001", "找回")
    assert evouchers.verified_holder(uow, settings, token, NOW) == "LY0001"


def test_a_token_of_a_voucher_this_database_does_not_hold_is_refused(uow):
    settings = evouchers.TokenSettings(KEY, 300)
    foreign = sign_token(KEY, TokenClaims("LY0001", "EV9999999999", NOW, NOW + dt.timedelta(minutes=5)))
    assert refused_code(lambda: evouchers.verified_holder(uow, settings, foreign, NOW)) == "EVOUCHER_NOT_ACTIVATED"


def test_suspension_and_resumption_are_new_rows_of_a_chain_never_updates(uow):
    evouchers.activate(uow, "LY0001")
    evouchers.suspend(uow, "LY0001", "挂失")
    assert refused_code(lambda: evouchers.suspend(uow, "LY0001", "again")) == "EVOUCHER_ALREADY_SUSPENDED"
    evouchers.resume(uow, "LY0001", "找回")
    assert refused_code(lambda: evouchers.resume(uow, "LY0001", "again")) == "EVOUCHER_NOT_SUSPENDED"
    evouchers.suspend(uow, "LY0001", "死亡")
    history = evouchers.voucher_view(uow, "LY0001")["history"]
    assert [(row["seq"], row["state"], row["reason"]) for row in history] == [
        (1, "suspended", "挂失"), (2, "active", "找回"), (3, "suspended", "死亡")]
    assert all(row["changed_by"] == "agency:371300/token:0badc0de" for row in history)
    assert [row[1] for row in uow.actions.rows] == ["evoucher.activate", "evoucher.suspend", "evoucher.resume",
                                                    "evoucher.suspend"]
    assert refused_code(lambda: evouchers.suspend(uow, "LY0002", "x")) == "EVOUCHER_NONE"


def test_without_a_platform_key_the_first_token_makes_the_database_key_and_later_ones_reuse_it(uow):
    settings = evouchers.TokenSettings(None, 300)
    evouchers.activate(uow, "LY0001")
    assert refused_code(lambda: evouchers.verified_holder(uow, settings, "LY0001", NOW)) == "EVOUCHER_NOT_A_TOKEN"
    token = evouchers.issue_token(uow, settings, "LY0001")["token"]
    stored = uow.evouchers.stored_key
    assert stored is not None and len(base64.urlsafe_b64decode(stored)) == 32
    other_process = evouchers.TokenSettings(None, 300)  # reads the stored key
    assert evouchers.verified_holder(uow, other_process, token, NOW) == "LY0001"
    assert uow.evouchers.stored_key == stored


def test_counts_by_insured_region_within_the_agency_prefix(uow):
    for psn_no in ("LY0001", "LY0002", "SZ0001"):
        evouchers.activate(uow, psn_no)
    evouchers.suspend(uow, "LY0002", "挂失")
    assert evouchers.counts(uow, ["37"]) == [
        {"insuplc_admdvs": "371300", "active": 1, "suspended": 0, "activated": 1},
        {"insuplc_admdvs": "371302", "active": 0, "suspended": 1, "activated": 1}]
    assert [row["insuplc_admdvs"] for row in evouchers.counts(uow, [""])] == ["371300", "371302", "440300"]
