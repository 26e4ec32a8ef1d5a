"""Insurance agencies (经办机构) and their API tokens."""

from __future__ import annotations

import hashlib
import secrets
from typing import Protocol


from . import actors
from .error_codes import refusal
from .importing import hash_secret
from .unit_of_work import UnitOfWork


class AgencyRepository(Protocol):
    """``uow.agencies`` (store/repositories/agencies.py)."""

    def get(self, agency_code: str) -> dict | None: ...

    def save(self, agency_code: str, *, agency_name: str, token_salt: str, token_hash: str, role: str) -> None:
        """Create the agency, or replace an existing one's name and token."""


def add_agency(uow: UnitOfWork, agency_code: str, agency_name: str, token: str | None = None) -> str:
    """Create (or re-key) an agency; returns the token, which is stored only as a hash."""
    if len(agency_code) != 6 or not agency_code.isdigit():
        raise refusal("ADMIN_BAD_AGENCY_CODE")
    token = token or secrets.token_urlsafe(24)
    salt = secrets.token_hex(8)
    uow.agencies.save(agency_code, agency_name=agency_name, token_salt=salt, token_hash=hash_secret(token, salt),
                      role="agency")
    return token


def get(uow: UnitOfWork, agency_code: str) -> dict | None:
    return uow.agencies.get(agency_code)


def authenticate(uow: UnitOfWork, agency_code: str, token: str) -> dict | None:
    row = get(uow, agency_code)
    if row is None or not token or hash_secret(token, row["token_salt"]) != row["token_hash"]:
        return None
    return row


def administers(agency: dict, region: str) -> bool:
    """An agency administers its own region and the regions under it (a province its cities);
    the rule itself is app/authorization.administers."""
    from .authorization import administers as region_administers

    return region_administers(agency["agency_code"], region)


def token_fingerprint(agency: dict) -> str:
    """Eight hex digits naming the agency's current token: a hash of its stored hash (not a
    prefix of it, which would help guess the token), changed by every re-keying."""
    return hashlib.sha256(f"yibao-token-fingerprint|{agency['token_hash']}".encode()).hexdigest()[:8]


def actor(agency: dict) -> actors.Actor:
    """The agency as the actor of an admin API call: its code and its token's fingerprint, or the
    signed-in user a principal names (app/users.py: ``user:<name>``, ``user:<name>/token:<id>``)."""
    if agency.get("actor_ref"):
        return actors.Actor("agency", agency["agency_code"], agency["actor_ref"])
    return actors.agency(agency["agency_code"], token_fingerprint(agency))
