"""What a token request carried, decoded for the person reading its refusal: how the
client authenticated, the id the server read, the assertion's header and claims, the
DPoP proof, the parameters. Never a secret: where one was sent, only whether RFC 6749
§2.3.1's form-encoding changed it (a server that does not decode reads another one).

Kept on the TokenOutcome, so that a refusal can be explained after the fact (the Token
tab's Why?, `token`'s output) without asking the server again."""

from __future__ import annotations

import base64
import time
from dataclasses import dataclass, field
from urllib.parse import quote_plus, unquote_plus

from oauth_primitives.rules.client_auth import assertion_method
from oauth_primitives.rules.closed_sets import AuthMethod
from oauth_primitives.rules.jws import Jws, parse

# The parameters that say what the token is for; shown as sent. RFC 8693's token types
# too (never its tokens: those are credentials).
ASKED = (
    "grant_type",
    "audience",
    "resource",
    "scope",
    "organization",
    "subject_token_type",
    "actor_token_type",
    "requested_token_type",
)


@dataclass(frozen=True)
class SentRequest:
    url: str
    method: AuthMethod | None  # None: no client authentication recognised in the request
    client_id: str  # as the server reads it: the form's, the Basic header's, or the iss
    basic: bool = False  # the id and secret went in an Authorization: Basic header
    # Basic only: whether form-encoding changed the id or the secret (+, %, :, a space,
    # anything not ASCII): what a server that does not decode them gets wrong.
    encoding_changed: bool = False
    assertion_header: dict | None = None
    assertion_claims: dict | None = None
    assertion_problem: str | None = None  # why the assertion could not be read
    proof: dict | None = None  # the DPoP proof: {"header": …, "claims": …}
    certificate: bool = False  # a client certificate went with it (mutual TLS)
    asked: dict[str, str] = field(default_factory=dict)
    sent_at: float = field(default_factory=time.time)
    # The assertion itself, for the rule book's check through the Management API; a
    # credential until its exp, so never shown, exported or kept in to_json.
    assertion: str | None = field(default=None, repr=False)

    @property
    def assertion_alg(self) -> str | None:
        return (self.assertion_header or {}).get("alg")

    def to_json(self) -> dict:
        return {
            "url": self.url,
            "method": self.method.value if self.method else None,
            "client_id": self.client_id,
            "basic": self.basic,
            "encoding_changed": self.encoding_changed,
            "assertion": None
            if self.assertion_header is None
            else {"header": self.assertion_header, "claims": self.assertion_claims},
            "assertion_problem": self.assertion_problem,
            "dpop_proof": self.proof,
            "certificate": self.certificate,
            "asked": self.asked,
        }


def sent_request(
    url: str,
    form: dict[str, str],
    headers: dict[str, str],
    method: AuthMethod | None = None,
    certificate: bool = False,
) -> SentRequest:
    """The request decoded. `method` is the profile's where known (a certificate or a
    secret-signed assertion does not show which method it is); else read off the request."""
    basic = _basic(headers.get("Authorization", ""))
    client_id = basic[0] if basic else form.get("client_id", "")
    encoding_changed = bool(basic) and any(quote_plus(part) != part for part in basic)
    header = claims = problem = None
    assertion = form.get("client_assertion")
    if assertion is not None:
        jws = parse(assertion)
        if isinstance(jws, Jws):
            header, claims = jws.header, jws.payload
            client_id = client_id or str(claims.get("iss", ""))
        else:
            problem = "it is not a JWT (RFC 7515 compact form)"
    return SentRequest(
        url=url,
        method=method or _method_of(form, bool(basic), header, certificate),
        client_id=client_id,
        basic=bool(basic),
        encoding_changed=encoding_changed,
        assertion_header=header,
        assertion_claims=claims,
        assertion_problem=problem,
        proof=_proof(headers.get("DPoP")),
        certificate=certificate,
        asked={k: form[k] for k in ASKED if k in form},
        assertion=assertion,
    )


def _basic(value: str) -> tuple[str, str] | None:
    """The id and secret of a Basic header, decoded as RFC 6749 §2.3.1 says a server
    must (base64, then form-decoding)."""
    scheme, _, encoded = value.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        pair = base64.b64decode(encoded, validate=True).decode()
    except ValueError:
        return None
    user, _, password = pair.partition(":")
    return unquote_plus(user), unquote_plus(password)


def _method_of(
    form: dict[str, str], basic: bool, header: dict | None, certificate: bool
) -> AuthMethod | None:
    if basic:
        return AuthMethod.CLIENT_SECRET_BASIC
    if "client_assertion" in form:
        # An HMAC assertion is signed with the secret (client_secret_jwt, RFC 7523), as
        # the authority reads it too.
        return assertion_method((header or {}).get("alg"))
    if "client_secret" in form:
        return AuthMethod.CLIENT_SECRET_POST
    if certificate:
        return AuthMethod.TLS_CLIENT_AUTH
    return None


def _proof(proof: str | None) -> dict | None:
    if not proof:
        return None
    jws = parse(proof)
    if not isinstance(jws, Jws):
        return {"problem": "not a JWT"}
    return {"header": jws.header, "claims": jws.payload}
