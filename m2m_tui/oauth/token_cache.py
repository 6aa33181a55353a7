"""Tokens kept for reuse in the state directory, one per everything that decides whether
the server would issue it: the issuer, the client and how it authenticates, the audience
or resource, the scope, the organization, the DPoP key, and the client's credential.

Real Auth0 tenants bill machine-to-machine tokens, so a token is reused until shortly
before it expires. But a cached token must never hide a credential the server would now
refuse: each entry keeps a digest of the secret or key it was obtained with, and a
changed credential passes the entry over (and says so) instead of reusing it.

The file is 0600; a damaged file is treated as empty, never fatal.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass
from pathlib import Path

from m2m_tui.config.profile import TLS_METHODS, Profile
from oauth_primitives.private_files import ensure_private_dir, write_private_file
from oauth_primitives.rules.closed_sets import AuthMethod

MARGIN = 60  # seconds before exp when a cached token stops being offered
# PBKDF2 rounds for a secret's digest: the file holds no fast hash of a secret someone
# might guess (a few milliseconds, once per command).
ROUNDS = 20_000
CREDENTIAL_CHANGED = (
    "the cached token was not used: the client's credential (its secret or key) changed "
    "since that token was obtained, so a new one was requested"
)


@dataclass
class CachedToken:
    access_token: str
    expires_at: float
    obtained_at: float
    response: dict


def _file_digest(path: str | None) -> str:
    if not path:
        return ""
    try:
        return hashlib.sha256(Path(path).expanduser().read_bytes()).hexdigest()
    except OSError:
        return "unreadable"


def cache_key(profile: Profile) -> str:
    parts = [
        profile.issuer,
        profile.client_id,
        profile.auth_method,
        profile.audience or "",
        profile.resource or "",
        profile.scope or "",
    ]
    if profile.organization:  # a token for an organization is another token
        parts += ["organization", profile.organization]
    if profile.dpop:  # a DPoP-bound token is another token, tied to the profile's key
        # The key is the named file (its content), else the one made for this profile.
        key = _file_digest(profile.dpop_key_file) if profile.dpop_key_file else profile.name
        parts += ["dpop", profile.dpop_alg, profile.dpop_key_file or "", key]
    if profile.client_certificate:  # a token may be bound to it (RFC 8705 cnf.x5t#S256)
        parts += ["certificate", _file_digest(profile.client_certificate)]
    return hashlib.sha256("\x00".join(parts).encode()).hexdigest()


def credential_digest(profile: Profile, secret: str | None) -> str | None:
    """What the client authenticates with, as a digest; None when it cannot be known here
    (a secret the user types into the app, asked of a command that has none)."""
    if profile.auth_method == AuthMethod.PRIVATE_KEY_JWT:
        return "key:" + _file_digest(profile.private_key_file)
    if profile.auth_method in TLS_METHODS:  # the certificate is the credential
        return "certificate:" + _file_digest(profile.client_certificate)
    if secret is None:
        return None
    salt = f"m2m-tui\x00{profile.issuer}\x00{profile.client_id}".encode()
    return "secret:" + hashlib.pbkdf2_hmac("sha256", secret.encode(), salt, ROUNDS).hex()


class TokenCache:
    def __init__(self, state_dir: Path) -> None:
        self.path = state_dir / "token-cache.json"
        self.state_dir = state_dir

    def _load(self) -> dict:
        try:
            data = json.loads(self.path.read_text())
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def get(
        self, profile: Profile, credential: str | None, now: float | None = None
    ) -> tuple[CachedToken | None, str | None]:
        """The cached token for `profile` obtained with `credential` (a digest), if still
        good; else None, with the reason when one was passed over for its credential."""
        now = time.time() if now is None else now
        entry = self._load().get(cache_key(profile))
        if not isinstance(entry, dict):
            return None, None
        kept = entry.get("credential")
        try:
            cached = CachedToken(**{k: v for k, v in entry.items() if k != "credential"})
        except TypeError:
            return None, None
        if cached.expires_at - MARGIN <= now:
            return None, None
        if credential is not None and kept != credential:
            return None, CREDENTIAL_CHANGED
        return cached, None

    def peek(self, profile: Profile) -> CachedToken | None:
        """The entry for `profile` whatever its credential or age (to drop a revoked one)."""
        entry = self._load().get(cache_key(profile))
        if not isinstance(entry, dict):
            return None
        try:
            return CachedToken(**{k: v for k, v in entry.items() if k != "credential"})
        except TypeError:
            return None

    def put(
        self, profile: Profile, access_token: str, response: dict, credential: str | None
    ) -> None:
        now = time.time()
        expires_in = response.get("expires_in")
        expires_at = now + (expires_in if isinstance(expires_in, int | float) else 0)
        try:
            from m2m_tui.tokens.decoded import decode

            exp = decode(access_token).payload.get("exp")
            if isinstance(exp, int | float) and not isinstance(exp, bool):
                expires_at = min(expires_at, exp) if expires_in else exp
        except Exception:  # opaque tokens: expires_in is all there is
            pass
        data = {
            k: v
            for k, v in self._load().items()
            if isinstance(v, dict) and v.get("expires_at", 0) > now
        }
        body = {k: v for k, v in response.items() if k != "access_token"}
        data[cache_key(profile)] = {
            "access_token": access_token,
            "expires_at": expires_at,
            "obtained_at": now,
            "response": body,
            "credential": credential,
        }
        ensure_private_dir(self.state_dir)
        write_private_file(self.path, json.dumps(data))

    def forget(self, profile: Profile) -> bool:
        data = self._load()
        if data.pop(cache_key(profile), None) is None:
            return False
        write_private_file(self.path, json.dumps(data))
        return True
