"""Insurance agencies (经办机构) and their API tokens."""

from __future__ import annotations

import hashlib
import secrets

from sqlalchemy import Connection, insert, select, update

from yibao.domain.filing import covers
from yibao.store import tables as t

from . import actors
from .errors import GatewayError
from .importing import hash_secret


def add_agency(conn: Connection, agency_code: str, agency_name: str, token: str | None = None) -> str:
    """Create (or re-key) an agency; returns the token, which is stored only as a hash."""
    if len(agency_code) != 6 or not agency_code.isdigit():
        raise GatewayError("agency code is the 6-digit region it administers")
    token = token or secrets.token_urlsafe(24)
    salt = secrets.token_hex(8)
    values = dict(agency_name=agency_name, token_salt=salt, token_hash=hash_secret(token, salt), role="agency")
    if conn.execute(select(t.agencies.c.agency_code).where(t.agencies.c.agency_code == agency_code)).first():
        conn.execute(update(t.agencies).where(t.agencies.c.agency_code == agency_code).values(**values))
    else:
        conn.execute(insert(t.agencies).values(agency_code=agency_code, **values))
    return token


def get(conn: Connection, agency_code: str) -> dict | None:
    row = conn.execute(select(t.agencies).where(t.agencies.c.agency_code == agency_code)).mappings().first()
    return dict(row) if row else None


def authenticate(conn: Connection, agency_code: str, token: str) -> dict | None:
    row = get(conn, agency_code)
    if row is None or not token or hash_secret(token, row["token_salt"]) != row["token_hash"]:
        return None
    return row


def administers(agency: dict, region: str) -> bool:
    """An agency administers its own region and the regions under it (a province its cities)."""
    return agency["agency_code"] == region or covers(agency["agency_code"], region)


def token_fingerprint(agency: dict) -> str:
    """Eight hex digits naming the agency's current token: a hash of its stored hash (not a
    prefix of it, which would help guess the token), changed by every re-keying."""
    return hashlib.sha256(f"yibao-token-fingerprint|{agency['token_hash']}".encode()).hexdigest()[:8]


def actor(agency: dict) -> actors.Actor:
    """The agency as the actor of an admin API call: its code and its token's fingerprint."""
    return actors.agency(agency["agency_code"], token_fingerprint(agency))
