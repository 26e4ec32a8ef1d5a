"""An agency moves an institution to another gateway authentication mode (gateway/auth.py).

``apikey`` keeps only a salted hash of the secret; the signature modes (``x-tif``, ``api``)
need the secret itself to recompute signatures, so it is kept sealed under the platform key
(app/secret_box.py). A secret that was only hashed cannot be sealed after the fact: moving an
institution to a signature mode (or asking for the same signature mode again) issues a new
secret, shown once to the agency and never stored in clear or logged. Moving back to
``apikey`` or to ``none`` keeps the secret's hash (``apikey`` then accepts the same secret)
and drops the sealed copy.

Locks: the institution's row (docs/locking.md, rank 12), read after the lock. One action-log
row, ``institution.auth_mode``, names the operator and the modes, never the secret.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Protocol

from .error_codes import refusal
from .importing import AUTH_MODES as MODES, SIGNATURE_MODES, hash_secret
from .secret_box import SecretBox, new_institution_secret
from .unit_of_work import UnitOfWork


class InstitutionAuthRepository(Protocol):
    """``uow.institution_auth`` (store/repositories/institution_auth.py)."""

    def lock(self, fixmedins_code: str) -> dict | None:
        """fixmedins_code, fixmedins_name, auth_mode, secret_salt, secret_hash, secret_sealed."""

    def set_credentials(self, fixmedins_code: str, *, auth_mode: str, secret_salt: str, secret_hash: str,
                        secret_sealed: str | None) -> None: ...

    def count_in_modes(self, modes: tuple[str, ...]) -> int: ...


@dataclass(frozen=True)
class AuthChange:
    fixmedins_code: str
    previous_mode: str
    auth_mode: str
    new_secret: str | None  # shown once; None when the secret stays


def check_mode(mode: str) -> str:
    mode = (mode or "").strip().lower()
    if mode not in MODES:
        raise refusal("AUTH_BAD_MODE", modes=" / ".join(MODES), mode=repr(mode[:20]))
    return mode


def change_auth_mode(uow: UnitOfWork, fixmedins_code: str, mode: str, box: SecretBox | None) -> AuthChange:
    mode = check_mode(mode)
    if mode in SIGNATURE_MODES and box is None:
        raise refusal("AUTH_MODE_NEEDS_KEY")
    row = uow.institution_auth.lock(fixmedins_code)
    if row is None:
        raise refusal("AUTH_MODE_NO_INSTITUTION", fixmedins_code=fixmedins_code[:30])
    previous = row["auth_mode"]
    if mode == previous and mode not in SIGNATURE_MODES:
        raise refusal("AUTH_MODE_UNCHANGED", fixmedins_code=fixmedins_code, mode=mode)
    salt, digest, sealed, issued = row["secret_salt"], row["secret_hash"], None, None
    if mode in SIGNATURE_MODES:
        issued = new_institution_secret()
        salt = secrets.token_hex(8)
        digest, sealed = hash_secret(issued, salt), box.seal(issued, fixmedins_code)
    uow.institution_auth.set_credentials(fixmedins_code, auth_mode=mode, secret_salt=salt, secret_hash=digest,
                                         secret_sealed=sealed)
    uow.actions.record("institution.auth_mode", fixmedins_code,
                       {"from": previous, "to": mode, "new_secret": issued is not None})
    return AuthChange(fixmedins_code, previous, mode, issued)


def platform_key_missing(uow: UnitOfWork) -> str:
    """The refusal to serve without a platform key while institutions are in a signature mode ("" = none)."""
    count = uow.institution_auth.count_in_modes(SIGNATURE_MODES)
    if not count:
        return ""
    return (f"拒绝启动：{count} 家机构使用签名认证方式（x-tif、api），但未设置平台密钥 YIBAO_SECRET_KEY，"
            "无法验证它们的签名 (signature-mode institutions need YIBAO_SECRET_KEY)")
