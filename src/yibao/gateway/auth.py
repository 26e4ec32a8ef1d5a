"""How an institution proves who it is at the gateway, one mode per institution.

nhsa-interface.md §1.1 and its appendix ("auth headers") list what real HIS clients and
provincial proxies send; each institution is set to one of them (``institutions.auth_mode``,
imported with the institution list or changed with ``yibao institution auth-mode``):

- ``apikey``: ``x-tif-paasid`` = the institution's code and ``apikey`` = its secret, checked
  against the stored salted hash (the platform's original mode, and the default).
- ``x-tif``: ``x-tif-paasid``, ``x-tif-timestamp`` (Unix seconds), ``x-tif-nonce`` and
  ``x-tif-signature = sha256_hex(timestamp + secret + nonce + timestamp)``, hex compared
  case-insensitively (the provincial gateways, e.g. Guangdong's).
- ``api``: the Jiangxi-style headers ``_api_name`` (= infno), ``_api_version``,
  ``_api_timestamp`` (Unix milliseconds), ``_api_access_key`` (= the institution's code) and
  ``_api_signature`` = Base64(HMAC-SHA1(secret, the four other headers as ``name=value``
  joined by ``&`` in ascending name order)), the cloud service bus convention those gateways use.
- ``none``: no credential; accepted only from the trusted networks of the settings (a
  front-end processor on the hospital's private network).

In the two signature modes the secret never travels; the timestamp must lie within the
window (±300 s by default) and the (timestamp, nonce, signature) of an accepted request is
kept so the same request sent again inside the window is refused as a replay (the dispatcher
records it in the request's transaction; the database's key decides). Real proxies send nonces
of one to ten random digits, so a nonce alone may come back legitimately: only the same
timestamp, nonce and signature together is a replay.

Every refusal is a registered ``AUTH_*`` refusal (app/error_codes.py, forbidden); none of them
says which part of a signature was wrong.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import ipaddress
from dataclasses import dataclass, field
from typing import Mapping

from yibao.app.error_codes import refusal
from yibao.app.errors import GatewayError
from yibao.app.importing import hash_secret
from yibao.app.institution_auth import MODES, SIGNATURE_MODES  # noqa: F401  (the modes, named once)
from yibao.app.secret_box import SecretBox, SecretBoxError

SIGNATURE_HEADERS = ("x-tif-signature", "_api_signature")
NONCE_MAX = 64  # auth_nonces.nonce; UUIDs (36) and the proxies' 1–10 digits fit
API_HEADERS = ("_api_access_key", "_api_name", "_api_timestamp", "_api_version")


@dataclass(frozen=True)
class SignedRequest:
    """What makes a signed request unique: kept until ``expires_at`` to refuse its replay."""

    stamp: int  # as signed: seconds (x-tif) or milliseconds (_api_)
    nonce: str
    signature: str  # normalised: lower-case hex (x-tif), Base64 as sent (_api_)
    expires_at: int  # epoch seconds


@dataclass(frozen=True)
class AuthPolicy:
    window_seconds: int = 300
    trusted_networks: tuple[str, ...] = ()
    box: SecretBox | None = None
    networks: tuple = field(init=False, repr=False, default=())

    def __post_init__(self) -> None:
        object.__setattr__(self, "networks", tuple(ipaddress.ip_network(n, strict=False) for n in self.trusted_networks))


def carries_signature(headers: Mapping[str, str]) -> bool:
    """Whether the request is signed (it then runs in a write transaction, to record its nonce)."""
    return any(headers.get(name) for name in SIGNATURE_HEADERS)


def authenticate(institution: dict, headers: Mapping[str, str], *, infno: str, client_host: str | None,
                 now: float, policy: AuthPolicy) -> SignedRequest | None:
    """Refuse unless the request proves to be the institution's under its mode; a signed
    request's replay key comes back (None in the other modes)."""
    mode = institution.get("auth_mode") or "apikey"
    code = institution["fixmedins_code"]
    if mode == "apikey":
        check_apikey(institution, headers)
        return None
    if mode == "none":
        check_trusted_network(client_host, policy)
        return None
    secret = open_secret(institution, policy.box)
    if mode == "x-tif":
        return check_tif_signature(code, secret, headers, now=now, window=policy.window_seconds)
    if mode == "api":
        return check_api_signature(code, secret, headers, infno=infno, now=now, window=policy.window_seconds)
    raise refusal("AUTH_UNKNOWN_MODE", fixmedins_code=code, mode=mode[:10])


def check_apikey(institution: dict, headers: Mapping[str, str]) -> None:
    code = institution["fixmedins_code"]
    secret = headers.get("apikey", "")
    if headers.get("x-tif-paasid", "") != code or not secret or not hmac.compare_digest(
            hash_secret(secret, institution["secret_salt"]), institution["secret_hash"]):
        raise refusal("AUTH_BAD_APIKEY")


def check_trusted_network(client_host: str | None, policy: AuthPolicy) -> None:
    try:
        address = ipaddress.ip_address((client_host or "").split("%")[0])
    except ValueError:
        address = None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    if address is None or not any(address in network for network in policy.networks):
        raise refusal("AUTH_UNTRUSTED_NETWORK")


def open_secret(institution: dict, box: SecretBox | None) -> str:
    if box is None:
        raise refusal("AUTH_NO_PLATFORM_KEY")
    try:
        return box.open(institution.get("secret_sealed") or "", institution["fixmedins_code"])
    except SecretBoxError:
        raise refusal("AUTH_SECRET_UNREADABLE") from None


def tif_signature(timestamp: str, secret: str, nonce: str) -> str:
    """sha256_hex(timestamp + secret + nonce + timestamp), nhsa-interface.md §1.1."""
    return hashlib.sha256((timestamp + secret + nonce + timestamp).encode("utf-8")).hexdigest()


def check_tif_signature(code: str, secret: str, headers: Mapping[str, str], *, now: float, window: int) -> SignedRequest:
    paasid, timestamp = headers.get("x-tif-paasid", ""), headers.get("x-tif-timestamp", "").strip()
    nonce, signature = headers.get("x-tif-nonce", ""), headers.get("x-tif-signature", "").strip().lower()
    if not (timestamp and nonce and signature):
        raise refusal("AUTH_MISSING_SIGNATURE", mode="x-tif",
                      headers="x-tif-paasid、x-tif-timestamp、x-tif-nonce 和 x-tif-signature")
    if paasid != code:
        raise refusal("AUTH_PAASID_MISMATCH", header="x-tif-paasid")
    if len(nonce) > NONCE_MAX:
        raise refusal("AUTH_BAD_NONCE", limit=NONCE_MAX)
    seconds = _stamp(timestamp, "x-tif-timestamp", "Unix 秒")
    _check_window(seconds, now, window)
    if not hmac.compare_digest(signature.encode(), tif_signature(timestamp, secret, nonce).encode()):
        raise _bad_signature("x-tif-signature")
    return SignedRequest(seconds, nonce, signature, int(seconds) + window)


def api_string_to_sign(values: Mapping[str, str]) -> str:
    return "&".join(f"{name}={values.get(name, '')}" for name in sorted(API_HEADERS))


def api_signature(values: Mapping[str, str], secret: str) -> str:
    """Base64(HMAC-SHA1(secret, "_api_access_key=…&_api_name=…&_api_timestamp=…&_api_version=…"))."""
    digest = hmac.new(secret.encode("utf-8"), api_string_to_sign(values).encode("utf-8"), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def check_api_signature(code: str, secret: str, headers: Mapping[str, str], *, infno: str, now: float,
                        window: int) -> SignedRequest:
    values = {name: headers.get(name, "").strip() for name in API_HEADERS}
    signature = headers.get("_api_signature", "").strip()
    if not (values["_api_timestamp"] and values["_api_access_key"] and values["_api_name"] and signature):
        raise refusal("AUTH_MISSING_SIGNATURE", mode="_api_",
                      headers="_api_name、_api_version、_api_timestamp、_api_access_key 和 _api_signature")
    if values["_api_access_key"] != code:
        raise refusal("AUTH_PAASID_MISMATCH", header="_api_access_key")
    if values["_api_name"] != infno:
        raise refusal("AUTH_API_NAME_MISMATCH", api_name=values["_api_name"][:10], infno=infno[:10])
    millis = _stamp(values["_api_timestamp"], "_api_timestamp", "Unix 毫秒")
    _check_window(millis / 1000, now, window)
    if len(signature) > 128 or not hmac.compare_digest(signature.encode(), api_signature(values, secret).encode()):
        raise _bad_signature("_api_signature")
    return SignedRequest(millis, "", signature, int(millis // 1000) + window)


def _stamp(text: str, header: str, unit: str) -> int:
    if not (text.isascii() and text.isdigit()) or len(text) > 15:
        raise refusal("AUTH_BAD_TIMESTAMP", header=header, unit=unit, value=repr(text[:20]))
    return int(text)


def _check_window(seconds: float, now: float, window: int) -> None:
    if seconds < now - window:
        raise refusal("AUTH_STALE_TIMESTAMP", window=window)
    if seconds > now + window:
        raise refusal("AUTH_FUTURE_TIMESTAMP", window=window)


def _bad_signature(header: str) -> GatewayError:
    return refusal("AUTH_BAD_SIGNATURE", header=header)


def replay_refusal() -> GatewayError:
    return refusal("AUTH_REPLAY")

