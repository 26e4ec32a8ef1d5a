"""Who acted: the party every write names in its action-log row (app/action_log.py).

An actor carries a party and a short reference, never a secret: an agency is named by its
code and a fingerprint of its stored token hash (app/agencies.token_fingerprint), so a
re-keyed agency's actions stay distinguishable without the token ever reaching a log.
"""

from __future__ import annotations

from dataclasses import dataclass

KINDS = ("institution", "agency", "operator", "system")
PARTY_MAX, REF_MAX = 100, 60  # action_log.actor_party / actor_ref


@dataclass(frozen=True)
class Actor:
    kind: str  # institution | agency | operator | system
    party: str  # fixmedins_code | agency code | operator name | component
    ref: str = ""  # "msgid:…" | "token:3f2a…" | "dashboard" | ""

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"actor kind is one of {', '.join(KINDS)}, not {self.kind!r}")
        if not self.party or len(self.party) > PARTY_MAX or len(self.ref) > REF_MAX:
            raise ValueError(f"an actor's party is 1..{PARTY_MAX} characters and its ref at most {REF_MAX}")

    def label(self) -> str:
        """``agency:440300/token:3f2a``, ``operator:王五``, ``institution:H44030000001/msgid:…``."""
        return f"{self.kind}:{self.party}" + (f"/{self.ref}" if self.ref else "")


def agency(code: str, token_fingerprint: str) -> Actor:
    return Actor("agency", code, f"token:{token_fingerprint}")


def institution(fixmedins_code: str, msgid: str) -> Actor:
    return Actor("institution", fixmedins_code, f"msgid:{msgid}")


def operator(name: str) -> Actor:
    return Actor("operator", name)


SYSTEM = Actor("system", "yibao")
