"""Auth0's fine-grained M2M token quotas at the token endpoint: which quotas a token
request falls under, the 429 when an enforced one is used up, and the quota headers.

Auth0's rules (docs: fine-grained M2M token quotas, "Quota evaluation and enforcement
rules"): the client's own `token_quota`, else the tenant's default for clients; when the
request names an organization, the organization's own, else the tenant's default for
organizations; every applicable quota is counted, and one with `enforce` refuses the
request once used up, with 429 `too_many_requests`, the used-up quota's header,
`X-RateLimit-*` and `Retry-After`. A quota without `enforce` never refuses; its header
still says what is left.

Where Auth0's docs are silent, chosen here:
- tokens for the tenant's own Management API are neither counted nor refused (Auth0
  leaves tokens for its own APIs out of the tenant's M2M token quota), so a quota can
  always be changed back with m2m-tui itself, whatever quota its management client has;
- when several quotas are used up, the answer names the one that resets last (its
  Retry-After is then the real wait), the client's on a tie;
- a request is refused before any Action runs; the token is counted when it is issued.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from oauth_primitives.rules.refused import Refused
from oauth_primitives.token_quota import (
    Bucket,
    QuotaEntity,
    QuotaLimit,
    header_value,
    reset_after,
    window_end,
)
from oauth_primitives.token_refusals import Refusal

from .authority import Authority
from .errors import OAuthError, refused_error
from .models import Client, Organization, TokenQuota

log = logging.getLogger("api_server.authority")
# Auth0 logs token_quota_consumption_warning at these shares of a quota.
WARN_AT = (60, 80, 100)


@dataclass(frozen=True)
class Applied:
    """One quota a token request falls under: whose, and its settings."""

    entity: QuotaEntity
    entity_id: str
    name: str  # for the log: the client's id, the organization's name
    quota: TokenQuota


def quotas_for(
    authority: Authority, client: Client, org: Organization | None, audience: str
) -> list[Applied]:
    if audience == authority.management_audience:
        return []  # the way back: see the module's docstring
    settings = authority.tenant.settings
    found = []
    quota = client.token_quota or settings.default_for("clients")
    if quota is not None and quota.limits:
        found.append(Applied(QuotaEntity.CLIENT, client.client_id, client.client_id, quota))
    if org is not None:
        quota = org.token_quota or settings.default_for("organizations")
        if quota is not None and quota.limits:
            found.append(Applied(QuotaEntity.ORGANIZATION, org.id, org.name, quota))
    return found


def _limits(authority: Authority, applied: Applied, now: float) -> list[QuotaLimit]:
    counter = authority.quotas
    return [
        QuotaLimit(
            bucket,
            quota,
            quota - counter.count(applied.entity, applied.entity_id, bucket, now),
            reset_after(bucket, now),
        )
        for bucket, quota in applied.quota.limits.items()
    ]


def over_quota(authority: Authority, quotas: list[Applied], now: float) -> OAuthError | None:
    """The 429 for an enforced quota that is used up, else None."""
    counter = authority.quotas
    used_up: list[tuple[Applied, Bucket]] = [
        (applied, bucket)
        for applied in quotas
        if applied.quota.enforce
        for bucket, quota in applied.quota.limits.items()
        if counter.count(applied.entity, applied.entity_id, bucket, now) >= quota
    ]
    if not used_up:
        return None
    # The one that resets last (a day's ends with or after the hour's), the first on a tie.
    applied, bucket = max(used_up, key=lambda pair: window_end(pair[1], now))
    code = (
        Refusal.CLIENT_QUOTA_EXCEEDED
        if applied.entity is QuotaEntity.CLIENT
        else Refusal.ORGANIZATION_QUOTA_EXCEEDED
    )
    headers = {
        applied.entity.header: header_value(_limits(authority, applied, now)),
        "X-RateLimit-Limit": str(applied.quota.limits[bucket]),
        "X-RateLimit-Remaining": "0",
        "X-RateLimit-Reset": str(window_end(bucket, now)),
        "Retry-After": str(reset_after(bucket, now)),
    }
    return refused_error(Refused(code, {"bucket": str(bucket)}), headers)


def spend(authority: Authority, quotas: list[Applied], now: float) -> dict[str, str]:
    """Count the token being issued; the quota headers for its answer."""
    headers = {}
    for applied in quotas:
        for bucket, quota in applied.quota.limits.items():
            after = authority.quotas.add(applied.entity, applied.entity_id, bucket, now)
            _warn(applied, bucket, quota, after)
        headers[applied.entity.header] = header_value(_limits(authority, applied, now))
    return headers


def _warn(applied: Applied, bucket: Bucket, quota: int, after: int) -> None:
    """Auth0's consumption warnings, as log lines: each share of the quota once a window
    (and every token past it, for a quota that is not enforced)."""
    for share in reversed(WARN_AT):  # the largest share this token reached
        if (after - 1) * 100 < share * quota <= after * 100 or (share == 100 and after > quota):
            log.warning(
                "token quota: %d%% of %s %s %s quota consumed (%d of %d)%s",
                share,
                applied.entity,
                applied.name,
                bucket,
                after,
                quota,
                "" if applied.quota.enforce else "; not enforced",
            )
            return
