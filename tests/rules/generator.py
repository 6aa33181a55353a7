"""Tokens generated along every axis a resource server judges: the algorithm and the
key, kid, typ, crit, iss, aud, exp, nbf, iat, the shape of scope, RFC 9068's claims,
the JSON type of sub, the size and the encoding. Hypothesis draws a `Shape`; `build`
makes the token.

Shared by the property tests against the bundled API (tests/rules) and against the
validators m2m-tui did not write (tests/interop)."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from dataclasses import dataclass

import jwt
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from hypothesis import strategies as st

from oauth_primitives import base64url

ALGS = ("RS256", "RS384", "PS256", "ES256", "ES384", "ES512", "EdDSA", "HS256", "none")


def _rsa(bits: int):
    return rsa.generate_private_key(public_exponent=65537, key_size=bits)


def _jwk(private, kid: str, alg: str | None) -> dict:
    public = private.public_key()
    if isinstance(public, rsa.RSAPublicKey):
        jwk = jwt.algorithms.RSAAlgorithm.to_jwk(public, as_dict=True)
    elif isinstance(public, ec.EllipticCurvePublicKey):
        jwk = jwt.algorithms.ECAlgorithm.to_jwk(public, as_dict=True)
    else:
        jwk = jwt.algorithms.OKPAlgorithm.to_jwk(public, as_dict=True)
    jwk.update({"kid": kid, "use": "sig"})
    if alg:
        jwk["alg"] = alg
    return jwk


class Keys:
    """The issuer's signing keys, one of each kind a token may name by kid."""

    def __init__(self) -> None:
        self.private = {
            "rsa": _rsa(2048),  # its JWK names no alg: any RS/PS algorithm fits
            "rsa-rs256": _rsa(2048),  # its JWK says alg RS256
            "rsa-1024": _rsa(1024),
            "ec-p256": ec.generate_private_key(ec.SECP256R1()),
            "ec-p384": ec.generate_private_key(ec.SECP384R1()),
            "ed25519": ed25519.Ed25519PrivateKey.generate(),
        }
        declared = {"rsa-rs256": "RS256"}
        self.jwks = {"keys": [_jwk(k, kid, declared.get(kid)) for kid, k in self.private.items()]}


@dataclass(frozen=True)
class Shape:
    alg: str
    key: str  # the kid of the key that signs, where the alg fits it
    kid: str  # "key" (that key's kid), "missing" or "unknown"
    typ: str | None
    crit: tuple[str, ...] | None
    iss: str  # exact, slash, other, missing
    aud: str  # exact, list, other, missing, number (a number beside the audience)
    exp: str  # future, past, recent, missing, text
    nbf: str | None  # past, future, soon, text
    iat: str | None  # now, future, text
    scope: str  # has, other, missing, array, empty
    rfc9068: frozenset[str]  # which of sub, client_id, jti it has
    big: bool  # a 9 KiB claim
    padded: bool  # base64 padding on the payload
    tampered: bool  # the payload changed after signing
    bound: bool  # DPoP-bound (cnf.jkt), though sent as Bearer
    tier: object = "gold"  # the claim an Action adds: gold, another value, or None (absent)
    # sub's value, where rfc9068 has it: a string, or what issuers write instead of one
    # (RFC 7519 §4.1.2's StringOrURI): a database id, an identity object, a list, ...
    sub: object = "generated@clients"


TIER = "https://worldmappers.example/tier"  # the claim the "claims" policy requires

# A token every policy accepts: RFC 9068's shape, signed RS256 by a 2048-bit key.
GOOD = dict(
    alg="RS256",
    key="rsa",
    kid="key",
    typ="at+jwt",
    crit=None,
    iss="exact",
    aud="exact",
    exp="future",
    nbf=None,
    iat="now",
    scope="has",
    rfc9068=frozenset({"sub", "client_id", "jti"}),
    big=False,
    padded=False,
    tampered=False,
    bound=False,
)

# What JSON holds where a StringOrURI belongs: a number (a user's id, as Django's or
# Lemur's tokens carried it), a float, an object (flask-jwt-extended's identity), an
# array, a boolean, null.
NOT_STRINGS = (42, 4.5, {"id": 42}, ["generated"], True, None)

# Each axis, and what it may become. A drawn token changes a few axes of GOOD, so that
# every rule, late ones too, is the first one broken often enough.
AXES = {
    "alg": st.sampled_from(ALGS),
    "key": st.sampled_from(("rsa-rs256", "rsa-1024", "ec-p256", "ec-p384", "ed25519")),
    "kid": st.sampled_from(("missing", "unknown")),
    "typ": st.sampled_from((None, "JWT", "application/at+jwt", "AT+JWT")),
    "crit": st.sampled_from((("exp",), ("urn:example:ext",), ("b64",), ())),
    "iss": st.sampled_from(("slash", "other", "missing")),
    "aud": st.sampled_from(("list", "other", "missing", "number")),
    "exp": st.sampled_from(("past", "recent", "missing", "text")),
    "nbf": st.sampled_from(("past", "future", "soon", "text")),
    "iat": st.sampled_from((None, "future", "text")),
    "scope": st.sampled_from(("other", "missing", "array", "empty")),
    "rfc9068": st.frozensets(st.sampled_from(("sub", "client_id", "jti")), max_size=2),
    "big": st.just(True),
    "padded": st.just(True),
    "tampered": st.just(True),
    "bound": st.just(True),
    "tier": st.sampled_from((None, "silver", 1, ["gold"])),
    "sub": st.sampled_from(NOT_STRINGS),
}


@st.composite
def shapes(draw, keys: Keys | None = None) -> Shape:
    axes = draw(st.lists(st.sampled_from(sorted(AXES)), min_size=0, max_size=3, unique=True))
    changes = {axis: draw(AXES[axis]) for axis in axes}
    return Shape(**{**GOOD, **changes})


def _time(kind: str | None, now: int, future: int) -> object:
    # Far from every boundary (the leeways are 5 s and 120 s): a busy machine cannot
    # move a token across one between the API's judgement and the diagnosis's. "recent"
    # and "soon" lie between the two: refused at 5 s, taken at 120 s.
    return {
        "future": now + future,
        "past": now - 3600,
        "recent": now - 40,
        "soon": now + 40,
        "now": now - 30,
        "text": "tomorrow",
    }.get(kind)


def payload(shape: Shape, issuer: str, audience: str) -> dict:
    now = int(time.time())
    claims: dict = {}
    iss = {"exact": issuer, "slash": issuer.rstrip("/"), "other": "https://elsewhere.example/"}
    if shape.iss in iss:
        claims["iss"] = iss[shape.iss]
    aud = {
        "exact": audience,
        "list": ["urn:other", audience],
        "other": "urn:other",
        "number": [audience, 42],
    }
    if shape.aud in aud:
        claims["aud"] = aud[shape.aud]
    for name, kind, future in (("exp", shape.exp, 3600), ("nbf", shape.nbf, 600)):
        value = _time(kind, now, future)
        if value is not None:
            claims[name] = value
    iat = _time(shape.iat, now, 600)
    if iat is not None:
        claims["iat"] = iat
    scope = {
        "has": "geocode:location directions",
        "other": "geocode:location",
        "array": ["directions"],
        "empty": "",
    }
    if shape.scope in scope:
        claims["scope"] = scope[shape.scope]
    for name in sorted(shape.rfc9068):
        claims[name] = {"sub": shape.sub, "client_id": "generated", "jti": "j-1"}[name]
    if shape.big:
        claims["blob"] = "x" * 9000
    if shape.tier is not None:
        claims[TIER] = shape.tier
    if shape.bound:  # RFC 9449 §6.1: bound to a key this client never shows
        claims["cnf"] = {"jkt": "0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I"}
    return claims


def _fits(alg: str, private) -> bool:
    if alg.startswith(("RS", "PS")):
        return isinstance(private, rsa.RSAPrivateKey)
    curve = {"ES256": ec.SECP256R1, "ES384": ec.SECP384R1, "ES512": ec.SECP521R1}.get(alg)
    if curve is not None:
        return isinstance(private, ec.EllipticCurvePrivateKey) and isinstance(private.curve, curve)
    if alg == "EdDSA":
        return isinstance(private, ed25519.Ed25519PrivateKey)
    return False


def build(shape: Shape, keys: Keys, issuer: str, audience: str, **extra) -> str:
    header: dict = {"alg": shape.alg}
    if shape.kid == "key":
        header["kid"] = shape.key
    elif shape.kid == "unknown":
        header["kid"] = "no-such-key"
    if shape.typ is not None:
        header["typ"] = shape.typ
    if shape.crit is not None:
        header["crit"] = list(shape.crit)
        header.update({c: True for c in shape.crit if c not in ("exp",)})
    claims = {**payload(shape, issuer, audience), **extra}
    head = base64url.encode_json(header)
    body = base64url.encode(json.dumps(claims).encode())
    signing_input = f"{head}.{body}".encode()
    private = keys.private[shape.key]
    if shape.alg == "none":
        signature = b""
    elif shape.alg == "HS256":
        signature = hmac.new(b"a-shared-secret", signing_input, hashlib.sha256).digest()
    elif _fits(shape.alg, private):
        signature = jwt.get_algorithm_by_name(shape.alg).sign(signing_input, private)
    else:  # an algorithm the key cannot make: a signature of a plausible length
        signature = hashlib.sha512(signing_input).digest()
    if shape.tampered:
        claims["scope"] = "directions geocode:location reverse-geocode:location"
        body = base64url.encode(json.dumps(claims).encode())
    if shape.padded:
        body += "=" * (-len(body) % 4) or "=="
    return f"{head}.{body}.{base64url.encode(signature)}"
