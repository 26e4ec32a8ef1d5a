"""Users' passwords, kept only as a salted scrypt hash (docs/users-and-roles.md, "Passwords").

Cost: scrypt with N = 2**15, r = 8, p = 1 (32 MiB of memory and about 0.1 s of one core per
check on the reference machine), a 16-byte random salt per password and a 32-byte key. The
stored text names its own parameters (``scrypt$N$r$p$salt$hash``), so a later, higher cost
applies to new and changed passwords while the stored ones keep verifying.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

N, R, P = 2 ** 15, 8, 1
KEY_BYTES, SALT_BYTES = 32, 16
MIN_LENGTH, MAX_LENGTH = 10, 200  # a longer text is no stronger and costs the server more


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    # maxmem above 128·N·r bytes, which hashlib's 32 MiB default would refuse at N = 2**15
    return hashlib.scrypt(password.encode("utf-8"), salt=salt, n=n, r=r, p=p, dklen=KEY_BYTES,
                          maxmem=256 * n * r + 1024 * 1024)


def hash_password(password: str, *, n: int | None = None, r: int = R, p: int = P) -> str:
    n = n or N  # read at call time: the module's cost applies to every new hash
    salt = secrets.token_bytes(SALT_BYTES)
    return f"scrypt${n}${r}${p}${_b64(salt)}${_b64(_scrypt(password, salt, n, r, p))}"


def verify_password(password: str, stored: str) -> bool:
    """True if ``password`` made ``stored``; False for any other text, malformed or not."""
    try:
        scheme, n, r, p, salt, expected = stored.split("$")
        n_, r_, p_ = int(n), int(r), int(p)
    except ValueError:
        return False
    if scheme != "scrypt" or not (2 <= n_ <= 2 ** 20 and 1 <= r_ <= 32 and 1 <= p_ <= 16) or len(password) > MAX_LENGTH:
        return False
    return hmac.compare_digest(_scrypt(password, _unb64(salt), n_, r_, p_), _unb64(expected))


def acceptable(password: str) -> bool:
    return MIN_LENGTH <= len(password) <= MAX_LENGTH and "\x00" not in password
