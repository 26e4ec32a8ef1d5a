"""The refusal every use case raises, and the platform's identifiers."""

from __future__ import annotations

import secrets


# What kind of refusal it is; each channel maps the kind mechanically: the national gateway
# answers infcode -1 whatever the kind, the admin API answers the HTTP status below, the CLI
# exits 2. Every refusal has a stable code and a Chinese message: raise them with
# ``error_codes.refusal(CODE, …)`` (the registry of docs/his/error-codes.md).
REFUSAL_KINDS = {"refused": 422, "invalid": 422, "not_found": 404, "forbidden": 403, "conflict": 409,
                 "unauthenticated": 401}


class GatewayError(Exception):
    """A refused request: infcode -1 with this err_msg; the transaction is rolled back.

    The one refusal type of every use case (``Refusal``); ``kind`` is one of REFUSAL_KINDS.
    ``code`` is the refusal's stable code (upper-case, e.g. ``AUTH_BAD_SIGNATURE``): programs
    match on it, the message (Chinese, for the cashier) may change. The gateway answers
    ``err_msg`` = ``[code] message`` (app/error_codes.py)."""

    def __init__(self, message: str, kind: str = "refused", code: str = ""):
        assert kind in REFUSAL_KINDS, kind
        super().__init__(message)
        self.message = message
        self.kind = kind
        self.code = code

    @property
    def http_status(self) -> int:
        return REFUSAL_KINDS[self.kind]


Refusal = GatewayError


def new_id(prefix: str) -> str:
    """12-character ids like the national mdtrt_id / setl_id (prefix + random digits)."""
    return prefix + f"{secrets.randbelow(10 ** (12 - len(prefix))):0{12 - len(prefix)}d}"
