"""The tenant side of an explanation: the client's name for a fix, whether the Why?
panel's fix can be applied here, where to make it by hand otherwise, and applying it
(a scope granted, an organization allowed) through the Management API, then a new
token."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from m2m_tui.oauth.token_request import TokenOutcome
from m2m_tui.session.tenant_admin import TenantAdmin


class Fixes:
    def __init__(
        self,
        profile: Callable,
        admin: TenantAdmin,
        get_token: Callable[..., Awaitable[TokenOutcome]],
        name_organization: Callable[[str | None], None],
    ) -> None:
        self._profile = profile
        self._admin = admin
        self._get_token = get_token
        self._name_organization = name_organization

    async def client_name(self, client_id: str) -> str | None:
        return await self._admin.client_name(client_id)

    def can_change_grants(self) -> bool:
        """Whether the Why? panel's fix can be applied here (a Management API profile)."""
        return self._admin.management_profile() is not None

    def grant_advice(self, scope: str) -> str:
        """Where to grant `scope` by hand, for this profile's provider."""
        from m2m_tui.admin.provider_fixes import grant_advice

        p = self._profile()
        return grant_advice(p.provider, p.client_id, scope, p.audience or p.resource or "")

    async def allow_organization(self, plan) -> str:
        """The Why? panel's organization fix: the grant allows it, tokens name it."""
        from m2m_tui.admin.management_api import ManagementError

        try:
            done = await self._admin.allow_organization(plan)
        except ManagementError as exc:
            return f"The Management API refused: {exc.message}"
        self._name_organization(plan.name)
        outcome = await self._get_token(force=True)
        if not outcome.ok:
            return f"{done}, but the new token failed: {outcome.error}: {outcome.description}"
        return (
            f"{done}. This session's tokens now name {plan.name} (to keep it, set "
            f'organization = "{plan.name}" in profile {self._profile().name}); a new token '
            "was requested."
        )

    async def grant_scope(self, scope: str) -> str:
        """The Why? panel's fix: grant `scope` to this profile's client, then a new token.
        Returns what was done, for the user."""
        from m2m_tui.admin.management_api import ManagementError

        p = self._profile()
        try:
            grant = await self._admin.add_scope(p.client_id, p.audience or "", scope)
        except ManagementError as exc:
            return f"The Management API refused: {exc.message}"
        outcome = await self._get_token(force=True)
        now = " ".join(grant.get("scope", []))
        if not outcome.ok:
            return f"Granted; the grant is now {now}, but the new token failed: {outcome.error}"
        return f"Granted {scope}: the grant is now [{now}], and a new token was requested."

    async def apply_request_fix(self, fix) -> str:
        """A refused token request's fix (token_request.report.Fix): the grant made or
        widened, the failing Action unbound, or a token exchange profile widened; then a
        new token (an exchange's: the user exchanges again, with the token it chose)."""
        from m2m_tui.diagnosis.token_request.report import FixKind

        p = self._profile()
        client = fix.client or p.client_id  # an exchange's acting client, else the profile's
        async with self._admin.managed() as mgmt:
            if fix.kind is FixKind.GRANT:
                await mgmt.create_grant(client, fix.target, list(fix.scopes))
                done = f"Authorized {client} for {fix.target}"
            elif fix.kind is FixKind.SCOPES:
                await mgmt.add_scopes(client, fix.target, list(fix.scopes))
                done = f"Granted {' '.join(fix.scopes)} on {fix.target}"
            elif fix.kind in (FixKind.PROFILE_AUDIENCE, FixKind.PROFILE_CLIENT):
                field = "audiences" if fix.kind is FixKind.PROFILE_AUDIENCE else "client_ids"
                await mgmt.widen_exchange_profile(fix.target, field, fix.value)
                return (
                    f"Added {fix.value} to token exchange profile {fix.name}'s {field}: "
                    "exchange again."
                )
            elif fix.kind is FixKind.REGISTER:
                done = await _register(mgmt, p, fix.target)
            else:
                action = await mgmt.find_action(fix.target)
                bound = [b["action"]["id"] for b in await mgmt.bindings()]
                if action is not None:
                    await mgmt.set_bindings([a for a in bound if a != action["id"]])
                done = f"Unbound Action {fix.target}"
        if fix.client:
            return f"{done}: exchange again."
        outcome = await self._get_token(force=True)
        if not outcome.ok:
            return f"{done}, but the new token failed: {outcome.error}: {outcome.description}"
        return f"{done}, and a new token was issued."


async def _register(mgmt, profile, what: str) -> str:
    """The profile's public key (private_key_jwt) or certificate (self-signed mTLS) as a
    credential of its client, beside those already registered for the method."""
    from pathlib import Path

    from oauth_primitives.rules.closed_sets import AuthMethod

    if what == "certificate":
        method = AuthMethod.SELF_SIGNED_TLS_CLIENT_AUTH
        pem = Path(profile.client_certificate).expanduser().read_text()
        body = {"credential_type": "x509_cert", "name": profile.name, "pem": pem}
    else:
        method = AuthMethod.PRIVATE_KEY_JWT
        pem, alg = _public_key(Path(profile.private_key_file).expanduser())
        body = {"credential_type": "public_key", "name": profile.name, "pem": pem, "alg": alg}
    client = profile.client_id
    made = await mgmt.request("POST", f"/clients/{client}/credentials", json=body)
    current = await mgmt.request("GET", f"/clients/{client}")
    methods = (current or {}).get("client_authentication_methods") or {}
    kept = [c for c in (methods.get(method) or {}).get("credentials") or [] if c.get("id")]
    ids = [{"id": c["id"]} for c in kept] + [{"id": made["id"]}]
    await mgmt.request(
        "PATCH",
        f"/clients/{client}",
        json={"client_authentication_methods": {method: {"credentials": ids}}},
    )
    return f"Registered this profile's {what} for {client} ({method})"


def _public_key(path) -> tuple[str, str]:
    """The public half of a private key file, and the algorithm m2m-tui signs with."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    alg = "RS256"
    if isinstance(key, ec.EllipticCurvePrivateKey):
        alg = {"secp384r1": "ES384", "secp521r1": "ES512"}.get(key.curve.name, "ES256")
    pem = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return pem.decode(), alg
