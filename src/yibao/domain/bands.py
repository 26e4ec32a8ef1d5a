"""The banded payment: the one mechanism every fund uses (settlement-spec §5.5).

A visit occupies [start, end) on an axis of amounts. Bands are absolute positions on
that axis; the part below ``threshold`` pays nothing, each part inside a band pays
``part × ratio``, the part above the last finite ``upto`` is ``beyond_bands``. The sum
of exact parts is rounded once, then limited by the room left under the cap.

A band's ratio may be given as a zero-argument function: it is called only when the visit
reaches the band, so a table the settlement never needs is never looked up (spec §5.12).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Callable, NamedTuple, Sequence, Union

from .money import ZERO, round_fen

# A ratio, or a function that looks it up (called only for a band the visit reaches).
LazyRatio = Union[Decimal, Callable[[], Decimal]]


class BandPart(NamedTuple):
    low: Decimal
    high: Decimal
    ratio: Decimal

    @property
    def amount(self) -> Decimal:
        return self.high - self.low


class BandedPayment(NamedTuple):
    payment: Decimal  # rounded, after the cap
    uncapped: Decimal  # rounded, before the cap
    beyond_bands: Decimal
    parts: tuple[BandPart, ...]
    cap_room: Decimal | None  # None = no cap

    @property
    def first_ratio(self) -> Decimal | None:
        return self.parts[0].ratio if self.parts else None

    @property
    def capped(self) -> bool:
        return self.payment < self.uncapped


def pay_bands(
    start: Decimal,
    end: Decimal,
    threshold: Decimal,
    bands: Sequence[tuple[Decimal | None, LazyRatio]],
    cap_room: Decimal | None,
) -> BandedPayment:
    """Pay [start, end) through ``bands`` (``(upto, ratio)``, ascending, None = open end)."""
    pay_from = start if start > threshold else threshold
    parts = []
    exact = ZERO
    band_low = ZERO
    last_upto: Decimal | None = None
    for upto, ratio in bands:
        low = pay_from if pay_from > band_low else band_low
        high = end if upto is None or end < upto else upto
        if high > low:
            if not isinstance(ratio, Decimal):
                ratio = ratio()  # looked up only now that the visit reaches the band (spec §5.12)
            parts.append(BandPart(low, high, ratio))
            exact += (high - low) * ratio
        if upto is None:
            last_upto = None
            break
        band_low = last_upto = upto
    beyond = ZERO
    if last_upto is not None:
        beyond_from = start if start > last_upto else last_upto
        if end > beyond_from:
            beyond = end - beyond_from
    uncapped = round_fen(exact)
    payment = uncapped
    if cap_room is not None:
        if cap_room < ZERO:
            cap_room = ZERO
        if payment > cap_room:
            payment = cap_room
    return BandedPayment(payment, uncapped, beyond, tuple(parts), cap_room)
