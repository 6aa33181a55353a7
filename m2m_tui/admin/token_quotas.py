"""Token quotas as the Management API keeps them (Auth0's fine-grained M2M token
quotas): which applies to a client or an organization (its own `token_quota`, else the
tenant's `default_token_quota`), a change to one, and each in words. The CLI's `quota`
command and the Grants screen say them the same way."""

from __future__ import annotations

from dataclasses import dataclass

# `default_token_quota`'s two halves, and what each covers.
KINDS = ("clients", "organizations")
BUCKETS = ("per_hour", "per_day")


@dataclass(frozen=True)
class Applies:
    """The quota that applies to one client or organization, and where it is set."""

    settings: dict | None  # `client_credentials`: enforce, per_hour, per_day; None: none
    own: bool  # its own `token_quota`, not the tenant's default
    kind: str  # "clients" or "organizations": which default would apply
    default_known: bool = True  # False: the tenant's settings could not be read

    def source(self) -> str:
        if self.own:
            return "its own"
        if self.settings is not None:
            return f"the tenant's default for {self.kind}"
        if not self.default_known:
            return f"none of its own; the tenant's default for {self.kind} could not be read"
        return f"none of its own, no tenant default for {self.kind}"

    def sentence(self) -> str:
        """ "5 per hour, 50 per day, enforced (its own)"."""
        return f"{describe(self.settings)} ({self.source()})"


def settings_of(quota: dict | None) -> dict | None:
    """`client_credentials` of a `token_quota` (or of one half of the default)."""
    if not isinstance(quota, dict):
        return None
    settings = quota.get("client_credentials")
    return settings if isinstance(settings, dict) else None


def applies(record: dict, defaults: dict | None, kind: str) -> Applies:
    """For a client (`kind` "clients") or an organization ("organizations") as the
    Management API shows it; `defaults`: the tenant's `default_token_quota` ({} for
    none), or None when it could not be read."""
    own = settings_of(record.get("token_quota"))
    if own is not None:
        return Applies(own, True, kind)
    fallback = settings_of((defaults or {}).get(kind))
    return Applies(fallback, False, kind, defaults is not None)


def describe(settings: dict | None) -> str:
    if not settings:
        return "no token quota"
    limits = [f"{settings[b]} per {b.removeprefix('per_')}" for b in BUCKETS if b in settings]
    enforced = (
        "enforced" if settings.get("enforce", True) else "not enforced: counted, never refused"
    )
    return ", ".join([*limits, enforced]) if limits else f"no limits set ({enforced})"


def changed(current: dict | None, per_hour, per_day, enforce: bool | None) -> dict:
    """A `token_quota` from the current settings and a change: a number sets a bucket,
    "off" drops it, None leaves it. Raises ValueError when no bucket would be left."""
    settings = dict(current or {})
    for bucket, value in (("per_hour", per_hour), ("per_day", per_day)):
        if value == "off":
            settings.pop(bucket, None)
        elif value is not None:
            settings[bucket] = value
    if enforce is not None:
        settings["enforce"] = enforce
    settings.setdefault("enforce", True)
    if not any(b in settings for b in BUCKETS):
        raise ValueError("a quota needs --per-hour or --per-day (or `quota remove`)")
    return {"client_credentials": settings}


def meaning(settings: dict) -> str:
    """What a quota does to token requests, in one sentence."""
    limits = [f"{settings[b]} per UTC {b.removeprefix('per_')}" for b in BUCKETS if b in settings]
    if settings.get("enforce", True):
        return (
            f"token requests beyond {' or '.join(limits)} are refused (429 too_many_requests) "
            "until the window resets"
        )
    return (
        f"tokens beyond {' or '.join(limits)} are still issued; the quota headers say what is "
        "left (enforce: false)"
    )
