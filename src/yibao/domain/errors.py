"""Refusals: the error codes of settlement-spec §3."""

from __future__ import annotations

E_BAD_INPUT = "E_BAD_INPUT"
E_NOT_FILED = "E_NOT_FILED"
E_NO_BENEFIT = "E_NO_BENEFIT"
E_POLICY_NOT_EFFECTIVE = "E_POLICY_NOT_EFFECTIVE"
# An extension of spec §3: a disease-specific benefit (门慢特) for a person the insured place
# has not qualified for that disease.
E_NOT_QUALIFIED = "E_NOT_QUALIFIED"


class SettlementRefused(Exception):
    """A settlement that cannot be computed; carries the spec's error code.

    ``path`` is the JSON path of the offending field for E_BAD_INPUT.
    """

    def __init__(self, code: str, message: str, path: str | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.path = path

    def as_dict(self) -> dict:
        error = {"code": self.code, "message": self.message}
        if self.path is not None:
            error["path"] = self.path
        return {"error": error}


def bad_input(path: str, message: str) -> SettlementRefused:
    return SettlementRefused(E_BAD_INPUT, f"{path}: {message}", path)
