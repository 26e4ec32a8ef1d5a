"""The findings queue (审核结果处理, issue #17 item 3): which state a finding may move to.

new → checking → confirmed / dismissed (a new finding may also be dismissed at once);
confirmed → appealed (the institution's 申诉, with its text) → confirmed / dismissed (the
agency's re-review). One appeal per finding: a re-reviewed finding is final. Dismissing,
appealing and re-reviewing need a reason, which stays in the finding's history.
"""

from __future__ import annotations

NEW, CHECKING, CONFIRMED, DISMISSED, APPEALED = "new", "checking", "confirmed", "dismissed", "appealed"
STATUSES = (NEW, CHECKING, CONFIRMED, DISMISSED, APPEALED)

TRANSITIONS = {
    NEW: (CHECKING, DISMISSED),
    CHECKING: (CONFIRMED, DISMISSED),
    CONFIRMED: (APPEALED,),
    APPEALED: (CONFIRMED, DISMISSED),
    DISMISSED: (),
}


def may_move(history: list[str], to: str) -> bool:
    """``history``: the states the finding moved to so far, oldest first (empty: new)."""
    current = history[-1] if history else NEW
    if to not in TRANSITIONS[current]:
        return False
    return not (to == APPEALED and APPEALED in history)


def needs_reason(current: str, to: str) -> bool:
    return to in (DISMISSED, APPEALED) or current == APPEALED
