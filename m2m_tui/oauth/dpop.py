"""The client's side of DPoP (RFC 9449): a key per profile, a fresh proof for every
request, and the nonces servers hand out (§8, §9), remembered per server."""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from oauth_primitives.dpop import ath, htu
from oauth_primitives.jwk import thumbprint
from oauth_primitives.private_files import ensure_private_dir, write_private_file
from oauth_primitives.rules.closed_sets import DPOP_PROOF, Alg

# Re-exported: what the client's DPoP callers (diagnosis, render) need with a key.
__all__ = ["DpopKey", "DpopKeyError", "ath", "htu", "thumbprint"]

# The EC curve each ES algorithm signs with (RFC 7518 §3.4); the key must be on it.
_CURVES = {Alg.ES256: "secp256r1", Alg.ES384: "secp384r1"}


class DpopKeyError(Exception):
    """A key file that cannot be used, worded for the profile's author."""


def _as_sent(url: str) -> str:
    """The URL as the HTTP client puts it on the wire (§4.2: htu is the request's target
    URI), which is not always what was typed: httpx resolves `/a/b/.` to `/a/b`."""
    import httpx

    try:
        return str(httpx.URL(url))
    except (httpx.InvalidURL, TypeError):
        return url


def origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


@dataclass
class DpopKey:
    """A private key and its public JWK; it signs the proofs of one profile."""

    alg: str
    private_key: object = field(repr=False)
    jwk: dict
    path: Path | None = None

    @property
    def jkt(self) -> str:
        return thumbprint(self.jwk)

    def proof(
        self,
        method: str,
        url: str,
        access_token: str | None = None,
        nonce: str | None = None,
        iat: float | None = None,
    ) -> str:
        """A fresh proof (§4.2): its own jti, now's iat, and ath when a token goes with it."""
        import jwt

        when = int(time.time() if iat is None else iat)
        claims = {"jti": str(uuid.uuid4()), "htm": method, "htu": htu(_as_sent(url)), "iat": when}
        if access_token is not None:
            claims["ath"] = ath(access_token)
        if nonce:
            claims["nonce"] = nonce
        headers = {"typ": "dpop+jwt", "jwk": self.jwk}
        return jwt.encode(claims, self.private_key, algorithm=self.alg, headers=headers)


def generate_key(alg: str = Alg.ES256) -> DpopKey:
    """A throw-away key (the tamper lab's "another key")."""
    import jwt

    private = _new_private_key(alg)
    return DpopKey(
        alg, private, json.loads(jwt.get_algorithm_by_name(alg).to_jwk(private.public_key()))
    )


def load_or_create_key(
    state_dir: Path, profile_name: str, alg: str, key_file: str | None
) -> DpopKey:
    """The profile's `dpop_key_file`, else a key generated once into the state directory
    (`dpop-keys/<profile>-<alg>.pem`, 0600) and reused from then on."""
    import jwt
    from cryptography.hazmat.primitives import serialization

    if alg not in DPOP_PROOF:
        raise DpopKeyError(f"dpop_alg must be one of {', '.join(DPOP_PROOF)}, not {alg!r}")
    if key_file:
        path = Path(key_file).expanduser()
        try:
            private = serialization.load_pem_private_key(path.read_bytes(), password=None)
        except (OSError, ValueError, TypeError) as exc:
            raise DpopKeyError(
                f"dpop_key_file {path}: cannot read a PEM private key ({exc})"
            ) from None
    else:
        folder = ensure_private_dir(state_dir / "dpop-keys")
        safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in profile_name)
        path = folder / f"{safe}-{alg}.pem"
        if path.exists():
            private = serialization.load_pem_private_key(path.read_bytes(), password=None)
        else:
            private = _new_private_key(alg)
            pem = private.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
            write_private_file(path, pem)
    if not _signs(private, alg):
        raise DpopKeyError(f"{path}: this key cannot sign {alg}; set dpop_alg to match it")
    jwk = json.loads(jwt.get_algorithm_by_name(alg).to_jwk(private.public_key()))
    return DpopKey(alg, private, jwk, path)


def _new_private_key(alg: str):
    """A key for one of the proof algorithms (DPOP_PROOF): RSA 2048 for RS256 and PS256,
    the algorithm's curve for ES256 and ES384, Ed25519 for EdDSA."""
    from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

    if alg in _CURVES:
        return ec.generate_private_key(ec.SECP384R1() if alg == Alg.ES384 else ec.SECP256R1())
    if alg in (Alg.RS256, Alg.PS256):
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return ed25519.Ed25519PrivateKey.generate()


def _signs(private: object, alg: str) -> bool:
    """Whether a loaded key can sign `alg`: its type, and for EC its curve (a P-384 key
    signs ES384, not ES256)."""
    from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

    if alg in _CURVES:
        return isinstance(private, ec.EllipticCurvePrivateKey) and (
            private.curve.name == _CURVES[alg]
        )
    if alg in (Alg.RS256, Alg.PS256):
        return isinstance(private, rsa.RSAPrivateKey)
    return isinstance(private, ed25519.Ed25519PrivateKey)


@dataclass
class NonceBook:
    """The last nonce each server (origin) handed out: §8.2 says to use it next time."""

    nonces: dict[str, str] = field(default_factory=dict)

    def get(self, url: str) -> str | None:
        return self.nonces.get(origin(url))

    def remember(self, url: str, headers: dict[str, str]) -> None:
        nonce = {k.lower(): v for k, v in headers.items()}.get("dpop-nonce")
        if nonce:
            self.nonces[origin(url)] = nonce


def decoded_proof(proof: str) -> dict:
    """A proof as the exchange view shows it: header, claims, signature shortened."""
    import jwt

    header = jwt.get_unverified_header(proof)
    claims = jwt.decode(proof, options={"verify_signature": False})
    signature = proof.rsplit(".", 1)[1]
    return {"header": header, "claims": claims, "signature": signature[:12] + "…"}
