"""Why a DPoP call was refused (RFC 9449): the checks a resource server makes on the
proof and the binding, in order, each with what it found and a concrete fix. They run
beside the token's own checks in `token_checks.py` whenever DPoP is involved."""

from __future__ import annotations

from dataclasses import dataclass

from m2m_tui.diagnosis.check import Check
from oauth_primitives.dpop import MAX_AGE, htu
from oauth_primitives.rules import Code, Finding
from oauth_primitives.rules.access_token import Policy, binding_finding, scheme_finding
from oauth_primitives.rules.closed_sets import DPOP_PROOF
from oauth_primitives.rules.proof import MAX_PROOF
from oauth_primitives.rules.proof_table import PROOF_TABLE, ProofPresented, run_proof

HEADER_CODES = next(row.codes for row in PROOF_TABLE if row.name == "proof hdr")
# The checks shown, in the proof table's order (its key and claims rows are told in
# the signature's check and in each claim's), after how the token came.
NAMES = ("scheme", *(row.name for row in PROOF_TABLE if row.name not in ("proof key", "claims")))


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
    server=None,
) -> list[Check]:
    """`server`: its answer (a ServerAnswer), whose rule code says what only the server
    can know (a proof it saw before)."""
    replayed = server is not None and server.rule == Code.PROOF_REPLAYED
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
                Code.PROOF_MISSING,
            )
        )
        checks += [Check(n, None, "not checked: no proof") for n in NAMES[2:]]
        return checks
    # The rule book's proof table, every row: what a server would find on this proof
    # for this request and token (what only the server knows, a nonce it issued or a
    # jti it saw, comes from its answer: the challenge, its rule code).
    proof = ProofPresented(
        [facts.proof],
        facts.method,
        facts.url,
        clock,
        access_token=token,
        claims={"cnf": {"jkt": bound_jkt}},
    )
    found = {f.code: f for f in run_proof(proof, every=True)}
    if proof.parts is None:
        checks.append(_malformed(next(iter(found.values())), facts.proof))
        return checks
    header, claims = proof.parts.header, proof.parts.claims
    checks.append(Check("proof", True, "one DPoP proof was sent"))
    head = _header(header, found)
    checks.append(head)
    checks.append(
        _signature(header, found)
        if head.ok
        else Check("proof sig", None, "not checked: the proof's header is refused")
    )
    claim_missing = found.get(Code.PROOF_CLAIM_MISSING)
    missing = set(claim_missing.values["missing"]) if claim_missing else set()
    shown = {
        "htm": _match("htm", found, missing, facts.method, "the request's method"),
        "htu": _match("htu", found, missing, htu(facts.url), "the request's URL"),
        "nonce": _nonce(claims.get("nonce"), challenge),
        "proof iat": _iat(claims.get("iat"), clock, found, "iat" in missing),
        "ath": _ath(found),
        "cnf.jkt": _cnf(found, bound_jkt, facts.own_jkt),
        "jti": _jti(claims.get("jti"), replayed),
    }
    return checks + [shown[name] for name in NAMES[len(checks) :]]


def _scheme(bound_jkt: str | None, facts: DpopFacts) -> Check:
    claims = {"cnf": {"jkt": bound_jkt}} if bound_jkt else {}
    finding = binding_finding(claims, facts.scheme)
    if finding is None and facts.api_requires_dpop:
        finding = scheme_finding(facts.scheme, Policy(None, None, dpop_required=True))
    code = finding.code if finding else ""
    if code == Code.DPOP_BOUND_AS_BEARER:
        # An API that requires DPoP refuses the Bearer request before reading the token.
        code = Code.DPOP_REQUIRED if facts.api_requires_dpop else code
        return Check(
            "scheme",
            False,
            "the token is DPoP-bound (cnf.jkt) but was sent as Bearer, without a proof "
            "(RFC 9449 §7.2 forbids that)",
            "Set `dpop = true` in the profile (with the key the token is bound to), so calls "
            "go as Authorization: DPoP with a proof.",
            code,
        )
    if code == Code.NOT_BOUND_AS_DPOP:
        return Check(
            "scheme",
            False,
            "sent as DPoP, but the token is not bound to a key (no cnf.jkt)",
            "Request the token with a DPoP proof (dpop = true), or send it as Bearer.",
            code,
        )
    if code == Code.DPOP_REQUIRED or (not bound_jkt and facts.api_requires_dpop):
        return Check(
            "scheme",
            False,
            "the API requires DPoP; this token is Bearer (no cnf.jkt)",
            "Set `dpop = true` in the profile, then request a new token: it will be bound.",
            Code.DPOP_REQUIRED,
        )
    if bound_jkt:
        return Check("scheme", True, "Authorization: DPoP for a DPoP-bound token")
    return Check("scheme", True, "a Bearer token sent as Bearer")


def _malformed(finding: Finding, proof: str) -> Check:
    """§4.3 item 2 as the servers read it: a proof they cannot even take apart."""
    part = finding.values["part"]
    if part != "form":
        said = f"the proof's {part} is not a base64url JSON object"
    elif len(proof.strip()) > MAX_PROOF:
        said = f"the proof is {len(proof.strip()):,} characters; servers read {MAX_PROOF:,} at most"
    else:
        said = "the DPoP header is not a JWT (three base64url parts)"
    fix = "Send one compact JWT proof, made for this request, with a small header and claims."
    return Check("proof", False, said, fix, finding.code)


def _header(header: dict, found: dict[Code, Finding]) -> Check:
    """§4.3 items 4 to 6, the rule book's: typ, an allowed alg, a public jwk."""
    finding = next((found[c] for c in HEADER_CODES if c in found), None)
    if finding is None:
        jwk = header["jwk"]
        return Check(
            "proof hdr", True, f"typ dpop+jwt, alg {header['alg']}, a public {jwk.get('kty')} jwk"
        )
    code = finding.code
    if code == Code.PROOF_TYP:
        return Check(
            "proof hdr",
            False,
            f"typ is {header.get('typ')!r}",
            "Proofs must say typ dpop+jwt.",
            code,
        )
    if code == Code.PROOF_ALG:
        allowed = ", ".join(DPOP_PROOF)
        return Check(
            "proof hdr",
            False,
            f"alg {header.get('alg')!r} is not one the servers take for proofs ({allowed})",
            f"Sign proofs with one of {allowed} (the profile's dpop_alg).",
            code,
        )
    if code == Code.PROOF_NO_JWK:
        return Check("proof hdr", False, "no jwk in the header", "Put the public key in jwk.", code)
    return Check(
        "proof hdr",
        False,
        f"the jwk holds private key material ({', '.join(finding.values['members'])})",
        "Send only the public key in the proof's jwk.",
        code,
    )


def _signature(header: dict, found: dict[Code, Finding]) -> Check:
    """Item 7, the rule book's: the jwk usable with the alg, and the signature by it."""
    finding = found.get(Code.PROOF_KEY_UNUSABLE) or found.get(Code.PROOF_SIGNATURE)
    if finding is None:
        return Check("proof sig", True, "verified with the proof's own jwk")
    if finding.code == Code.PROOF_SIGNATURE:
        return Check(
            "proof sig",
            False,
            "the proof's signature does not match its jwk",
            "Sign the proof with the private key of the jwk it carries.",
            finding.code,
        )
    return Check(
        "proof sig",
        False,
        "the jwk is not a complete public key"
        if finding.values.get("why") == "incomplete"
        else f"the jwk cannot verify {header.get('alg')}: a key of another type or curve",
        "Put the public key that signs the proof in its jwk, and sign with its algorithm.",
        finding.code,
    )


def _match(name: str, found: dict, missing: set[str], expected: str, what: str) -> Check:
    """htm or htu, as the proof table's rows judged it (htu normalised on both sides)."""
    if name in missing:
        return Check(
            name,
            False,
            f"the proof has no {name} claim",
            f"Proofs need {name}.",
            Code.PROOF_CLAIM_MISSING,
        )
    code = Code.PROOF_HTM if name == "htm" else Code.PROOF_HTU
    if code not in found:
        return Check(name, True, f"{expected} is {what}")
    said = found[code].values["found"]
    return Check(
        name,
        False,
        f"the proof says {said!r}, but {what} is {expected!r}",
        f"Make a new proof for this very request (its {name} must be {expected}).",
        code,
    )


def _iat(iat: object, clock: float, found: dict, missing: bool) -> Check:
    if missing:
        return Check(
            "proof iat", False, "no numeric iat", "Proofs need iat (now).", Code.PROOF_CLAIM_MISSING
        )
    if Code.PROOF_STALE in found:
        return Check(
            "proof iat",
            False,
            f"the proof is {clock - iat:.0f} s old; servers accept about {MAX_AGE:g} s",
            "Make a new proof for every request, just before sending it.",
            Code.PROOF_STALE,
        )
    if Code.PROOF_AHEAD in found:
        return Check(
            "proof iat",
            False,
            f"the proof is dated {iat - clock:.0f} s in the future",
            "Synchronise this machine's clock (NTP) with the server's.",
            Code.PROOF_AHEAD,
        )
    return Check("proof iat", True, f"issued {max(0, clock - iat):.0f} s before the server's clock")


def _jti(jti: object, replayed: bool) -> Check:
    if not isinstance(jti, str) or not jti:
        return Check(
            "jti", False, "no jti", "Give each proof a unique jti.", Code.PROOF_CLAIM_MISSING
        )
    if replayed:
        return Check(
            "jti",
            False,
            "the server saw this proof's jti before: a replayed proof",
            "Never reuse a proof: make a new one (new jti) for every request.",
            Code.PROOF_REPLAYED,
        )
    return Check("jti", True, "a fresh jti")


def _ath(found: dict) -> Check:
    if Code.PROOF_ATH_MISSING in found:
        return Check(
            "ath",
            False,
            "the proof has no ath (the access token's hash)",
            "Proofs sent to an API must carry ath = base64url(SHA-256(token)) (RFC 9449 §4.2).",
            Code.PROOF_ATH_MISSING,
        )
    if Code.PROOF_ATH_MISMATCH in found:
        return Check(
            "ath",
            False,
            "ath is the hash of another token",
            "Make the proof for the token you send (its ath must hash this token).",
            Code.PROOF_ATH_MISMATCH,
        )
    return Check("ath", True, "hashes this token")


def _cnf(found: dict, bound: str, own: str | None) -> Check:
    unbound = found.get(Code.PROOF_KEY_NOT_BOUND)  # the API's rule, the table's row
    if unbound is not None:
        signed_by = unbound.values["signed_by"]
        mine = " (this profile's key)" if own and signed_by == own else ""
        return Check(
            "cnf.jkt",
            False,
            f"the token is bound to {bound}, the proof is signed by {signed_by}{mine}",
            "Use the key the token was issued for, or request a new token with this "
            "profile's key (n).",
            Code.PROOF_KEY_NOT_BOUND,
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
            Code.PROOF_NONCE,
        )
    return Check("nonce", True, "nonce sent" if nonce else "no nonce demanded")
