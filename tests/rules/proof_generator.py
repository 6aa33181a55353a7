"""DPoP proofs (RFC 9449) generated along every axis of §4.3 and §7: typ, the algorithm
and the key (ES512 and private members such as `dp` among them), htm, htu, iat, jti,
ath, the signature, and the key the token is bound to. Each drawn proof changes a few
axes of a good one, so that every rule is the first one broken often enough."""

from __future__ import annotations

import hashlib
import json
import time
import uuid
from dataclasses import dataclass

import jwt
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from hypothesis import strategies as st

from oauth_primitives import base64url
from oauth_primitives.jwk import thumbprint

PROOF_KEYS = ("ec-p256", "ec-p384", "ec-p521", "rsa", "ed25519")
# The algorithm each key signs with, where it can.
SIGNS = {"ec-p256": "ES256", "ec-p384": "ES384", "ec-p521": "ES512", "rsa": "RS256"}


class ProofKeys:
    def __init__(self) -> None:
        self.private = {
            "ec-p256": ec.generate_private_key(ec.SECP256R1()),
            "ec-p384": ec.generate_private_key(ec.SECP384R1()),
            "ec-p521": ec.generate_private_key(ec.SECP521R1()),
            "rsa": rsa.generate_private_key(public_exponent=65537, key_size=2048),
            "ed25519": ed25519.Ed25519PrivateKey.generate(),
        }

    def jwk(self, name: str, private: bool = False) -> dict:
        key = self.private[name]
        if isinstance(key, rsa.RSAPrivateKey):
            algorithm = jwt.algorithms.RSAAlgorithm
        elif isinstance(key, ec.EllipticCurvePrivateKey):
            algorithm = jwt.algorithms.ECAlgorithm
        else:
            algorithm = jwt.algorithms.OKPAlgorithm
        return algorithm.to_jwk(key if private else key.public_key(), as_dict=True)


@dataclass(frozen=True)
class ProofShape:
    key: str
    alg: str
    typ: str | None
    private: str | None  # a private member put in the jwk: d, dp, k
    no_jwk: bool
    htm: str
    htu: str  # exact, path, query, host-case
    iat: str  # now, stale, ahead, missing, text
    jti: bool
    ath: str  # right, missing, wrong
    tampered: bool
    bound: str  # proof (the token is bound to the proof's key), other


GOOD_PROOF = dict(
    key="ec-p256",
    alg="ES256",
    typ="dpop+jwt",
    private=None,
    no_jwk=False,
    htm="GET",
    htu="exact",
    iat="now",
    jti=True,
    ath="right",
    tampered=False,
    bound="proof",
)

PROOF_AXES = {
    "key": st.sampled_from(PROOF_KEYS),
    "alg": st.sampled_from(("ES384", "ES512", "RS256", "PS256", "EdDSA", "HS256", "none")),
    "typ": st.sampled_from((None, "jwt", "DPoP+JWT")),
    "private": st.sampled_from(("d", "dp", "k", "qi")),
    "no_jwk": st.just(True),
    "htm": st.sampled_from(("POST", "get")),
    "htu": st.sampled_from(("path", "query", "host-case")),
    "iat": st.sampled_from(("stale", "ahead", "missing", "text")),
    "jti": st.just(False),
    "ath": st.sampled_from(("missing", "wrong")),
    "tampered": st.just(True),
    "bound": st.just("other"),
}


@st.composite
def proof_shapes(draw) -> ProofShape:
    axes = draw(st.lists(st.sampled_from(sorted(PROOF_AXES)), min_size=0, max_size=3, unique=True))
    changes = {axis: draw(PROOF_AXES[axis]) for axis in axes}
    if "key" in changes and "alg" not in changes:  # a key with its own algorithm, mostly
        changes["alg"] = SIGNS.get(changes["key"], "EdDSA")
    return ProofShape(**{**GOOD_PROOF, **changes})


def bound_to(shape: ProofShape, keys: ProofKeys) -> str:
    """The thumbprint the token is bound to (cnf.jkt)."""
    other = "rsa" if shape.key != "rsa" else "ec-p256"
    return thumbprint(keys.jwk(shape.key if shape.bound == "proof" else other))


def proof(shape: ProofShape, keys: ProofKeys, url: str, token: str) -> str:
    now = int(time.time())
    header: dict = {"alg": shape.alg}
    if shape.typ is not None:
        header["typ"] = shape.typ
    if not shape.no_jwk:
        jwk = keys.jwk(shape.key)
        if shape.private:
            full = keys.jwk(shape.key, private=True)
            jwk[shape.private] = full.get(shape.private, base64url.encode(b"secret-part"))
        header["jwk"] = jwk
    htu = {
        "exact": url,
        "path": url.rsplit("/", 1)[0] + "/elsewhere",
        "query": url + "?destination=Paris",  # §4.3: htu without query: still the same
        "host-case": url.replace("127.0.0.1", "127.0.0.1").replace("http://", "HTTP://"),
    }[shape.htu]
    claims: dict = {"htm": shape.htm, "htu": htu}
    if shape.jti:
        claims["jti"] = str(uuid.uuid4())
    iat = {"now": now, "stale": now - 300, "ahead": now + 120, "text": "now"}.get(shape.iat)
    if iat is not None:
        claims["iat"] = iat
    if shape.ath == "right":
        claims["ath"] = base64url.encode(hashlib.sha256(token.encode()).digest())
    elif shape.ath == "wrong":
        claims["ath"] = base64url.encode(hashlib.sha256(b"another token").digest())
    head = base64url.encode_json(header)
    body = base64url.encode(json.dumps(claims).encode())
    signing_input = f"{head}.{body}".encode()
    private = keys.private[shape.key]
    if shape.alg == SIGNS.get(shape.key) or (shape.alg == "PS256" and shape.key == "rsa"):
        signature = jwt.get_algorithm_by_name(shape.alg).sign(signing_input, private)
    elif shape.alg == "EdDSA" and shape.key == "ed25519":
        signature = jwt.get_algorithm_by_name("EdDSA").sign(signing_input, private)
    else:
        signature = hashlib.sha512(signing_input).digest()
    if shape.tampered:  # a claim added after signing
        claims["tampered"] = True
        body = base64url.encode(json.dumps(claims).encode())
    return f"{head}.{body}.{base64url.encode(signature)}"
