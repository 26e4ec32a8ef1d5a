"""医保电子凭证 tokens: what the HIS scans from the person's QR code and sends as
``mdtrt_cert_no`` with ``mdtrt_cert_type`` 01 (nhsa-interface §3.2: "类型为01时填写电子凭证令牌").

A token is ``base64url(payload JSON) + "." + base64url(HMAC-SHA256(key, payload))``; the payload
is ``{"psn_no", "voucher_id", "issued", "expires"}`` with the instants as ``yyyyMMddHHmmss`` of
the platform's clock. It lives minutes (docs/evoucher.md): a screenshot of the code is worth
nothing an hour later, and a person number alone, which cashiers and relatives know, is no
token at all. Pure: the key and "now" are given; the voucher's state is the caller's read.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import hmac
import json
from dataclasses import dataclass

STAMP = "%Y%m%d%H%M%S"
# The national field is 50 characters; a signed token of a 30-character person number is up to
# about 210, so mdtrt_cert_no of type 01 is read with this limit (docs/evoucher.md).
TOKEN_MAX = 400


class TokenRefused(ValueError):
    """A token that does not name a live voucher of the person; ``code`` is its refusal code."""

    def __init__(self, code: str, **params):
        super().__init__(code)
        self.code, self.params = code, params


@dataclass(frozen=True)
class TokenClaims:
    psn_no: str
    voucher_id: str
    issued: dt.datetime
    expires: dt.datetime


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(key: bytes, body: str) -> bytes:
    return hmac.new(key, body.encode("ascii"), hashlib.sha256).digest()


def sign_token(key: bytes, claims: TokenClaims) -> str:
    payload = {"psn_no": claims.psn_no, "voucher_id": claims.voucher_id,
               "issued": claims.issued.strftime(STAMP), "expires": claims.expires.strftime(STAMP)}
    body = _b64(json.dumps(payload, separators=(",", ":"), sort_keys=True).encode("utf-8"))
    return body + "." + _b64(_mac(key, body))


def read_token(key: bytes, token: str, now: dt.datetime) -> TokenClaims:
    """The token's claims if it is one the platform signed and it has not expired.

    A text without the token's two parts (a person number, an ID number) is refused as not a
    token before any cryptography; a wrong signature and an expired token have their own codes
    so a cashier knows to ask for a fresh code rather than call support."""
    body, dot, signature = token.partition(".")
    if not dot or not body or not signature:
        raise TokenRefused("EVOUCHER_NOT_A_TOKEN")
    try:
        given = _unb64(signature)
    except (binascii.Error, ValueError):
        raise TokenRefused("EVOUCHER_TOKEN_BAD_SIGNATURE") from None
    if not body.isascii() or not hmac.compare_digest(given, _mac(key, body)):
        raise TokenRefused("EVOUCHER_TOKEN_BAD_SIGNATURE")
    claims = _claims(body)
    if now >= claims.expires:
        raise TokenRefused("EVOUCHER_TOKEN_EXPIRED", expires=claims.expires.strftime("%Y-%m-%d %H:%M:%S"))
    return claims


def _claims(body: str) -> TokenClaims:
    # Only reached with a valid signature: a malformed payload here is the platform's own bug
    # or a leaked key, and is refused like a forgery.
    try:
        payload = json.loads(_unb64(body))
        return TokenClaims(str(payload["psn_no"]), str(payload["voucher_id"]),
                           dt.datetime.strptime(payload["issued"], STAMP), dt.datetime.strptime(payload["expires"], STAMP))
    except (ValueError, KeyError, TypeError, binascii.Error):
        raise TokenRefused("EVOUCHER_TOKEN_BAD_SIGNATURE") from None


def check_holder(claims: TokenClaims, psn_no: str | None) -> None:
    """A token presented with a person number (2201, 2401, 2101) must be that person's."""
    if psn_no is not None and claims.psn_no != psn_no:
        raise TokenRefused("EVOUCHER_TOKEN_OTHER_PERSON")


def check_voucher(claims: TokenClaims, voucher: dict | None) -> None:
    """``voucher``: the stored voucher of ``claims.voucher_id`` with its current ``state``."""
    if voucher is None or voucher["psn_no"] != claims.psn_no:
        raise TokenRefused("EVOUCHER_NOT_ACTIVATED")
    if voucher["state"] != "active":
        raise TokenRefused("EVOUCHER_SUSPENDED")
