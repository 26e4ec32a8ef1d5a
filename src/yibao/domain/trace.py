"""The settlement trace: steps recorded cheaply while settling, worded when read.

Wording a step formats Decimals, which costs more than the arithmetic it explains, so a
step is kept as (template or function, arguments) and rendered on demand. Arguments are
captured at the time of the step, so the words always describe that moment.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Callable

from .money import FEN, show_ratio


class Percent:
    """A ratio argument that renders as 85%."""

    __slots__ = ("ratio",)

    def __init__(self, ratio: Decimal):
        self.ratio = ratio

    def __str__(self) -> str:
        return show_ratio(self.ratio)


def _show(value: Any) -> Any:
    if isinstance(value, Decimal):
        return value.quantize(FEN)  # amounts always with two decimals
    return value


class Trace:
    __slots__ = ("_steps",)

    def __init__(self) -> None:
        self._steps: list[tuple[str | Callable[..., str], tuple]] = []

    def add(self, template: str | Callable[..., str], *args: Any) -> None:
        """A step: a ``str.format`` template (Decimal args shown as yuan) or a function."""
        self._steps.append((template, args))

    def render(self) -> tuple[str, ...]:
        words = []
        for template, args in self._steps:
            if isinstance(template, str):
                words.append(template.format(*map(_show, args)) if args else template)
            else:
                words.append(template(*args))
        return tuple(words)
