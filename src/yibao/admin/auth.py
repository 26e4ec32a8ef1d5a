"""Who calls the admin API, and may they: the two declared security schemes and the role check.

- ``agencyToken`` (HTTP bearer): ``Authorization: Bearer <agency_code>:<token>``, a user's API
  token (``yibao users token``; it carries the user's roles) or the agency's own token
  (deprecated; it acts with every role).
- ``dashboardSession`` (cookie ``yibao_session``): the signed dashboard session of a user
  (app/sessions.py). A write authenticated this way must also send the page's CSRF token in
  ``X-CSRF-Token``; SameSite=Strict keeps the cookie off other sites' requests as well.

The role check reads the matched route (app/roles.py): a write its roles do not allow is refused
with USER_ROLE_NOT_ALLOWED (403) before the use case runs.
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Depends, Header, Request
from fastapi.security import APIKeyCookie, HTTPAuthorizationCredentials, HTTPBearer

from yibao.app import actors, roles as role_table, sessions, users
from yibao.app.error_codes import refusal
from yibao.app.platform import Platform

COOKIE = "yibao_session"

bearer = HTTPBearer(auto_error=False, scheme_name="agencyToken", bearerFormat="<agency_code>:<token>",
                    description="Authorization: Bearer <agency_code>:<token> — a user's API token "
                                "(yibao users token) or the agency's own token (deprecated).")
session_cookie = APIKeyCookie(name=COOKIE, auto_error=False, scheme_name="dashboardSession",
                              description="The dashboard's signed session cookie; writes also need X-CSRF-Token.")


@dataclass(frozen=True)
class SignedIn:
    principal: dict
    session: sessions.Session
    key: str


def read_session(platform: Platform, value: str) -> SignedIn | None:
    """The principal of a dashboard session cookie: a user's (``U…``) or, deprecated, an agency's."""
    subject = sessions.subject_of(value or "")
    if subject is None:
        return None
    now = int(platform.clock().timestamp())
    with platform.unit_of_work(actors.SYSTEM, write=False) as uow:
        if subject.startswith("U"):
            principal = users.session_principal(uow, subject)
            key = principal["session_key"] if principal else None
        else:
            principal = users.token_principal_of_agency_session(uow, subject)
            key = principal["token_hash"] if principal else None
    found = sessions.verify(value, key, now)
    return None if found is None else SignedIn(principal, found, key)


def check_roles(principal: dict, method: str, route_path: str) -> None:
    needed = role_table.required_roles(method, route_path)
    if needed is not None and not needed & set(principal["roles"]):
        raise refusal("USER_ROLE_NOT_ALLOWED", username=principal.get("username") or principal["agency_code"],
                      roles="、".join(principal["roles"]), needed="、".join(sorted(needed)))


def principal_dependency(platform: Platform):
    """The FastAPI dependency of every admin route: the calling principal, its role checked."""

    def principal(request: Request, credentials: HTTPAuthorizationCredentials | None = Depends(bearer),
                  cookie: str | None = Depends(session_cookie),
                  csrf: str = Header(default="", alias="X-CSRF-Token", include_in_schema=False)) -> dict:
        if credentials is not None:
            code, _, token = credentials.credentials.partition(":")
            if not code or not token:
                raise refusal("ADMIN_AUTH_REQUIRED")
            if "\x00" in code + token or len(code) > 6 or len(token) > 200:  # PostgreSQL compares no NUL
                raise refusal("ADMIN_AUTH_FAILED")
            with platform.unit_of_work(actors.SYSTEM, write=False) as uow:
                found = users.token_principal(uow, code, token)
            if found is None:
                raise refusal("ADMIN_AUTH_FAILED")
        elif cookie:
            signed = read_session(platform, cookie)
            if signed is None:
                raise refusal("ADMIN_AUTH_FAILED")
            if request.method not in role_table.READ_METHODS and not sessions.csrf_ok(signed.session, signed.key, csrf):
                raise refusal("USER_CSRF_FAILED")
            found = signed.principal
        else:
            raise refusal("ADMIN_AUTH_REQUIRED")
        route = request.scope.get("route")
        check_roles(found, request.method, getattr(route, "path", request.url.path))
        return found

    return principal
