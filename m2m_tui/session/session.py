"""One user's working session: the active profile, its token, the API, and the history.

The TUI renders this and forwards intent to it; nothing here knows about Textual.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

from m2m_tui.api.client import (
    ApiCall,
    ApiEndpoint,
    ApiResult,
    load_endpoints,
    load_metadata,
    send,
    send_as,
)
from m2m_tui.api.worldmappers import ENDPOINTS as WORLD_MAPPERS
from m2m_tui.config.file import Config, Profile
from m2m_tui.config.profiles import resolve_secret, select_profile
from m2m_tui.diagnosis.dpop_checks import DpopFacts
from m2m_tui.diagnosis.token_checks import (
    Diagnosis,
    Expectations,
    ServerAnswer,
    client_of,
    diagnose,
)
from m2m_tui.lazy import lazy_module
from m2m_tui.oauth.dpop import DpopKey, DpopKeyError, NonceBook, load_or_create_key
from m2m_tui.oauth.token_cache import TokenCache
from m2m_tui.oauth.token_request import (
    OPAQUE_HINT,
    TokenOutcome,
    TokenRequest,
    request_token,
    resolve_token_endpoint,
)
from m2m_tui.tokens.decoded import DecodedToken, NotAJwt, decode
from m2m_tui.tokens.signature import SignatureCheck, check_signature, fetch_jwks

httpx = lazy_module("httpx")


@dataclass
class HistoryEntry:
    at: float
    kind: str  # "token", "call", "why" (a diagnosis's own call) or "lab" (a variant's)
    summary: str
    status: str
    outcome: TokenOutcome | None = None
    result: ApiResult | None = None


@dataclass
class Inspection:
    raw: str
    decoded: DecodedToken | None
    problem: str | None = None  # why it could not be decoded
    signature: SignatureCheck | None = None
    signature_note: str = ""


@dataclass
class Session:
    config: Config
    state_dir: Path
    profile: Profile
    cache: TokenCache = field(init=False)
    token: str | None = None
    token_outcome: TokenOutcome | None = None
    history: list[HistoryEntry] = field(default_factory=list)
    endpoints: list[ApiEndpoint] = field(default_factory=list)
    endpoints_source: str = ""
    offered_scopes: list[str] = field(default_factory=list)
    prompted_secret: str | None = None
    client_names: dict[str, str | None] = field(default_factory=dict)
    timeout_override: float | None = None  # --timeout, else the profile's
    api_metadata: dict = field(default_factory=dict)  # the API's RFC 9728 metadata

    def __post_init__(self) -> None:
        self.cache = TokenCache(self.state_dir)
        self.nonces = NonceBook()  # DPoP nonces, per server (RFC 9449 §8.2)
        self._dpop_key: DpopKey | None = None

    def dpop_key(self) -> DpopKey | None:
        """This profile's DPoP key when it uses DPoP (made on first use), else None."""
        if not self.profile.dpop:
            return None
        if self._dpop_key is None:
            p = self.profile
            self._dpop_key = load_or_create_key(self.state_dir, p.name, p.dpop_alg, p.dpop_key_file)
        return self._dpop_key

    def own_jkt(self) -> str | None:
        """The thumbprint of this profile's DPoP key, or None (no DPoP, or no usable key)."""
        try:
            key = self.dpop_key()
        except DpopKeyError:
            return None
        return key.jkt if key else None

    def bound_key(self, token: str | None) -> DpopKey | None:
        """The key to send `token` with as DPoP: this profile's, when the token is bound
        (cnf.jkt). A bound token without a key goes as Bearer, and the API says why."""
        try:
            bound = token and isinstance(decode(token).payload.get("cnf"), dict)
        except NotAJwt:
            bound = False
        if not bound:
            return None
        try:
            return self.dpop_key()
        except DpopKeyError:
            return None

    @property
    def timeout(self) -> float:
        return self.timeout_override or self.profile.timeout

    @timeout.setter
    def timeout(self, seconds: float) -> None:
        self.timeout_override = seconds

    @classmethod
    def open(cls, config: Config, state_dir: Path, profile_name: str | None = None) -> Session:
        return cls(config, state_dir, select_profile(config, profile_name))

    def switch(self, name: str) -> None:
        self.profile = select_profile(self.config, name)
        self.token = None
        self.token_outcome = None
        self.prompted_secret = None
        self.endpoints = []
        self.client_names = {}  # another profile may be another tenant
        self._dpop_key = None

    def client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(timeout=self.timeout, follow_redirects=False)

    def needs_prompt(self) -> bool:
        return self.profile.client_secret_prompt and not self.prompted_secret

    async def get_token(self, force: bool = False) -> TokenOutcome:
        """A cached token when one is still good (unless `force`), else a new one."""
        if not force:
            cached = self.cache.get(self.profile)
            if cached is not None:
                outcome = TokenOutcome(
                    None,
                    access_token=cached.access_token,
                    response=cached.response,
                    from_cache=True,
                    obtained_at=cached.obtained_at,
                )
                return self.record(outcome)
        async with self.client() as client:
            try:
                secret = resolve_secret(self.profile, self.prompted_secret)
                endpoint = await resolve_token_endpoint(self.profile, client)
                request = TokenRequest.for_profile(self.profile, secret, endpoint)
                key = self.dpop_key()
            except Exception as exc:  # missing secret, unreadable key, no discovery: say so
                return self.record(
                    TokenOutcome(
                        None,
                        error="configuration",
                        description=str(exc),
                        hint="Fix the profile in the config file.",
                    )
                )
            outcome = await request_token(request, client, self.timeout, key, self.nonces)
        if outcome.ok:
            self.cache.put(self.profile, outcome.access_token, outcome.response or {})
        return self.record(outcome)

    def record(self, outcome: TokenOutcome) -> TokenOutcome:
        if outcome.ok:
            self.token = outcome.access_token
        self.token_outcome = outcome
        status = (
            ("cached" if outcome.from_cache else str(outcome.exchange.status))
            if outcome.ok
            else (outcome.error or "error")
        )
        where = self.profile.audience or self.profile.resource or self.profile.scope or ""
        self.history.append(
            HistoryEntry(
                time.time(), "token", f"{self.profile.client_id} → {where}", status, outcome=outcome
            )
        )
        return outcome

    async def inspect(self, raw: str, verify: bool = True) -> Inspection:
        try:
            decoded = decode(raw)
        except NotAJwt as exc:
            problem = f"Not a JWT: {exc}."
            if "opaque" in str(exc):
                problem += " " + OPAQUE_HINT
            return Inspection(raw, None, problem)
        inspection = Inspection(raw, decoded)
        issuer = decoded.payload.get("iss")
        if not verify:
            return inspection
        if not isinstance(issuer, str) or not issuer.startswith(("http://", "https://")):
            inspection.signature_note = "signature: no usable iss, so no JWKS to check against"
            return inspection
        async with self.client() as client:
            try:
                jwks = await fetch_jwks(issuer, client)
            except ValueError as exc:
                inspection.signature_note = f"signature: not checked ({exc})"
                return inspection
        inspection.signature = check_signature(decoded, jwks)
        return inspection

    async def load_api(self) -> None:
        base = self.profile.api_base_url
        if not base:
            self.endpoints, self.endpoints_source = list(WORLD_MAPPERS), "built-in table"
        else:
            async with self.client() as client:
                # Side by side: an API that hangs costs one timeout, not two.
                (self.endpoints, self.endpoints_source), self.api_metadata = await asyncio.gather(
                    load_endpoints(base, client, WORLD_MAPPERS), load_metadata(base, client)
                )
        self.offered_scopes = sorted({e.scope for e in self.endpoints if e.scope})

    async def call(self, endpoint: ApiEndpoint, params: dict[str, str]) -> ApiResult:
        call = ApiCall(self.profile.api_base_url or "", endpoint, params)
        async with self.client() as client:
            key = self.bound_key(self.token)
            result = await send(call, self.token, client, self.timeout, key, self.nonces)
        return self.record_call("call", f"{endpoint.method} {endpoint.path}", result)

    def record_call(self, kind: str, summary: str, result: ApiResult) -> ApiResult:
        status = str(result.status) if result.status is not None else "error"
        self.history.append(HistoryEntry(time.time(), kind, summary, status, result=result))
        return result

    async def expectations(self, endpoint: ApiEndpoint | None) -> Expectations:
        """What the API expects: its RFC 9728 metadata first, then the profile."""
        issuer, audience, strict = self.profile.issuer, self.profile.audience, False
        base = self.profile.api_base_url
        if base:
            async with self.client() as client:
                # Fresh for each diagnosis (the API may have changed), and kept: the DPoP
                # checks and the predictions read the same document.
                self.api_metadata = meta = await load_metadata(base, client)
            servers = meta.get("authorization_servers")
            if isinstance(servers, list) and servers and isinstance(servers[0], str):
                issuer = servers[0]
            if isinstance(meta.get("audience"), str):
                audience = meta["audience"]
            strict = meta.get("rfc9068_required") is True
        return Expectations(
            issuer=issuer,
            audience=audience,
            scope=endpoint.scope if endpoint else None,
            require_at_jwt=strict,
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
        `memo` (the tamper lab's variants) fetch the API's metadata and the JWKS once.
        With `kind` ("why", or "lab" with the variant's label) the call goes into the
        history; probes that poll (the signing-key check) stay out of it."""
        call = ApiCall(self.profile.api_base_url or "", endpoint, params)
        async with self.client() as client:
            result = await send(
                call, raw.strip(), client, self.timeout, self.bound_key(raw.strip()), self.nonces
            )
        if kind is not None:
            summary = f"{label + ': ' if label else ''}{endpoint.method} {endpoint.path}"
            self.record_call(kind, summary, result)
        return await self.explain(raw, endpoint, result, memo), result

    async def diagnose_proof_variant(
        self, raw: str, endpoint: ApiEndpoint, params: dict[str, str], variant, memo: dict
    ) -> tuple[Diagnosis, ApiResult]:
        """A DPoP call broken as `variant` says (the tamper lab), and its diagnosis."""
        call = ApiCall(self.profile.api_base_url or "", endpoint, params)
        token = raw.strip()
        proof = variant.make(endpoint.method, call.url, token, self.nonces.get(call.url))
        async with self.client() as client:
            if variant.twice:  # the first use is legitimate; the second is the replay
                await send_as(call, token, variant.scheme, proof, client, self.timeout)
            result = await send_as(call, token, variant.scheme, proof, client, self.timeout)
        self.record_call("lab", f"{variant.name}: {endpoint.method} {endpoint.path}", result)
        return await self.explain(raw, endpoint, result, memo), result

    async def explain(
        self, raw: str, endpoint: ApiEndpoint, result: ApiResult, memo: dict | None = None
    ) -> Diagnosis:
        """Explain an answer already received: the checks beside what the server said."""
        memo = {} if memo is None else memo
        if "expect" not in memo:
            memo["expect"] = await self.expectations(endpoint)
        expect = replace(memo["expect"])  # a copy: client_label is set per token below
        if "jwks" not in memo:
            memo["jwks"] = None
            if expect.issuer:
                async with self.client() as client:
                    try:
                        memo["jwks"] = await fetch_jwks(expect.issuer, client)
                    except ValueError:
                        pass
        jwks = memo["jwks"]
        server = None
        if result.status is not None:
            exchange = result.exchange
            server = ServerAnswer.from_headers(
                result.status, exchange.response_headers, exchange.response_text
            )
        required = self.api_metadata.get("dpop_bound_access_tokens_required") is True
        facts = DpopFacts.of(result, self.own_jkt(), required)
        diagnosis = diagnose(raw, expect, jwks, server, dpop=facts)
        if "scope" in diagnosis.failed:
            # Name the token's client as its dashboard does ("Gift Deliveries").
            name = await self.client_name(client_of(decode(raw)))
            if name:
                expect.client_label = name
                diagnosis = diagnose(raw, expect, jwks, server, dpop=facts)
        return diagnosis

    async def client_name(self, client_id: str) -> str | None:
        """A client's display name through the Management API, asked once per client."""
        from m2m_tui.admin.management_api import ManagementUnavailable

        if client_id not in self.client_names:
            async with self.client() as client:
                try:
                    mgmt = await self.management(client)
                    self.client_names[client_id] = await mgmt.client_name(client_id)
                except (ManagementUnavailable, httpx.HTTPError):
                    return None  # not remembered: the tenant may be reachable next time
        return self.client_names[client_id]

    async def management(self, client: httpx.AsyncClient):
        """A Management API client for this profile's issuer. Raises ManagementUnavailable."""
        from m2m_tui.admin.management_api import (
            ManagementClient,
            ManagementUnavailable,
            management_profile,
        )

        admin = management_profile(self.config, self.profile.issuer)
        if admin is None:
            raise ManagementUnavailable(
                f"no management profile for {self.profile.issuer} (a profile whose audience "
                f"is {self.profile.issuer}api/v2/)"
            )
        try:
            secret = resolve_secret(admin)
        except Exception as exc:
            raise ManagementUnavailable(str(exc)) from None

        async def fetch() -> str:
            outcome = await request_token(
                TokenRequest.for_profile(admin, secret), client, self.timeout
            )
            if not outcome.ok:
                network = outcome.error in ("network", "timeout", "tls")
                raise ManagementUnavailable(
                    f"profile {admin.name} could not get a Management API token: "
                    f"{outcome.error}: {outcome.description}",
                    network=network,
                )
            return outcome.access_token

        return ManagementClient(admin.issuer, await fetch(), client, renew=fetch)

    async def grant_scope(self, scope: str) -> str:
        """The Why? panel's fix: grant `scope` to this profile's client, then a new token.
        Returns what was done, for the user."""
        from m2m_tui.admin.management_api import ManagementError

        audience = self.profile.audience or ""
        async with self.client() as client:
            mgmt = await self.management(client)
            if mgmt is None:
                return (
                    "No management profile for this issuer (one whose audience is "
                    f"{self.profile.issuer}api/v2/); grant the scope in the dashboard."
                )
            try:
                grant = await mgmt.add_scopes(self.profile.client_id, audience, [scope])
            except ManagementError as exc:
                return f"The Management API refused: {exc.message}"
        outcome = await self.get_token(force=True)
        now = " ".join(grant.get("scope", []))
        if not outcome.ok:
            return f"Granted; the grant is now {now}, but the new token failed: {outcome.error}"
        return f"Granted {scope}: the grant is now [{now}], and a new token was requested."
