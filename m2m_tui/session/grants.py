"""What the Grants screen shows and changes, without the screen: APIs, clients, their
grants and the tenant's signing keys, through the Management API."""

from __future__ import annotations

from dataclasses import dataclass, field

from m2m_tui.admin.management_api import ManagementClient, ManagementError
from m2m_tui.admin.token_quotas import Applies, applies
from m2m_tui.config.profiles import resolve_secret
from m2m_tui.lazy import lazy_module
from m2m_tui.oauth.token_quota import QuotaReport
from m2m_tui.oauth.token_request import TokenOutcome, TokenRequest, request_token
from m2m_tui.session.session import Session
from m2m_tui.tokens.diff import scope_diff
from oauth_primitives.rules.closed_sets import AuthMethod, Dialect
from oauth_primitives.token_quota import QuotaEntity

httpx = lazy_module("httpx")


class NoClientCertificate(ValueError):
    """The profile names no client certificate to register: said, not a failure."""


class ChangedUnderneath(Exception):
    """The grant changed since it was loaded; nothing was written."""

    def __init__(self, before: list[str] | None, now: list[str] | None) -> None:
        super().__init__("the grant changed underneath")
        self.before = before
        self.now = now


@dataclass
class TestResult:
    outcome: TokenOutcome
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    previous: str | None = None


class GrantsModel:
    def __init__(self, session: Session) -> None:
        self.session = session
        self.http: httpx.AsyncClient | None = None
        self.mgmt: ManagementClient | None = None
        self.apis: list[dict] = []
        self.clients: list[dict] = []
        self.grants: list[dict] = []
        self.keys: list[dict] = []
        # The tenant's organizations (Organizations for M2M); None where the management
        # client may not read them (`organizations_unavailable` says why).
        self.organizations: list[dict] | None = None
        self.organizations_unavailable = ""
        self.secrets: dict[str, str] = {}  # clients created in this session: id → secret
        self.last_tokens: dict[tuple[str, str], str] = {}  # (client, audience) → token
        # The tenant's default token quotas ({} for none); None where the management
        # client may not read them (`defaults_unavailable` says why).
        self.default_quota: dict | None = {}
        self.defaults_unavailable = ""
        self.tested_quota: dict[str, QuotaReport] = {}  # client → its latest Test's headers
        # The tenant's token exchange profiles (RFC 8693's policy); None where the
        # management client may not read them (`exchange_unavailable` says why).
        self.exchange_profiles: list[dict] | None = []
        self.exchange_unavailable = ""

    async def connect(self, on_wait=None) -> None:
        """Raises ManagementUnavailable with a sentence for the user."""
        if self.mgmt is None:
            self.http = self.session.client(certificate=False)  # the management profile's
            try:
                self.mgmt = await self.session.admin.management(self.http)
            except BaseException:
                await self.http.aclose()
                self.http = None
                raise
            if on_wait is not None:
                self.mgmt.on_wait = on_wait

    async def close(self) -> None:
        if self.http is not None:
            await self.http.aclose()
        self.http = self.mgmt = None

    async def load(self) -> None:
        self.apis = [a for a in await self.mgmt.resource_servers() if not a.get("is_system")]
        self.clients = await self.mgmt.clients()
        self.grants = await self.mgmt.grants()
        await self.load_organizations()
        await self.load_default_quota()
        await self.load_exchange_profiles()

    async def load_exchange_profiles(self) -> None:
        try:
            self.exchange_profiles = await self.mgmt.token_exchange_profiles()
            self.exchange_unavailable = ""
        except ManagementError as exc:  # without read:token_exchange_profiles, or the feature
            self.exchange_profiles = None
            self.exchange_unavailable = exc.message

    async def load_default_quota(self) -> None:
        try:
            settings = await self.mgmt.tenant_settings()
            self.default_quota = settings.get("default_token_quota") or {}
            self.defaults_unavailable = ""
        except ManagementError as exc:  # a real tenant's client without read:tenant_settings
            self.default_quota = None
            self.defaults_unavailable = exc.message

    def quota_of(self, client_id: str) -> Applies:
        """The token quota that applies to the client: its own, else the tenant's default."""
        record = next((c for c in self.clients if c["client_id"] == client_id), {})
        return applies(record, self.default_quota, "clients")

    def quota_use(self, client_id: str) -> QuotaReport | None:
        """The client quota headers of the latest token response this session saw for
        the client (its token requests, and Test here), or None: how much of its quota
        is used is known only from them."""
        seen = [
            entry.outcome.quota
            for entry in self.session.history
            if entry.outcome is not None and entry.outcome.quota is not None
        ]
        if client_id in self.tested_quota:
            seen.append(self.tested_quota[client_id])
        mine = [r for r in seen if r.client_id == client_id and QuotaEntity.CLIENT in r.limits]
        return max(mine, key=lambda r: r.at) if mine else None

    async def load_organizations(self) -> None:
        try:
            self.organizations = await self.mgmt.organizations()
            self.organizations_unavailable = ""
        except ManagementError as exc:  # a real tenant's client without read:organizations
            self.organizations = None
            self.organizations_unavailable = exc.message

    async def load_keys(self) -> None:
        self.keys = await self.mgmt.signing_keys()

    def grant_for(self, client_id: str, audience: str) -> dict | None:
        return next(
            (g for g in self.grants if g["client_id"] == client_id and g["audience"] == audience),
            None,
        )

    # --- edits -------------------------------------------------------------------
    async def update(
        self, client_id: str, audience: str, scopes: list[str], loaded: list[str] | None
    ) -> dict:
        """Save `scopes`; first re-read the grant, and refuse if it changed since `loaded`."""
        current = await self.mgmt.grant(client_id, audience)
        now = current["scope"] if current else None
        if sorted(now or []) != sorted(loaded or []) or (current is None) != (loaded is None):
            await self.load()
            raise ChangedUnderneath(loaded, now)
        if current is None:
            grant = await self.mgmt.create_grant(client_id, audience, scopes)
        else:
            grant = await self.mgmt.set_grant_scope(current["id"], scopes)
        await self.load()
        return grant

    async def authorize(self, client_id: str, audience: str) -> dict:
        grant = await self.mgmt.create_grant(client_id, audience, [])
        await self.load()
        return grant

    async def deauthorize(self, client_id: str, audience: str) -> None:
        grant = await self.mgmt.grant(client_id, audience)
        if grant is not None:
            await self.mgmt.delete_grant(grant["id"])
        await self.load()

    async def add_api_scope(self, api: dict, value: str, description: str) -> None:
        fresh = await self.mgmt.request("GET", f"/resource-servers/{api['id']}")
        if any(s["value"] == value for s in fresh["scopes"]):
            raise ManagementError(409, f"{value} is already a scope of {api['identifier']}")
        scopes = [*fresh["scopes"], {"value": value, "description": description}]
        await self.mgmt.set_api_scopes(api["id"], scopes)
        await self.load()

    async def remove_api_scope(self, api: dict, value: str) -> None:
        fresh = await self.mgmt.request("GET", f"/resource-servers/{api['id']}")
        scopes = [s for s in fresh["scopes"] if s["value"] != value]
        await self.mgmt.set_api_scopes(api["id"], scopes)
        await self.load()

    async def toggle_mtls(self, api: dict) -> str:
        """Bind the API's tokens to the client certificate (RFC 8705, required), or stop
        binding them; returns the new mode."""
        fresh = await self.mgmt.request("GET", f"/resource-servers/{api['id']}")
        mode = "off" if dpop_mode(fresh, "mtls") == "required" else "required"
        await self.mgmt.set_proof_of_possession(api["id"], mode, "mtls")
        await self.load()
        return mode

    async def next_dialect(self, api: dict) -> str:
        """The API's token dialect moves to the next of Auth0's four (RBAC on for the
        *_authz ones, which need it); returns the new dialect."""
        from oauth_primitives.token_shape import DIALECTS

        fresh = await self.mgmt.request("GET", f"/resource-servers/{api['id']}")
        now = fresh.get("token_dialect") or Dialect.ACCESS_TOKEN
        dialect = (
            DIALECTS[(DIALECTS.index(now) + 1) % len(DIALECTS)] if now in DIALECTS else DIALECTS[0]
        )
        await self.mgmt.set_dialect(api["id"], dialect)
        await self.load()
        return dialect

    async def register_certificate(self, client_id: str) -> tuple[str, str]:
        """The session profile's client certificate, registered for `client_id` as Auth0
        takes it (a credential, then the client's authentication method): (the method,
        the certificate's thumbprint). NoClientCertificate when the profile names none."""
        from m2m_tui.oauth.client_cert import ClientCertificate

        own = ClientCertificate.of(self.session.profile)
        if own is None:
            raise NoClientCertificate(
                f"profile {self.session.profile.name} names no client_certificate: "
                "`m2m-tui certs create NAME` makes one, then set client_certificate and "
                "client_key in the profile"
            )
        if own.self_signed:
            method = AuthMethod.SELF_SIGNED_TLS_CLIENT_AUTH
            body = {"credential_type": "x509_cert", "pem": own.cert.read_text()}
        else:
            method = AuthMethod.TLS_CLIENT_AUTH
            body = {"credential_type": "cert_subject_dn", "subject_dn": own.subject_dn}
        made = await self.mgmt.request("POST", f"/clients/{client_id}/credentials", json=body)
        methods = {method: {"credentials": [{"id": made["id"]}]}}
        await self.mgmt.request(
            "PATCH", f"/clients/{client_id}", json={"client_authentication_methods": methods}
        )
        await self.load()
        return method, own.thumbprint

    async def toggle_dpop(self, api: dict) -> str:
        """Require DPoP for the API, or stop requiring it; returns the new mode."""
        fresh = await self.mgmt.request("GET", f"/resource-servers/{api['id']}")
        mode = "off" if dpop_mode(fresh) == "required" else "required"
        await self.mgmt.set_proof_of_possession(api["id"], mode)
        await self.load()
        return mode

    # --- token exchange profiles (RFC 8693's policy) ------------------------------------
    # Each change re-reads the profile right before its PATCH, so that an edit made
    # elsewhere meanwhile is kept (the PATCH replaces the whole list or map).
    async def set_exchange_member(
        self, profile_id: str, field: str, value: str, present: bool
    ) -> dict:
        """`value` in the profile's `field` (client_ids: this client may exchange through
        it; audiences: a token may be exchanged for that API), or not."""
        from m2m_tui.admin.exchange_profiles import with_member

        fresh = await self.mgmt.exchange_profile(profile_id)
        listed = with_member(fresh, field, value, present)
        changed = await self.mgmt.update_exchange_profile(profile_id, {field: listed})
        await self.load_exchange_profiles()
        return changed

    async def set_exchange_scope(self, profile_id: str, target: str, subjects: list[str]) -> dict:
        """The profile's scope_map with `target` mapped to `subjects` (none: unmapped)."""
        from m2m_tui.admin.exchange_profiles import with_mapping

        fresh = await self.mgmt.exchange_profile(profile_id)
        mapped = with_mapping(fresh, target, subjects)
        changed = await self.mgmt.update_exchange_profile(profile_id, {"scope_map": mapped})
        await self.load_exchange_profiles()
        return changed

    # --- organizations (Organizations for M2M) ------------------------------------------
    async def grant_organizations(self, grant_id: str) -> list[dict]:
        """The organizations this grant may name in a token request."""
        return await self.mgmt.grant_organizations(grant_id)

    async def set_organization_usage(
        self, grant_id: str, usage: str | None = None, allow_any: bool | None = None
    ) -> dict:
        grant = await self.mgmt.set_organization_usage(grant_id, usage, allow_any)
        await self.load()
        return grant

    async def set_associated(self, org_id: str, grant_id: str, associated: bool) -> None:
        if associated:
            await self.mgmt.associate(org_id, grant_id)
        else:
            await self.mgmt.dissociate(org_id, grant_id)

    async def create_organization(self, name: str, display_name: str = "") -> dict:
        org = await self.mgmt.create_organization(name, display_name)
        await self.load_organizations()
        return org

    async def create_client(self, name: str) -> dict:
        created = await self.mgmt.create_client(name)
        self.secrets[created["client_id"]] = created["client_secret"]
        await self.load()
        return created

    async def rotate_key(self) -> dict:
        result = await self.mgmt.rotate_key()
        await self.load_keys()
        return result

    async def revoke_key(self, kid: str) -> None:
        await self.mgmt.revoke_key(kid)
        await self.load_keys()

    # --- test: a new token for the client, and what changed -------------------------
    def credentials_for(self, client_id: str):
        """A profile for this client and issuer, or a secret learnt when it was created."""
        from m2m_tui.config.profiles import profiles_at

        for profile in profiles_at(self.session.config, self.session.profile.issuer):
            if profile.client_id == client_id:
                return profile, None
        if client_id in self.secrets:
            return None, self.secrets[client_id]
        return None, None

    async def test(self, client_id: str, audience: str) -> TestResult:
        from dataclasses import replace

        profile, secret = self.credentials_for(client_id)
        if profile is None and secret is None:
            raise ManagementError(
                0,
                f"no profile or known secret for client {client_id}: "
                "add a profile for it to test its tokens",
            )
        if profile is None:
            profile = replace(
                self.session.profile,
                name=client_id,
                client_id=client_id,
                client_secret=secret,
                client_secret_env=None,
                client_secret_prompt=False,
                auth_method=AuthMethod.CLIENT_SECRET_POST,
            )
        else:
            secret = resolve_secret(profile)
        profile = replace(profile, audience=audience, resource=None, scope=None)
        outcome = await request_token(TokenRequest.for_profile(profile, secret), self.http)
        if outcome.quota is not None:
            self.tested_quota[client_id] = outcome.quota
        result = TestResult(outcome)
        if outcome.ok:
            from m2m_tui.tokens.decoded import decode

            key = (client_id, audience)
            result.previous = self.last_tokens.get(key) or self._previous_from_history(
                client_id, audience
            )
            before = decode(result.previous).scopes if result.previous else []
            result.added, result.removed, result.kept = scope_diff(
                before, decode(outcome.access_token).scopes
            )
            self.last_tokens[key] = outcome.access_token
            # Cached, and the current token if it is the session's client and audience
            # (the API tab's predictions follow).
            self.session.tokens.adopt(profile, outcome)
        return result

    def _previous_from_history(self, client_id: str, audience: str) -> str | None:
        from m2m_tui.tokens.decoded import NotAJwt, decode
        from oauth_primitives.rules.access_token import client_of

        for entry in reversed(self.session.history):
            token = entry.outcome.access_token if entry.outcome else None
            if not token:
                continue
            try:
                claims = decode(token).payload
            except NotAJwt:
                continue
            if claims.get("aud") == audience and client_of(claims) == client_id:
                return token
        return None


def dpop_mode(api: dict, mechanism: str = "dpop") -> str:
    """ "required", "optional" or "off", from an API's proof_of_possession, for
    `mechanism` ("dpop", or "mtls" for certificate-bound tokens)."""
    pop = api.get("proof_of_possession") or {}
    if pop.get("mechanism") != mechanism:
        return "off"
    return "required" if pop.get("required") else "optional"
