"""The gateway's authentication modes, checked without a database (gateway/auth.py): the x-tif
signature of the provincial gateways, the Jiangxi-style _api_ HMAC, apikey, and none from
trusted networks. Expected signatures are computed here from the spec's formulas, not with
the code under test."""

from __future__ import annotations

import base64
import hashlib
import hmac

import pytest

from yibao.app.errors import GatewayError
from yibao.app.importing import hash_secret
from yibao.app.secret_box import SecretBox, SecretBoxError, new_platform_key
from yibao.gateway import auth

CODE = "H44130200001"
SECRET = "0f3a9c1d2b4e5f60718293a4b5c6d7e8"
NOW = 1_764_000_000.0
BOX = SecretBox.from_text(new_platform_key())


def tif_headers(timestamp: int | str = int(NOW), nonce: str = "4821", secret: str = SECRET, code: str = CODE) -> dict:
    stamp = str(timestamp)
    signature = hashlib.sha256(f"{stamp}{secret}{nonce}{stamp}".encode()).hexdigest()
    return {"x-tif-paasid": code, "x-tif-timestamp": stamp, "x-tif-nonce": nonce, "x-tif-signature": signature}


def api_headers(infno: str = "2207", millis: int = int(NOW * 1000), secret: str = SECRET) -> dict:
    values = {"_api_access_key": CODE, "_api_name": infno, "_api_timestamp": str(millis), "_api_version": "1.0.0"}
    text = f"_api_access_key={CODE}&_api_name={infno}&_api_timestamp={millis}&_api_version=1.0.0"
    digest = hmac.new(secret.encode(), text.encode(), hashlib.sha1).digest()
    return dict(values, _api_signature=base64.b64encode(digest).decode())


def institution(mode: str, secret: str = SECRET) -> dict:
    salt = "00aa11bb22cc33dd"
    return {"fixmedins_code": CODE, "auth_mode": mode, "secret_salt": salt, "secret_hash": hash_secret(secret, salt),
            "secret_sealed": BOX.seal(secret, CODE) if mode in ("x-tif", "api") else None}


def check(mode: str, headers: dict, *, infno: str = "2207", client: str | None = "127.0.0.1", now: float = NOW,
          policy: auth.AuthPolicy | None = None):
    return auth.authenticate(institution(mode), headers, infno=infno, client_host=client, now=now,
                             policy=policy or auth.AuthPolicy(box=BOX))


def refused_code(mode: str, headers: dict, **kwargs) -> str:
    with pytest.raises(GatewayError) as refusal:
        check(mode, headers, **kwargs)
    assert any("\u4e00" <= ch <= "\u9fff" for ch in refusal.value.message), "a cashier reads Chinese"
    return refusal.value.code


# --- x-tif ---------------------------------------------------------------------------------------

def test_a_good_tif_signature_is_accepted_and_gives_its_replay_key():
    headers = tif_headers()
    signed = check("x-tif", headers)
    assert signed == auth.SignedRequest(int(NOW), "4821", headers["x-tif-signature"], int(NOW) + 300)


def test_the_tif_signature_hex_is_compared_case_insensitively_and_stored_lower_case():
    headers = tif_headers()
    upper = dict(headers, **{"x-tif-signature": headers["x-tif-signature"].upper()})
    assert check("x-tif", upper).signature == headers["x-tif-signature"]  # one replay key for both spellings


def test_a_wrong_tif_signature_is_refused():
    assert refused_code("x-tif", tif_headers(secret="another-secret-entirely")) == "AUTH_BAD_SIGNATURE"
    tampered = dict(tif_headers(), **{"x-tif-nonce": "4822"})  # the nonce is part of what is signed
    assert refused_code("x-tif", tampered) == "AUTH_BAD_SIGNATURE"


def test_a_stale_or_future_tif_timestamp_is_refused_at_the_window_edge():
    assert check("x-tif", tif_headers(int(NOW) - 300)) is not None
    assert check("x-tif", tif_headers(int(NOW) + 300)) is not None
    assert refused_code("x-tif", tif_headers(int(NOW) - 301)) == "AUTH_STALE_TIMESTAMP"
    assert refused_code("x-tif", tif_headers(int(NOW) + 301)) == "AUTH_FUTURE_TIMESTAMP"
    narrow = auth.AuthPolicy(window_seconds=30, box=BOX)
    assert refused_code("x-tif", tif_headers(int(NOW) - 31), policy=narrow) == "AUTH_STALE_TIMESTAMP"


def test_tif_headers_must_be_complete_well_formed_and_name_the_institution():
    headers = tif_headers()
    del headers["x-tif-nonce"]
    assert refused_code("x-tif", headers) == "AUTH_MISSING_SIGNATURE"
    assert refused_code("x-tif", {"x-tif-paasid": CODE, "apikey": SECRET}) == "AUTH_MISSING_SIGNATURE"
    assert refused_code("x-tif", tif_headers(code="H44130200002")) == "AUTH_PAASID_MISMATCH"
    assert refused_code("x-tif", tif_headers("1764000000000.5")) == "AUTH_BAD_TIMESTAMP"
    assert refused_code("x-tif", tif_headers(nonce="9" * 65)) == "AUTH_BAD_NONCE"


def test_a_uuid_nonce_and_a_one_digit_nonce_both_sign():
    assert check("x-tif", tif_headers(nonce="7")).nonce == "7"
    uuid = "3f2c8a1e-6d4b-4c2a-9e1f-0a1b2c3d4e5f"
    assert check("x-tif", tif_headers(nonce=uuid)).nonce == uuid


def test_a_signature_mode_needs_the_platform_key_that_sealed_the_secret():
    assert refused_code("x-tif", tif_headers(), policy=auth.AuthPolicy()) == "AUTH_NO_PLATFORM_KEY"
    other = auth.AuthPolicy(box=SecretBox.from_text(new_platform_key()))
    assert refused_code("x-tif", tif_headers(), policy=other) == "AUTH_SECRET_UNREADABLE"


# --- _api_ (Jiangxi) -------------------------------------------------------------------------------

def test_a_good_api_signature_is_accepted_with_milliseconds():
    headers = api_headers()
    signed = check("api", headers)
    assert signed == auth.SignedRequest(int(NOW * 1000), "", headers["_api_signature"], int(NOW) + 300)


def test_a_wrong_or_stale_api_signature_or_another_infno_is_refused():
    assert refused_code("api", api_headers(secret="not-the-secret")) == "AUTH_BAD_SIGNATURE"
    assert refused_code("api", api_headers(millis=int((NOW - 301) * 1000))) == "AUTH_STALE_TIMESTAMP"
    assert refused_code("api", api_headers(millis=int((NOW + 301) * 1000))) == "AUTH_FUTURE_TIMESTAMP"
    # a signature made for 1101 does not carry a 2207
    assert refused_code("api", api_headers(infno="1101"), infno="2207") == "AUTH_API_NAME_MISMATCH"
    forged = dict(api_headers(infno="1101"), _api_name="2207")
    assert refused_code("api", forged, infno="2207") == "AUTH_BAD_SIGNATURE"
    assert refused_code("api", dict(api_headers(), _api_access_key="H1")) == "AUTH_PAASID_MISMATCH"


# --- apikey and none ------------------------------------------------------------------------------

def test_apikey_mode_checks_the_hash_as_before():
    assert check("apikey", {"x-tif-paasid": CODE, "apikey": SECRET}) is None
    assert refused_code("apikey", {"x-tif-paasid": CODE, "apikey": "wrong-secret"}) == "AUTH_BAD_APIKEY"
    assert refused_code("apikey", {"apikey": SECRET}) == "AUTH_BAD_APIKEY"
    assert refused_code("apikey", tif_headers()) == "AUTH_BAD_APIKEY"  # a signature is no apikey
    assert check("", {"x-tif-paasid": CODE, "apikey": SECRET}) is None  # no mode stored: apikey


def test_none_mode_is_accepted_from_a_trusted_network_only():
    lan = auth.AuthPolicy(trusted_networks=("10.20.0.0/16", "fd00::/8"))
    assert check("none", {}, client="10.20.3.4", policy=lan) is None
    assert check("none", {}, client="::ffff:10.20.3.4", policy=lan) is None  # IPv4 seen through IPv6
    assert check("none", {}, client="fd00::12", policy=lan) is None
    assert refused_code("none", {}, client="10.21.0.1", policy=lan) == "AUTH_UNTRUSTED_NETWORK"
    assert refused_code("none", {}, client=None, policy=lan) == "AUTH_UNTRUSTED_NETWORK"
    assert refused_code("none", {}, client="not-an-address", policy=lan) == "AUTH_UNTRUSTED_NETWORK"
    assert refused_code("none", {}, client="10.20.3.4") == "AUTH_UNTRUSTED_NETWORK"  # none configured


def test_carries_signature_tells_a_signed_request():
    assert auth.carries_signature(tif_headers()) and auth.carries_signature(api_headers())
    assert not auth.carries_signature({"x-tif-paasid": CODE, "apikey": SECRET})


# --- the secret box ----------------------------------------------------------------------------------

def test_a_sealed_secret_opens_only_under_its_key_and_for_its_institution():
    sealed = BOX.seal(SECRET, CODE)
    assert SECRET not in sealed and sealed.startswith("g1.")
    assert BOX.open(sealed, CODE) == SECRET
    assert BOX.seal(SECRET, CODE) != sealed  # a fresh nonce each time
    with pytest.raises(SecretBoxError):
        BOX.open(sealed, "H44130200002")
    with pytest.raises(SecretBoxError):
        SecretBox.from_text(new_platform_key()).open(sealed, CODE)
    flipped = sealed[:10] + ("A" if sealed[10] != "A" else "B") + sealed[11:]
    with pytest.raises(SecretBoxError):
        BOX.open(flipped, CODE)
    assert BOX.open(BOX.seal("密钥-ü", CODE), CODE) == "密钥-ü"
    with pytest.raises(SecretBoxError):
        SecretBox.from_text("c2hvcnQ")  # five bytes are no key
