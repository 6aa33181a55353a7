"""Reading a token: decoded parts, each claim explained, times made relative.

No network and no heavy imports here: `decode` must start fast.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from datetime import datetime

from m2m_tui.tokens import damaged
from m2m_tui.tokens.not_a_token import recognise
from oauth_primitives import base64url
from oauth_primitives.rules import access_token, jws
from oauth_primitives.rules.findings import Code, Finding


class NotAJwt(Exception):
    """The text is not a JWS compact token; the message says why, `code` (the rule
    book's Code, from its form parser: opaque, encrypted, not_a_jws, bad_encoding) says
    what it is instead, and `cause` (m2m_tui.diagnosis.causes) what a person would call
    it, when known."""

    def __init__(self, message: str, code: Code = Code.NOT_A_JWS, cause: str = "") -> None:
        super().__init__(message)
        self.code = code
        self.cause = cause

    @property
    def opaque(self) -> bool:
        """A reference token (one part), rather than a broken JWT or credentials of
        another kind (which an API reads as opaque, too)."""
        return self.code == Code.OPAQUE and not self.cause


@dataclass
class DecodedToken:
    raw: str
    header: dict
    payload: dict
    signature: bytes
    signing_input: bytes = field(repr=False, default=b"")

    @property
    def scopes(self) -> list[str]:
        """As the API reads them (the rule book's reader), in the token's order."""
        return access_token.scope_list(self.payload)


def _basic_credentials(token: str) -> str | None:
    """The client id, when `token` is HTTP Basic credentials (RFC 7617: base64 of
    `id:secret`) pasted where a bearer token belongs; never the secret."""
    import base64
    import binascii

    try:
        text = base64.b64decode(token, validate=True).decode("ascii")
    except (binascii.Error, ValueError):
        return None
    user, colon, secret = text.partition(":")
    if colon and user and secret and text.isprintable():
        return user
    return None


def _unsigned(parts: list[str]) -> bool:
    """Two parts that are a JWT's header and payload: its signature was cut off."""
    header = jws.read_object(parts[0], base64url.decode)
    payload = jws.read_object(parts[1], base64url.decode)
    return isinstance(header, dict) and isinstance(payload, dict) and "alg" in header


def decode(token: str) -> DecodedToken:
    """The token's parts, read by the rule book's form parser as they are (padding
    tolerated, so the inspector shows what a strict API refuses): pasted text is cleaned
    before, by `m2m_tui.tokens.pasted.clean_pasted`, so that what is read is what is
    sent."""
    if not token:
        raise NotAJwt("no token was given")
    # No size limit: the inspector reads what an API would refuse as too large.
    found = jws.parse(token, None, base64url.decode)
    if isinstance(found, Finding):
        raise _not_a_jwt(token, found)
    return DecodedToken(token, found.header, found.payload, found.signature, found.signing_input)


def _not_a_jwt(token: str, finding: Finding) -> NotAJwt:
    """The rule book's finding on the form, in words, with what the text looks like."""
    code = finding.code
    parts = token.split(".")
    mistake = recognise(token) if code != Code.TOO_LARGE else None
    if mistake is not None:
        return NotAJwt(mistake.said, code, mistake.cause)
    if code == Code.ENCRYPTED:
        return _encrypted(parts[0])
    if "…" in token or "..." in token:
        return NotAJwt(
            "this token was shortened for display: it has an ellipsis (… or ...) where "
            "characters were left out, as a log, a UI or a chat shows a long value",
            code,
            "shortened",
        )
    if code == Code.OPAQUE and (client := _basic_credentials(token)) is not None:
        return NotAJwt(
            f"this is HTTP Basic credentials (base64 of client_id:secret, for the client "
            f"{client}), not a token: a client sends them to the token endpoint, which "
            "answers with a bearer token to send to the API",
            code,
            "basic_credentials",
        )
    if len(parts) == 2 and _unsigned(parts):
        return NotAJwt(
            "this is a JWT without its signature: its header and payload are here, and the "
            "third part, the signature, was cut off when it was copied (a JWT has 3 "
            "dot-separated parts)",
            code,
            "signature_cut_off",
        )
    if code == Code.OPAQUE:
        return NotAJwt(
            "it has 1 dot-separated part(s), a JWT has 3: this looks like an opaque token "
            "(a random reference, not a JWT)",
            code,
        )
    if code == Code.BAD_ENCODING and finding.values["part"] == "signature":
        junk = damaged.trailing(parts[2])
        if junk is not None:
            return NotAJwt(damaged.trailing_said(junk), code, damaged.TRAILING)
        if len(parts[2].rstrip("=")) % 4 == 1:
            return NotAJwt(damaged.cut_short_said(parts[2]), code, damaged.TRUNCATED)
    if code == Code.BAD_ENCODING:
        return NotAJwt(f"the {finding.values['part']} is {finding.values['why']}", code)
    return NotAJwt(
        f"it has {len(parts)} dot-separated part(s), a JWT has 3: it was cut short or "
        "joined to something while copying",
        code,
    )


def _encrypted(head: str) -> NotAJwt:
    """A JWE (RFC 7516, 5 parts), by its header: `alg: dir` is a key only its issuer
    holds, as Auth0 encrypts the token it issues when the request names no audience
    (good only for its own /userinfo); another alg (RSA-OAEP…) encrypts for an API."""
    header = jws.read_object(head, base64url.decode)
    header = header if isinstance(header, dict) else {}
    alg, enc = header.get("alg"), header.get("enc")
    if alg == "dir":
        iss = header.get("iss")
        by = f", from {iss}" if isinstance(iss, str) else ""
        return NotAJwt(
            f"this is an encrypted JWE (5 parts, alg dir, enc {enc}{by}): encrypted with a "
            "key only its issuer holds, as Auth0 issues a token when the token request names "
            "no audience. It is good only for the issuer's /userinfo endpoint; no API can "
            "read it",
            Code.ENCRYPTED,
            "no_audience",
        )
    said = f", alg {alg}" if isinstance(alg, str) else ""
    return NotAJwt(
        f"this is an encrypted JWE (5 parts{said}), which only its recipient can read: the "
        "API must decrypt it before it can validate it",
        Code.ENCRYPTED,
    )


def is_jwt(token: str) -> bool:
    try:
        decode(token)
    except NotAJwt:
        return False
    return True


def relative(seconds: float) -> str:
    """`23 h 59 m`, `3 m`, `42 s`: the two largest units, and no days, so that a token
    of 24 h reads `24 h` beside one that has `23 h 59 m` left, everywhere (the app, the
    CLI, exports)."""
    seconds = int(abs(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    units = [(hours, "h"), (minutes, "m"), (secs, "s")]
    shown = [f"{n} {u}" for n, u in units if n][:2]
    return " ".join(shown) or "0 s"


def describe_time(
    name: str, value: object, now: float | None = None, relative_to_now: bool = True
) -> str:
    """The date a NumericDate names, and (`relative_to_now`) how far it is from now: a
    view that stays on screen drops that part, which would freeze as it is drawn."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return f"not a number ({value!r}): validators will refuse this token"
    now = time.time() if now is None else now
    try:  # a token's or an answer's content: NaN, 1e308, a year past 9999 are data
        local = datetime.fromtimestamp(value).astimezone().strftime("%Y-%m-%d %H:%M:%S %Z")
    except (OverflowError, OSError, ValueError):
        return f"{value!r}: not a time any clock reaches; validators will refuse this token"
    if not relative_to_now:  # a state, not a count: true until the view is redrawn
        late = {"exp": value <= now, "nbf": value > now, "iat": value > now}.get(name)
        said = {"exp": "expired", "nbf": "not yet valid", "iat": "in the future: clock skew"}
        return f"{local} ({said[name]})" if late else local
    delta = value - now
    if name == "exp":
        when = f"expires in {relative(delta)}" if delta > 0 else f"expired {relative(delta)} ago"
    elif name == "nbf":
        when = (
            f"valid from {relative(delta)} from now"
            if delta > 0
            else f"valid since {relative(delta)} ago"
        )
    else:
        when = (
            f"issued {relative(delta)} ago"
            if delta <= 0
            else f"issued {relative(delta)} in the future: clock skew"
        )
    return f"{local} ({when})"


CLAIM_MEANINGS = {
    "iss": "issuer: the authorization server that minted this token; APIs compare it exactly",
    "aud": "audience: the API(s) this token is for; an API refuses tokens meant for others",
    "azp": "authorized party: the client the token was issued to",
    "cnf": "confirmation (RFC 7800): the key this token is bound to",
    "client_id": "the client the token was issued to (RFC 9068)",
    "gty": "grant type: client-credentials marks a machine-to-machine token",
    "scope": "what the client may do at the API, space-separated",
    "jti": "token id: unique per token, lets a server spot replays",
    "iat": "issued at",
    "nbf": "not before",
    "exp": "expires",
    "permissions": "Auth0 RBAC: what the client may do, added because the API's token "
    "dialect is access_token_authz or rfc9068_profile_authz with RBAC on; for a "
    "client_credentials token, the scopes its grant holds (an API that reads scope ignores it)",
    # Auth0's Organizations for M2M.
    "org_id": "the organization this token is for: an API that serves organizations lets it "
    "touch that organization's data only",
    "org_name": "the organization's name (Auth0 adds it beside org_id)",
    # Members of an RFC 7662 introspection response (an opaque token's "claims").
    "active": "RFC 7662: whether the authorization server still honours this token",
    "token_type": "RFC 7662: Bearer, or DPoP for a sender-constrained token",
    "username": "RFC 7662: the resource owner, for a token issued to a user",
    # Other providers' shapes.
    "scp": "scopes as Okta (an array) or Entra ID delegated tokens (a string) carry them",
    "roles": "Entra ID app-only tokens: the application permissions (app roles) granted",
}

HEADER_MEANINGS = {
    "alg": "signature algorithm; APIs accept only an allow-list (never none)",
    "typ": "token type: JWT, or at+jwt for RFC 9068 access tokens",
    "kid": "key id: which key in the issuer's JWKS verifies the signature",
}


@dataclass
class ClaimRow:
    name: str
    value: str
    meaning: str


def _sub_meaning(value: object) -> str:
    if isinstance(value, str) and value.endswith("@clients"):
        client = value[: -len("@clients")]
        return (
            f"client {client} — the @clients suffix marks a machine-to-machine token "
            "(no user involved)"
        )
    return "subject: who the token is about"


def describe_claims(
    decoded: DecodedToken, now: float | None = None, relative_to_now: bool = True
) -> list[ClaimRow]:
    """Each claim and its meaning; `relative_to_now` False for a table that stays on
    screen (the Inspector's, whose header counts the time down)."""
    rows = []
    for name, value in decoded.payload.items():
        shown = value if isinstance(value, str) else json.dumps(value)
        if name in ("iat", "nbf", "exp"):
            when = describe_time(name, value, now, relative_to_now)
            meaning = f"{CLAIM_MEANINGS[name]}: {when}"
        elif name == "sub":
            meaning = _sub_meaning(value)
        elif name == "cnf" and isinstance(value, dict) and "jkt" in value:
            meaning = (
                "bound to a DPoP key (RFC 9449 §6): jkt is the RFC 7638 thumbprint of the "
                "client's key; a proof signed by that key is needed on every call, so a "
                "stolen copy of the token alone is useless"
            )
        elif name == "cnf" and isinstance(value, dict) and "x5t#S256" in value:
            meaning = (
                "bound to a client certificate (RFC 8705 §3): x5t#S256 is the SHA-256 "
                "thumbprint of the certificate the client presented over mutual TLS when it "
                "got the token; the API takes it only with that certificate presented, so a "
                "stolen copy of the token alone is useless"
            )
        elif name in ("act", "may_act"):
            meaning = delegation_meaning(name, value)
        elif name == "gty" and value != "client-credentials":
            meaning = f"grant type {value}: not a machine-to-machine token"
        elif name in CLAIM_MEANINGS:
            meaning = CLAIM_MEANINGS[name]
        elif "://" in name:
            meaning = (
                "a custom claim, namespaced as Auth0 advises; at Auth0, a credentials-exchange "
                "Action sets it (api.accessToken.setCustomClaim)"
            )
        else:
            meaning = "a custom or provider-specific claim"
        rows.append(ClaimRow(name, str(shown), meaning))
    return rows


def delegation_meaning(name: str, value: object) -> str:
    """RFC 8693 §4.1's `act` (who acts now, and who acted before) and §4.4's `may_act`
    (who may act for this token's subject), read by the primitives' one reader."""
    from oauth_primitives.token_exchange import read_chain

    chain = read_chain({"act": value})
    if name == "may_act":
        sub = value.get("sub") if isinstance(value, dict) else None
        return (
            f"may act (RFC 8693 §4.4): only {sub} may exchange this token to act for "
            f"its subject; an authorization server refuses any other actor"
            if sub
            else "may act (RFC 8693 §4.4), malformed: it names no sub"
        )
    if chain.problem:
        return f"actor (RFC 8693 §4.1), not a valid chain: {chain.problem}"
    now, *before = chain.actors
    meaning = (
        f"actor (RFC 8693 §4.1): {now} acts now, on behalf of the subject (sub); this "
        "token was obtained by token exchange"
    )
    if before:
        meaning += (
            f"; the nested act names who acted before ({', then '.join(before)}): "
            "informational only, never what an API authorizes by"
        )
    return meaning


def describe_header(decoded: DecodedToken) -> list[ClaimRow]:
    return [
        ClaimRow(k, str(v), HEADER_MEANINGS.get(k, "header parameter"))
        for k, v in decoded.header.items()
    ]


def seconds_left(decoded: DecodedToken, now: float | None = None) -> float | None:
    exp = decoded.payload.get("exp")
    if isinstance(exp, bool) or not isinstance(exp, int | float):
        return None
    return exp - (time.time() if now is None else now)


@dataclass
class ScopeRow:
    scope: str
    granted: bool
    known: bool  # offered by the API


def scopes_against(decoded: DecodedToken, offered: list[str]) -> list[ScopeRow]:
    held = set(decoded.scopes)
    rows = [ScopeRow(s, s in held, True) for s in offered]
    rows += [ScopeRow(s, True, False) for s in decoded.scopes if s not in offered]
    return rows


def bound_jkt(decoded: DecodedToken) -> str | None:
    """The DPoP key thumbprint a token is bound to (cnf.jkt, RFC 9449 §6.1), if any: the
    rule book's answer, the one the API acts on."""
    return access_token.bound_jkt(decoded.payload)


def parse(raw: str) -> DecodedToken | NotAJwt:
    """A token parsed once: the value every check reads, or why it is not a JWT."""
    try:
        return decode(raw)
    except NotAJwt as exc:
        return exc
