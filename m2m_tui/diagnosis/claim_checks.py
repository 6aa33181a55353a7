"""The token's claims against what the API expects: issuer, audience, typ (RFC 9068)
and scope. They read the payload only, so an opaque token's introspection response
(RFC 7662) goes through them as well as a JWT's.

Each decision is the rule book's (oauth_primitives.rules); what is written here is the
explanation and the fix, keyed by the finding's code."""

from __future__ import annotations

import json

from m2m_tui.diagnosis.causes import Cause
from m2m_tui.diagnosis.check import Check, Expectations
from m2m_tui.diagnosis.provider_shapes import (
    entra_version_check,
    graph_words,
    id_token_claims,
    is_graph_token,
    provider_audience,
    scope_by_case,
    scope_separator,
    scopes_elsewhere,
)
from m2m_tui.tokens.decoded import DecodedToken
from oauth_primitives.organizations import organization_of
from oauth_primitives.rules import Code, Finding, access_token
from oauth_primitives.rules.access_token import (
    RFC9068_CLAIMS,
    audiences,
    required_claim_findings,
    scopes_of,
)


def _short(value: object) -> str:
    text = json.dumps(value)
    return text if len(text) <= 60 else text[:57] + "…"


def _json_kind(value: object) -> str:
    """What JSON made of a value that should have been a string (null aside)."""
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    return {dict: "a JSON object", list: "a JSON array"}.get(type(value), "not a string")


def _as_found(value: object) -> str:
    """A value that should have been a string: what JSON made of it, and the value."""
    return "null" if value is None else f"{_json_kind(value)} ({_short(value)})"


def _who_for(token: DecodedToken) -> tuple[str, str]:
    """Who the token was for, in words, and the cause when it is a well-known other API."""
    if is_graph_token(token):
        return graph_words(token), Cause.GRAPH_TOKEN
    auds = audiences(token.payload)
    for a in auds:
        if isinstance(a, str) and a.rstrip("/").endswith("/api/v2"):
            return f"this is a Management API token (aud {a})", Cause.MANAGEMENT_API_TOKEN
        if isinstance(a, str) and a.endswith("/userinfo"):
            return f"this is a token for the OIDC userinfo endpoint ({a})", ""
    return f"the token was for {', '.join(map(str, auds)) or 'no audience at all'}", ""


def iss_check(token: DecodedToken, expect: Expectations, finding: Finding | None) -> Check:
    iss = token.payload.get("iss")
    if expect.issuer is None:
        return Check("iss", None, f"iss is {iss!r}; no expected issuer is known")
    if finding is None:
        return Check("iss", True, f"{iss} matches exactly")
    if finding.code == Code.ISS_TRAILING_SLASH:
        return Check(
            "iss",
            False,
            f"iss {iss!r} differs from {expect.issuer!r} only by the trailing slash; "
            "issuers are compared exactly",
            f"Configure the API's issuer as exactly {iss!r} (Auth0's ends with /).",
            finding.code,
        )
    entra = entra_version_check(token, expect.issuer, finding.code)
    if entra is not None:
        return entra
    return Check(
        "iss",
        False,
        f"iss is {iss!r}, the API expects {expect.issuer!r}",
        "Get the token from the issuer the API trusts, or configure the API for this issuer.",
        finding.code,
    )


def aud_check(token: DecodedToken, expect: Expectations, finding: Finding | None) -> Check:
    aud = token.payload.get("aud")
    if expect.audience is None:
        return Check("aud", None, f"aud is {aud!r}; no expected audience is known")
    if finding is None:
        return Check("aud", True, f"contains {expect.audience}")
    if finding.code == Code.NOT_A_STRING:
        value = finding.values["value"]
        return Check(
            "aud",
            False,
            f"aud {'lists' if isinstance(aud, list) else 'is'} {_as_found(value)}: RFC 7519 "
            "§4.1.3 makes aud a string or an array of strings, "
            "and PyJWT and joserfc refuse any other value, even beside the right audience",
            f"Have the issuer write aud as {expect.audience!r}, or an array of strings only.",
            finding.code,
        )
    auds = audiences(token.payload)
    id_token = id_token_claims(token)
    if id_token:
        return Check(
            "aud",
            False,
            f"this is an ID token, not an access token: it has {', '.join(id_token)} and its "
            f"aud is {', '.join(map(str, auds)) or 'empty'} (a client, not an API). An ID "
            "token tells a client who signed in; an API takes the access token",
            f"Send the response's access_token, not its id_token; request it with "
            f"audience={expect.audience} (or resource=, RFC 8707).",
            finding.code,
            Cause.ID_TOKEN,
        )
    who, cause = _who_for(token)
    fix = f"Request the token with audience={expect.audience}."
    provider = provider_audience(token, expect.audience)
    if provider is not None:
        who, cause, fix = provider
    elif cause == Cause.GRAPH_TOKEN:
        fix = (
            f"Request a token for this API, not for Graph: scope={expect.audience}/.default "
            "at Entra ID (the API's Application ID URI), or audience= at other issuers."
        )
    elif cause == Cause.MANAGEMENT_API_TOKEN:
        fix = (
            f"Request the token with audience={expect.audience}: this one is for Auth0's "
            "Management API (the client's grant for it lets it manage the tenant, not "
            "call this API)."
        )
    return Check(
        "aud",
        False,
        f"the API expects aud {expect.audience}; {who}",
        fix,
        finding.code,
        cause,
    )


def sub_check(token: DecodedToken, finding: Finding | None) -> Check | None:
    """RFC 7519 §4.1.2: shown only for a sub that is not a string."""
    if finding is None:
        return None
    value = finding.values["value"]
    return Check(
        "sub",
        False,
        f"sub is {_as_found(value)}, not a string: RFC 7519 §4.1.2 makes sub a StringOrURI, "
        "and PyJWT (since 2.10), Authlib and Auth0's Express validator refuse any other "
        "value, however good the rest of the token",
        'Have the issuer write sub as a string where it signs the token ("42", not 42: '
        "str(user.id), String(user.id)); an identity object's other fields belong in claims "
        "of their own. Then request a new token.",
        finding.code,
        Cause.SUBJECT_NOT_STRING,
    )


def typ_check(token: DecodedToken, expect: Expectations, finding: Finding | None) -> Check:
    typ = str(token.header.get("typ", ""))
    if not expect.require_at_jwt:
        return Check("typ", True, f"typ {typ or '(none)'}; the API does not require at+jwt")
    if finding is None:
        return Check("typ", True, "typ at+jwt, as RFC 9068 requires")
    return Check(
        "typ",
        False,
        f"typ is {typ or '(none)'}; the API requires at+jwt (RFC 9068)",
        "Set the API's token_dialect to rfc9068_profile at the issuer, then request a new token.",
        finding.code,
    )


def crit_check(token: DecodedToken, finding: Finding | None) -> Check | None:
    """RFC 7515 §4.1.11: shown only for a token whose header has crit."""
    if finding is None:
        return None
    named = ", ".join(finding.values["crit"]) or "nothing"
    return Check(
        "crit",
        False,
        f"the header's crit lists {named}: what an API must understand to accept the token, "
        "and neither the bundled API nor Auth0's validators understand any (RFC 7515 "
        "§4.1.11: an API that does not, refuses)",
        "Use a token without crit: the issuer, or whatever changed the header, added it.",
        finding.code,
        Cause.CRIT_HEADER,
    )


def claims_check(
    token: DecodedToken, expect: Expectations, finding: Finding | None
) -> Check | None:
    """RFC 9068 §2.2's required claims: shown only for an API that requires them."""
    if not expect.require_at_jwt:
        return None
    if finding is None:
        return Check("claims", True, f"has every claim RFC 9068 requires ({len(RFC9068_CLAIMS)})")
    missing = ", ".join(finding.values["missing"])
    return Check(
        "claims",
        False,
        f"the API requires RFC 9068's claims; the token lacks {missing}",
        "Have the issuer issue RFC 9068 tokens (Auth0: the API's token_dialect "
        "rfc9068_profile), then request a new token.",
        finding.code,
    )


def required_claims_check(
    token: DecodedToken, expect: Expectations, first: Finding | None
) -> Check | None:
    """The claims the API requires (its metadata's required_claims): shown only for an
    API that requires some. A claim like these is what a credentials-exchange Action adds."""
    if not expect.required_claims:
        return None
    names = ", ".join(n if v is None else f"{n}={v}" for n, v in expect.required_claims)
    if first is None:
        return Check("required claims", True, f"has the claims the API requires ({names})")
    # The table stops at the first; how many more fail is said, not judged again.
    failing = len(required_claim_findings(token.payload, expect.policy))
    claim, value = first.values["claim"], first.values["value"]
    wanted = json.dumps(value if value is not None else "…")
    said = (
        f"the API requires the claim {claim}; the token has none"
        if first.code == Code.CLAIM_REQUIRED
        else f"the API requires {claim} = {value}; the token has {first.values['found']!r}"
    )
    return Check(
        "required claims",
        False,
        said + (f" ({failing} required claims fail)" if failing > 1 else ""),
        f"Add it with a credentials-exchange Action: api.accessToken.setCustomClaim("
        f"{json.dumps(claim)}, {wanted}); then `m2m-tui actions deploy FILE --bind`, check "
        "it with `m2m-tui preview`, and request a new token.",
        first.code,
    )


def scope_check(token: DecodedToken, expect: Expectations, finding: Finding | None) -> Check:
    held = sorted(scopes_of(token.payload))
    if expect.scope is None:
        return Check(
            "scope", True, f"the endpoint needs no scope; the token has {' '.join(held) or 'none'}"
        )
    if finding is None:
        return Check("scope", True, f"the endpoint needs {expect.scope}; the token has it")
    if finding.code == Code.SCOPE_NOT_STRING:
        found = token.payload["scope"]
        shape = "a JSON array" if isinstance(found, list) else f"a {type(found).__name__}"
        return Check(
            "scope",
            False,
            f"the scope claim is {shape} ({_short(found)}), not the space-separated string "
            "RFC 9068 §2.2.3 and RFC 8693 §4.2 define: a non-standard shape, which some "
            "validators read (Express's) and others refuse (the bundled API's)",
            "Have the issuer send scope as one space-separated string (Auth0 does; a custom "
            "claim or an Action that sets scope to an array does not).",
            finding.code,
            Cause.SCOPE_SHAPE,
        )
    if "scope" not in token.payload and id_token_claims(token):
        return Check("scope", None, "not checked: an ID token carries no scopes (see aud)")
    for known in (
        scope_separator(token, expect.scope),
        scopes_elsewhere(token, expect.scope),
        scope_by_case(token, expect.scope),
    ):
        if known is not None:
            known.code = finding.code
            return known
    client = expect.client_label or client_of(token)
    aud = expect.audience or token.payload.get("aud")
    return Check(
        "scope",
        False,
        f"the endpoint needs {expect.scope}; the token has "
        f"{' '.join(token.scopes) or 'no scopes'}; missing {expect.scope}",
        f"Grant `{expect.scope}` to {client} on {aud}, then request a new token.",
        finding.code,
    )


def client_of(token: DecodedToken) -> str:
    """The client the token names, as the rule book (and the authority) reads it."""
    return access_token.client_of(token.payload) or "the client"


def organization_check(token: DecodedToken, expect: Expectations, finding: Finding | None) -> Check:
    """Auth0's Organizations for M2M: the org_id an API that serves organizations needs."""
    how = (
        "The token request names it with organization=<id or name> (the profile's "
        "`organization`, or --organization); the client's grant for the API must allow it: "
        "organization_usage allow or require, and the organization associated with the "
        "grant (or allow_any_organization)."
    )
    if finding is None:
        named = organization_of(token.payload, expect.organizations)[0]
        return Check("organization", True, f"for the organization {named}, which the API serves")
    if finding.code == Code.ORGANIZATION_MISSING:
        return Check(
            "organization",
            False,
            "the API requires an organization, and the token names none (no org_id)",
            f"Request a token for an organization. {how}",
            finding.code,
        )
    served = ", ".join(expect.organizations)
    return Check(
        "organization",
        False,
        f"the token is for the organization {finding.values['named']}; the API serves {served}",
        f"Request the token for one of {served}. {how}",
        finding.code,
    )
