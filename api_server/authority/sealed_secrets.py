"""Client secrets the authority must be able to use, not only compare.

A secret sent as it is (client_secret_post, client_secret_basic) is checked against
its SHA-256 hash, and the hash is all the tenant keeps of it. A client_secret_jwt
assertion is an HMAC keyed with the secret itself (OpenID Connect Core §9), which no
hash can check: for such a client alone, the tenant also keeps the secret sealed with
AES-256-GCM under a key of its own, `client-secrets.key` beside the database (0600,
made on first need, never replaced). Each sealed secret is bound to its client id (the
associated data), so that one copied into another client's row opens to nothing.

What this protects: the database and its copies (a `serve --export`, a `.before-import`
copy, a stray backup) hold no usable secret without the key file. What it does not: a
reader of the whole state directory, who holds the signing keys as well. A backup takes
sealed secrets only under the operator's passphrase (`for_passphrase`, scrypt), as it
takes the signing keys; without one they are left out and must be rotated after import.
"""

from __future__ import annotations

import os
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from oauth_primitives import base64url
from oauth_primitives.private_files import write_private_file

KEY_FILE = "client-secrets.key"
PREFIX = "aes256gcm."  # what a sealed value starts with: the scheme, should another come
NONCE = 12  # bytes, NIST SP 800-38D's recommended IV for GCM; random per seal
SALT = 16
# scrypt's interactive cost (RFC 7914 §2 suggests N = 2^14 for interactive use): once
# per export or import, never per request.
SCRYPT_N = 2**15


class SecretBox:
    """Seals and opens secrets under one 256-bit key."""

    def __init__(self, key: bytes) -> None:
        self._aead = AESGCM(key)

    @classmethod
    def for_passphrase(cls, passphrase: bytes, salt: bytes) -> SecretBox:
        """The box a backup's secrets are sealed in: its key derived from the operator's
        passphrase (scrypt, RFC 7914), with the backup's own salt."""
        return cls(Scrypt(salt=salt, length=32, n=SCRYPT_N, r=8, p=1).derive(passphrase))

    def seal(self, client_id: str, secret: str) -> str:
        nonce = os.urandom(NONCE)
        sealed = self._aead.encrypt(nonce, secret.encode(), _bound_to(client_id))
        return PREFIX + base64url.encode(nonce + sealed)

    def open(self, client_id: str, sealed: str | None) -> str | None:
        """The secret, or None: nothing sealed, another key's or client's, or tampered."""
        if not sealed or not sealed.startswith(PREFIX):
            return None
        try:
            raw = base64url.decode(sealed[len(PREFIX) :])
            plain = self._aead.decrypt(raw[:NONCE], raw[NONCE:], _bound_to(client_id))
            return plain.decode()
        except (ValueError, InvalidTag, UnicodeDecodeError):
            return None


def _bound_to(client_id: str) -> bytes:
    return b"m2m-tui client secret\x00" + client_id.encode()


def new_salt() -> bytes:
    return os.urandom(SALT)


class StateKey:
    """The tenant's sealing key, in its state directory: read once, made on first seal."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._box: SecretBox | None = None

    def box(self, create: bool = False) -> SecretBox | None:
        """The box, or None when there is no key yet and `create` is false (a tenant
        that never sealed a secret has nothing to open)."""
        if self._box is not None:
            return self._box
        try:
            key = self.path.read_bytes()
        except FileNotFoundError:
            if not create:
                return None
            key = os.urandom(32)
            write_private_file(self.path, key)
        if len(key) != 32:
            raise ValueError(
                f"{self.path} is not the 32-byte key this authority seals client secrets "
                "with; move it away to make a new one (then rotate the secrets of the "
                "client_secret_jwt clients)"
            )
        self._box = SecretBox(key)
        return self._box
