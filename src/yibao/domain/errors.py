"""Refusals: the error codes of settlement-spec §3."""

from __future__ import annotations

E_BAD_INPUT = "E_BAD_INPUT"
E_NOT_FILED = "E_NOT_FILED"
E_NO_BENEFIT = "E_NO_BENEFIT"
E_POLICY_NOT_EFFECTIVE = "E_POLICY_NOT_EFFECTIVE"
# An extension of spec §3: a disease-specific benefit (门慢特) for a person the insured place
# has not qualified for that disease.
E_NOT_QUALIFIED = "E_NOT_QUALIFIED"


# The engine's refusals as the cashier reads them: (Chinese template, English gloss, when),
# filled by ``refused``. The codes are the spec's contract; app/error_codes.py lists these
# templates with every other refusal (docs/his/error-codes.md).
SETTLEMENT_MESSAGES = {
    E_BAD_INPUT: ("数据有误：{path}：{problem}", "bad input at {path}",
                  "A case file or stored policy lacks or breaks a field (the JSON path is named)."),
    E_NOT_FILED: ("{scope}就医未办理备案：参保地政策“{policy}”不允许未备案直接结算；请在出院前补办备案，或出院后回参保地报销",
                  "cross-region visit without a filing; the insured place allows no direct settlement unfiled",
                  "A cross-region visit without a filing where the insured place's policy says reject (spec §5.2)."),
    E_NO_BENEFIT: ("参保地政策“{policy}”对医疗类别 {med_type}（{med_type_name}）{disease}没有待遇",
                   "the policy has no benefit for this med_type", "No benefit of the policy covers the visit's med_type."),
    E_POLICY_NOT_EFFECTIVE: ("参保地政策“{policy}”的有效期为 {valid_from} 至 {valid_to}，就诊结束于 {enddate}",
                             "the policy is not in force on the visit's end date",
                             "The visit ends outside the policy's validity."),
    E_NOT_QUALIFIED: ("待遇“{benefit}”须参保地门慢特资格认定：参保人 {psn_no} 在 {enddate} 没有病种 {disease} 的有效资格",
                      "the person is not qualified for this disease",
                      "A 门慢特 benefit for a person without the insured place's qualification."),
}


def render(chinese: str, english: str, **params) -> str:
    """A refusal's text: the Chinese message, then the English gloss in parentheses."""
    return f"{chinese.format(**params)}（{english.format(**params)}）"


class SettlementRefused(Exception):
    """A settlement that cannot be computed; carries the spec's error code.

    ``path`` is the JSON path of the offending field for E_BAD_INPUT; ``params`` fill the
    code's templates of SETTLEMENT_MESSAGES (the gateway renders its refusal from them).
    """

    def __init__(self, code: str, message: str, path: str | None = None, params: dict | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.path = path
        self.params = params if params is not None else {"path": path or "$", "problem": message}

    def as_dict(self) -> dict:
        error = {"code": self.code, "message": self.message}
        if self.path is not None:
            error["path"] = self.path
        return {"error": error}


def bad_input(path: str, message: str) -> SettlementRefused:
    return SettlementRefused(E_BAD_INPUT, f"{path}: {message}", path, {"path": path, "problem": message})


def refused(code: str, **params) -> SettlementRefused:
    """A refusal of the engine with its message rendered from SETTLEMENT_MESSAGES."""
    chinese, english, _ = SETTLEMENT_MESSAGES[code]
    return SettlementRefused(code, render(chinese, english, **params), params=params)


class RuleRefused(Exception):
    """A domain rule refuses by stable code: subclasses name their table of (Chinese template,
    English gloss, when) by code in ``MESSAGES``; ``params`` fill the templates."""

    MESSAGES: dict[str, tuple[str, str, str]] = {}

    def __init__(self, code: str, **params):
        chinese, english, _ = self.MESSAGES[code]
        message = render(chinese, english, **params)
        super().__init__(message)
        self.code = code
        self.params = params
        self.message = message
