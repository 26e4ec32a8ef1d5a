"""Institution secrets kept encrypted under the platform key (YIBAO_SECRET_KEY).

The signature modes (x-tif, ``_api_*``) never send the secret, so the server must know it to
recompute a signature: it is stored encrypted, not hashed, with AES-256-GCM from the
``cryptography`` package (authenticated encryption: a tampered or foreign value does not open).
A fresh 12-byte random nonce per secret; the institution's code is the associated data, so a
sealed secret copied onto another institution's row does not open.

A sealed secret is the text ``g1.`` + base64url(nonce || ciphertext-with-tag); the version
prefix leaves room for another construction beside this one.
"""

from __future__ import annotations

import base64
import binascii
import secrets

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

VERSION = b"g1"
KEY_BYTES = 32
NONCE_BYTES = 12
TAG_BYTES = 16


class SecretBoxError(ValueError):
    """A platform key that is not one, or a sealed secret that does not open under it."""


def new_platform_key() -> str:
    """A new platform key as YIBAO_SECRET_KEY takes it (32 random bytes, base64url)."""
    return base64.urlsafe_b64encode(secrets.token_bytes(KEY_BYTES)).decode()


def new_institution_secret() -> str:
    """A new institution secret: 32 hex characters (128 bits), which every proxy can carry."""
    return secrets.token_hex(16)


class SecretBox:
    def __init__(self, key: bytes):
        if len(key) < KEY_BYTES:
            raise SecretBoxError(f"平台密钥至少 {KEY_BYTES} 字节 (the platform key needs {KEY_BYTES} bytes)")
        self._aead = AESGCM(key[:KEY_BYTES])

    @classmethod
    def from_text(cls, text: str) -> "SecretBox":
        """The key as base64url (what ``new_platform_key`` prints)."""
        cleaned = text.strip()
        try:
            key = base64.urlsafe_b64decode(cleaned + "=" * (-len(cleaned) % 4))
        except (binascii.Error, ValueError):
            raise SecretBoxError("平台密钥 YIBAO_SECRET_KEY 不是 base64url 文本 (not base64url)") from None
        return cls(key)

    def seal(self, secret: str, context: str) -> str:
        nonce = secrets.token_bytes(NONCE_BYTES)
        cipher = self._aead.encrypt(nonce, secret.encode("utf-8"), VERSION + context.encode("utf-8"))
        return VERSION.decode() + "." + base64.urlsafe_b64encode(nonce + cipher).decode()

    def open(self, sealed: str, context: str) -> str:
        prefix, _, body = (sealed or "").partition(".")
        try:
            raw = base64.urlsafe_b64decode(body.encode())
        except (binascii.Error, ValueError):
            raw = b""
        if prefix.encode() != VERSION or len(raw) < NONCE_BYTES + TAG_BYTES:
            raise SecretBoxError("sealed secret is malformed")
        try:
            plain = self._aead.decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], VERSION + context.encode("utf-8"))
        except InvalidTag:
            raise SecretBoxError("sealed secret does not open under this platform key") from None
        return plain.decode("utf-8")
