"""One user's working session: the active profile, its token, the API, and the history.

The TUI renders this and forwards intent to it; nothing here knows about Textual. The
state lives in small services, each changed only through its own methods:
- `tokens` (tokens.py): the token, its cache, the typed secret, the DPoP key and nonces;
- `history` (history.py): the append-only log of what was done;
- `documents` (documents.py): the JWKS and API metadata, reused within their max-age;
- `catalog` (api_catalog.py): the API's endpoints and metadata;
- `admin` (tenant_admin.py): the Management API, where a management profile exists;
- `status` (token_status.py): introspection and revocation, and the last answers;
- `explainer` (explainer.py): inspecting a token, diagnosing a refusal;
- `fixes` (fixes.py): the Why? panel's fixes, through the tenant;
- `exchanges` (exchanges.py): the token exchanged for another API (RFC 8693).
The front ends call the services for those; the session itself holds the profile and
the token, and makes the calls.
"""

from __future__ import annotations

import functools
import os
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from m2m_tui.api.client import ApiCall, ApiEndpoint, ApiResult, send
from m2m_tui.api.downstream_hop import Downstream, downstream_of
from m2m_tui.bundled_servers import port_advice, serve_tls_advice
from m2m_tui.config.file import Config
from m2m_tui.config.profile import Profile
from m2m_tui.config.profiles import select_profile, with_bundled_ca
from m2m_tui.lazy import lazy_module
from m2m_tui.oauth.client_cert import CertificateProblem, ClientCertificate, trusting
from m2m_tui.oauth.token_request import TokenOutcome
from m2m_tui.session.api_catalog import ApiCatalog
from m2m_tui.session.documents import Documents
from m2m_tui.session.exchanges import Exchanges
from m2m_tui.session.explainer import Explainer, Inspection
from m2m_tui.session.fixes import Fixes
from m2m_tui.session.history import History, HistoryEntry
from m2m_tui.session.tenant_admin import TenantAdmin
from m2m_tui.session.token_api import ApiScopes, api_scopes
from m2m_tui.session.token_status import TokenStatus
from m2m_tui.session.tokens import Tokens
from m2m_tui.tokens.decoded import DecodedToken

httpx = lazy_module("httpx")

__all__ = ["HistoryEntry", "Inspection", "Session"]


@functools.lru_cache(maxsize=4)
def _trust(cert_file: str | None, cert_dir: str | None):
    """The CAs a client trusts, loaded once per SSL_CERT_FILE/SSL_CERT_DIR rather than
    for every request: loading them is most of what making a client costs (about 50 ms
    against 5 ms for the request itself on a small machine)."""
    return httpx.create_ssl_context()


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
        self._profile = profile = with_bundled_ca(profile, state_dir)
        self._timeout_override = timeout  # --timeout, else the profile's
        self.history = History()
        self.documents = Documents(clock)
        self.catalog = ApiCatalog(self.documents)
        # The services read the profile and the timeout as they are now, not at the start.
        profile_now = lambda: self._profile  # noqa: E731
        seconds = lambda: self.timeout  # noqa: E731
        self.tokens = Tokens(state_dir, profile, self.history, self.client, seconds)
        # The Management API's requests are the management profile's, not this one's: they
        # never present this profile's client certificate.
        self.admin = TenantAdmin(
            config, profile_now, lambda: self.client(certificate=False), seconds, self.history
        )
        self.status = TokenStatus(profile_now, self.client, self.tokens)
        self.explainer = Explainer(
            profile_now,
            self.client,
            seconds,
            self.tokens,
            self.catalog,
            self.documents,
            self.admin,
            self.status,
            self.record_call,
            state_dir,
            lambda: self.config.profiles,
        )
        self.fixes = Fixes(profile_now, self.admin, self.get_token, self.name_organization)
        self.exchanges = Exchanges(
            config,
            state_dir,
            self.history,
            lambda: self.tokens.current,
            self.get_token,
            self.client_for,
            seconds,
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
        return self.catalog.endpoints

    @property
    def endpoints_source(self) -> str:
        return self.catalog.source

    @property
    def offered_scopes(self) -> list[str]:
        return self.catalog.offered_scopes

    @property
    def api_metadata(self) -> dict:
        return self.catalog.metadata

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
        self._profile = profile = with_bundled_ca(profile, self.state_dir)
        self.tokens.use(profile)
        self.catalog.clear()
        self.admin.forget()
        self.documents.forget()

    def client(self, certificate: bool | ClientCertificate = True) -> httpx.AsyncClient:
        """A client for every request of this profile; with its client certificate, when
        it names one (mutual TLS: the token endpoint and bound tokens' API calls) and
        `certificate` does not say otherwise (False: the Management API's requests; a
        ClientCertificate: the tamper lab's other certificate)."""
        return self.client_for(self.profile, certificate)

    def client_for(
        self, profile: Profile, certificate: bool | ClientCertificate = True
    ) -> httpx.AsyncClient:
        """`client`, for another profile's requests (an exchange's acting client)."""
        cert_file, cert_dir = os.environ.get("SSL_CERT_FILE"), os.environ.get("SSL_CERT_DIR")
        trust = _trust(cert_file, cert_dir)
        ca_file = profile.ca_file
        try:
            own = certificate if isinstance(certificate, ClientCertificate) else None
            if certificate is True:
                own = ClientCertificate.of(profile)
            if own is not None:
                trust = own.context(cert_file, cert_dir, ca_file)
            elif ca_file:
                trust = trusting(ca_file, cert_file, cert_dir)
        except CertificateProblem:
            pass  # the token request says what is wrong with it (Tokens.get)
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
        elif outcome.error == "network" and (tls := serve_tls_advice(self._profile, self.config)):
            outcome.hint = tls  # not "`m2m-tui serve`": that one is plain HTTP
        return outcome

    async def load_api(self) -> None:
        base = self._profile.api_base_url
        if not base:
            await self.catalog.load(None, None)
            return
        async with self.client() as client:
            await self.catalog.load(base, client)

    async def preview(self, secrets: dict[str, str] | None = None, mgmt=None):
        """The next token and the API's verdict on it (preview.next_token), through `mgmt` or
        the issuer's management profile. Raises ManagementUnavailable without one."""
        from m2m_tui.preview.next_token import preview

        if mgmt is None:
            async with self.client(certificate=False) as client:
                return await self.preview(secrets, await self.admin.management(client))
        p = self._profile
        return await preview(
            mgmt,
            p.issuer,
            p.client_id,
            p.audience or "",
            requested_scope=p.scope,
            organization=p.organization,
            endpoints=self.endpoints,
            metadata=self.api_metadata,
            secrets=secrets,
        )

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

    async def api_scopes(self, payload: dict) -> ApiScopes:
        """The API a token with these claims is for, and its scopes (the Inspector's)."""
        return await api_scopes(
            payload, self._profile, self.config, self.offered_scopes, self.client, self.admin
        )

    async def downstream(
        self, endpoint: ApiEndpoint, params: dict, result: ApiResult, **extra
    ) -> Downstream | None:
        """The downstream hop behind `result` (a `call`'s), fetched as the call was made:
        this token, its key, the user's own headers."""
        call = ApiCall(self._profile.api_base_url or "", endpoint, params, **extra)
        async with self.client() as client:
            key = self.bound_key(self.token)
            return await downstream_of(
                call, result, self.token, client, self.timeout, key, self.nonces
            )

    def record_call(self, kind: str, summary: str, result: ApiResult) -> ApiResult:
        status = str(result.status) if result.status is not None else "error"
        self.history.add(HistoryEntry(time.time(), kind, summary, status, result=result))
        return result

    def name_organization(self, organization: str | None) -> None:
        """Token requests name `organization` from now on; the profile is otherwise kept."""
        self._profile = replace(self._profile, organization=organization)
        self.tokens.profile = self._profile
