"""Explaining what an API answered: the token inspected (decoded, its signature checked
against the issuer's JWKS), a refusal diagnosed (the call made, or the answer already
received, set beside the rule book's checks), the tamper lab's proof variants.

What the checks need is gathered first and reused: the API's expectations from its
RFC 9728 metadata, the issuer's JWKS (both within their max-age, in `documents`), the
client's name from the tenant, and, for an opaque token, what its issuer says of it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from m2m_tui.api.client import (
    ApiCall,
    ApiEndpoint,
    ApiResult,
    follow_redirects,
    send,
    send_as,
)
from m2m_tui.diagnosis.agreement import with_agreement
from m2m_tui.diagnosis.certificate_checks import untrusted_certificate_check
from m2m_tui.diagnosis.claim_checks import client_of
from m2m_tui.diagnosis.dpop_checks import DpopFacts
from m2m_tui.diagnosis.jws_checks import without_audience
from m2m_tui.diagnosis.tamper import Variant
from m2m_tui.diagnosis.token_checks import (
    Diagnosis,
    Expectations,
    ServerAnswer,
    run_checks,
)
from m2m_tui.oauth.client_cert import CertificateProblem, ClientCertificate, another_certificate
from m2m_tui.oauth.token_hints import opaque_hint
from m2m_tui.session.api_catalog import ApiCatalog
from m2m_tui.session.documents import Documents
from m2m_tui.session.tenant_admin import TenantAdmin
from m2m_tui.session.token_status import TokenStatus
from m2m_tui.session.tokens import Tokens
from m2m_tui.tokens.decoded import DecodedToken, NotAJwt, parse
from m2m_tui.tokens.pasted import clean_pasted
from m2m_tui.tokens.signature import SignatureCheck, check_signature


@dataclass
class Inspection:
    raw: str
    decoded: DecodedToken | None
    problem: str | None = None  # why it could not be decoded
    signature: SignatureCheck | None = None
    signature_note: str = ""
    # An opaque token: what its issuer says of it (RFC 7662), or why it could not say.
    introspected: dict | None = None
    cleaned: str = ""  # what was removed from the pasted text, in words


class Explainer:
    def __init__(
        self,
        profile: Callable,
        client: Callable,
        timeout: Callable[[], float],
        tokens: Tokens,
        api: ApiCatalog,
        documents: Documents,
        admin: TenantAdmin,
        status: TokenStatus,
        record: Callable[[str, str, ApiResult], ApiResult],
        state_dir: Path | None = None,
        profiles: Callable[[], dict] | None = None,
    ) -> None:
        self._state_dir = state_dir
        self._profiles = profiles or dict  # the config's profiles, by name
        self._profile = profile
        self._client = client
        self._timeout = timeout
        self._tokens = tokens
        self._api = api
        self._documents = documents
        self._admin = admin
        self._status = status
        self._record = record

    async def inspect(self, raw: str, verify: bool = True) -> Inspection:
        """The token in `raw` (pasted text is cleaned first, and the inspection keeps the
        cleaned token: what the Why? panel and the tamper lab then send)."""
        pasted = clean_pasted(raw)
        inspection = await self._inspect(pasted.token, verify)
        inspection.cleaned = pasted.said
        return inspection

    async def _inspect(self, raw: str, verify: bool) -> Inspection:
        token = parse(raw)
        if isinstance(token, NotAJwt):
            if not token.opaque:
                return Inspection(raw, None, f"Not a JWT: {token}.")
            said = await self._status.introspected(raw)
            problem = f"Not a JWT: {token}. {opaque_hint({})}"
            if said.body is None:
                why = f"Introspection (RFC 7662) could not say more: {said.why_not}"
                return Inspection(raw, None, f"{problem} {why}")
            if said.body.get("active") is not True:
                why = (
                    "Introspection (RFC 7662): the authorization server says it is not "
                    "active (expired, revoked, or not its own)."
                )
                return Inspection(raw, None, f"{problem} {why}")
            return Inspection(raw, None, None, introspected=said.body)
        inspection = Inspection(raw, token)
        issuer = token.payload.get("iss")
        if not verify:
            return inspection
        if not isinstance(issuer, str) or not issuer.startswith(("http://", "https://")):
            inspection.signature_note = "signature: no usable iss, so no JWKS to check against"
            return inspection
        async with self._client() as client:
            try:
                jwks = await self._documents.jwks(issuer, client)
            except ValueError as exc:
                inspection.signature_note = f"signature: not checked ({exc})"
                return inspection
        inspection.signature = check_signature(token, jwks)
        return inspection

    def presented_certificate(self) -> str | None:
        """The thumbprint (x5t#S256) of the client certificate this profile's calls
        present (mutual TLS), or None: none named, or one that cannot be read."""
        try:
            certificate = ClientCertificate.of(self._profile())
        except CertificateProblem:
            return None
        return certificate.thumbprint if certificate else None

    async def expectations(self, endpoint: ApiEndpoint | None) -> Expectations:
        """What the API expects: its RFC 9728 metadata first, then the profile. Without
        metadata, the audience the profile asks for is the one the API expects:
        `audience`, else RFC 8707's `resource`."""
        meta: dict = {}
        if base := self._profile().api_base_url:
            async with self._client() as client:
                meta = await self._api.current_metadata(base, client)
        expect = Expectations.from_metadata(
            meta,
            self._profile().issuer,
            self._profile().audience or self._profile().resource,
            endpoint.scope if endpoint else None,
        )
        # The profiles that could exchange a caller's token for this API (their audience
        # is it): a fix then names them (`exchange --as world-mappers`).
        acting = tuple(
            name
            for name, p in self._profiles().items()
            if expect.audience and expect.audience in (p.audience, p.resource)
        )
        return replace(expect, acting_profiles=acting)

    async def diagnose(
        self,
        raw: str,
        endpoint: ApiEndpoint,
        params: dict[str, str],
        memo: dict | None = None,
        kind: str | None = None,
        label: str = "",
    ) -> tuple[Diagnosis, ApiResult]:
        """Make the real call with `raw`, then explain the answer. Calls that share a
        `memo` (the tamper lab's variants) read the API's expectations once.
        With `kind` ("why", or "lab" with the variant's label) the call goes into the
        history; probes that poll (the signing-key check) stay out of it."""
        # What is sent is what is checked: the pasted text, cleaned once.
        pasted = clean_pasted(raw)
        raw = pasted.token
        token = parse(raw)
        call = ApiCall(self._profile().api_base_url or "", endpoint, params)
        async with self._client() as client:
            key = self._tokens.bound_key(token if isinstance(token, DecodedToken) else None)
            result = await send(call, raw, client, self._timeout(), key, self._tokens.nonces)
            # Where the call goes as a client would follow it, and whether the token went.
            result = await follow_redirects(
                call, raw, result, client, self._timeout(), key, self._tokens.nonces
            )
        if kind is not None:
            summary = f"{label + ': ' if label else ''}{endpoint.method} {endpoint.path}"
            self._record(kind, summary, result)
        diagnosis = await self.explain(token, endpoint, result, memo, raw=raw)
        diagnosis.cleaned = pasted.removed
        own = self.presented_certificate()
        if result.status is None and result.closed_early and own and call.url.startswith("https"):
            diagnosis.checks.insert(0, untrusted_certificate_check(own))
        return diagnosis, result

    async def diagnose_proof_variant(
        self, raw: str, endpoint: ApiEndpoint, params: dict[str, str], variant, memo: dict
    ) -> tuple[Diagnosis, ApiResult]:
        """A DPoP call broken as `variant` says (the tamper lab), and its diagnosis."""
        call = ApiCall(self._profile().api_base_url or "", endpoint, params)
        token = raw.strip()
        proof = variant.make(endpoint.method, call.url, token, self._tokens.nonces.get(call.url))
        async with self._client() as client:
            if variant.twice:  # the first use is legitimate; the second is the replay
                await send_as(call, token, variant.scheme, proof, client, self._timeout())
            result = await send_as(call, token, variant.scheme, proof, client, self._timeout())
        self._record("lab", f"{variant.name}: {endpoint.method} {endpoint.path}", result)
        return await self.explain(raw, endpoint, result, memo), result

    async def diagnose_with_another_certificate(
        self, raw: str, endpoint: ApiEndpoint, params: dict[str, str], memo: dict
    ) -> tuple[Variant, Diagnosis, ApiResult]:
        """The tamper lab's mutual TLS variant: the token sent with a certificate other
        than the one it is bound to (RFC 8705 §3), and its diagnosis."""
        other = another_certificate(self._state_dir or Path("."), self._profile().ca_file)
        variant = Variant(
            "other certificate",
            f"sent over mutual TLS with another client certificate (x5t#S256 {other.thumbprint})",
            raw,
        )
        call = ApiCall(self._profile().api_base_url or "", endpoint, params)
        async with self._client(other) as client:
            result = await send(call, raw, client, self._timeout())
        self._record("lab", f"{variant.name}: {endpoint.method} {endpoint.path}", result)
        diagnosis = await self.explain(raw, endpoint, result, memo, certificate=other.thumbprint)
        if result.status is None and result.closed_early:
            diagnosis.checks.insert(0, untrusted_certificate_check(other.thumbprint))
        return variant, diagnosis, result

    async def explain(
        self,
        token: DecodedToken | NotAJwt | str,
        endpoint: ApiEndpoint,
        result: ApiResult,
        memo: dict | None = None,
        raw: str | None = None,
        certificate: str | None = None,
    ) -> Diagnosis:
        """Explain an answer already received: the checks, run once, beside what the
        server said. What they need is gathered first: the API's expectations, the
        issuer's JWKS (both reused within their max-age) and the client's name; for an
        opaque token, what the issuer says of it (RFC 7662 introspection)."""
        if isinstance(token, str):
            raw, token = token, parse(token)
        memo = {} if memo is None else memo
        if "expect" not in memo:
            memo["expect"] = await self.expectations(endpoint)
        expect = replace(memo["expect"])  # a copy: client_label is set per token below
        server = None
        if result.status is not None:
            exchange = result.exchange
            server = ServerAnswer.from_headers(
                result.status, exchange.response_headers, exchange.response_text
            )
            server.redirects = result.redirects
        if "jwks" not in memo:
            memo["jwks"] = None
            if expect.issuer:
                # An acceptance is judged against the issuer's keys as of now: the server
                # may cache a key revoked since, and so would a kept copy. A refusal is
                # explained with the copy the inspector already holds (within max-age).
                fresh = server is not None and server.accepted
                async with self._client() as client:
                    try:
                        memo["jwks"] = await self._documents.jwks(expect.issuer, client, fresh)
                    except ValueError:
                        pass
        jwks = memo["jwks"]
        if isinstance(token, DecodedToken) and expect.scope and expect.scope not in token.scopes:
            # The fix names the token's client as its dashboard does ("Gift Deliveries").
            expect.client_label = await self._admin.client_name(client_of(token))
        required = self._api.metadata.get("dpop_bound_access_tokens_required") is True
        facts = DpopFacts.of(result, self._tokens.own_jkt(), required)
        introspected = None
        if isinstance(token, NotAJwt) and raw and token.opaque:
            introspected = await self._status.introspected(raw)
        elif (
            isinstance(token, DecodedToken)
            and expect.validation == "introspection"
            and server is not None
            and server.refused_token
        ):
            # Only the issuer knows of a revocation: ask it, as the API did.
            introspected = await self._status.introspected(token.raw)
        diagnosis = run_checks(
            token,
            expect,
            jwks,
            server,
            dpop=facts,
            introspection=introspected,
            certificate=certificate or self.presented_certificate(),
        )
        if isinstance(token, DecodedToken):  # what the tenant says of a wrong organization
            await self._admin.annotate_organization(diagnosis, token, expect)
        profile = self._profile()
        if isinstance(token, NotAJwt) and not (profile.audience or profile.resource):
            refused = server is not None and server.refused_token
            if without_audience(diagnosis.checks, profile.name, token.opaque, refused):
                with_agreement(diagnosis)  # a check may have turned into the failure
        return diagnosis
