"""DPoP proofs built here with PyJWT and cryptography alone, independent of the client's
own DPoP code, so the servers are tested against the RFC and not against ourselves."""

from __future__ import annotations

import base64
import hashlib
import json
import time
import uuid
from dataclasses import replace

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from tests.conftest import GIFT, WORLDMAPPERS, repo_settings, start_stack


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class Holder:
    """A client's key pair and the proofs it signs."""

    def __init__(self, alg: str = "ES256") -> None:
        self.alg = alg
        if alg == "ES256":
            self.key = ec.generate_private_key(ec.SECP256R1())
        elif alg == "RS256":
            self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        else:
            self.key = ed25519.Ed25519PrivateKey.generate()
        algo = jwt.get_algorithm_by_name(alg)
        self.jwk = json.loads(algo.to_jwk(self.key.public_key()))

    @property
    def jkt(self) -> str:
        members = {
            "EC": ("crv", "kty", "x", "y"),
            "RSA": ("e", "kty", "n"),
            "OKP": ("crv", "kty", "x"),
        }
        subset = {m: self.jwk[m] for m in members[self.jwk["kty"]]}
        canonical = json.dumps(subset, separators=(",", ":"), sort_keys=True).encode()
        return b64url(hashlib.sha256(canonical).digest())

    def proof(
        self,
        method: str,
        url: str,
        token: str | None = None,
        nonce: str | None = None,
        iat: float | None = None,
        jti: str | None = None,
        header: dict | None = None,
        drop: tuple[str, ...] = (),
        key=None,
    ) -> str:
        claims = {
            "jti": jti or str(uuid.uuid4()),
            "htm": method,
            "htu": url,
            "iat": int(time.time() if iat is None else iat),
        }
        if token is not None:
            claims["ath"] = b64url(hashlib.sha256(token.encode()).digest())
        if nonce is not None:
            claims["nonce"] = nonce
        for name in drop:
            claims.pop(name, None)
        headers = {"typ": "dpop+jwt", "jwk": self.jwk, **(header or {})}
        return jwt.encode(claims, key or self.key, algorithm=self.alg, headers=headers)


def dpop_token(stack, holder: Holder, client=GIFT, audience=WORLDMAPPERS) -> httpx.Response:
    url = stack.issuer + "oauth/token"
    return httpx.post(
        url,
        data={
            "grant_type": "client_credentials",
            "client_id": client[0],
            "client_secret": client[1],
            "audience": audience,
        },
        headers={"DPoP": holder.proof("POST", url)},
    )


def call(stack, path: str, token: str, proof: str | list[str] | None, scheme: str = "DPoP"):
    headers = [("Authorization", f"{scheme} {token}")]
    for value in [proof] if isinstance(proof, str) else proof or []:
        headers.append(("DPoP", value))
    return httpx.get(stack.api_url + path, headers=headers)


@pytest.fixture
def holder() -> Holder:
    return Holder()


@pytest.fixture(scope="module")
def dpop_stack(tmp_path_factory):
    running = start_stack(tmp_path_factory.mktemp("dpop") / "state")
    yield running
    running.thread.stop()


@pytest.fixture(scope="module")
def nonce_stack(tmp_path_factory):
    """Both servers demand nonces (RFC 9449 §8, §9), as Okta's token endpoint does."""
    settings = repo_settings(dpop_nonce=True)
    settings = replace(settings, api=replace(settings.api, dpop_nonce=True))
    running = start_stack(tmp_path_factory.mktemp("dpop-nonce") / "state", settings)
    yield running
    running.thread.stop()


@pytest.fixture(scope="module")
def required_stack(tmp_path_factory):
    """An API set to require DPoP for every call ([server.api] dpop = "required")."""
    settings = repo_settings()
    settings = replace(settings, api=replace(settings.api, dpop="required"))
    running = start_stack(tmp_path_factory.mktemp("dpop-required") / "state", settings)
    yield running
    running.thread.stop()
