"""The tamper lab: variants of a real token, each broken in one well-known way."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from m2m_tui.tokens.decoded import decode
from oauth_primitives import base64url
from oauth_primitives.rules.closed_sets import Alg

if TYPE_CHECKING:
    from m2m_tui.oauth.dpop import DpopKey


@dataclass(frozen=True)
class Variant:
    name: str
    what: str
    token: str


def _b64(value: dict | bytes) -> str:
    return base64url.encode(value) if isinstance(value, bytes) else base64url.encode_json(value)


def variants(raw: str, extra_scope: str = "geocode:location") -> list[Variant]:
    token = decode(raw)
    header, payload = dict(token.header), dict(token.payload)
    head, body, sig = token.raw.split(".")
    signature = _b64(token.signature)

    def with_payload(**changes) -> str:
        changed = {**payload, **changes}
        return f"{head}.{_b64(changed)}.{signature}"

    scopes = token.scopes
    fewer = " ".join(scopes[1:]) if scopes else ""
    more = " ".join([*scopes, extra_scope] if extra_scope not in scopes else [*scopes, "admin"])
    import jwt
    from cryptography.hazmat.primitives.asymmetric import rsa

    throwaway = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    resigned = jwt.encode(
        payload,
        throwaway,
        algorithm=Alg.RS256,
        headers={k: v for k, v in header.items() if k != "alg"},
    )
    return [
        Variant(
            "expired",
            "exp moved an hour into the past (the signature no longer matches)",
            with_payload(exp=int(time.time()) - 3600),
        ),
        Variant("other aud", "aud changed to urn:another-api", with_payload(aud="urn:another-api")),
        Variant("scope removed", f"scope reduced to {fewer!r}", with_payload(scope=fewer)),
        Variant("scope added", f"scope raised to {more!r}", with_payload(scope=more)),
        Variant(
            "alg none",
            "header alg set to none and the signature dropped",
            f"{_b64({**header, 'alg': 'none'})}.{body}.",
        ),
        Variant(
            "re-signed", "the same claims signed by a throwaway key under the same kid", resigned
        ),
        Variant("no signature", "the signature stripped", f"{head}.{body}."),
    ]


@dataclass(frozen=True)
class ProofVariant:
    """A DPoP call broken one way (RFC 9449 §4.3, §7): the token stays valid, the proof
    or the scheme does not. `make` builds the proof for (method, url, token, the API's
    nonce), or None."""

    name: str
    what: str
    scheme: str
    make: Callable[[str, str, str, str | None], str | None]
    twice: bool = False  # sent once normally, then again: the second answer counts


def proof_variants(key: DpopKey) -> list[ProofVariant]:
    from m2m_tui.oauth.dpop import generate_key

    stranger = generate_key()
    now = time.time()
    return [
        ProofVariant(
            "proof: wrong method",
            "htm says POST for a GET",
            "DPoP",
            lambda m, u, t, n: key.proof("POST" if m != "POST" else "PUT", u, t, n),
        ),
        ProofVariant(
            "proof: wrong URL",
            "htu names another endpoint",
            "DPoP",
            lambda m, u, t, n: key.proof(m, u.rstrip("/") + "/elsewhere", t, n),
        ),
        ProofVariant(
            "proof: stale",
            "iat 10 minutes ago",
            "DPoP",
            lambda m, u, t, n: key.proof(m, u, t, n, now - 600),
        ),
        ProofVariant(
            "proof: future",
            "iat 10 minutes ahead",
            "DPoP",
            lambda m, u, t, n: key.proof(m, u, t, n, now + 600),
        ),
        ProofVariant(
            "proof: replayed",
            "the same proof sent twice",
            "DPoP",
            lambda m, u, t, n: key.proof(m, u, t, n),
            twice=True,
        ),
        ProofVariant(
            "proof: no ath", "no hash of the token", "DPoP", lambda m, u, t, n: key.proof(m, u)
        ),
        ProofVariant(
            "proof: other key",
            "signed by a key the token is not bound to",
            "DPoP",
            lambda m, u, t, n: stranger.proof(m, u, t, n),
        ),
        ProofVariant(
            "bound token as Bearer",
            "no proof, Authorization: Bearer",
            "Bearer",
            lambda m, u, t, n: None,
        ),
    ]
