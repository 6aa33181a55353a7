"""One user's working session: the active profile, its token, the API, and the history.

The TUI renders this and forwards intent to it; nothing here knows about Textual. The
state lives in small services, each changed only through its own methods:
- `tokens` (tokens.py): the token, its cache, the typed secret, the DPoP key and nonces;
- `history` (history.py): the append-only log of what was done;
- `documents` (documents.py): the JWKS and API metadata, reused within their max-age;
- `api` (api_catalog.py): the API's endpoints and metadata;
- `admin` (tenant_admin.py): the Management API, where a management profile exists.
"""

from __future__ import annotations

import functools
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from m2m_tui.api.client import ApiCall, ApiEndpoint, ApiResult, send, send_as
from m2m_tui.bundled_servers import port_advice
from m2m_tui.config.file import Config, Profile
from m2m_tui.config.profiles import select_profile
from m2m_tui.diagnosis.claim_checks import client_of
from m2m_tui.diagnosis.dpop_checks import DpopFacts
from m2m_tui.diagnosis.token_checks import (
    Diagnosis,
    Expectations,
    Introspected,
    ServerAnswer,
    run_checks,
)
from m2m_tui.lazy import lazy_module
from m2m_tui.oauth.token_request import TokenOutcome, opaque_hint
from m2m_tui.session.api_catalog import ApiCatalog
from m2m_tui.session.documents import Documents
from m2m_tui.session.history import History, HistoryEntry
from m2m_tui.session.tenant_admin import TenantAdmin
from m2m_tui.session.tokens import Tokens
from m2m_tui.tokens.decoded import DecodedToken, NotAJwt, decode
from m2m_tui.tokens.signature import SignatureCheck, check_signature

httpx = lazy_module("httpx")

__all__ = ["HistoryEntry", "Inspection", "Session"]


@dataclass
class Inspection:
    raw: str
    decoded: DecodedToken | None
    problem: str | None = None  # why it could not be decoded
    signature: SignatureCheck | None = None
    signature_note: str = ""
    # An opaque token: what its issuer says of it (RFC 7662), or why it could not say.
    introspected: dict | None = None


@functools.lru_cache(maxsize=4)
def _trust(cert_file: str | None, cert_dir: str | None):
    """The CAs a client trusts, loaded once per SSL_CERT_FILE/SSL_CERT_DIR rather than
    for every request: loading them is most of what making a client costs (about 50 ms
    against 5 ms for the request itself on a small machine)."""
    return httpx.create_ssl_context()


def parse(raw: str) -> DecodedToken | NotAJwt:
    """A token parsed once: the value every check reads, or why it is not a JWT."""
    try:
        return decode(raw)
    except NotAJwt as exc:
        return exc


class Session:
    def __init__(
        self,
        config: Config,
        state_dir: Path,
        profile: Profile,
        timeout: float | None = None,
        clock: Callable[[], float] = time.monotonic,  # how long documents are kept
    ) -> None:
        self.config = config
        self.state_dir = state_dir
        self._profile = profile
        self._timeout_override = timeout  # --timeout, else the profile's
        self.history = History()
        self.documents = Documents(clock)
        self._introspections: dict[str, dict] = {}  # opaque token -> its last answer
        self.api = ApiCatalog(self.documents)
        self.tokens = Tokens(state_dir, profile, self.history, self.client, lambda: self.timeout)
        self.admin = TenantAdmin(
            config, lambda: self._profile, self.client, lambda: self.timeout, self.history
        )

    @classmethod
    def open(
        cls, config: Config, state_dir: Path, profile_name: str | None = None, **options
    ) -> Session:
        return cls(config, state_dir, select_profile(config, profile_name), **options)

    # --- what the front ends read ------------------------------------------------------
    @property
    def profile(self) -> Profile:
        return self._profile

    @property
    def token(self) -> str | None:
        return self.tokens.current

    @property
    def token_outcome(self) -> TokenOutcome | None:
        return self.tokens.outcome

    @property
    def cache(self):
        return self.tokens.cache

    @property
    def nonces(self):
        return self.tokens.nonces

    @property
    def endpoints(self) -> list[ApiEndpoint]:
        return self.api.endpoints

    @property
    def endpoints_source(self) -> str:
        return self.api.source

    @property
    def offered_scopes(self) -> list[str]:
        return self.api.offered_scopes

    @property
    def api_metadata(self) -> dict:
        return self.api.metadata

    @property
    def timeout(self) -> float:
        return self._timeout_override or self._profile.timeout

    @timeout.setter
    def timeout(self, seconds: float) -> None:
        self._timeout_override = seconds

    # --- intents -------------------------------------------------------------------------
    def switch(self, name: str) -> None:
        self.use(select_profile(self.config, name))

    def use(self, profile: Profile) -> None:
        """Work with `profile` from now on (one of the config's, or one made in code):
        nothing of the last profile's token, key, API or tenant carries over."""
        self._profile = profile
        self.tokens.use(profile)
        self.api.clear()
        self.admin.forget()
        self.documents.forget()

    def client(self) -> httpx.AsyncClient:
        trust = _trust(os.environ.get("SSL_CERT_FILE"), os.environ.get("SSL_CERT_DIR"))
        return httpx.AsyncClient(timeout=self.timeout, follow_redirects=False, verify=trust)

    def needs_prompt(self) -> bool:
        return self.tokens.needs_prompt()

    def dpop_key(self):
        return self.tokens.dpop_key()

    def own_jkt(self) -> str | None:
        return self.tokens.own_jkt()

    def bound_key(self, token: DecodedToken | str | None):
        return self.tokens.bound_key(token)

    async def get_token(self, force: bool = False) -> TokenOutcome:
        outcome = await self.tokens.get(force)
        if outcome.error == "network" and (advice := port_advice(self._profile, self.config)):
            outcome.hint = f"{outcome.hint} {advice}"  # a loopback issuer [server] moved from
        return outcome

    async def inspect(self, raw: str, verify: bool = True) -> Inspection:
        token = parse(raw)
        if isinstance(token, NotAJwt):
            if not token.opaque:
                return Inspection(raw, None, f"Not a JWT: {token}.")
            said = await self.introspected(raw.strip())
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
        async with self.client() as client:
            try:
                jwks = await self.documents.jwks(issuer, client)
            except ValueError as exc:
                inspection.signature_note = f"signature: not checked ({exc})"
                return inspection
        inspection.signature = check_signature(token, jwks)
        return inspection

    async def load_api(self) -> None:
        base = self._profile.api_base_url
        if not base:
            await self.api.load(None, None)
            return
        async with self.client() as client:
            await self.api.load(base, client)

    async def call(self, endpoint: ApiEndpoint, params: dict[str, str], **extra) -> ApiResult:
        return await self.call_at(self._profile.api_base_url or "", "", endpoint, params, **extra)

    async def call_at(
        self, base_url: str, label: str, endpoint: ApiEndpoint, params: dict, **extra
    ) -> ApiResult:
        """The call with this token at `base_url`: the profile's API, or another (the
        demo's introspecting one), which `label` names in the history."""
        call = ApiCall(base_url, endpoint, params, **extra)  # extra: headers, body
        async with self.client() as client:
            key = self.bound_key(self.token)
            result = await send(call, self.token, client, self.timeout, key, self.nonces)
        summary = f"{label + ': ' if label else ''}{endpoint.method} {endpoint.path}"
        return self.record_call("call", summary, result)

    def record_call(self, kind: str, summary: str, result: ApiResult) -> ApiResult:
        status = str(result.status) if result.status is not None else "error"
        self.history.add(HistoryEntry(time.time(), kind, summary, status, result=result))
        return result

    # --- explaining refusals ---------------------------------------------------------------
    async def expectations(self, endpoint: ApiEndpoint | None) -> Expectations:
        """What the API expects: its RFC 9728 metadata first, then the profile. Without
        metadata, the audience the profile asks for is the one the API expects:
        `audience`, else RFC 8707's `resource`."""
        meta: dict = {}
        if base := self._profile.api_base_url:
            async with self.client() as client:
                meta = await self.api.current_metadata(base, client)
        return Expectations.from_metadata(
            meta,
            self._profile.issuer,
            self._profile.audience or self._profile.resource,
            endpoint.scope if endpoint else None,
        )

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
        token = parse(raw)
        call = ApiCall(self._profile.api_base_url or "", endpoint, params)
        async with self.client() as client:
            key = self.bound_key(token if isinstance(token, DecodedToken) else None)
            result = await send(call, raw.strip(), client, self.timeout, key, self.nonces)
        if kind is not None:
            summary = f"{label + ': ' if label else ''}{endpoint.method} {endpoint.path}"
            self.record_call(kind, summary, result)
        return await self.explain(token, endpoint, result, memo, raw=raw), result

    async def diagnose_proof_variant(
        self, raw: str, endpoint: ApiEndpoint, params: dict[str, str], variant, memo: dict
    ) -> tuple[Diagnosis, ApiResult]:
        """A DPoP call broken as `variant` says (the tamper lab), and its diagnosis."""
        call = ApiCall(self._profile.api_base_url or "", endpoint, params)
        token = raw.strip()
        proof = variant.make(endpoint.method, call.url, token, self.nonces.get(call.url))
        async with self.client() as client:
            if variant.twice:  # the first use is legitimate; the second is the replay
                await send_as(call, token, variant.scheme, proof, client, self.timeout)
            result = await send_as(call, token, variant.scheme, proof, client, self.timeout)
        self.record_call("lab", f"{variant.name}: {endpoint.method} {endpoint.path}", result)
        return await self.explain(raw, endpoint, result, memo), result

    async def explain(
        self,
        token: DecodedToken | NotAJwt | str,
        endpoint: ApiEndpoint,
        result: ApiResult,
        memo: dict | None = None,
        raw: str | None = None,
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
        if "jwks" not in memo:
            memo["jwks"] = None
            if expect.issuer:
                # An acceptance is judged against the issuer's keys as of now: the server
                # may cache a key revoked since, and so would a kept copy. A refusal is
                # explained with the copy the inspector already holds (within max-age).
                fresh = server is not None and server.accepted
                async with self.client() as client:
                    try:
                        memo["jwks"] = await self.documents.jwks(expect.issuer, client, fresh)
                    except ValueError:
                        pass
        jwks = memo["jwks"]
        if isinstance(token, DecodedToken) and expect.scope and expect.scope not in token.scopes:
            # The fix names the token's client as its dashboard does ("Gift Deliveries").
            expect.client_label = await self.admin.client_name(client_of(token))
        required = self.api.metadata.get("dpop_bound_access_tokens_required") is True
        facts = DpopFacts.of(result, self.own_jkt(), required)
        introspected = None
        if isinstance(token, NotAJwt) and raw and token.opaque:
            introspected = await self.introspected(raw.strip())
        elif (
            isinstance(token, DecodedToken)
            and expect.validation == "introspection"
            and server is not None
            and server.refused_token
        ):
            # Only the issuer knows of a revocation: ask it, as the API did.
            introspected = await self.introspected(token.raw)
        diagnosis = run_checks(token, expect, jwks, server, dpop=facts, introspection=introspected)
        if isinstance(token, DecodedToken):  # what the tenant says of a wrong organization
            await self.admin.annotate_organization(diagnosis, token, expect)
        return diagnosis

    async def introspected(self, raw: str) -> Introspected:
        """What the issuer says of an opaque token, or why it could not be asked. The
        last answers are kept, so the predictions can read the token's scope."""
        answer = await self.introspect(raw)
        said = Introspected(raw, answer.body if answer.ok else None, answer.description)
        if said.body is not None:
            self._introspections[raw] = said.body
            while len(self._introspections) > 8:
                del self._introspections[next(iter(self._introspections))]
        return said

    def claims_of(self, raw: str | None) -> DecodedToken | None:
        """What is known of a token's claims without asking anyone: a JWT's payload, or
        for an opaque token its last introspection response (None when there is none,
        or it said the token is not active)."""
        if not raw:
            return None
        token = parse(raw)
        if isinstance(token, DecodedToken):
            return token
        said = self._introspections.get(raw.strip())
        if said is None or said.get("active") is not True:
            return None
        return DecodedToken(raw=raw.strip(), header={}, payload=said, signature=b"")

    async def introspect(self, token: str, endpoint: str | None = None):
        """RFC 7662: what the profile's authorization server says of `token`."""
        from m2m_tui.oauth.token_status import introspect

        return await self._token_status(introspect, token, endpoint)

    async def revoke(self, token: str, endpoint: str | None = None):
        """RFC 7009: revoke `token` with the profile's client authentication, and drop it
        from the cache when it is the cached one. (the answer, whether it was dropped)"""
        from m2m_tui.oauth.token_status import revoke

        answer = await self._token_status(revoke, token, endpoint)
        cached = self.cache.peek(self._profile) if answer.ok else None
        dropped = cached is not None and cached.access_token == token
        if dropped:
            self.cache.forget(self._profile)
        return answer, dropped

    async def _token_status(self, ask, token: str, endpoint: str | None):
        from m2m_tui.config.profiles import resolve_secret
        from m2m_tui.oauth.token_status import StatusAnswer

        try:
            secret = resolve_secret(self._profile, self.tokens.prompted_secret)
        except Exception as exc:  # a missing secret or key: the profile's to fix
            return StatusAnswer(error="configuration", description=str(exc))
        async with self.client() as client:
            return await ask(self._profile, secret, token, client, endpoint)

    async def revoke_token(self) -> tuple[bool, str]:
        """The TUI's `v`: revoke the current token; it stays in hand, so the user can
        watch an API accept or refuse it. (ok, what happened, for the user)"""
        token = self.token
        if not token:
            return False, "No token to revoke: press t for one first."
        answer, _ = await self.revoke(token)
        if not answer.ok:
            return False, f"Not revoked: {answer.description}"
        return True, (
            f"Revoked at {answer.endpoint} (RFC 7009) and dropped from the cache. An API that "
            "introspects refuses it from now on; one that validates the JWT itself (the "
            "bundled API, by default) accepts it until it expires. t gets a new one."
        )

    # --- the tenant ------------------------------------------------------------------------
    async def client_name(self, client_id: str) -> str | None:
        return await self.admin.client_name(client_id)

    def can_change_grants(self) -> bool:
        """Whether the Why? panel's fix can be applied here (a Management API profile)."""
        return self.admin.management_profile() is not None

    def grant_advice(self, scope: str) -> str:
        """Where to grant `scope` by hand, for this profile's provider."""
        from m2m_tui.admin.provider_fixes import grant_advice

        p = self._profile
        return grant_advice(p.provider, p.client_id, scope, p.audience or p.resource or "")

    def name_organization(self, organization: str | None) -> None:
        """Token requests name `organization` from now on; the profile is otherwise kept."""
        self._profile = replace(self._profile, organization=organization)
        self.tokens.profile = self._profile

    async def allow_organization(self, plan) -> str:
        """The Why? panel's organization fix: the grant allows it, tokens name it."""
        from m2m_tui.admin.management_api import ManagementError

        try:
            done = await self.admin.allow_organization(plan)
        except ManagementError as exc:
            return f"The Management API refused: {exc.message}"
        self.name_organization(plan.name)
        outcome = await self.get_token(force=True)
        if not outcome.ok:
            return f"{done}, but the new token failed: {outcome.error}: {outcome.description}"
        return (
            f"{done}. This session's tokens now name {plan.name} (to keep it, set "
            f'organization = "{plan.name}" in profile {self._profile.name}); a new token '
            "was requested."
        )

    async def grant_scope(self, scope: str) -> str:
        """The Why? panel's fix: grant `scope` to this profile's client, then a new token.
        Returns what was done, for the user."""
        from m2m_tui.admin.management_api import ManagementError

        p = self._profile
        try:
            grant = await self.admin.add_scope(p.client_id, p.audience or "", scope)
        except ManagementError as exc:
            return f"The Management API refused: {exc.message}"
        outcome = await self.get_token(force=True)
        now = " ".join(grant.get("scope", []))
        if not outcome.ok:
            return f"Granted; the grant is now {now}, but the new token failed: {outcome.error}"
        return f"Granted {scope}: the grant is now [{now}], and a new token was requested."
