"""The key a token names by a kid its issuer's JWKS does not hold: found there under
another kid, by its RFC 7638 thumbprint (an issuer that names keys by thumbprint on one
side and by hand on the other), by the certificate's x5t, or by trying the signature
with each key that can make it (RFC 7515 §4.1.4: the kid is only a hint)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from m2m_tui.tokens.decoded import DecodedToken
from oauth_primitives.jwk import thumbprint
from oauth_primitives.rules.keys import KEY_TYPE, key_finding, verify


class FoundBy(StrEnum):
    THUMBPRINT = "thumbprint"  # the token's kid is the key's RFC 7638 thumbprint
    X5T = "x5t"  # the token's kid (or x5t) is the key's certificate thumbprint
    SIGNATURE = "signature"  # the signature verifies with it


@dataclass(frozen=True)
class FoundKey:
    kid: str
    by: tuple[FoundBy, ...]


def _thumbprint(jwk: dict) -> str | None:
    try:
        return thumbprint(jwk)
    except ValueError:
        return None


def find_key(token: DecodedToken, keys: dict[str, dict]) -> FoundKey | None:
    """The JWKS key (by its kid there) that is the one the token means, and how it was
    known; None when no key of the JWKS is it."""
    kid, alg = token.header.get("kid"), token.header.get("alg")
    x5t = token.header.get("x5t")
    found: list[FoundKey] = []
    for name, jwk in keys.items():
        by = []
        if isinstance(kid, str) and kid == _thumbprint(jwk):
            by.append(FoundBy.THUMBPRINT)
        if isinstance(jwk.get("x5t"), str) and jwk["x5t"] in (kid, x5t):
            by.append(FoundBy.X5T)
        # Only keys of the type the alg needs (and not too small): an ES256 signature is
        # never tried with an RSA key.
        fits = isinstance(alg, str) and KEY_TYPE.get(alg[:2]) == jwk.get("kty")
        if fits and key_finding(alg, {**jwk, "alg": alg}) is None:
            if verify(alg, jwk, token.signing_input, token.signature):
                by.append(FoundBy.SIGNATURE)
        if by:
            found.append(FoundKey(name, tuple(by)))
    # The signature is proof; a thumbprint alone is a strong hint.
    found.sort(key=lambda f: FoundBy.SIGNATURE not in f.by)
    return found[0] if found else None


def kids_words(keys: dict[str, dict], limit: int = 8) -> str:
    """The JWKS's kids, as the check lists them."""
    kids = list(keys)
    if not kids:
        return "it holds no signing keys"
    shown = ", ".join(kids[:limit]) + (
        f" and {len(kids) - limit} more" if len(kids) > limit else ""
    )
    return f"its kids: {shown}"


def found_words(key: FoundKey) -> str:
    how = {
        FoundBy.SIGNATURE: "the signature verifies with it",
        FoundBy.THUMBPRINT: "the token's kid is that key's RFC 7638 thumbprint",
        FoundBy.X5T: "the token names that key's certificate thumbprint (x5t)",
    }
    said = "; ".join(how[b] for b in key.by)
    if FoundBy.SIGNATURE not in key.by:
        said += ", though the signature does not verify with it"
    return said
