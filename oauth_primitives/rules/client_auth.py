"""The authorization server's rules for authenticating a client at its token endpoint
(RFC 6749 §2.3, RFC 7523 §3, OpenID Connect Core §9, RFC 8705 §2): the method registered
against the method used, the secret, an assertion (private_key_jwt, client_secret_jwt)
and a client certificate. Each returns a `Refused` (401 invalid_client, in the rule
book's words) or None; the assertion's rules are one table (`ASSERTION`) that
`assertion_refusal` runs in order, for both of RFC 7523's methods."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ..token_refusals import Refusal
from .closed_sets import CLIENT_SECRET_ASSERTION, LEEWAY, AuthMethod, HmacAlg
from .jws import Jws, parse
from .refused import Refused

# RFC 7523 §3 leaves the lifetime to the server; Auth0 takes an assertion whose exp is
# at most 5 minutes ahead, and so does the bundled authority.
MAX_ASSERTION_LIFETIME = 300
REQUIRED = ("iss", "sub", "aud", "exp", "jti")


def method_refusal(registered: AuthMethod, used: AuthMethod) -> Refused | None:
    """The client authenticates only by the method it is registered for; a secret, which
    every client has, does not stand in for its key or certificate, and a secret sent as
    it is does not stand in for an assertion signed with it (or the other way round).
    An assertion for a client registered for the other of RFC 7523's methods is judged
    by the ASSERTION table with the registered method's keys, whose algorithms alone
    it takes (`_alg`): an HMAC for a private_key_jwt client is refused as its alg."""
    if used is registered or (used.sends_secret and registered.sends_secret):
        return None
    if used.by_assertion and registered.by_assertion:
        return None
    return Refused(Refusal.METHOD_NOT_REGISTERED, {"registered": registered, "used": used})


def secret_refusal(known: bool, matches: bool) -> Refused | None:
    """An unknown client and a wrong secret are one refusal, so that the answer does not
    tell which client ids exist."""
    return None if known and matches else Refused(Refusal.BAD_CLIENT_CREDENTIALS)


def self_signed_refusal(thumbprint: str, registered: set[str]) -> Refused | None:
    """RFC 8705 §2.2: the presented certificate is one registered, whole."""
    return None if thumbprint in registered else Refused(Refusal.CERTIFICATE_NOT_REGISTERED)


def issued_refusal(ca_issued: bool, subject: str, names_match: bool) -> Refused | None:
    """RFC 8705 §2.1: a certificate a trusted CA issued, for the registered subject."""
    if not ca_issued:
        return Refused(Refusal.CERTIFICATE_NOT_CA_ISSUED)
    if not names_match:
        return Refused(Refusal.CERTIFICATE_SUBJECT, {"subject": subject})
    return None


def assertion_method(alg: object) -> AuthMethod:
    """Which of RFC 7523's methods an assertion looks like, by its header's `alg`: an
    HMAC is client_secret_jwt, anything else private_key_jwt. What judges it is the
    client's registration (its method's keys and algorithms); this names what was sent,
    for a client registered for a secret sent as it is, and for the client's own view."""
    return AuthMethod.CLIENT_SECRET_JWT if alg in tuple(HmacAlg) else AuthMethod.PRIVATE_KEY_JWT


@dataclass(frozen=True)
class RegisteredKey:
    """What an assertion may be signed with: a public key registered for private_key_jwt
    (its credential id, which an assertion's kid may name, its PEM and algorithm), or for
    client_secret_jwt the client's secret, once per HMAC algorithm (`secret_keys`; no id,
    since no kid names a secret). `pem` is None where it is not known: Preview, through
    the Management API, which never returns a key's PEM nor a secret."""

    id: str | None
    pem: str | None
    alg: str


def secret_keys(secret: str | None) -> tuple[RegisteredKey, ...]:
    """A client_secret_jwt client's secret as the keys its assertions are checked with
    (OpenID Connect Core §9: the secret's UTF-8 octets are the HMAC key)."""
    return tuple(RegisteredKey(None, secret, alg) for alg in CLIENT_SECRET_ASSERTION)


@dataclass
class AssertionCheck:
    """An assertion beside what the authority knows: the client, its keys, the audiences
    it may name (the issuer, the token endpoint), the time, and `use_jti`, which records
    a jti until the assertion's exp and says whether it was new (RFC 7523 §3 item 7).
    `method`, the client's registered one, says which algorithms may sign it at all."""

    client_id: str
    keys: tuple[RegisteredKey, ...]
    audiences: tuple[str, ...]
    now: float
    use_jti: Callable[[str, float], bool]
    jws: Jws | None = None
    leeway: float = LEEWAY
    method: AuthMethod = AuthMethod.PRIVATE_KEY_JWT

    @property
    def claims(self) -> dict:
        return self.jws.payload if self.jws is not None else {}


def _keys(a: AssertionCheck) -> Refused | None:
    return None if a.keys else Refused(Refusal.NO_REGISTERED_KEY, {"method": a.method})


def _alg(a: AssertionCheck) -> Refused | None:
    """Only the registered method's algorithms, whatever a key claims: an HMAC never
    checks a private_key_jwt assertion, nor a public key a client_secret_jwt one."""
    alg = a.jws.header.get("alg")
    allowed = sorted({k.alg for k in a.keys if k.alg in a.method.assertion_algs})
    if alg not in allowed:
        values = {"alg": str(alg)[:20], "allowed": allowed, "method": a.method}
        return Refused(Refusal.ASSERTION_ALG, values)
    return None


def _candidates(a: AssertionCheck) -> list[RegisteredKey]:
    kid, alg = a.jws.header.get("kid"), a.jws.header.get("alg")
    return [
        k
        for k in a.keys
        if k.alg == alg
        and k.alg in a.method.assertion_algs
        and (kid is None or k.id is None or k.id == kid)
    ]


def _kid(a: AssertionCheck) -> Refused | None:
    kid = a.jws.header.get("kid")
    if kid is not None and not _candidates(a):
        return Refused(Refusal.ASSERTION_KID_UNKNOWN, {"kid": str(kid)[:60]})
    return None


def _signature(a: AssertionCheck) -> Refused | None:
    candidates = _candidates(a)
    if any(k.pem is None for k in candidates):
        return None  # a key not at hand: its signature is the authority's to judge
    if any(_verifies(a.jws, k) for k in candidates):
        return None
    return Refused(Refusal.ASSERTION_SIGNATURE, {"method": a.method})


def _verifies(jws: Jws, key: RegisteredKey) -> bool:
    import jwt

    try:
        algorithm = jwt.get_algorithm_by_name(key.alg)
        prepared = algorithm.prepare_key(key.pem)
        return bool(algorithm.verify(jws.signing_input, prepared, jws.signature))
    except Exception:  # a key that does not fit the algorithm verifies nothing
        return False


def _required(a: AssertionCheck) -> Refused | None:
    for claim in REQUIRED:
        if claim not in a.claims:
            return Refused(Refusal.ASSERTION_CLAIM_MISSING, {"claim": claim})
    for claim in ("exp", "iat", "nbf"):
        value = a.claims.get(claim)
        if claim in a.claims and (isinstance(value, bool) or not isinstance(value, int | float)):
            return Refused(Refusal.ASSERTION_MALFORMED, {"why": f"{claim} is not a number"})
    return None


def _issuer(a: AssertionCheck) -> Refused | None:
    return None if a.claims["iss"] == a.client_id else Refused(Refusal.ASSERTION_ISSUER)


def _subject(a: AssertionCheck) -> Refused | None:
    return None if a.claims["sub"] == a.client_id else Refused(Refusal.ASSERTION_SUBJECT)


def _audience(a: AssertionCheck) -> Refused | None:
    aud = a.claims["aud"]
    named = [aud] if isinstance(aud, str) else aud if isinstance(aud, list) else []
    if any(isinstance(n, str) and n in a.audiences for n in named):
        return None
    return Refused(Refusal.ASSERTION_AUDIENCE, {"expected": list(a.audiences)})


def _expiry(a: AssertionCheck) -> Refused | None:
    exp = a.claims["exp"]
    if exp <= a.now - a.leeway:
        return Refused(Refusal.ASSERTION_EXPIRED)
    if exp > a.now + MAX_ASSERTION_LIFETIME + a.leeway:
        return Refused(Refusal.ASSERTION_TOO_LONG, {"limit": MAX_ASSERTION_LIFETIME})
    return None


def _not_before(a: AssertionCheck) -> Refused | None:
    nbf = a.claims.get("nbf")
    if nbf is not None and nbf > a.now + a.leeway:
        return Refused(Refusal.ASSERTION_NOT_YET_VALID)
    return None


def _issued_at(a: AssertionCheck) -> Refused | None:
    iat = a.claims.get("iat")
    if iat is not None and iat > a.now + a.leeway:
        return Refused(Refusal.ASSERTION_IAT_FUTURE)
    return None


def _jti(a: AssertionCheck) -> Refused | None:
    jti = a.claims["jti"]
    if not isinstance(jti, str) or not jti:
        return Refused(Refusal.ASSERTION_JTI)
    return None


def _replay(a: AssertionCheck) -> Refused | None:
    """Last, so that only an assertion every other rule takes uses up its jti."""
    if a.use_jti(f"{a.client_id}:{a.claims['jti']}", a.claims["exp"]):
        return None
    return Refused(Refusal.ASSERTION_REPLAYED)


Rule = Callable[[AssertionCheck], Refused | None]

# The rules that read the assertion's claims alone, by the claim each judges: what a
# client can check of its own assertion against the server's metadata, without the keys
# the server holds or the jtis it has seen (the token-request diagnosis runs these).
ASSERTION_CLAIM_ROWS: tuple[tuple[str, Rule], ...] = (
    ("claims", _required),
    ("iss", _issuer),
    ("sub", _subject),
    ("aud", _audience),
    ("exp", _expiry),
    ("nbf", _not_before),
    ("iat", _issued_at),
    ("jti", _jti),
)
ASSERTION: tuple[Rule, ...] = (
    _keys,
    _alg,
    _kid,
    _signature,
    *(rule for _, rule in ASSERTION_CLAIM_ROWS),
    _replay,
)


def read_assertion(text: str) -> Jws | Refused:
    """The assertion's parts (RFC 7515 compact form), or why it is no JWT to check."""
    jws = parse(text)
    if not isinstance(jws, Jws):
        return Refused(Refusal.ASSERTION_MALFORMED, {"why": "is not a valid JWT"})
    issuer = jws.payload.get("iss")
    if not isinstance(issuer, str) or not issuer:
        return Refused(Refusal.ASSERTION_MALFORMED, {"why": "has no iss claim"})
    return jws


def assertion_refusal(check: AssertionCheck) -> Refused | None:
    """The first assertion rule that refuses it (`check.jws` read by `read_assertion`)."""
    for rule in ASSERTION:
        refused = rule(check)
        if refused is not None:
            return refused
    return None
