"""Resident identity numbers (公民身份号码, GB 11643-1999) and masking for logs.

An 18-character number is: 6-digit address code (the region, GB/T 2260) + 8-digit birth
date ``YYYYMMDD`` + 3-digit sequence code (odd for men, even for women) + 1 check character
(ISO 7064 MOD 11-2: ``0``–``9`` or ``X``).
"""

from __future__ import annotations

import datetime as dt

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_CHARS = "10X98765432"


def certno_checksum(first17: str) -> str:
    """The check character of the first 17 digits of an ID number."""
    if len(first17) != 17 or not first17.isascii() or not first17.isdigit():
        raise ValueError(f"expected 17 digits, got {first17!r}")
    total = sum(int(digit) * weight for digit, weight in zip(first17, _WEIGHTS))
    return _CHECK_CHARS[total % 11]


def make_certno(admdvs6: str, birth_date: dt.date, sequence: int, male: bool) -> str:
    """An 18-character ID number with a valid check character.

    ``sequence`` (0–499) numbers the people of one sex born on one day in one region; the
    3-digit sequence code is ``2 * sequence + 1`` for a man and ``2 * sequence`` for a
    woman, so its last digit is odd for men and even for women as the standard requires.
    (Registries do not hand out ``000``: pass ``sequence >= 1`` for women to avoid it.)
    """
    if len(admdvs6) != 6 or not admdvs6.isascii() or not admdvs6.isdigit():
        raise ValueError(f"admdvs must be 6 digits, got {admdvs6!r}")
    if not 0 <= sequence <= 499:
        raise ValueError(f"sequence must be in 0..499, got {sequence}")
    order = 2 * sequence + (1 if male else 0)
    first17 = f"{admdvs6}{birth_date:%Y%m%d}{order:03d}"
    return first17 + certno_checksum(first17)


def certno_birth_date(certno: str) -> dt.date:
    """The birth date written in an 18-character ID number (ValueError if it is not a date)."""
    digits = certno[6:14]
    if len(digits) != 8 or not digits.isdigit():  # what strptime refused, at a tenth of its cost (imports)
        raise ValueError(f"not a date: {digits!r}")
    return dt.date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))


def certno_is_male(certno: str) -> bool:
    """Whether the sequence code of an 18-character ID number is a man's (odd)."""
    return int(certno[16]) % 2 == 1


def is_valid_certno(s: str) -> bool:
    """True for an 18-character ID number of digits (not starting with 0) with a real
    calendar date as birth date and the right check character (upper-case ``X``)."""
    if not isinstance(s, str) or len(s) != 18 or not s.isascii():
        return False
    first17, check = s[:17], s[17]
    if not first17.isdigit() or s[0] == "0":
        return False
    try:
        certno_birth_date(s)
    except ValueError:
        return False
    return certno_checksum(first17) == check


def mask_certno(s: str) -> str:
    """Keep the first 3 and the last 2 characters, mask the rest: ``510***********123X`` →
    ``510*************3X``. Strings of 5 characters or fewer are masked entirely."""
    if not s:
        return ""
    if len(s) <= 5:
        return "*" * len(s)
    return s[:3] + "*" * (len(s) - 5) + s[-2:]


def mask_name(name: str) -> str:
    """Keep the first character of a name and mask the rest: ``张三丰`` → ``张**``."""
    if not name:
        return ""
    return name[0] + "*" * (len(name) - 1)


__all__ = [
    "certno_birth_date",
    "certno_checksum",
    "certno_is_male",
    "is_valid_certno",
    "make_certno",
    "mask_certno",
    "mask_name",
]
