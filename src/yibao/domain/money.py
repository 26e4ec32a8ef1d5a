"""Money and ratios: Decimal only, rounded at the spec's rounding points only.

settlement-spec §1: amounts are yuan with two decimals; rounding is ROUND_HALF_UP to
0.01 at (1) each line's computed amount, ceiling amount and pre-self-pay, and (2) each
fund's payment once after summing its band parts. Everything else is exact sums and
differences of rounded amounts.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

FEN = Decimal("0.01")
ZERO = Decimal("0")
ONE = Decimal("1")


def round_fen(amount: Decimal) -> Decimal:
    """Round to the fen, half up (the spec's only rounding)."""
    return amount.quantize(FEN, rounding=ROUND_HALF_UP)


def as_fen(amount: Decimal) -> Decimal:
    """Present an amount that is already a whole number of fen with two decimals.

    Asserts it really is whole fen: a sum of rounded amounts never needs rounding.
    """
    shown = amount.quantize(FEN)
    assert shown == amount, f"amount {amount} is not a whole number of fen"
    return shown


FEN_PER_YUAN = 100


def to_fen(amount: Decimal) -> int:
    """Yuan (two decimals) to integer fen, as the store keeps money: the one yuan→fen place.
    An amount that is not a whole number of fen is a bug upstream, not something to round."""
    fen = amount * FEN_PER_YUAN
    assert fen == fen.to_integral_value(), f"{amount} is not a whole number of fen"
    return int(fen)


def from_fen(fen: int) -> Decimal:
    """Integer fen to yuan with two decimals: the one fen→yuan place."""
    return (Decimal(fen) / FEN_PER_YUAN).quantize(FEN)


def decimal_of(value: object) -> Decimal:
    """The one constructor for numbers read from documents: int, str or Decimal.

    JSON documents are parsed with ``parse_float=Decimal`` so binary floats never
    appear; a float reaching here is converted through its shortest repr, which is
    the literal that was written.
    """
    if isinstance(value, Decimal):
        return value
    if isinstance(value, bool):
        raise TypeError("a boolean is not a number")
    if isinstance(value, (int, str)):
        return Decimal(value)
    if type(value).__name__ == "float":
        return Decimal(repr(value))
    raise TypeError(f"not a number: {value!r}")


def clamp_ratio(ratio: Decimal) -> Decimal:
    """Keep an adjusted ratio inside [0, 1]: a fund never pays more than the base."""
    if ratio < ZERO:
        return ZERO
    if ratio > ONE:
        return ONE
    return ratio


@lru_cache(maxsize=4096)
def show_ratio(ratio: Decimal) -> str:
    """A ratio as a clerk writes it: 85%, 95.5%."""
    percent = (ratio * 100).normalize()
    return f"{percent:f}%"
