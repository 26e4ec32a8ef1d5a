"""Agencies' users (经办人员): accounts with roles, passwords, API tokens, and the principal
an admin request or a dashboard session acts as (docs/users-and-roles.md).

A principal is the agency's row (its code scopes every request to the regions it administers,
app/agencies.administers) with the acting user: ``username``, ``roles`` and ``actor_ref``
(``user:<name>`` on the dashboard, ``user:<name>/token:<id>`` over the API) which every write
records as the action log's actor (app/actors.py). The agency's own token (deprecated) is a
principal without a user, with every role, recorded as ``token:<fingerprint>`` as before.

Locks (docs/locking.md, rank 17): disabling a user, changing a password, signing out and issuing
a token lock the user's row and decide on what they read after it; they take no other lock.
Adding a user takes none: the unique (agency, username) key refuses a second one.
"""

from __future__ import annotations

import re
import secrets
from typing import Protocol

from . import agencies, passwords, roles as role_table
from .error_codes import refusal
from .errors import new_id
from .importing import hash_secret
from .unit_of_work import UnitOfWork

_USERNAME = re.compile(r"[a-z0-9][a-z0-9._-]{0,31}")
_TOKEN_ID = re.compile(r"K[0-9]{11}")


class UserRepository(Protocol):
    """``uow.users`` (store/repositories/users.py)."""

    def get(self, user_id: str) -> dict | None: ...
    def by_name(self, agency_code: str, username: str, *, lock: bool = False) -> dict | None: ...
    def of_agency(self, agency_code: str) -> list[dict]: ...
    def add(self, row: dict) -> None: ...
    def change(self, user_id: str, values: dict) -> None: ...
    def add_token(self, row: dict) -> None: ...
    def token(self, token_id: str) -> dict | None: ...


def public(user: dict) -> dict:
    """A user as shown to people and programs: never the password hash."""
    return {"user_id": user["user_id"], "agency_code": user["agency_code"], "username": user["username"],
            "display_name": user["display_name"], "roles": sorted(role_table.parse(user["roles"])),
            "created_at": user["created_at"], "created_by": user["created_by"],
            "disabled_at": user["disabled_at"], "disabled_by": user["disabled_by"]}


def _checked_roles(roles: list[str] | str) -> str:
    wanted = role_table.parse(roles if isinstance(roles, str) else ",".join(roles))
    if not wanted or role_table.unknown(wanted):
        raise refusal("USER_BAD_ROLES", roles=",".join(sorted(wanted)) or "—", known=", ".join(role_table.ROLES))
    return ",".join(sorted(wanted))


def _checked_password(password: str) -> str:
    if not passwords.acceptable(password):
        raise refusal("USER_WEAK_PASSWORD", least=passwords.MIN_LENGTH, most=passwords.MAX_LENGTH)
    return passwords.hash_password(password)


def add_user(uow: UnitOfWork, agency_code: str, username: str, roles: list[str] | str, password: str,
             display_name: str = "") -> dict:
    if agencies.get(uow, agency_code) is None:
        raise refusal("USER_AGENCY_NOT_FOUND", agency=agency_code)
    if not _USERNAME.fullmatch(username):
        raise refusal("USER_BAD_NAME", username=username[:40])
    role_text, password_hash = _checked_roles(roles), _checked_password(password)
    if uow.users.by_name(agency_code, username) is not None:
        raise refusal("USER_EXISTS", agency=agency_code, username=username)
    row = dict(user_id=new_id("U"), agency_code=agency_code, username=username, display_name=display_name[:100],
               roles=role_text, password_hash=password_hash, session_epoch=0, created_at=uow.now,
               created_by=uow.actor.label(), disabled_at=None, disabled_by=None)
    uow.users.add(row)
    uow.actions.record("user.add", row["user_id"], {"agency": agency_code, "username": username, "roles": role_text})
    return public(row)


def list_users(uow: UnitOfWork, agency_code: str) -> list[dict]:
    return [public(user) for user in uow.users.of_agency(agency_code)]


def _locked_user(uow: UnitOfWork, agency_code: str, username: str, *, active: bool = True) -> dict:
    user = uow.users.by_name(agency_code, username, lock=True)
    if user is None:
        raise refusal("USER_NOT_FOUND", agency=agency_code, username=username[:40])
    if active and user["disabled_at"] is not None:
        raise refusal("USER_DISABLED", agency=agency_code, username=username)
    return user


def disable_user(uow: UnitOfWork, agency_code: str, username: str) -> dict:
    """The user can no longer sign in, and its sessions and tokens stop working at once."""
    user = _locked_user(uow, agency_code, username)
    values = dict(disabled_at=uow.now, disabled_by=uow.actor.label(), session_epoch=user["session_epoch"] + 1)
    uow.users.change(user["user_id"], values)
    uow.actions.record("user.disable", user["user_id"], {"agency": agency_code, "username": username})
    return public({**user, **values})


def change_password(uow: UnitOfWork, agency_code: str, username: str, password: str) -> dict:
    """A new password; every session signed under the old one ends (the epoch moves on)."""
    password_hash = _checked_password(password)
    user = _locked_user(uow, agency_code, username)
    uow.users.change(user["user_id"], dict(password_hash=password_hash, session_epoch=user["session_epoch"] + 1))
    uow.actions.record("user.password", user["user_id"], {"agency": agency_code, "username": username})
    return public(user)


def issue_token(uow: UnitOfWork, agency_code: str, username: str) -> str:
    """A new API token of the user, shown once: ``<token_id>.<secret>``; only its hash is kept."""
    user = _locked_user(uow, agency_code, username)
    token_id, secret, salt = new_id("K"), secrets.token_urlsafe(24), secrets.token_hex(8)
    uow.users.add_token(dict(token_id=token_id, user_id=user["user_id"], token_salt=salt,
                             token_hash=hash_secret(secret, salt), created_at=uow.now, created_by=uow.actor.label()))
    uow.actions.record("user.token", user["user_id"], {"agency": agency_code, "username": username, "token_id": token_id})
    return f"{token_id}.{secret}"


def sign_out(uow: UnitOfWork, user_id: str) -> None:
    """Ends every dashboard session of the user (rank 17: the row is locked and read again)."""
    user = uow.users.get(user_id)
    if user is not None:
        locked = _locked_user(uow, user["agency_code"], user["username"], active=False)
        uow.users.change(user_id, dict(session_epoch=locked["session_epoch"] + 1))


# --- principals: who an admin request or a dashboard session acts as ----------------------------

_DUMMY_HASH: list[str] = []


def _principal(agency: dict, user: dict | None, actor_ref: str) -> dict:
    if user is None:  # the agency's shared token (deprecated): every role
        return {**agency, "user_id": None, "username": None, "roles": sorted(role_table.ROLES), "actor_ref": actor_ref}
    return {**agency, "user_id": user["user_id"], "username": user["username"], "display_name": user["display_name"],
            "roles": sorted(role_table.parse(user["roles"])), "actor_ref": actor_ref,
            "session_key": session_key(user)}


def session_key(user: dict) -> str:
    from .sessions import user_key

    return user_key(user["password_hash"], user["session_epoch"])


def sign_in(uow: UnitOfWork, agency_code: str, username: str, password: str) -> dict | None:
    """The principal of a correct password of an active user, else None (same cost either way)."""
    user = uow.users.by_name(agency_code, username) if _USERNAME.fullmatch(username) and agency_code.isdigit() else None
    if user is None:
        if not _DUMMY_HASH:
            _DUMMY_HASH.append(passwords.hash_password(secrets.token_hex(8)))
        passwords.verify_password(password, _DUMMY_HASH[0])  # an unknown name takes as long as a wrong password
        return None
    if not passwords.verify_password(password, user["password_hash"]) or user["disabled_at"] is not None:
        return None
    return _principal(agencies.get(uow, agency_code), user, f"user:{username}")


def session_principal(uow: UnitOfWork, user_id: str) -> dict | None:
    """The active user of a dashboard session (its signature is checked with ``session_key``)."""
    user = uow.users.get(user_id)
    if user is None or user["disabled_at"] is not None:
        return None
    return _principal(agencies.get(uow, user["agency_code"]), user, f"user:{user['username']}")


def token_principal(uow: UnitOfWork, agency_code: str, token: str) -> dict | None:
    """``Bearer <agency_code>:<token>``: a user's token ``K…….<secret>`` or the agency's own token."""
    token_id, dot, secret = token.partition(".")
    if not dot:
        agency = agencies.authenticate(uow, agency_code, token)
        if agency is None or agency["role"] != "agency":
            return None
        return _principal(agency, None, f"token:{agencies.token_fingerprint(agency)}")
    if not _TOKEN_ID.fullmatch(token_id) or not secret:
        return None
    stored = uow.users.token(token_id)
    if stored is None or hash_secret(secret, stored["token_salt"]) != stored["token_hash"]:
        return None
    user = uow.users.get(stored["user_id"])
    if user is None or user["disabled_at"] is not None or user["agency_code"] != agency_code:
        return None
    return _principal(agencies.get(uow, agency_code), user, f"user:{user['username']}/token:{token_id}")


def token_principal_of_agency_session(uow: UnitOfWork, agency_code: str) -> dict | None:
    """The deprecated shared-token session of an agency (signed with its token hash)."""
    agency = agencies.get(uow, agency_code) if agency_code.isdigit() and len(agency_code) == 6 else None
    if agency is None or agency["role"] != "agency":
        return None
    return _principal(agency, None, f"token:{agencies.token_fingerprint(agency)}")
