"""What an authorization-server rule found: a `Refusal` code and the values it saw. The
token endpoint's RFC 6749 §5.2 answer (status, `error`, `error_description`) is written
here from the two, once, so that the authority and Preview say the same of one code;
the client's next step (`m2m_tui.oauth.token_hints`) follows the code alone."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..token_refusals import Refusal
from .closed_sets import CLIENT_SECRET_ASSERTION, AuthMethod

# RFC 6749 §5.2: the error each refusal is answered with, and its HTTP status.
_ANSWER: dict[Refusal, tuple[int, str]] = {
    Refusal.UNKNOWN_AUDIENCE: (403, "access_denied"),
    Refusal.NO_CLIENT_GRANT: (403, "access_denied"),
    Refusal.DIALECT_NEEDS_RBAC: (403, "access_denied"),
    Refusal.SCOPE_NOT_GRANTED: (400, "invalid_scope"),
    Refusal.ORGANIZATION_REQUIRED: (400, "invalid_request"),
    Refusal.ORGANIZATION_DENIED: (400, "invalid_request"),
    Refusal.UNKNOWN_ORGANIZATION: (400, "invalid_request"),
    Refusal.ORGANIZATION_NOT_ALLOWED: (403, "access_denied"),
    Refusal.DPOP_REQUIRED: (400, "invalid_dpop_proof"),
    Refusal.CERTIFICATE_REQUIRED: (400, "invalid_request"),
    Refusal.ACTION_FAILED: (500, "server_error"),
    Refusal.ACTION_TIMED_OUT: (500, "server_error"),
    Refusal.CLAIMS_TOO_LARGE: (500, "server_error"),
    # Auth0's answer for an enforced token quota used up (RFC 6585 §4's 429).
    Refusal.CLIENT_QUOTA_EXCEEDED: (429, "too_many_requests"),
    Refusal.ORGANIZATION_QUOTA_EXCEEDED: (429, "too_many_requests"),
    # RFC 8693 §2.2.2: invalid_request, which it says MUST be used for a subject or actor
    # token unacceptable by policy (a may_act naming another actor, too), and
    # invalid_target for an audience the policy does not allow; unauthorized_client
    # (RFC 6749 §5.2) for a client the policy does not let exchange at all.
    Refusal.EXCHANGE_PARAMETER_MISSING: (400, "invalid_request"),
    Refusal.EXCHANGE_TOKEN_TYPE_UNSUPPORTED: (400, "invalid_request"),
    Refusal.EXCHANGE_NOT_ALLOWED: (400, "unauthorized_client"),
    Refusal.SUBJECT_TOKEN_INVALID: (400, "invalid_request"),
    Refusal.SUBJECT_TOKEN_EXPIRED: (400, "invalid_request"),
    Refusal.SUBJECT_TOKEN_UNTRUSTED: (400, "invalid_request"),
    Refusal.ACTOR_TOKEN_INVALID: (400, "invalid_request"),
    Refusal.MAY_ACT_MISMATCH: (400, "invalid_request"),
    Refusal.ACT_CHAIN_INVALID: (400, "invalid_request"),
    Refusal.EXCHANGE_AUDIENCE_NOT_ALLOWED: (400, "invalid_target"),
    Refusal.EXCHANGE_SCOPE_WIDENED: (400, "invalid_scope"),
    Refusal.TARGET_CONFLICT: (400, "invalid_request"),
}
# Auth0's hooks reference for this extension point answers a denial with invalid_request
# or invalid_scope as an HTTP 400, and a server error as a 500; Actions keep the codes.
DENY_STATUS = {"invalid_request": 400, "invalid_scope": 400, "server_error": 500}


@dataclass(frozen=True)
class Refused:
    code: Refusal
    values: dict = field(default_factory=dict)

    @property
    def error(self) -> str:
        if self.code is Refusal.ACTION_DENIED:
            return self.values["error"]  # the Action's own (api.access.deny)
        return _ANSWER.get(self.code, (401, "invalid_client"))[1]

    @property
    def status(self) -> int:
        if self.code is Refusal.ACTION_DENIED:
            return DENY_STATUS[self.values["error"]]
        return _ANSWER.get(self.code, (401, "invalid_client"))[0]

    def describe(self) -> str:
        """The authority's `error_description` for it."""
        return _DESCRIBE[self.code](self.values)


def _who(v: dict) -> str:
    return f"client {v['client']} on {v['audience']}"


def _registered(v: dict) -> str:
    registered, used = AuthMethod(v["registered"]), AuthMethod(v["used"])
    if registered is AuthMethod.PRIVATE_KEY_JWT:
        return "This client authenticates with private_key_jwt; send a client_assertion"
    if registered is AuthMethod.CLIENT_SECRET_JWT:
        return (
            "This client authenticates with client_secret_jwt: send a client_assertion "
            f"signed with its secret ({', '.join(CLIENT_SECRET_ASSERTION)})"
        )
    if used.by_certificate:
        return f"This client authenticates with {registered}, not with a client certificate"
    if registered.by_certificate:
        return (
            f"This client authenticates with {v['registered']}: present its client "
            "certificate (mutual TLS) and send client_id alone"
        )
    return f"This client authenticates with {v['registered']}, not with {v['used']}"


_DESCRIBE = {
    Refusal.UNKNOWN_AUDIENCE: lambda v: f"Service not enabled within domain: {v['audience']}",
    Refusal.NO_CLIENT_GRANT: lambda v: (
        f'Client is not authorized to access "{v["audience"]}". You need to create a '
        '"client-grant" associated to this API.'
    ),
    Refusal.DIALECT_NEEDS_RBAC: lambda v: (
        f"The API {v['audience']}'s token_dialect {v['dialect']} needs RBAC "
        "(enforce_policies): its permissions claim lists what RBAC grants"
    ),
    Refusal.SCOPE_NOT_GRANTED: lambda v: (
        "Client has not been granted scopes: " + ", ".join(v["scopes"])
    ),
    Refusal.ORGANIZATION_REQUIRED: lambda v: (
        f"The {_who(v)} must name an organization (its grant's organization_usage is "
        "require): send organization=<id or name>"
    ),
    Refusal.ORGANIZATION_DENIED: lambda v: (
        f"The {_who(v)} may not name an organization ({v['named']}): its grant's "
        "organization_usage is deny; set it to allow or require to use organizations"
    ),
    Refusal.UNKNOWN_ORGANIZATION: lambda v: (
        f"No organization {v['named']} in this tenant (by id or by name)"
    ),
    Refusal.ORGANIZATION_NOT_ALLOWED: lambda v: (
        f"The {_who(v)} is not authorized for the organization {v['name']} ({v['id']}): "
        "associate its client grant with the organization, or set the grant's "
        "allow_any_organization"
    ),
    Refusal.DPOP_REQUIRED: lambda v: (
        f"The API {v['audience']} requires DPoP (proof_of_possession): send a DPoP "
        "proof with the token request"
    ),
    Refusal.CERTIFICATE_REQUIRED: lambda v: (
        f"The API {v['audience']} requires certificate-bound tokens "
        "(proof_of_possession mtls): present a client certificate (mutual TLS) "
        "with the token request"
    ),
    # An Action's outcome in the words token_shape gave it (the Action's own reason,
    # for a denial).
    Refusal.ACTION_DENIED: lambda v: v["said"],
    Refusal.ACTION_FAILED: lambda v: v["said"],
    Refusal.ACTION_TIMED_OUT: lambda v: v["said"],
    Refusal.CLAIMS_TOO_LARGE: lambda v: v["said"],
    # Auth0's words for the client's quota; its docs give none for an organization's, so
    # these are chosen to match.
    Refusal.CLIENT_QUOTA_EXCEEDED: lambda v: "Client quota exceeded",
    Refusal.ORGANIZATION_QUOTA_EXCEEDED: lambda v: "Organization quota exceeded",
    # Client authentication. An unknown client and a wrong secret read alike, so that
    # the answer does not tell which client ids exist.
    Refusal.BAD_CLIENT_CREDENTIALS: lambda v: (
        "Client authentication failed: unknown client or wrong credentials"
    ),
    Refusal.METHOD_NOT_REGISTERED: _registered,
    Refusal.NO_REGISTERED_KEY: lambda v: (
        "This client has no secret the authority can check a client_secret_jwt assertion "
        "with (only a hash of it is kept): rotate the client's secret"
        if v.get("method") == AuthMethod.CLIENT_SECRET_JWT
        else "This client has no public key for private_key_jwt"
    ),
    Refusal.ASSERTION_MALFORMED: lambda v: f"client_assertion {v['why']}",
    Refusal.ASSERTION_ALG: lambda v: (
        f"client_assertion is signed with {v['alg']}; this client's "
        + ("secret takes " if v.get("method") == AuthMethod.CLIENT_SECRET_JWT else "keys take ")
        + (", ".join(v["allowed"]) or "none")
    ),
    Refusal.ASSERTION_KID_UNKNOWN: lambda v: (
        f"client_assertion names key {v['kid']}, which is not registered for this client"
    ),
    Refusal.ASSERTION_SIGNATURE: lambda v: (
        "client_assertion is not signed with this client's secret"
        if v.get("method") == AuthMethod.CLIENT_SECRET_JWT
        else "client_assertion is not signed by a key registered for this client"
    ),
    Refusal.ASSERTION_CLAIM_MISSING: lambda v: f"client_assertion has no {v['claim']} claim",
    Refusal.ASSERTION_ISSUER: lambda v: "client_assertion iss must be the client id",
    Refusal.ASSERTION_SUBJECT: lambda v: "client_assertion sub must equal its iss",
    Refusal.ASSERTION_AUDIENCE: lambda v: (
        "client_assertion aud must name this issuer or its token endpoint: "
        + ", ".join(v["expected"])
    ),
    Refusal.ASSERTION_EXPIRED: lambda v: "client_assertion has expired",
    Refusal.ASSERTION_TOO_LONG: lambda v: (
        f"client_assertion exp is more than {v['limit'] // 60} minutes in the future"
    ),
    Refusal.ASSERTION_IAT_FUTURE: lambda v: "client_assertion iat is in the future",
    Refusal.ASSERTION_NOT_YET_VALID: lambda v: "client_assertion is not valid yet (nbf)",
    Refusal.ASSERTION_JTI: lambda v: "client_assertion jti must be a non-empty string",
    Refusal.ASSERTION_REPLAYED: lambda v: "client_assertion jti was already used (replay)",
    Refusal.CERTIFICATE_NOT_REGISTERED: lambda v: (
        "The client certificate is not one registered for this client "
        "(self_signed_tls_client_auth compares the whole certificate)"
    ),
    Refusal.CERTIFICATE_NOT_CA_ISSUED: lambda v: (
        "The client certificate was not issued by a CA this server trusts "
        "(tls_client_auth needs one; a self-signed one needs self_signed_tls_client_auth)"
    ),
    Refusal.THROTTLED: lambda v: v["said"],
    Refusal.NO_CERTIFICATE: lambda v: (
        f"This client authenticates with {v['registered']}: no client certificate came "
        "with the request (mutual TLS needs https, and the certificate presented)"
    ),
    Refusal.EXCHANGE_PARAMETER_MISSING: lambda v: (
        f"{v['parameter']} must come with {v['with']}"
        if v.get("with")
        else f"Missing required parameter: {v['parameter']}"
    ),
    Refusal.EXCHANGE_TOKEN_TYPE_UNSUPPORTED: lambda v: (
        f"Unsupported {v['parameter']}: {v['type']}; this server takes " + ", ".join(v["supported"])
    ),
    Refusal.EXCHANGE_NOT_ALLOWED: lambda v: (
        f"No token exchange profile lets client {v['client']} exchange a "
        f"{v['subject_token_type']}: add the client to a profile for that token type"
    ),
    Refusal.SUBJECT_TOKEN_INVALID: lambda v: f"The subject_token is not valid: {v['said']}",
    Refusal.SUBJECT_TOKEN_EXPIRED: lambda v: "The subject_token has expired",
    Refusal.SUBJECT_TOKEN_UNTRUSTED: lambda v: (
        f"The subject_token's issuer {v['iss']} is neither this issuer nor one a token "
        "exchange profile trusts"
    ),
    Refusal.ACTOR_TOKEN_INVALID: lambda v: f"The actor_token is not valid: {v['said']}",
    Refusal.MAY_ACT_MISMATCH: lambda v: (
        f"The subject_token's may_act does not name {v['actor']} as one who may act for it"
    ),
    Refusal.ACT_CHAIN_INVALID: lambda v: (
        f"The subject_token's act claim is not a valid chain: {v['problem']}"
    ),
    Refusal.EXCHANGE_AUDIENCE_NOT_ALLOWED: lambda v: (
        f"No token exchange profile lets client {v['client']} exchange this token for "
        f"{v['audience']}"
    ),
    Refusal.EXCHANGE_SCOPE_WIDENED: lambda v: (
        "The subject_token does not carry (nor map to) the scopes: " + ", ".join(v["scopes"])
    ),
    Refusal.TARGET_CONFLICT: lambda v: (
        f"audience and resource name different APIs ({v['audience']} and {v['resource']}): "
        "send one, or both naming the same"
    ),
    Refusal.METHOD_NOT_SUPPORTED: lambda v: (
        f"This server does not take {v['used']}; it takes " + ", ".join(v["supported"])
    ),
    Refusal.BASIC_ENCODING: lambda v: (
        "The Basic credentials were form-encoded (RFC 6749 §2.3.1) and the server may "
        "not decode them"
    ),
    Refusal.CERTIFICATE_SUBJECT: lambda v: (
        f"The client certificate's subject ({v['subject']}) is not the one registered "
        "for this client"
    ),
}
