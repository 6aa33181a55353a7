"""Tokens kept for reuse, per (issuer, client, audience, scope), in the state directory.

Real Auth0 tenants bill machine-to-machine tokens, so a token is reused until shortly
before it expires. The file is 0600; a damaged file is treated as empty, never fatal.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass
from pathlib import Path

from m2m_tui.config.file import Profile
from oauth_primitives.private_files import ensure_private_dir, write_private_file

MARGIN = 60  # seconds before exp when a cached token stops being offered


@dataclass
class CachedToken:
    access_token: str
    expires_at: float
    obtained_at: float
    response: dict


def cache_key(profile: Profile) -> str:
    parts = [
        profile.issuer,
        profile.client_id,
        profile.audience or profile.resource or "",
        profile.scope or "",
    ]
    if profile.organization:  # a token for an organization is another token
        parts += ["organization", profile.organization]
    if profile.dpop:  # a DPoP-bound token is another token, tied to the profile's key
        parts += ["dpop", profile.dpop_alg, profile.dpop_key_file or ""]
    return hashlib.sha256("\x00".join(parts).encode()).hexdigest()


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

    def get(self, profile: Profile, now: float | None = None) -> CachedToken | None:
        now = time.time() if now is None else now
        entry = self._load().get(cache_key(profile))
        if not isinstance(entry, dict):
            return None
        try:
            cached = CachedToken(**entry)
        except TypeError:
            return None
        return cached if cached.expires_at - MARGIN > now else None

    def put(self, profile: Profile, access_token: str, response: dict) -> None:
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
        }
        ensure_private_dir(self.state_dir)
        write_private_file(self.path, json.dumps(data))

    def forget(self, profile: Profile) -> bool:
        data = self._load()
        if data.pop(cache_key(profile), None) is None:
            return False
        write_private_file(self.path, json.dumps(data))
        return True
