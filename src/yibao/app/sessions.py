"""Dashboard sessions and their CSRF tokens: signed, stateless cookie values.

A session cookie is ``<subject>.<expiry>.<signature>``: the subject is a user id (``U…``) or, for
the deprecated shared token, the agency code; the expiry is Unix seconds by the platform's
clock; the signature is HMAC-SHA256 under the subject's session key. A user's key is derived from
the stored password hash and the session epoch, so changing the password, signing out or
disabling the user ends every session at once without a session table; the agency's key is its
token hash, so re-keying the agency ends its sessions.

A form posted by a signed-in page carries ``csrf`` = HMAC of the cookie value under the same
key (the synchroniser-token pattern): a page of another site can neither read the cookie nor
compute the token. The cookie itself is HttpOnly and SameSite=Strict (web/dashboard.py).
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

SESSION_SECONDS = 8 * 3600  # one working day
_MAX_SUBJECT = 12


@dataclass(frozen=True)
class Session:
    subject: str
    expiry: int
    value: str  # the cookie value, from which the CSRF token is derived


def _mac(key: str, message: str) -> str:
    return hmac.new(key.encode(), message.encode(), hashlib.sha256).hexdigest()


def user_key(password_hash: str, session_epoch: int) -> str:
    return f"user|{password_hash}|{session_epoch}"


def issue(subject: str, key: str, now: int, seconds: int = SESSION_SECONDS) -> str:
    expiry = now + seconds
    return f"{subject}.{expiry}.{_mac(key, f'session|{subject}|{expiry}')}"


def subject_of(value: str) -> str | None:
    """The cookie's subject before its signature is checked (to find its key), None if malformed."""
    parts = value.split(".")
    if len(parts) != 3 or not parts[0].isalnum() or not parts[0].isascii() or len(parts[0]) > _MAX_SUBJECT:
        return None
    return parts[0]


def verify(value: str, key: str | None, now: int) -> Session | None:
    """The session if the value is well formed, signed with ``key`` and not expired, else None."""
    subject = subject_of(value)
    if subject is None or key is None:
        return None
    _, expiry, signature = value.split(".")
    if not expiry.isdigit() or len(expiry) > 12 or int(expiry) <= now:
        return None
    if not hmac.compare_digest(signature, _mac(key, f"session|{subject}|{expiry}")):
        return None
    return Session(subject, int(expiry), value)


def csrf_token(session: Session, key: str) -> str:
    return _mac(key, f"csrf|{session.value}")


def csrf_ok(session: Session, key: str, presented: str) -> bool:
    return bool(presented) and hmac.compare_digest(presented, csrf_token(session, key))
