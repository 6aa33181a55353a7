"""Why a DPoP call was refused (RFC 9449): the checks a resource server makes on the
proof and the binding, in order, each with what it found and a concrete fix. They run
beside the token's own checks in `diagnosis.py` whenever DPoP is involved."""

from __future__ import annotations

from dataclasses import dataclass

from m2m_tui.diagnosis.check import Check
from oauth_primitives import dpop as rfc9449
from oauth_primitives.dpop import MAX_AGE, htu
from oauth_primitives.jwk import thumbprint

NAMES = (
    "scheme",
    "proof",
    "proof hdr",
    "proof sig",
    "htm",
    "htu",
    "proof iat",
    "jti",
    "ath",
    "cnf.jkt",
    "nonce",
)


@dataclass
class DpopFacts:
    """What was sent and what is known about the binding."""

    scheme: str  # "Bearer" or "DPoP", as the Authorization header said
    proof: str | None  # the proof as sent, if any
    method: str
    url: str
    own_jkt: str | None  # the thumbprint of this profile's key, if it has one
    api_requires_dpop: bool = False

    @classmethod
    def of(cls, result, own_jkt: str | None, api_requires_dpop: bool) -> DpopFacts:
        exchange = result.exchange
        auth = exchange.request_headers.get("Authorization", "")
        scheme = auth.split(" ", 1)[0] or "none"
        return cls(scheme, result.proof, exchange.method, exchange.url, own_jkt, api_requires_dpop)

    def involved(self, bound_jkt: str | None, challenge: dict[str, str]) -> bool:
        return bool(
            bound_jkt
            or self.scheme == "DPoP"
            or self.api_requires_dpop
            or challenge.get("scheme", "").lower() == "dpop"
        )


def dpop_checks(
    token: str,
    bound_jkt: str | None,
    facts: DpopFacts,
    challenge: dict[str, str],
    clock: float,
) -> list[Check]:
    said = challenge.get("error_description", "")
    checks = [_scheme(bound_jkt, facts)]
    if facts.scheme != "DPoP" or bound_jkt is None:
        checks += [Check(n, None, "not checked: no DPoP call was made") for n in NAMES[1:]]
        return checks
    if not facts.proof:
        checks.append(
            Check(
                "proof",
                False,
                "the call had no DPoP header",
                "Send a fresh proof with every DPoP call (m2m-tui does, with dpop = true).",
            )
        )
        checks += [Check(n, None, "not checked: no proof") for n in NAMES[2:]]
        return checks
    import jwt

    try:
        header = jwt.get_unverified_header(facts.proof)
        claims = jwt.decode(facts.proof, options={"verify_signature": False})
    except jwt.PyJWTError:
        checks.append(Check("proof", False, "the DPoP header is not a JWT", "Send a JWT proof."))
        return checks
    checks.append(Check("proof", True, "one DPoP proof was sent"))
    checks.append(_header(header))
    checks.append(_signature(facts.proof, header))
    checks.append(_match("htm", claims.get("htm"), facts.method, "the request's method"))
    # Compared as the server compares them: both sides normalised by the one htu().
    said_htu = claims.get("htu")
    said_htu = htu(said_htu) if isinstance(said_htu, str) else said_htu
    checks.append(_match("htu", said_htu, htu(facts.url), "the request's URL"))
    checks.append(_iat(claims.get("iat"), clock))
    checks.append(_jti(claims.get("jti"), said))
    checks.append(_ath(claims.get("ath"), token))
    checks.append(_cnf(header.get("jwk"), bound_jkt, facts.own_jkt))
    checks.append(_nonce(claims.get("nonce"), challenge))
    return checks


def _scheme(bound_jkt: str | None, facts: DpopFacts) -> Check:
    if bound_jkt and facts.scheme != "DPoP":
        return Check(
            "scheme",
            False,
            "the token is DPoP-bound (cnf.jkt) but was sent as Bearer, without a proof "
            "(RFC 9449 §7.2 forbids that)",
            "Set `dpop = true` in the profile (with the key the token is bound to), so calls "
            "go as Authorization: DPoP with a proof.",
        )
    if not bound_jkt and facts.api_requires_dpop:
        return Check(
            "scheme",
            False,
            "the API requires DPoP; this token is Bearer (no cnf.jkt)",
            "Set `dpop = true` in the profile, then request a new token: it will be bound.",
        )
    if not bound_jkt and facts.scheme == "DPoP":
        return Check(
            "scheme",
            False,
            "sent as DPoP, but the token is not bound to a key (no cnf.jkt)",
            "Request the token with a DPoP proof (dpop = true), or send it as Bearer.",
        )
    if bound_jkt:
        return Check("scheme", True, "Authorization: DPoP for a DPoP-bound token")
    return Check("scheme", True, "a Bearer token sent as Bearer")


def _header(header: dict) -> Check:
    if header.get("typ") != "dpop+jwt":
        return Check(
            "proof hdr", False, f"typ is {header.get('typ')!r}", "Proofs must say typ dpop+jwt."
        )
    if header.get("alg") in (None, "none") or str(header.get("alg")).startswith("HS"):
        return Check(
            "proof hdr",
            False,
            f"alg {header.get('alg')!r} is not asymmetric",
            "Sign proofs with ES256, RS256 or EdDSA (dpop_alg).",
        )
    jwk = header.get("jwk")
    if not isinstance(jwk, dict):
        return Check("proof hdr", False, "no jwk in the header", "Put the public key in jwk.")
    if {"d", "p", "q", "k"} & set(jwk):
        return Check(
            "proof hdr",
            False,
            "the jwk holds private key material",
            "Send only the public key in the proof's jwk.",
        )
    return Check(
        "proof hdr", True, f"typ dpop+jwt, alg {header['alg']}, a public {jwk.get('kty')} jwk"
    )


def _signature(proof: str, header: dict) -> Check:
    import jwt

    try:
        key = jwt.PyJWK(header["jwk"], algorithm=header["alg"]).key
        # The signature alone (PyJWS): jwt.decode would also judge iat, and a proof from
        # the future would read as a bad signature instead of a bad iat.
        jwt.PyJWS().decode(proof, key, algorithms=[header["alg"]])
    except jwt.InvalidSignatureError:
        return Check(
            "proof sig",
            False,
            "the proof's signature does not match its jwk",
            "Sign the proof with the private key of the jwk it carries.",
        )
    except (jwt.PyJWTError, KeyError, ValueError, TypeError) as exc:
        return Check("proof sig", False, f"cannot verify: {exc}", "Send a well-formed proof.")
    return Check("proof sig", True, "verified with the proof's own jwk")


def _match(name: str, found: object, expected: str, what: str) -> Check:
    if found == expected:
        return Check(name, True, f"{found} is {what}")
    return Check(
        name,
        False,
        f"the proof says {found!r}, but {what} is {expected!r}",
        f"Make a new proof for this very request (its {name} must be {expected}).",
    )


def _iat(iat: object, clock: float) -> Check:
    if isinstance(iat, bool) or not isinstance(iat, int | float):
        return Check("proof iat", False, "no numeric iat", "Proofs need iat (now).")
    outside = rfc9449.iat_outside_window(iat, clock)
    if outside == "stale":
        return Check(
            "proof iat",
            False,
            f"the proof is {clock - iat:.0f} s old; servers accept about {MAX_AGE:g} s",
            "Make a new proof for every request, just before sending it.",
        )
    if outside == "ahead":
        return Check(
            "proof iat",
            False,
            f"the proof is dated {iat - clock:.0f} s in the future",
            "Synchronise this machine's clock (NTP) with the server's.",
        )
    return Check("proof iat", True, f"issued {max(0, clock - iat):.0f} s before the server's clock")


def _jti(jti: object, said: str) -> Check:
    if not isinstance(jti, str) or not jti:
        return Check("jti", False, "no jti", "Give each proof a unique jti.")
    if "used before" in said or "replay" in said:
        return Check(
            "jti",
            False,
            "the server saw this proof's jti before: a replayed proof",
            "Never reuse a proof: make a new one (new jti) for every request.",
        )
    return Check("jti", True, "a fresh jti")


def _ath(ath: object, token: str) -> Check:
    if ath is None:
        return Check(
            "ath",
            False,
            "the proof has no ath (the access token's hash)",
            "Proofs sent to an API must carry ath = base64url(SHA-256(token)) (RFC 9449 §4.2).",
        )
    if ath != rfc9449.ath(token):
        return Check(
            "ath",
            False,
            "ath is the hash of another token",
            "Make the proof for the token you send (its ath must hash this token).",
        )
    return Check("ath", True, "hashes this token")


def _cnf(jwk: object, bound: str, own: str | None) -> Check:
    try:
        signed_by = thumbprint(jwk) if isinstance(jwk, dict) else None
    except ValueError:  # not a complete public key
        signed_by = None
    if signed_by != bound:
        mine = " (this profile's key)" if own and signed_by == own else ""
        return Check(
            "cnf.jkt",
            False,
            f"the token is bound to {bound}, the proof is signed by {signed_by}{mine}",
            "Use the key the token was issued for, or request a new token with this "
            "profile's key (n).",
        )
    return Check("cnf.jkt", True, f"the proof's key is the one the token is bound to ({bound})")


def _nonce(nonce: object, challenge: dict[str, str]) -> Check:
    if challenge.get("error") == "use_dpop_nonce":
        return Check(
            "nonce",
            False,
            "the server demands a nonce"
            + (" it did not get" if nonce is None else "; the one sent is stale"),
            "Retry with the nonce from the server's DPoP-Nonce header (m2m-tui retries once "
            "by itself; press c again if it was stale).",
        )
    return Check("nonce", True, "nonce sent" if nonce else "no nonce demanded")
