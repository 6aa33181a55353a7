"""The rule table: every rule a resource server applies to a token and its request, one
row each, in the order the bundled API applies them, and `run`, the one function that
runs it. The API takes the first finding as its refusal; the diagnosis takes them all
and explains each; Preview runs it on a token before the token exists.

A row is (name, the codes its rule may find, the rule). A rule reads `Presented` (the
token, what the API expects, the request) and returns a finding or None; it builds
nothing on a token that passes it. Adding a rule: its code in `findings.py`, its
function, its row here."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple

from .access_token import (
    Policy,
    actor_finding,
    aud_finding,
    binding_finding,
    certificate_finding,
    crit_finding,
    exp_finding,
    iat_finding,
    iss_finding,
    kid_finding,
    nbf_finding,
    organization_finding,
    required_claim_findings,
    rfc9068_finding,
    scheme_finding,
    scope_finding,
    sub_finding,
    typ_finding,
)
from .findings import Code, Finding
from .jws import MAX_TOKEN, Jws, form_finding, parse
from .keys import alg_finding, key_finding, signature_valid, verify
from .proof_table import PROOF_CODES


@dataclass(slots=True)
class Presented:
    """A token as an API is presented with it, and what the rules learn of it on the way
    (its parts, the key its kid selects)."""

    token: str | None  # as sent; None when only its parts are known (Preview)
    policy: Policy
    now: float
    scheme: str = "Bearer"  # how it came: "Bearer" or "DPoP" (RFC 9449 §7.1)
    scope: str | None = None  # the scope the endpoint needs
    certificate: str | None = None  # x5t#S256 of the client certificate presented
    # The issuer's signing keys by kid: JWK dicts, or objects holding one as `.jwk` and
    # its parsed PyJWK as `.key` (the API parses each key once). None: not known, so
    # neither the key nor the signature is judged.
    keys: Mapping[str, Any] | None = None
    jws: Jws | None = None  # the token's parts; given when a reader parsed it already
    # Its claims (the JWS's payload, or what introspection said of an opaque token); set
    # by the form row, or given with the parts.
    claims: dict | None = None
    limit: int | None = MAX_TOKEN  # the largest token the API reads
    active: bool | None = None  # introspection's answer (RFC 7662); None: not asked
    proof: Finding | None = None  # the DPoP proof's own verdict (rules.proof, §4.3)
    # The scopes the claims grant, where a caller holds them already (the API, for a
    # token it verified before): the scope row then reads them, not the claim again.
    scopes: frozenset[str] | None = None
    key: Any = None  # set by the key row: the key that may verify the signature


class Row(NamedTuple):
    name: str
    codes: tuple[Code, ...]
    rule: Callable[[Presented], Finding | None]
    parts: bool = True  # reads the token's parts: skipped when its form stops all
    keyed: bool = False  # needs a key the header lets the API choose
    header: bool = False  # reads the JWS header (an introspected token has none)
    # True for a policy under which the rule can find nothing, whatever the token: a
    # server that keeps one policy drops the row once (`for_policy`), not per request.
    idle: Callable[[Policy], bool] | None = None


# The rows a valid token meets on every request answer their common case first, before
# calling the rule: the rule's own answer, without a second call for it.


def _scheme(p: Presented) -> Finding | None:
    if _no_dpop(p.policy):
        return None
    return scheme_finding(p.scheme, p.policy)


def _form(p: Presented) -> Finding | None:
    """Parsed here once; a token a lenient reader decoded already is held to the strict
    form without a second decoding (the diagnosis then judges the rest all the same)."""
    if p.jws is not None:
        if p.claims is None:
            p.claims = p.jws.payload
        return None if p.token is None else form_finding(p.token, p.limit)
    if p.token is None:  # only its claims are known (introspection's answer)
        return None
    parsed = parse(p.token, p.limit)
    if isinstance(parsed, Finding):
        return parsed
    p.jws, p.claims = parsed, parsed.payload
    return None


def _active(p: Presented) -> Finding | None:
    return Finding(Code.INACTIVE) if p.active is False else None


def _alg(p: Presented) -> Finding | None:
    return alg_finding(p.jws.header.get("alg"), p.policy.algorithms)


def _crit(p: Presented) -> Finding | None:
    return crit_finding(p.jws.header)


def _typ(p: Presented) -> Finding | None:
    return typ_finding(p.jws.header, p.policy)


def _kid(p: Presented) -> Finding | None:
    return kid_finding(p.jws.header)


def _key(p: Presented) -> Finding | None:
    if p.keys is None:
        return None
    header = p.jws.header
    kid = header["kid"]
    entry = p.keys.get(kid)
    if entry is None:
        return Finding(Code.KID_UNKNOWN, {"kid": kid})
    unfit = key_finding(header["alg"], entry if isinstance(entry, dict) else entry.jwk)
    if unfit is None:
        p.key = entry
    return unfit


def _signature(p: Presented) -> Finding | None:
    entry = p.key
    if entry is None:  # no key known, or none fit: judged by the key row
        return None
    jws = p.jws
    alg = jws.header["alg"]
    if isinstance(entry, dict):
        valid = verify(alg, entry, jws.signing_input, jws.signature)
    else:
        valid = signature_valid(alg, entry.key.key, jws.signing_input, jws.signature)
    if valid:
        return None
    return Finding(Code.SIGNATURE_INVALID, {"kid": jws.header["kid"], "alg": alg})


def _iss(p: Presented) -> Finding | None:
    return iss_finding(p.claims, p.policy)


def _aud(p: Presented) -> Finding | None:
    return aud_finding(p.claims, p.policy)


def _actor(p: Presented) -> Finding | None:
    if _no_actor_rules(p.policy):
        return None
    return actor_finding(p.claims, p.policy)


def _sub(p: Presented) -> Finding | None:
    if isinstance(p.claims.get("sub", ""), str):  # a string, or none at all
        return None
    return sub_finding(p.claims)


def _exp(p: Presented) -> Finding | None:
    return exp_finding(p.claims, p.policy, p.now)


def _nbf(p: Presented) -> Finding | None:
    return nbf_finding(p.claims, p.policy, p.now)


def _iat(p: Presented) -> Finding | None:
    return iat_finding(p.claims, p.policy, p.now)


def _rfc9068(p: Presented) -> Finding | None:
    return rfc9068_finding(p.claims, p.policy)


def _required(p: Presented) -> Finding | None:
    """The first claim the API requires that fails (the diagnosis counts the rest)."""
    if _no_claims(p.policy):
        return None
    found = required_claim_findings(p.claims, p.policy)
    return found[0] if found else None


def _binding(p: Presented) -> Finding | None:
    if p.scheme == "Bearer" and "cnf" not in p.claims:  # bound to nothing, as Bearer
        return None
    return binding_finding(p.claims, p.scheme)


def _certificate(p: Presented) -> Finding | None:
    if not p.policy.mtls_required and "cnf" not in p.claims:  # no certificate binding
        return None
    return certificate_finding(p.claims, p.certificate, p.policy)


def _proof(p: Presented) -> Finding | None:
    return p.proof


def _organization(p: Presented) -> Finding | None:
    if _no_organizations(p.policy):
        return None
    return organization_finding(p.claims, p.policy)


def _scope(p: Presented) -> Finding | None:
    if p.scopes is not None and (p.scope is None or p.scope in p.scopes):
        return None
    return scope_finding(p.claims, p.scope)


# When a row's rule can find nothing: what the policy leaves out (the rules that test
# it themselves call these too, so the two cannot drift).
def _no_dpop(policy: Policy) -> bool:
    return not policy.dpop_required


def _lenient(policy: Policy) -> bool:  # typ and RFC 9068's claims: the strict profile's
    return not policy.strict_rfc9068


def _any_issuer(policy: Policy) -> bool:
    return policy.issuer is None


def _any_audience(policy: Policy) -> bool:
    return policy.audience is None


def _no_actor_rules(policy: Policy) -> bool:
    """An API with no actor rules judges no act: a malformed chain is not its concern
    (it acts on the token's own sub and scope, as before token exchange existed)."""
    return not (policy.require_actor or policy.accepted_actors)


def _no_claims(policy: Policy) -> bool:
    return not policy.required_claims


def _no_organizations(policy: Policy) -> bool:
    return not (policy.organization_required or policy.organizations)


FORM = (Code.TOO_LARGE, Code.OPAQUE, Code.ENCRYPTED, Code.NOT_A_JWS, Code.BAD_ENCODING)
PROOF = PROOF_CODES  # the proof table's, in its order

# The order the bundled API applies them in: the first finding is its answer.
TABLE: tuple[Row, ...] = (
    # How the token came, before it is read.
    Row("scheme", (Code.DPOP_REQUIRED,), _scheme, parts=False, idle=_no_dpop),
    Row("form", FORM, _form, parts=False),
    Row("active", (Code.INACTIVE,), _active),
    # RFC 8725 §3.1: the algorithm before any key is chosen.
    Row("alg", (Code.ALG_NONE, Code.ALG_SYMMETRIC, Code.ALG_NOT_ALLOWED), _alg, header=True),
    Row("crit", (Code.CRIT_NOT_UNDERSTOOD,), _crit, header=True),  # RFC 7515 §4.1.11
    Row("typ", (Code.TYP_NOT_AT_JWT,), _typ, header=True, idle=_lenient),  # RFC 9068 §4
    Row("kid", (Code.KID_MISSING,), _kid, header=True),
    Row(
        "key",
        (Code.KID_UNKNOWN, Code.KEY_TYPE_MISMATCH, Code.KEY_ALG_MISMATCH, Code.KEY_TOO_SMALL),
        _key,
        keyed=True,
    ),
    Row("signature", (Code.SIGNATURE_INVALID,), _signature, keyed=True),
    Row("iss", (Code.ISS_MISMATCH, Code.ISS_TRAILING_SLASH), _iss, idle=_any_issuer),
    Row("aud", (Code.AUD_MISMATCH, Code.NOT_A_STRING), _aud, idle=_any_audience),
    # RFC 8693 §4.1: who acts, for an API that serves calls made on a caller's behalf.
    Row(
        "actor",
        (Code.ACT_MALFORMED, Code.ACTOR_MISSING, Code.ACTOR_NOT_ACCEPTED),
        _actor,
        idle=_no_actor_rules,
    ),
    # RFC 7519 §4.1.2: who the token is about, a StringOrURI. A NOT_A_STRING, like a
    # NOT_A_NUMBER, is placed by its claim's row.
    Row("sub", (Code.NOT_A_STRING,), _sub),
    # The times claim by claim: a NOT_A_NUMBER is placed by its claim's row.
    Row("exp", (Code.EXP_MISSING, Code.NOT_A_NUMBER, Code.EXPIRED), _exp),
    Row("nbf", (Code.NOT_A_NUMBER, Code.NOT_YET_VALID), _nbf),
    Row("iat", (Code.NOT_A_NUMBER, Code.IAT_FUTURE), _iat),
    Row("claims", (Code.CLAIMS_MISSING,), _rfc9068, idle=_lenient),  # RFC 9068 §2.2
    Row("required claims", (Code.CLAIM_REQUIRED, Code.CLAIM_VALUE), _required, idle=_no_claims),
    # What this request may do with a valid token.
    Row("binding", (Code.DPOP_BOUND_AS_BEARER, Code.NOT_BOUND_AS_DPOP), _binding),  # RFC 9449 §7
    Row(
        "certificate",
        (Code.NOT_CERT_BOUND, Code.CERT_MISSING, Code.CERT_MISMATCH),
        _certificate,  # RFC 8705 §3
    ),
    Row("proof", PROOF, _proof),
    Row(
        "organization",
        (Code.ORGANIZATION_MISSING, Code.ORGANIZATION_NOT_SERVED),
        _organization,
        idle=_no_organizations,
    ),
    Row("scope", (Code.SCOPE_NOT_STRING, Code.SCOPE_MISSING), _scope),  # RFC 6750 §3.1
)


def rows(first: str, last: str | None = None) -> tuple[Row, ...]:
    """The table from the row named `first` through `last` (to the end when None): for
    a caller that must await something between two rows (the API, its keys)."""
    names = [r.name for r in TABLE]
    return TABLE[names.index(first) : None if last is None else names.index(last) + 1]


def for_policy(table: tuple[Row, ...], policy: Policy) -> tuple[Row, ...]:
    """`table` less the rows that can find nothing under `policy`: the same answers,
    for a server whose policy is fixed, with fewer calls on every request."""
    return tuple(row for row in table if row.idle is None or not row.idle(policy))


# Findings after which no key may be chosen (RFC 8725 §3.1), nor a signature tried.
_KEYLESS = frozenset({Code.ALG_NONE, Code.ALG_SYMMETRIC, Code.ALG_NOT_ALLOWED, Code.KID_MISSING})
_NOTHING: tuple[Finding, ...] = ()


def run(p: Presented, table: tuple[Row, ...] = TABLE, every: bool = False) -> tuple[Finding, ...]:
    """The table's findings on `p`, in its order: the first alone (the API's refusal), or
    with `every` all of them (the diagnosis). Nothing found: the same empty tuple, so a
    token that passes costs no allocation here."""
    if not every:
        for row in table:
            found = row[2](p)  # row.rule, by index: the loop every request runs
            if found is not None:
                return (found,)
        return _NOTHING
    findings: list[Finding] = []
    keyless = False
    for row in table:
        if (row.parts and p.claims is None) or (row.keyed and keyless):
            continue
        if (row.header or row.keyed) and p.jws is None:
            continue
        found = row.rule(p)
        if found is not None:
            findings.append(found)
            keyless = keyless or found.code in _KEYLESS
    return tuple(findings)


# Where each code stands in the table; a code some rows share (NOT_A_NUMBER, NOT_A_STRING)
# by the row named after its claim.
_ROW = {code: i for i, row in reversed(tuple(enumerate(TABLE))) for code in row.codes}
_NAMED = {row.name: i for i, row in enumerate(TABLE)}
_SHARED = frozenset(c for c in Code if sum(c in row.codes for row in TABLE) > 1)
assert set(_ROW) == set(Code), "every code has its row"


def place(code: Code, claim: str = "") -> tuple[int, int]:
    """Where `code` stands in the table: its row, and its place among the row's codes
    (a DPoP proof's, in §4.3's order); `claim` names the row of a shared code. For a
    caller that holds findings from elsewhere (the diagnosis's DPoP checks) and must
    say which the API meets first."""
    code = Code(code)
    i = _NAMED[claim] if code in _SHARED and claim in _NAMED else _ROW[code]
    return i, TABLE[i].codes.index(code)
