"""The token as a JWS (RFC 7515): its form and size, its algorithm, the key its kid
selects, and the signature. Each decision is the rule book's (oauth_primitives.rules:
jws, keys); the explanation and the fix are written here."""

from __future__ import annotations

from m2m_tui.diagnosis.causes import Cause
from m2m_tui.diagnosis.check import Check, Expectations
from m2m_tui.diagnosis.key_search import find_key, found_words, kids_words
from m2m_tui.diagnosis.provider_shapes import graph_words, is_graph_token
from m2m_tui.diagnosis.size_limits import SMALLER, limits_crossed, size_words
from m2m_tui.tokens.damaged import length_said
from m2m_tui.tokens.decoded import DecodedToken, NotAJwt
from oauth_primitives.rules import Code, Finding

GRAPH_FIX = (
    "Request a token for this API, not for Graph: at Entra ID, scope=<the API's "
    "Application ID URI>/.default; an API never validates Graph's tokens."
)


def _mode(expect: Expectations) -> str:
    """What the API's way of checking tokens means for this one (RFC 9728 metadata)."""
    if expect.validation == "jwt":
        return "; this API validates JWTs itself: a revoked token passes until its exp"
    if expect.validation == "introspection":
        return (
            "; this API asks the authorization server about every token (RFC 7662): a "
            "revoked token is refused at once"
        )
    return ""


# The fix for each mistake that sends no token at all (m2m_tui.tokens.not_a_token).
NO_TOKEN_FIX = {
    Cause.UNSET_VARIABLE: (
        "Find where the token is read from the token response (its `access_token` field) "
        "and check that the request succeeded and was awaited before the call; print the "
        "value's length, never the value, to see it is set."
    ),
    Cause.OBJECT_AS_TEXT: (
        "Send the `access_token` string of the token response, not the response or "
        "another object (JavaScript: `res.data.access_token` after `await`; Python: "
        "`response.json()['access_token']`)."
    ),
    Cause.TEMPLATE_UNFILLED: (
        "Fill the variable before the call: set it in the environment or the tool's "
        "environment (Postman: the selected environment holds it), or paste a token from "
        "`m2m-tui token`; quote shell variables in double quotes, not single."
    ),
}


DAMAGED_FIX = (
    "Send the token exactly as the token endpoint returned it: take it from the token "
    "response's access_token (parsed as JSON, not cut from its text), never from a log "
    "line; where it passes through a URL or a form, decode it once."
)


def not_a_jwt_check(token: NotAJwt, audience: str | None = None) -> Check:
    if token.cause == Cause.NO_AUDIENCE:
        named = f"audience={audience}" if audience else "the API's audience"
        fix = (
            f"Add the missing audience to the token request ({named}; `audience` in the "
            "m2m-tui profile, or resource= per RFC 8707 elsewhere), then request a new "
            "token: with it, Auth0 issues a signed JWT for the API."
        )
    elif token.cause in NO_TOKEN_FIX:
        fix = NO_TOKEN_FIX[Cause(token.cause)]
    elif token.cause in (Cause.SIGNATURE_TRUNCATED, Cause.TRAILING_CHARACTERS):
        fix = DAMAGED_FIX
    elif token.cause == Cause.BASIC_CREDENTIALS:
        fix = (
            "Exchange the credentials for a token (m2m-tui token, or a client_credentials "
            "request to the token endpoint), then send that token as Bearer."
        )
    elif token.cause == Cause.SIGNATURE_CUT_OFF:
        fix = "Copy the whole token again: it ends after a second dot and a third part."
    elif token.cause == Cause.SHORTENED:
        fix = (
            "Copy the whole token from where it was issued (the token response, `m2m-tui "
            "token`), not from a log line or a screen that shortens long values."
        )
    elif token.opaque:
        fix = (
            f"Request the token with the API's audience ({audience or '`audience`'}; Auth0 "
            "issues an opaque token when none is sent), then try again."
        )
    else:
        fix = "Send the whole access token, exactly as the token endpoint returned it."
    return Check("format", False, f"not a JWT: {token}", fix, token.code, token.cause)


def without_audience(checks: list[Check], profile: str, opaque: bool, refused: bool) -> bool:
    """The profile's own token request names no audience (nor resource): a token it
    gets comes back encrypted or opaque (`opaque`), like the one checked here. Said on
    the check that found such a token, which it names as the cause: a failure where the
    server refused it (`refused`). Whether anything was said."""
    for check in checks:
        if check.name != "format" or check.ok is True:
            continue
        if check.cause != Cause.NO_AUDIENCE and not (opaque and not check.cause):
            continue
        check.detail += (
            f"; and the profile {profile}'s token request names no audience (nor "
            "resource): its tokens come back like this one"
        )
        check.fix = (check.fix + " " if check.fix else "") + (
            f"Set audience in [profiles.{profile}] of the config to the API's identifier."
        )
        check.cause = Cause.NO_AUDIENCE
        if refused:
            check.ok, check.code = False, check.code or Code.OPAQUE
        return True
    return False


def format_check(token: DecodedToken, expect: Expectations, form: Finding | None) -> Check:
    """The form as a strict API reads it: its size, and base64url without padding."""
    if form is None:
        return Check("format", True, "three base64url parts holding JSON objects" + _mode(expect))
    if form.code == Code.TOO_LARGE:
        return Check(
            "format",
            False,
            f"the token is {size_words(form.values['size'])}; the API reads at most "
            f"{form.values['limit']:,} bytes. {limits_crossed(form.values['size'])}",
            SMALLER,
            form.code,
            Cause.TOO_LARGE,
        )
    return Check(
        "format",
        False,
        f"the {form.values.get('part', 'token')} is not strict base64url (RFC 7515 §2: no "
        "padding, no other characters), which strict APIs refuse",
        "Send the token exactly as issued: something added padding or changed characters.",
        form.code,
    )


def alg_check(token: DecodedToken, finding, expect: Expectations) -> Check:
    alg = token.header.get("alg")
    if finding is None:
        return Check("alg", True, f"{alg} is allowed")
    if finding.code == Code.ALG_NONE:
        return Check(
            "alg",
            False,
            f"alg is {alg!r}: an unsigned token",
            "Use the token exactly as issued; no API accepts alg none.",
            finding.code,
        )
    if finding.code == Code.ALG_SYMMETRIC:
        return Check(
            "alg",
            False,
            f"alg {alg} is symmetric (a shared secret) at an API that verifies with the "
            "issuer's public keys (RS256): never accepted, since that is the classic "
            "key-confusion trick",
            "Use the token the authorization server issued; if it issued this one, set the "
            "API's signing algorithm to RS256 at the issuer (Auth0: the API's settings, "
            "Signing Algorithm) and request a new token.",
            finding.code,
            Cause.SYMMETRIC_ALG,
        )
    return Check(
        "alg",
        False,
        f"alg {alg} is not one the API takes ({', '.join(expect.algorithms)})",
        "Configure the API to accept the issuer's algorithm, or the issuer to sign with one "
        "the API takes (Auth0: RS256).",
        finding.code,
    )


def kid_check(token: DecodedToken, found: Finding | None, keys: dict | None, why: str) -> Check:
    """The key the kid selects, among the JWKS's signing keys (`keys`; None: unknown,
    for the reason `why`). `found`: the table's kid_missing or kid_unknown."""
    if found is not None and found.code == Code.KID_MISSING:
        return Check(
            "kid",
            False,
            "the header has no kid, so no key can be chosen",
            "Use a token from an issuer that sets kid (Auth0 always does).",
            found.code,
        )
    if keys is None:
        return Check("kid", None, f"not checked: {why}")
    kid = token.header["kid"]
    if found is None or found.code != Code.KID_UNKNOWN:
        return Check("kid", True, f"{kid} is in the issuer's current JWKS")
    if is_graph_token(token):
        return Check(
            "kid",
            False,
            f"kid {kid} is not in the issuer's JWKS: {graph_words(token)}",
            GRAPH_FIX,
            Code.KID_UNKNOWN,
            Cause.GRAPH_TOKEN,
        )
    found = find_key(token, keys)
    if found is not None:
        return Check(
            "kid",
            False,
            f"kid {kid} is not in the issuer's JWKS ({kids_words(keys)}), but the key is, "
            f"under kid {found.kid}: {found_words(found)}. The issuer names its key one way "
            "in the token's header and another in its JWKS, and validators choose the key "
            "by kid alone (RFC 7515 §4.1.4, RFC 7517 §4.5)",
            f"Make the issuer put the kid its JWKS publishes ({found.kid}) in the tokens' "
            f"header, or publish the key under kid {kid} as well; a kid derived one way "
            "(a thumbprint, a certificate's x5t) in the signer and set by hand in the "
            "JWKS is the usual source. Then request a new token.",
            Code.KID_UNKNOWN,
            Cause.KID_MISMATCH,
        )
    return Check(
        "kid",
        False,
        f"kid {kid} is not in the issuer's current JWKS ({kids_words(keys)}), and no key "
        "there verifies the signature: the key was rotated out or revoked, or the token "
        "came from another tenant or issuer",
        "Request a new token (it will be signed with a current key); if that fails too, check "
        "that the API and the client use the same issuer/tenant.",
        Code.KID_UNKNOWN,
    )


def signature_check(token: DecodedToken, found: dict[str, Finding], keys: dict | None) -> Check:
    """The key fits the algorithm (type, curve, the JWK's own alg, RSA size), then the
    signature verifies: both judged by the table, whose findings (`found`, by check) say
    which."""
    if "alg" in found:
        return Check("signature", None, "not checked: the algorithm is not accepted")
    kid = found.get("kid")
    key = keys.get(token.header.get("kid")) if keys is not None and kid is None else None
    if key is None:
        return Check("signature", None, "not checked: no key for this kid")
    alg, kid = token.header.get("alg"), token.header.get("kid")
    unfit = found.get("signature")
    if unfit is not None and unfit.code != Code.SIGNATURE_INVALID:
        return _unfit_key(unfit, alg, kid, key)
    if unfit is not None:
        if is_graph_token(token):
            return Check(
                "signature",
                False,
                f"the signature does not match: {graph_words(token)}",
                GRAPH_FIX,
                Code.SIGNATURE_INVALID,
                Cause.GRAPH_TOKEN,
            )
        damage = length_said(alg, key, len(token.signature))
        if damage is not None:
            cause, said = damage
            return Check("signature", False, said, DAMAGED_FIX, Code.SIGNATURE_INVALID, cause)
        return Check(
            "signature",
            False,
            "the signature does not match: the token was altered after issue, or "
            "signed by another key under the same kid",
            "Use the token exactly as issued; changing any claim breaks the signature.",
            Code.SIGNATURE_INVALID,
        )
    return Check("signature", True, f"verified with key {kid} ({alg})")


def _unfit_key(unfit, alg: str, kid: str, key: dict) -> Check:
    if unfit.code == Code.KEY_TOO_SMALL:
        return Check(
            "signature",
            False,
            f"the key {kid} is a {unfit.values['bits']}-bit RSA key; APIs require at least "
            f"{unfit.values['minimum']} bits (RFC 7518 §3.3; Auth0's Express validator and "
            "the bundled API refuse a smaller one)",
            "Rotate the issuer's signing key to RSA 2048 bits or more, then request a new token.",
            unfit.code,
        )
    if unfit.code == Code.KEY_ALG_MISMATCH:
        return Check(
            "signature",
            False,
            f"the key {kid} is published for {unfit.values['key_alg']} (its JWK's alg), and "
            f"the token says {alg}: a key is used only for the algorithm it names",
            f"Use the token as issued (signed {unfit.values['key_alg']}); if the issuer signs "
            f"with {alg}, it must publish the key for {alg}.",
            unfit.code,
        )
    shape = key.get("kty") if "crv" not in key else f"{key.get('kty')} {key.get('crv')}"
    return Check(
        "signature",
        False,
        f"the key {kid} is a {shape} key, which cannot verify {alg}: the token's alg was "
        "changed, or it names another issuer's kid",
        "Use the token exactly as issued.",
        unfit.code,
    )
