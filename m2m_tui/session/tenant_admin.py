"""The session's door to the tenant's Management API, when a management profile exists
for the issuer: client names for the diagnosis, and the Why? panel's fix."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from m2m_tui.config.profiles import resolve_secret
from m2m_tui.lazy import lazy_module
from m2m_tui.oauth.token_request import TokenRequest, request_token

if TYPE_CHECKING:
    from m2m_tui.config.file import Config
    from m2m_tui.config.profile import Profile
    from m2m_tui.session.history import History

httpx = lazy_module("httpx")


class TenantAdmin:
    def __init__(
        self,
        config: Config,
        profile: Callable[[], Profile],
        client: Callable[[], httpx.AsyncClient],
        timeout: Callable[[], float],
        history: History | None = None,
    ) -> None:
        self._history = history  # where the Management API changes made here are told
        self._config = config
        self._profile = profile
        self._client = client
        self._timeout = timeout
        self._names: dict[str, str | None] = {}

    def management_profile(self):
        """The profile that holds this issuer's Management API token, or None."""
        from m2m_tui.admin.management_api import management_profile

        return management_profile(self._config, self._profile().issuer)

    def why_unmanaged(self) -> str:
        """Why m2m-tui cannot change this issuer's grants (or organizations) itself, in
        one sentence."""
        from m2m_tui.admin.management_api import management_audience

        profile = self._profile()
        if profile.provider != "auth0":
            return (
                f"{profile.issuer} is a {profile.provider} provider: m2m-tui changes grants "
                "and organizations only through Auth0's Management API, so this is done in the "
                "provider's console"
            )
        return (
            f"no management profile for {profile.issuer}: add a profile whose audience is "
            f"{management_audience(profile.issuer)} (a client authorized for the Management "
            "API), and m2m-tui can change grants and organizations there"
        )

    def forget(self) -> None:
        """Another profile may be another tenant."""
        self._names = {}

    async def client_name(self, client_id: str) -> str | None:
        """A client's display name through the Management API, asked once per client."""
        from m2m_tui.admin.management_api import ManagementUnavailable

        if client_id not in self._names:
            async with self._client() as client:
                try:
                    mgmt = await self.management(client)
                    self._names[client_id] = await mgmt.client_name(client_id)
                except (ManagementUnavailable, httpx.HTTPError):
                    return None  # not remembered: the tenant may be reachable next time
        return self._names[client_id]

    async def management(self, client: httpx.AsyncClient):
        """A Management API client for this profile's issuer. Raises ManagementUnavailable."""
        from m2m_tui.admin.management_api import ManagementClient, ManagementUnavailable

        admin = self.management_profile()
        if admin is None:
            raise ManagementUnavailable(self.why_unmanaged())
        try:
            secret = resolve_secret(admin)
        except Exception as exc:
            raise ManagementUnavailable(str(exc)) from None

        async def fetch() -> str:
            outcome = await request_token(
                TokenRequest.for_profile(admin, secret), client, self._timeout()
            )
            if not outcome.ok:
                network = outcome.error in ("network", "timeout", "tls")
                raise ManagementUnavailable(
                    f"profile {admin.name} could not get a Management API token: "
                    f"{outcome.error}: {outcome.description}",
                    network=network,
                )
            return outcome.access_token

        return ManagementClient(
            admin.issuer, await fetch(), client, renew=fetch, on_change=self._record
        )

    def _record(self, exchange) -> None:
        """A change made through the Management API (the Grants screen, the Why? panel's
        fix, the grants and organizations commands), as a history entry of kind admin."""
        import json
        import time

        from m2m_tui.admin.change_words import describe
        from m2m_tui.api.client import ApiResult
        from m2m_tui.session.history import HistoryEntry

        if self._history is None:
            return
        path = exchange.url.split("/api/v2", 1)[-1]
        body = json.loads(exchange.request_content) if exchange.request_content else None
        status = str(exchange.status) if exchange.status is not None else "error"
        what = describe(exchange.method, path, body)
        self._history.add(
            HistoryEntry(time.time(), "admin", what, status, result=ApiResult(exchange))
        )

    # --- Organizations for M2M ------------------------------------------------------------
    async def annotate_organization(self, diagnosis, token, expect) -> None:
        """A failed organization check's fix gains what the tenant says of the token's
        client's grant, and the diagnosis the plan the Why? panel's f applies."""
        check = next((c for c in diagnosis.checks if c.name == "organization"), None)
        if check is None or check.ok is not False:
            return
        plan = await self.organization_plan(token, expect)
        if plan is not None:
            check.fix += " " + (plan if isinstance(plan, str) else plan.sentence())
            diagnosis.organization_plan = None if isinstance(plan, str) else plan

    async def organization_plan(self, token, expect):
        """For a failed organization check: what the token's client's grant says of the
        organization the API wants (an OrganizationPlan), or why that is not known (a
        sentence); None without a management profile, or when nothing says which."""
        from m2m_tui.admin.management_api import ManagementError, ManagementUnavailable
        from m2m_tui.admin.organization_fix import plan_for, wanted_organization
        from m2m_tui.diagnosis.claim_checks import client_of

        if self.management_profile() is None or not expect.audience:
            return None
        wanted = wanted_organization(expect.organizations, self._profile().organization)
        if wanted is None:
            return None
        async with self._client() as client:
            try:
                mgmt = await self.management(client)
                return await plan_for(mgmt, client_of(token), expect.audience, wanted)
            except (ManagementUnavailable, ManagementError, httpx.HTTPError) as exc:
                return f"The Management API could not be asked about {wanted}: {exc}."

    async def allow_organization(self, plan) -> str:
        """The Why? panel's organization fix: make the grant allow it. What was changed."""
        from m2m_tui.admin.organization_fix import apply_plan

        async with self._client() as client:
            return await apply_plan(await self.management(client), plan)

    def managed(self):
        """`async with admin.managed() as mgmt`: a Management API client for the while."""
        import contextlib

        @contextlib.asynccontextmanager
        async def opened():
            async with self._client() as client:
                yield await self.management(client)

        return opened()

    async def add_scope(self, client_id: str, audience: str, scope: str) -> dict:
        """The Why? panel's scope fix: `scope` granted to the client; the grant after."""
        async with self._client() as client:
            mgmt = await self.management(client)
            return await mgmt.add_scopes(client_id, audience, [scope])
