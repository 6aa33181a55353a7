"""What a token endpoint's quota headers say (Auth0's fine-grained M2M token quotas):
read once from an answer (`read_quota`), the quota a refusal used up (`used_up`), and
the next step after one (`quota_hint`), from the headers and the refusal code, never
from the description's words.

Auth0 sends `Auth0-Client-Quota-Limit` and `Auth0-Organization-Quota-Limit` on the
answers the quotas apply to, successes and 429s alike; a 429 for a quota carries only
the used-up quota's header, with that bucket's `r` at 0, and `Retry-After`. The
brute-force throttle's 429 (`too_many_attempts`) carries neither."""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field

from m2m_tui.tokens.decoded import relative
from oauth_primitives.token_quota import QuotaEntity, QuotaLimit, parse_header
from oauth_primitives.token_refusals import Refusal


@dataclass(frozen=True)
class QuotaReport:
    """The quota headers of one token endpoint answer, and whose request it was."""

    client_id: str
    organization: str | None  # as the request named it (id or name), or None
    at: float  # when the answer came
    limits: dict[QuotaEntity, tuple[QuotaLimit, ...]] = field(default_factory=dict)
    retry_after: int | None = None

    def left(self, entity: QuotaEntity, now: float | None = None) -> list[str]:
        """Each bucket of `entity` in words, as of `now`: "3 of 5 used this hour, resets
        in 41 m", "3 of 50 used today, …" (or "the hour has reset since" once it has)."""
        now = time.time() if now is None else now
        lines = []
        for limit in self.limits.get(entity, ()):
            window = limit.bucket.window
            later = limit.reset_after - (now - self.at)
            when = f"resets in {relative(later)}" if later > 0 else f"the {window} has reset since"
            this = "today" if window == "day" else f"this {window}"
            lines.append(f"{limit.used} of {limit.quota} used {this}, {when}")
        return lines


def read_quota(
    headers: Mapping[str, str],
    client_id: str,
    organization: str | None = None,
    at: float | None = None,
) -> QuotaReport | None:
    """The answer's quota headers, or None when it has none (`headers`: any mapping with
    case-insensitive names, as httpx's; or lowercase names)."""
    limits = {}
    for entity in QuotaEntity:
        value = headers.get(entity.header) or headers.get(entity.header.lower())
        if found := parse_header(value):
            limits[entity] = found
    if not limits:
        return None
    wait = str(headers.get("retry-after") or headers.get("Retry-After") or "")
    return QuotaReport(
        client_id,
        organization,
        time.time() if at is None else at,
        limits,
        int(wait) if wait.isdigit() else None,
    )


@dataclass(frozen=True)
class UsedUp:
    """The quota that refused: whose, which bucket, and the seconds until it resets."""

    entity: QuotaEntity
    limit: QuotaLimit
    wait: int


def used_up(report: QuotaReport | None, rule: Refusal | None = None) -> UsedUp | None:
    """The used-up quota behind a 429: the one the bundled authority's code names, else
    (Auth0 sends no code) the used-up bucket the headers show; the one that resets last
    when several are. None when no header shows one used up (the throttle's 429)."""
    if report is None:
        return None
    entities = {
        Refusal.CLIENT_QUOTA_EXCEEDED: (QuotaEntity.CLIENT,),
        Refusal.ORGANIZATION_QUOTA_EXCEEDED: (QuotaEntity.ORGANIZATION,),
    }.get(rule, tuple(QuotaEntity))
    spent = [
        (entity, limit)
        for entity in entities
        for limit in report.limits.get(entity, ())
        if limit.exhausted
    ]
    if not spent:
        return None
    entity, limit = max(spent, key=lambda pair: pair[1].reset_after)
    return UsedUp(entity, limit, report.retry_after or limit.reset_after)


def quota_hint(report: QuotaReport | None, rule: Refusal | None = None) -> str | None:
    """Which quota refused, when it resets, and that the fix is reusing tokens; None
    when the answer shows no quota used up."""
    spent = used_up(report, rule)
    if spent is None:
        return None
    limit, window = spent.limit, spent.limit.bucket.window
    tokens = f"{limit.quota} token{'s' if limit.quota != 1 else ''} per {window}"
    reset = time.strftime("%H:%M UTC", time.gmtime(report.at + spent.wait))
    if spent.entity is QuotaEntity.CLIENT:
        who = f"client {report.client_id}" if report.client_id else "this client"
        whose = f"{who} may get {tokens}"
        target = report.client_id or "CLIENT"
    else:
        named = report.organization or "ORG"
        whose = f"organization {named} may get {tokens}, from every client that names it"
        target = f"--org {named}"
    return (
        f"{spent.entity.capitalize()} quota used up: {whose}, and this {window}'s are all "
        f"issued ({spent.entity.header}: {limit.bucket} r=0). It resets in "
        f"{relative(spent.wait)}, at {reset}. The fix is to reuse tokens, not new "
        "credentials (the quota counts tokens, whatever secret or key asks for them): cache "
        "each token until it expires, as `m2m-tui token` and the app do (not --no-cache). "
        f"To change the quota: `m2m-tui quota set {target} --per-{window} N`; "
        f"`m2m-tui quota show {target}` says whether it is its own or the tenant's default."
    )
