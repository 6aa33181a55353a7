"""What a rule found: a code from a closed set, and the values it found. The server's
`error_description` is written here, from the code and the values, so that it never
repeats token content a client did not expect, and fits in a quoted header value."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Code(StrEnum):
    # The token's form (RFC 7515 §7.1 compact serialisation).
    TOO_LARGE = "too_large"
    OPAQUE = "opaque"  # no dots at all: a reference token, not a JWT
    ENCRYPTED = "encrypted"  # five parts: a JWE only its recipient can read
    NOT_A_JWS = "not_a_jws"  # neither: a truncated or garbled JWT
    BAD_ENCODING = "bad_encoding"  # a part that is not base64url JSON (or not an object)
    # The header.
    ALG_NONE = "alg_none"
    ALG_SYMMETRIC = "alg_symmetric"
    ALG_NOT_ALLOWED = "alg_not_allowed"
    CRIT_NOT_UNDERSTOOD = "crit_not_understood"
    TYP_NOT_AT_JWT = "typ_not_at_jwt"
    KID_MISSING = "kid_missing"
    # The key the kid selects.
    KID_UNKNOWN = "kid_unknown"
    KEY_TYPE_MISMATCH = "key_type_mismatch"  # an EC key for RS256, a P-384 key for ES256
    KEY_ALG_MISMATCH = "key_alg_mismatch"  # the JWK's own alg names another algorithm
    KEY_TOO_SMALL = "key_too_small"  # RSA below 2048 bits
    SIGNATURE_INVALID = "signature_invalid"
    # The claims.
    ISS_MISMATCH = "iss_mismatch"
    ISS_TRAILING_SLASH = "iss_trailing_slash"
    AUD_MISMATCH = "aud_mismatch"
    # sub, or an aud member, that is not a string: RFC 7519 §4.1.2 and §4.1.3 make each a
    # StringOrURI (a user's numeric id as sub is the common case).
    NOT_A_STRING = "not_a_string"
    NOT_A_NUMBER = "not_a_number"  # exp, nbf or iat that is not a NumericDate
    EXP_MISSING = "exp_missing"
    EXPIRED = "expired"
    NOT_YET_VALID = "not_yet_valid"  # nbf ahead
    IAT_FUTURE = "iat_future"
    CLAIMS_MISSING = "claims_missing"  # RFC 9068 §2.2's required claims
    CLAIM_REQUIRED = "claim_required"  # a claim the API requires is not in the token
    CLAIM_VALUE = "claim_value"  # it is, with another value than the API requires
    INACTIVE = "inactive"  # introspection (RFC 7662) says active: false
    # What the request may do with it.
    DPOP_BOUND_AS_BEARER = "dpop_bound_as_bearer"  # RFC 9449 §7.2
    NOT_BOUND_AS_DPOP = "not_bound_as_dpop"
    # Mutual TLS (RFC 8705 §3): the certificate the token is bound to (cnf.x5t#S256).
    CERT_MISSING = "cert_missing"  # bound to a certificate, and none was presented
    CERT_MISMATCH = "cert_mismatch"  # another certificate than the bound one
    NOT_CERT_BOUND = "not_cert_bound"  # the API requires bound tokens; this one is not
    DPOP_REQUIRED = "dpop_required"
    ORGANIZATION_MISSING = "organization_missing"
    ORGANIZATION_NOT_SERVED = "organization_not_served"
    # A delegated token (RFC 8693 §4.1): the act chain an API serving calls made on a
    # caller's behalf reads.
    ACTOR_MISSING = "actor_missing"  # the API requires an act, and the token has none
    ACTOR_NOT_ACCEPTED = "actor_not_accepted"  # the current actor is not one it accepts
    ACT_MALFORMED = "act_malformed"  # act is not a chain of objects naming their sub
    SCOPE_NOT_STRING = "scope_not_string"
    SCOPE_MISSING = "scope_missing"
    # A DPoP proof (RFC 9449 §4.3).
    PROOF_MISSING = "proof_missing"
    PROOF_MULTIPLE = "proof_multiple"
    PROOF_MALFORMED = "proof_malformed"
    PROOF_TYP = "proof_typ"
    PROOF_ALG = "proof_alg"
    PROOF_NO_JWK = "proof_no_jwk"
    PROOF_PRIVATE_KEY = "proof_private_key"
    PROOF_KEY_UNUSABLE = "proof_key_unusable"
    PROOF_SIGNATURE = "proof_signature"
    PROOF_CLAIM_MISSING = "proof_claim_missing"
    PROOF_HTM = "proof_htm"
    PROOF_HTU = "proof_htu"
    PROOF_NONCE = "proof_nonce"
    PROOF_STALE = "proof_stale"
    PROOF_AHEAD = "proof_ahead"
    PROOF_BEYOND_MEMORY = "proof_beyond_memory"
    PROOF_ATH_MISSING = "proof_ath_missing"
    PROOF_ATH_MISMATCH = "proof_ath_mismatch"
    PROOF_REPLAYED = "proof_replayed"
    PROOF_KEY_NOT_BOUND = "proof_key_not_bound"  # signed by another key than cnf.jkt


# Refusals a later JWKS or a later moment could reverse: the server does not remember
# them as it remembers a bad signature.
TRANSIENT = frozenset({Code.KID_UNKNOWN, Code.NOT_YET_VALID, Code.IAT_FUTURE})


# The RFC 6750 / RFC 9449 error each finding is answered with; the rest: invalid_token.
INSUFFICIENT_SCOPE = frozenset({Code.SCOPE_MISSING, Code.SCOPE_NOT_STRING})


@dataclass(frozen=True)
class Finding:
    code: Code
    values: dict = field(default_factory=dict)

    @property
    def transient(self) -> bool:
        return self.code in TRANSIENT

    @property
    def error(self) -> str:
        """The error code a server answers it with (RFC 6750 §3.1, RFC 9449 §7.1)."""
        if self.code in INSUFFICIENT_SCOPE:
            return "insufficient_scope"
        if self.code == Code.PROOF_NONCE:
            return "use_dpop_nonce"
        if self.code.startswith("proof_"):
            return "invalid_dpop_proof"
        return "invalid_token"

    @property
    def status(self) -> int:
        return 403 if self.code in INSUFFICIENT_SCOPE else 401

    def describe(self) -> str:
        """The server's words for it (an RFC 6750 `error_description`): no double quote
        or backslash, and nothing from the token that the rule did not name."""
        text = _DESCRIBE[self.code](self.values)
        return text.replace('"', "'").replace("\\", "/")


def _said(value: object) -> str:
    return repr(str(value)[:60]) if value is not None else "missing"


_DESCRIBE = {
    Code.TOO_LARGE: lambda v: f"the token is larger than {v['limit'] // 1024} KiB",
    Code.OPAQUE: lambda v: "the token is not a JWT (an opaque token); this API validates JWTs",
    Code.ENCRYPTED: lambda v: "the token is an encrypted JWE; this API takes a signed JWT",
    Code.NOT_A_JWS: lambda v: (
        f"the token has {v['parts']} part(s); a signed JWT (JWS compact) has 3"
    ),
    Code.BAD_ENCODING: lambda v: f"the token {v['part']} is not base64url-encoded UTF-8 JSON",
    Code.ALG_NONE: lambda v: (
        "the token's alg is not allowed (it is unsigned); allowed: " + ", ".join(v["allowed"])
    ),
    Code.ALG_SYMMETRIC: lambda v: (
        "the token's alg is not allowed; allowed: " + ", ".join(v["allowed"])
    ),
    Code.ALG_NOT_ALLOWED: lambda v: (
        "the token's alg is not allowed; allowed: " + ", ".join(v["allowed"])
    ),
    Code.CRIT_NOT_UNDERSTOOD: lambda v: (
        "the token header has crit parameters this API does not understand"
    ),
    Code.TYP_NOT_AT_JWT: lambda v: "the token's typ must be at+jwt (RFC 9068)",
    Code.KID_MISSING: lambda v: "the token header has no kid",
    Code.KID_UNKNOWN: lambda v: "no key in the issuer's JWKS matches the token's kid",
    Code.KEY_TYPE_MISMATCH: lambda v: "the token's alg does not fit the key its kid selects",
    Code.KEY_ALG_MISMATCH: lambda v: (
        f"the token's alg does not fit the key its kid selects (the key is for {v['key_alg']})"
    ),
    Code.KEY_TOO_SMALL: lambda v: (
        f"the token is signed with a {v['bits']}-bit RSA key; at least {v['minimum']} bits"
    ),
    Code.SIGNATURE_INVALID: lambda v: "the token signature is invalid",
    Code.ISS_MISMATCH: lambda v: f"unexpected iss claim value: expected {v['expected']}",
    Code.ISS_TRAILING_SLASH: lambda v: (
        f"unexpected iss claim value: the issuer must be exactly {v['expected']} "
        "(the trailing slash differs)"
    ),
    Code.AUD_MISMATCH: lambda v: (
        f"the token names no audience; this API is {v['expected']}"
        if v.get("aud") is None
        else f"unexpected aud claim value: expected {v['expected']}"
    ),
    Code.NOT_A_STRING: lambda v: (
        f"the {v['claim']} claim must be a string (StringOrURI, RFC 7519)"
        if v["claim"] != "aud"
        else "each aud claim value must be a string (StringOrURI, RFC 7519)"
    ),
    Code.NOT_A_NUMBER: lambda v: f"the {v['claim']} claim must be a number (NumericDate)",
    Code.EXP_MISSING: lambda v: "the token has no exp claim",
    Code.EXPIRED: lambda v: "the token has expired (exp is in the past)",
    Code.NOT_YET_VALID: lambda v: "the token is not valid yet (nbf is in the future)",
    Code.IAT_FUTURE: lambda v: "the token was issued in the future (iat); check the clocks",
    Code.CLAIMS_MISSING: lambda v: "the token lacks RFC 9068 claims: " + ", ".join(v["missing"]),
    Code.CLAIM_REQUIRED: lambda v: f"the token lacks the {v['claim']} claim this API requires",
    Code.CLAIM_VALUE: lambda v: (
        f"unexpected {v['claim']} claim value: this API requires {v['value']}"
    ),
    Code.INACTIVE: lambda v: (
        "the authorization server says the token is not active (revoked, expired, or "
        "not one it issued)"
    ),
    Code.DPOP_BOUND_AS_BEARER: lambda v: (
        "the token is DPoP-bound (cnf.jkt): send it as Authorization: DPoP with a "
        "proof signed by its key, not as Bearer"
    ),
    Code.NOT_BOUND_AS_DPOP: lambda v: (
        "the token is not DPoP-bound (no cnf.jkt), so it cannot be sent as DPoP"
    ),
    Code.DPOP_REQUIRED: lambda v: (
        "this API requires DPoP: request a DPoP-bound token and send it as "
        "Authorization: DPoP with a proof"
    ),
    Code.ORGANIZATION_MISSING: lambda v: (
        "the token names no organization (no org_id); this API requires one: "
        "request it with organization=<id or name>"
    ),
    Code.ORGANIZATION_NOT_SERVED: lambda v: (
        f"the token is for the organization {v['named']}, which this API does not serve "
        f"(it serves {', '.join(v['served'])})"
    ),
    Code.ACTOR_MISSING: lambda v: (
        "the token has no act claim: this API serves only calls made on a caller's behalf "
        "(a token obtained by token exchange, RFC 8693)"
    ),
    Code.ACTOR_NOT_ACCEPTED: lambda v: (
        f"the token's current actor (act.sub) {_said(v['actor'])} is not one this API "
        f"accepts ({', '.join(v['accepted'])})"
    ),
    Code.ACT_MALFORMED: lambda v: f"the token's act claim is malformed: {v['problem']}",
    Code.SCOPE_NOT_STRING: lambda v: f"the token lacks the scope {v['scope']}",
    Code.SCOPE_MISSING: lambda v: f"the token lacks the scope {v['scope']}",
    Code.PROOF_MISSING: lambda v: "no DPoP proof was sent (the DPoP header is missing)",
    Code.PROOF_MULTIPLE: lambda v: "more than one DPoP header was sent; send exactly one proof",
    Code.PROOF_MALFORMED: lambda v: (
        "the DPoP header is not a JWT (three base64url parts)"
        if v["part"] == "form"
        else f"the DPoP proof's {v['part']} is not a base64url JSON object"
    ),
    Code.PROOF_TYP: lambda v: f"the proof's typ must be dpop+jwt, not {_said(v['typ'])}",
    Code.PROOF_ALG: lambda v: (
        f"the proof's alg {_said(v['alg'])} is not allowed; use one of {' '.join(v['allowed'])}"
    ),
    Code.PROOF_NO_JWK: lambda v: "the proof's header has no jwk (the public key that signed it)",
    Code.PROOF_PRIVATE_KEY: lambda v: (
        "the proof's jwk contains private key material; send the public key only"
    ),
    Code.PROOF_KEY_UNUSABLE: lambda v: (
        "the proof's jwk is not a complete EC, RSA or OKP public key"
        if v.get("why") == "incomplete"
        else "the proof's jwk cannot be used with its alg"
    ),
    Code.PROOF_SIGNATURE: lambda v: "the proof's signature does not match its jwk",
    Code.PROOF_CLAIM_MISSING: lambda v: (
        "the proof has no numeric iat claim"
        if v["claim"] == "iat"
        else f"the proof has no {v['claim']} claim"
    ),
    Code.PROOF_HTM: lambda v: (
        f"the proof's htm is {_said(v['found'])}, but the request is {v['expected']}"
    ),
    Code.PROOF_HTU: lambda v: (
        f"the proof's htu is {_said(v['found'])}, but the request is to {v['expected']}"
    ),
    Code.PROOF_NONCE: lambda v: (
        f"the proof {'has no nonce' if v['sent'] is None else 'has a stale or unknown nonce'}; "
        "retry with the nonce in the DPoP-Nonce header"
    ),
    Code.PROOF_STALE: lambda v: (
        f"the proof is stale: issued {v['age']:.0f} s ago (at most {v['limit']:g} s)"
    ),
    Code.PROOF_AHEAD: lambda v: f"the proof is from the future: iat is {v['ahead']:.0f} s ahead",
    Code.PROOF_BEYOND_MEMORY: lambda v: (
        "the proof is too old for the server's replay memory under this load"
    ),
    Code.PROOF_ATH_MISSING: lambda v: "the proof has no ath claim (the access token's hash)",
    Code.PROOF_ATH_MISMATCH: lambda v: "the proof's ath does not match the access token",
    Code.PROOF_REPLAYED: lambda v: (
        "the proof was used before (its jti was seen): make a new one per request"
    ),
    Code.PROOF_KEY_NOT_BOUND: lambda v: (
        "the proof is signed by another key than the one the token is bound to (cnf.jkt)"
    ),
    Code.CERT_MISSING: lambda v: (
        "the token is bound to a client certificate (cnf.x5t#S256), and the request "
        "presented none: call over mutual TLS with that certificate"
    ),
    Code.CERT_MISMATCH: lambda v: (
        f"the presented client certificate (x5t#S256 {v['presented']}) is not the one the "
        f"token is bound to (cnf.x5t#S256 {v['bound']})"
    ),
    Code.NOT_CERT_BOUND: lambda v: (
        "this API requires certificate-bound tokens (RFC 8705), and the token has no "
        "cnf.x5t#S256: request it over mutual TLS"
    ),
}
assert set(_DESCRIBE) == set(Code), "every code has the server's words"
