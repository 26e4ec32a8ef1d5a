"""Institution secrets kept encrypted under the platform key (YIBAO_SECRET_KEY).

The signature modes (x-tif, ``_api_*``) never send the secret, so the server must know it to
recompute a signature: it is stored encrypted, not hashed. The ``cryptography`` package is not
among the platform's dependencies, so the box is built from the standard library only, from
HMAC-SHA256 used as a pseudo-random function:

- two keys derived from the platform key (one to encrypt, one to authenticate);
- a fresh 16-byte random nonce per secret; the keystream is HMAC(enc_key, nonce || counter)
  (counter mode over a PRF), XORed with the secret's UTF-8 bytes;
- encrypt-then-MAC: HMAC(mac_key, version || nonce || context || ciphertext), checked in
  constant time before anything is decrypted. The context is the institution's code, so a
  sealed secret copied onto another institution's row does not open.

A sealed secret is the text ``y1.`` + base64url(nonce || ciphertext || tag); the version prefix
leaves room for another construction (e.g. AES-GCM) beside this one.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets

VERSION = b"y1"
KEY_BYTES = 32
NONCE_BYTES = 16
TAG_BYTES = 32


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
        self._enc_key = hmac.new(key, b"yibao secret box: encryption", hashlib.sha256).digest()
        self._mac_key = hmac.new(key, b"yibao secret box: authentication", hashlib.sha256).digest()

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
        plain = secret.encode("utf-8")
        cipher = bytes(a ^ b for a, b in zip(plain, self._keystream(nonce, len(plain))))
        tag = self._tag(nonce, context, cipher)
        return VERSION.decode() + "." + base64.urlsafe_b64encode(nonce + cipher + tag).decode()

    def open(self, sealed: str, context: str) -> str:
        prefix, _, body = (sealed or "").partition(".")
        try:
            raw = base64.urlsafe_b64decode(body.encode())
        except (binascii.Error, ValueError):
            raw = b""
        if prefix.encode() != VERSION or len(raw) < NONCE_BYTES + TAG_BYTES:
            raise SecretBoxError("sealed secret is malformed")
        nonce, cipher, tag = raw[:NONCE_BYTES], raw[NONCE_BYTES:-TAG_BYTES], raw[-TAG_BYTES:]
        if not hmac.compare_digest(tag, self._tag(nonce, context, cipher)):
            raise SecretBoxError("sealed secret does not open under this platform key")
        return bytes(a ^ b for a, b in zip(cipher, self._keystream(nonce, len(cipher)))).decode("utf-8")

    def _keystream(self, nonce: bytes, length: int) -> bytes:
        blocks = (hmac.new(self._enc_key, nonce + counter.to_bytes(4, "big"), hashlib.sha256).digest()
                  for counter in range((length + 31) // 32))
        return b"".join(blocks)[:length]

    def _tag(self, nonce: bytes, context: str, cipher: bytes) -> bytes:
        context_bytes = context.encode("utf-8")
        message = VERSION + nonce + len(context_bytes).to_bytes(2, "big") + context_bytes + cipher
        return hmac.new(self._mac_key, message, hashlib.sha256).digest()
