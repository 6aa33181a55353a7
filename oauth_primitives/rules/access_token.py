"""The rules an API applies to an access token, in the order a careful API applies them:
its form, the header (alg before any key, crit, typ, kid), the key and the signature,
then the claims (iss, aud, exp, nbf, iat, RFC 9068's required ones), and last what this
request may do with it (binding, organization, scope).

`Policy` is what the API expects: one object every validator takes, the bundled API
from its settings and the diagnosis from the API's metadata or the profile. The API
stops at the first finding; the diagnosis runs every rule."""

from __future__ import annotations

import json
from dataclasses import dataclass

from ..organizations import organization_of
from ..token_exchange import read_chain
from .closed_sets import ASYMMETRIC, LEEWAY
from .findings import Code, Finding

AT_JWT = ("at+jwt", "application/at+jwt")  # RFC 9068 §2.1, either spelling
RFC9068_CLAIMS = ("iss", "exp", "aud", "sub", "client_id", "iat", "jti")
# Header parameters the API understands when a token lists them in crit: none. RFC 7515
# §4.1.11 makes every other one a refusal, and so is crit naming a registered
# parameter (alg, kid) or a claim.
UNDERSTOOD_CRIT: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Policy:
    issuer: str | None
    audience: str | None
    algorithms: tuple[str, ...] = ASYMMETRIC
    leeway: float = LEEWAY
    strict_rfc9068: bool = False  # typ at+jwt and RFC 9068's claims required
    organization_required: bool = False
    organizations: tuple[str, ...] = ()
    dpop_required: bool = False
    mtls_required: bool = False  # certificate-bound tokens only (RFC 8705 §3)
    # Claims the API requires: (name, value), the value None for "present, any value"
    # (`serve --require-claim`; what a credentials-exchange Action can add).
    required_claims: tuple[tuple[str, str | None], ...] = ()
    # A delegated token's act chain (RFC 8693 §4.1): the current actors the API accepts
    # (empty: any), and whether a token with no act at all is refused.
    accepted_actors: tuple[str, ...] = ()
    require_actor: bool = False


def crit_finding(header: dict) -> Finding | None:
    if "crit" not in header:
        return None
    crit = header["crit"]
    named = [str(c) for c in crit] if isinstance(crit, list) else [str(crit)]
    return Finding(Code.CRIT_NOT_UNDERSTOOD, {"crit": named})


def typ_finding(header: dict, policy: Policy) -> Finding | None:
    if not policy.strict_rfc9068 or header.get("typ") in AT_JWT:
        return None
    if str(header.get("typ", "")).lower() not in AT_JWT:
        return Finding(Code.TYP_NOT_AT_JWT, {"typ": header.get("typ")})
    return None


def kid_finding(header: dict) -> Finding | None:
    kid = header.get("kid")
    return None if isinstance(kid, str) and kid else Finding(Code.KID_MISSING)


def header_findings(header: dict, policy: Policy) -> list[Finding]:
    """alg (RFC 8725 §3.1), crit (RFC 7515 §4.1.11), typ (RFC 9068 §4), kid."""
    from .keys import alg_finding

    found = (
        alg_finding(header.get("alg"), policy.algorithms),
        crit_finding(header),
        typ_finding(header, policy),
        kid_finding(header),
    )
    return [f for f in found if f is not None]


def number(claims: dict, name: str) -> float | None | Finding:
    """A NumericDate claim: its value, None when absent, a finding when not a number."""
    value = claims.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        return Finding(Code.NOT_A_NUMBER, {"claim": name, "value": value})
    return value


def iss_finding(claims: dict, policy: Policy) -> Finding | None:
    """Compared exactly (RFC 9068 §4): a trailing slash is a different issuer."""
    iss = claims.get("iss")
    if policy.issuer is None or iss == policy.issuer:
        return None
    if isinstance(iss, str) and iss.rstrip("/") == policy.issuer.rstrip("/"):
        return Finding(Code.ISS_TRAILING_SLASH, {"iss": iss, "expected": policy.issuer})
    return Finding(Code.ISS_MISMATCH, {"iss": iss, "expected": policy.issuer})


def audiences(claims: dict) -> list:
    aud = claims.get("aud")
    return [aud] if isinstance(aud, str) else aud if isinstance(aud, list) else []


def aud_finding(claims: dict, policy: Policy) -> Finding | None:
    """The API's audience in aud; aud a string or an array of strings, each a StringOrURI
    (RFC 7519 §4.1.3): a number among them is refused as PyJWT and joserfc refuse it, even
    beside the right audience (Express reads past it: a rule of policy, `agreement.py`)."""
    aud = claims.get("aud")
    if policy.audience is None or aud == policy.audience:
        return None
    if isinstance(aud, list):
        for member in aud:
            if not isinstance(member, str):
                return Finding(Code.NOT_A_STRING, {"claim": "aud", "value": member})
        if policy.audience in aud:
            return None
    elif aud is not None and not isinstance(aud, str):
        return Finding(Code.NOT_A_STRING, {"claim": "aud", "value": aud})
    return Finding(Code.AUD_MISMATCH, {"aud": claims.get("aud"), "expected": policy.audience})


def actor_finding(claims: dict, policy: Policy) -> Finding | None:
    """RFC 8693 §4.1: the act chain read once (`read_chain`); its current actor, the
    outermost act's sub, is the one the API judges (prior actors are informational)."""
    chain = read_chain(claims)
    if chain.problem is not None:
        return Finding(Code.ACT_MALFORMED, {"problem": chain.problem})
    if not chain.actors:
        return Finding(Code.ACTOR_MISSING) if policy.require_actor else None
    accepted = policy.accepted_actors
    if accepted and chain.actors[0] not in accepted:
        return Finding(
            Code.ACTOR_NOT_ACCEPTED, {"actor": chain.actors[0], "accepted": list(accepted)}
        )
    return None


def sub_finding(claims: dict) -> Finding | None:
    """RFC 7519 §4.1.2: sub, where the token has one, is a StringOrURI. A number (a user's
    database id), an object, an array, a boolean or null is refused, as PyJWT (since
    2.10), joserfc, Authlib and Auth0's Express validator refuse it. An absent sub is
    RFC 9068's rule (`rfc9068_finding`), not this one."""
    if "sub" not in claims or isinstance(claims["sub"], str):
        return None
    return Finding(Code.NOT_A_STRING, {"claim": "sub", "value": claims["sub"]})


def expired(exp: float, now: float, leeway: float) -> bool:
    """RFC 7519 §4.1.4: now is on or after exp, less the leeway. The one comparison, for
    a token judged now and for one verified before and kept (the API's cache)."""
    return exp <= now - leeway


def exp_finding(claims: dict, policy: Policy, now: float) -> Finding | None:
    """exp is required, and must be after now, less the leeway."""
    exp = number(claims, "exp")
    if isinstance(exp, Finding):
        return exp
    if exp is None:
        return Finding(Code.EXP_MISSING)
    if expired(exp, now, policy.leeway):
        return Finding(Code.EXPIRED, {"exp": exp, "now": now, "leeway": policy.leeway})
    return None


def nbf_finding(claims: dict, policy: Policy, now: float) -> Finding | None:
    nbf = number(claims, "nbf")
    if isinstance(nbf, Finding):
        return nbf
    if nbf is not None and nbf > now + policy.leeway:
        return Finding(Code.NOT_YET_VALID, {"nbf": nbf, "now": now, "leeway": policy.leeway})
    return None


def iat_finding(claims: dict, policy: Policy, now: float) -> Finding | None:
    """RFC 7519 makes iat informational; an API that reads it refuses one ahead."""
    iat = number(claims, "iat")
    if isinstance(iat, Finding):
        return iat
    if iat is not None and iat > now + policy.leeway:
        return Finding(Code.IAT_FUTURE, {"iat": iat, "now": now, "leeway": policy.leeway})
    return None


def time_findings(claims: dict, policy: Policy, now: float) -> list[Finding]:
    found = (
        exp_finding(claims, policy, now),
        nbf_finding(claims, policy, now),
        iat_finding(claims, policy, now),
    )
    return [f for f in found if f is not None]


def rfc9068_finding(claims: dict, policy: Policy) -> Finding | None:
    if not policy.strict_rfc9068 or all(c in claims for c in RFC9068_CLAIMS):
        return None
    missing = [c for c in RFC9068_CLAIMS if c not in claims]
    return Finding(Code.CLAIMS_MISSING, {"missing": missing})


def required_claim_findings(claims: dict, policy: Policy) -> list[Finding]:
    """Each claim the API requires that the token lacks, or carries with another value
    (compared as text: a claim "gold" and a required gold agree)."""
    found = []
    for name, value in policy.required_claims:
        if name not in claims:
            found.append(Finding(Code.CLAIM_REQUIRED, {"claim": name, "value": value}))
        elif value is not None and _text(claims[name]) != value:
            found.append(
                Finding(Code.CLAIM_VALUE, {"claim": name, "value": value, "found": claims[name]})
            )
    return found


def _text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return value if isinstance(value, str) else json.dumps(value, separators=(",", ":"))


def claim_findings(claims: dict, policy: Policy, now: float) -> list[Finding]:
    """What the API checks of every token, whatever the request."""
    found = [
        f
        for f in (iss_finding(claims, policy), aud_finding(claims, policy), sub_finding(claims))
        if f
    ]
    found += time_findings(claims, policy, now)
    strict = rfc9068_finding(claims, policy)
    return found + ([strict] if strict else []) + required_claim_findings(claims, policy)


def bound_jkt(claims: dict) -> str | None:
    """RFC 9449 §6.1: the thumbprint `cnf.jkt` binds the token to (another issuer's cnf
    may be anything). The one reader of it, for the API, the diagnosis and the client.
    An empty jkt is no binding: §6.1 makes jkt the base64url SHA-256 thumbprint of a key
    (43 characters), and "" is no key's, so it names no key a proof could be signed by."""
    cnf = claims.get("cnf")
    jkt = cnf.get("jkt") if isinstance(cnf, dict) else None
    return jkt if isinstance(jkt, str) and jkt else None


def bound_x5t(claims: dict) -> str | None:
    """RFC 8705 §3.1: the certificate thumbprint `cnf.x5t#S256` binds the token to."""
    cnf = claims.get("cnf")
    value = cnf.get("x5t#S256") if isinstance(cnf, dict) else None
    return value if isinstance(value, str) and value else None


def scheme_finding(scheme: str, policy: Policy) -> Finding | None:
    """An API that requires DPoP refuses a Bearer request before reading the token."""
    return Finding(Code.DPOP_REQUIRED) if policy.dpop_required and scheme != "DPoP" else None


def binding_finding(claims: dict, scheme: str) -> Finding | None:
    """How the token came (Bearer or DPoP) against what it is bound to (RFC 9449 §7)."""
    bound = bound_jkt(claims)
    if bound and scheme != "DPoP":
        return Finding(Code.DPOP_BOUND_AS_BEARER, {"jkt": bound})
    if not bound and scheme == "DPoP":
        return Finding(Code.NOT_BOUND_AS_DPOP)
    return None


def reads_certificate(claims: dict) -> bool:
    """Whether `certificate_finding` reads the certificate presented: for a token bound
    to one alone. A server need not look for a client certificate otherwise."""
    return bound_x5t(claims) is not None


def certificate_finding(claims: dict, presented: str | None, policy: Policy) -> Finding | None:
    """RFC 8705 §3: a token bound to a certificate (cnf.x5t#S256) is good only with that
    certificate presented in the TLS handshake; `presented` is its thumbprint."""
    bound = bound_x5t(claims)
    if bound is None:
        return Finding(Code.NOT_CERT_BOUND) if policy.mtls_required else None
    if presented is None:
        return Finding(Code.CERT_MISSING, {"bound": bound})
    if presented != bound:
        return Finding(Code.CERT_MISMATCH, {"bound": bound, "presented": presented})
    return None


def organization_finding(claims: dict, policy: Policy) -> Finding | None:
    """Organizations for M2M: an API that serves organizations needs org_id, of one it
    serves (any, when it names none)."""
    if not (policy.organization_required or policy.organizations):
        return None
    named, taken = organization_of(claims, policy.organizations)
    if named is None:
        return Finding(Code.ORGANIZATION_MISSING)
    if not taken:
        return Finding(
            Code.ORGANIZATION_NOT_SERVED, {"named": named, "served": list(policy.organizations)}
        )
    return None


def scope_list(claims: dict) -> list[str]:
    """Scopes from a space-separated `scope` string (RFC 9068 §2.2.3, RFC 6749 §3.3), in
    the token's order, each once; anything else grants nothing. The one reader of
    `scope`: the API's, the diagnosis's and the inspector's."""
    scope = claims.get("scope")
    return list(dict.fromkeys(s for s in scope.split(" ") if s)) if isinstance(scope, str) else []


def scopes_of(claims: dict) -> frozenset[str]:
    """The scopes as a set, for the rules that ask whether one is held."""
    return frozenset(scope_list(claims))


def holds_scope(scope: str, needed: str) -> bool:
    """Whether the space-separated `scope` holds `needed`, read in place: the same answer
    as `needed in scopes_of(...)`, without building the set on every call."""
    if not needed or " " in needed:
        return False
    start = scope.find(needed)
    while start != -1:
        end = start + len(needed)
        if (start == 0 or scope[start - 1] == " ") and (end == len(scope) or scope[end] == " "):
            return True
        start = scope.find(needed, start + 1)
    return False


def scope_finding(claims: dict, needed: str | None) -> Finding | None:
    if needed is None:
        return None
    scope = claims.get("scope")
    if isinstance(scope, str) and holds_scope(scope, needed):
        return None
    if "scope" in claims and not isinstance(scope, str):
        return Finding(Code.SCOPE_NOT_STRING, {"scope": needed, "found": claims["scope"]})
    return Finding(Code.SCOPE_MISSING, {"scope": needed, "held": sorted(scopes_of(claims))})


def client_of(claims: dict) -> str | None:
    """Which client a token was issued to, the one answer every side gives: RFC 9068
    §2.2's `client_id` first (the standard's claim, and the RFC 9068 dialects'), then
    `azp`, the authorized party (OpenID Connect Core §2) that Auth0's access_token
    dialect writes, then the `sub` (Auth0's client_credentials `<client_id>@clients`;
    other issuers' client_credentials sub is the client id itself). Only a non-empty
    string names a client; None when nothing does."""
    for name in ("client_id", "azp"):
        value = claims.get(name)
        if isinstance(value, str) and value:
            return value
    sub = claims.get("sub")
    return (sub.removesuffix("@clients") or None) if isinstance(sub, str) else None
