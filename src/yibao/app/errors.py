"""The refusal every use case raises, and the platform's identifiers."""

from __future__ import annotations

import secrets


class GatewayError(Exception):
    """A refused request: infcode -1 with this err_msg; the transaction is rolled back."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def new_id(prefix: str) -> str:
    """12-character ids like the national mdtrt_id / setl_id (prefix + random digits)."""
    return prefix + f"{secrets.randbelow(10 ** (12 - len(prefix))):0{12 - len(prefix)}d}"
