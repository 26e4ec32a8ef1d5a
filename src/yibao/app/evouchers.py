"""医保电子凭证 (e-voucher): activation, suspension, resumption, short-lived tokens, counts.

A person activates the voucher once (a voucher row, dated, with its actor); suspension and
resumption are new rows of the voucher's state chain, never an update (docs/evoucher.md). The
HIS presents a token (domain/evoucher.py) as ``mdtrt_cert_no`` with ``mdtrt_cert_type`` 01 at
1101, 2201, 2401, 2101/2102; ``verified_holder`` checks it with one indexed read of the voucher.

The token key: with YIBAO_SECRET_KEY, HKDF-SHA256 of the platform key (nothing stored; every
worker and the CLI derive the same key). Without it (the demo, tests), a random key made when the
first token is issued and kept in ``evoucher_keys`` in plain text: there is no key to encrypt it
with, so anyone who reads the database could sign tokens; a production deployment sets the key.

Locks (docs/locking.md): activation, suspension and resumption lock the person's row (rank 3)
and decide on the voucher read after it; they take no other lock. Issuing and verifying a token
lock nothing.
"""

from __future__ import annotations

import base64
import datetime as dt
import secrets
from dataclasses import dataclass, field
from typing import Protocol

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from yibao.domain.evoucher import TokenClaims, TokenRefused, check_holder, check_voucher, read_token, sign_token

from .error_codes import refusal
from .errors import new_id

DEFAULT_TOKEN_SECONDS = 300
TOKEN_KEY_INFO = b"yibao evoucher token v1"  # HKDF context: this key signs nothing else


class EvoucherRepository(Protocol):
    def lock_person(self, psn_no: str) -> dict | None: ...
    def insured_region(self, psn_no: str) -> str | None: ...
    def voucher(self, voucher_id: str) -> dict | None: ...
    def voucher_of(self, psn_no: str) -> dict | None: ...
    def history(self, voucher_id: str) -> list[dict]: ...
    def add_voucher(self, row: dict) -> None: ...
    def add_state(self, row: dict) -> None: ...
    def counts(self, regions: list[str]) -> list[dict]: ...
    def token_key(self) -> str | None: ...
    def keep_token_key(self, key_b64: str) -> str: ...


@dataclass
class TokenSettings:
    """The platform's token key (None: the database's) and the tokens' lifetime."""

    platform_key: bytes | None = None
    seconds: int = DEFAULT_TOKEN_SECONDS
    _database_key: bytes | None = field(default=None, repr=False)

    @classmethod
    def from_platform_key(cls, key_text: str, seconds: int = DEFAULT_TOKEN_SECONDS) -> "TokenSettings":
        if not key_text:
            return cls(None, seconds)
        raw = base64.urlsafe_b64decode(key_text.strip() + "=" * (-len(key_text.strip()) % 4))
        derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=TOKEN_KEY_INFO).derive(raw)
        return cls(derived, seconds)

    def key(self, uow, *, create: bool) -> bytes | None:
        """The signing key; the database's is read once per process (it never changes once stored)."""
        if self.platform_key is not None:
            return self.platform_key
        if self._database_key is None:
            stored = uow.evouchers.token_key()
            if stored is None and create:
                stored = uow.evouchers.keep_token_key(base64.urlsafe_b64encode(secrets.token_bytes(32)).decode())
            self._database_key = base64.urlsafe_b64decode(stored) if stored else None
        return self._database_key


# --- activation and state ------------------------------------------------------------------------

def activate(uow, psn_no: str) -> dict:
    if uow.evouchers.lock_person(psn_no) is None:
        raise refusal("PERSON_NOT_FOUND", psn_no=psn_no)
    region = uow.evouchers.insured_region(psn_no)
    if region is None:
        raise refusal("PERSON_NOT_INSURED", psn_no=psn_no)
    if uow.evouchers.voucher_of(psn_no) is not None:
        raise refusal("EVOUCHER_ALREADY_ACTIVATED", psn_no=psn_no)
    row = dict(voucher_id=new_id("EV"), psn_no=psn_no, insuplc_admdvs=region, activated_at=uow.now,
               activated_by=uow.actor.label()[:200])
    uow.evouchers.add_voucher(row)
    uow.actions.record("evoucher.activate", psn_no, {"voucher_id": row["voucher_id"], "insuplc_admdvs": region})
    return dict(row, state="active", seq=0)


def suspend(uow, psn_no: str, reason: str) -> dict:
    return _change_state(uow, psn_no, "suspended", reason)


def resume(uow, psn_no: str, reason: str) -> dict:
    return _change_state(uow, psn_no, "active", reason)


def _change_state(uow, psn_no: str, state: str, reason: str) -> dict:
    uow.evouchers.lock_person(psn_no)
    voucher = uow.evouchers.voucher_of(psn_no)  # read after the person's lock
    if voucher is None:
        raise refusal("EVOUCHER_NONE", psn_no=psn_no)
    if voucher["state"] == state == "suspended":
        raise refusal("EVOUCHER_ALREADY_SUSPENDED", psn_no=psn_no)
    if voucher["state"] == state:
        raise refusal("EVOUCHER_NOT_SUSPENDED", psn_no=psn_no)
    row = dict(voucher_id=voucher["voucher_id"], seq=voucher["seq"] + 1, state=state, reason=reason[:200],
               changed_at=uow.now, changed_by=uow.actor.label()[:200])
    uow.evouchers.add_state(row)
    action = "evoucher.suspend" if state == "suspended" else "evoucher.resume"
    uow.actions.record(action, psn_no, {"voucher_id": voucher["voucher_id"], "seq": row["seq"], "reason": reason[:200]})
    return dict(voucher, state=state, seq=row["seq"])


def voucher_view(uow, psn_no: str) -> dict:
    voucher = uow.evouchers.voucher_of(psn_no)
    if voucher is None:
        raise refusal("EVOUCHER_NONE", psn_no=psn_no)
    return dict(voucher, history=uow.evouchers.history(voucher["voucher_id"]))


def counts(uow, regions: list[str]) -> list[dict]:
    """Activated vouchers by insured region: active, suspended and their total."""
    table: dict[str, dict] = {}
    for row in uow.evouchers.counts(regions):
        entry = table.setdefault(row["insuplc_admdvs"], {"insuplc_admdvs": row["insuplc_admdvs"], "active": 0,
                                                         "suspended": 0, "activated": 0})
        entry[row["state"]] += row["vouchers"]
        entry["activated"] += row["vouchers"]
    return [table[region] for region in sorted(table)]


# --- tokens ----------------------------------------------------------------------------------------

def issue_token(uow, settings: TokenSettings, psn_no: str) -> dict:
    """A fresh token of the person's active voucher, valid ``settings.seconds`` from now."""
    voucher = uow.evouchers.voucher_of(psn_no)
    if voucher is None:
        raise refusal("EVOUCHER_NONE", psn_no=psn_no)
    if voucher["state"] != "active":
        raise refusal("EVOUCHER_SUSPENDED")
    expires = uow.now.replace(microsecond=0) + dt.timedelta(seconds=settings.seconds)
    claims = TokenClaims(psn_no, voucher["voucher_id"], uow.now.replace(microsecond=0), expires)
    return {"token": sign_token(settings.key(uow, create=True), claims), "expires_at": expires}


def verified_holder(uow, settings: TokenSettings, token: str, now: dt.datetime, psn_no: str | None = None) -> str:
    """The person number of a valid token of an active voucher; ``psn_no``: the person the
    request names, which the token must belong to. Refuses with the token's refusal code."""
    key = settings.key(uow, create=False)
    try:
        if key is None:  # no token was ever issued by this database
            raise TokenRefused("EVOUCHER_NOT_A_TOKEN" if "." not in token else "EVOUCHER_TOKEN_BAD_SIGNATURE")
        claims = read_token(key, token, now)
        check_holder(claims, psn_no)
        check_voucher(claims, uow.evouchers.voucher(claims.voucher_id))
    except TokenRefused as refused:
        raise refusal(refused.code, **refused.params) from None
    return claims.psn_no
