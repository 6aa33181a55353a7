"""The diagnosis's organization check, where the Management API is at hand: whether the
client's grant lets it name the organization the API wants, and the change that would
(Auth0's Organizations for M2M: the grant's organization_usage, and the organization
associated with the grant unless it allows any)."""

from __future__ import annotations

from dataclasses import dataclass

from m2m_tui.admin.management_api import ManagementClient


@dataclass
class OrganizationPlan:
    client_id: str
    audience: str
    organization: dict  # the one to ask for: {"id": "org_…", "name": …}
    grant_id: str
    usage: str  # organization_usage: deny, allow or require
    allow_any: bool
    associated: bool

    @property
    def name(self) -> str:
        return self.organization["name"]

    @property
    def needs_usage(self) -> bool:
        """Its organization_usage (deny) refuses any organization."""
        return self.usage not in ("allow", "require")

    @property
    def needs_association(self) -> bool:
        """The organization may be named only once associated with the grant."""
        return not (self.allow_any or self.associated)

    @property
    def allowed(self) -> bool:
        """Whether a token request naming the organization would be granted now."""
        return not (self.needs_usage or self.needs_association)

    def changes(self) -> list[str]:
        """What the tenant needs before the grant allows the organization."""
        needed = []
        if self.needs_usage:
            needed.append(f"set the grant's organization_usage from {self.usage} to allow")
        if self.needs_association:
            needed.append(f"associate {self.name} with the grant")
        return needed

    def sentence(self) -> str:
        """What the Management API says, for the check's fix."""
        where = f"{self.client_id}'s grant on {self.audience}"
        if self.allowed:
            how = "any organization" if self.allow_any else f"{self.name} is associated"
            return (
                f"The Management API says {where} allows {self.name} (organization_usage "
                f"{self.usage}; {how}): request the token with organization={self.name}."
            )
        return (
            f"The Management API says {where} does not allow {self.name}: organization_usage "
            f"is {self.usage}, and {self.name} is "
            f"{'associated' if self.associated else 'not associated'} with it. To allow it: "
            f"{' and '.join(self.changes())}; then request the token with "
            f"organization={self.name}."
        )


def wanted_organization(served: tuple[str, ...], profile_organization: str | None) -> str | None:
    """The organization a fix should ask for: the profile's where the API serves it (or
    serves any), else the first the API serves. None where nothing says which. (The
    token's own is never it: the check failed because the API does not take it.)"""
    if not served:
        return profile_organization
    return profile_organization if profile_organization in served else served[0]


async def plan_for(
    mgmt: ManagementClient, client_id: str, audience: str, wanted: str
) -> OrganizationPlan | str:
    """The grant's view of `wanted` (an id or a name), or why there is none, in a sentence."""
    org = await mgmt.find_organization(wanted)
    if org is None:
        return (
            f"The Management API knows no organization {wanted}: create it (m2m-tui "
            f"organizations create {wanted}, or the Grants screen), then associate it."
        )
    grant = await mgmt.grant(client_id, audience)
    if grant is None:
        return f"The Management API says {client_id} has no grant on {audience} at all."
    associated = any(o["id"] == org["id"] for o in await mgmt.grant_organizations(grant["id"]))
    return OrganizationPlan(
        client_id,
        audience,
        org,
        grant["id"],
        grant.get("organization_usage") or "deny",
        bool(grant.get("allow_any_organization")),
        associated,
    )


async def apply_plan(mgmt: ManagementClient, plan: OrganizationPlan) -> str:
    """Make the grant allow the organization; what was changed, for the user."""
    done = []
    if plan.needs_usage:
        await mgmt.set_organization_usage(plan.grant_id, "allow")
        done.append("organization_usage is now allow")
        plan.usage = "allow"
    if plan.needs_association:
        await mgmt.associate(plan.organization["id"], plan.grant_id)
        done.append(f"{plan.name} is associated with {plan.client_id}'s grant")
        plan.associated = True
    return "; ".join(done) or f"{plan.client_id}'s grant already allowed {plan.name}"
