"""One check of a diagnosis (what was checked, whether it passed, what it found, and the
fix) and what the API expects of a token. A module of its own because every family of
checks (token, claim, time, opaque, DPoP) uses them, and none may import another back."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Check:
    name: str
    ok: bool | None  # None: not checked (an earlier check made it meaningless), or a warning
    detail: str
    fix: str = ""


@dataclass
class Expectations:
    """What the API expects; from the profile, or its RFC 9728 metadata and OpenAPI."""

    issuer: str | None
    audience: str | None
    scope: str | None = None  # the endpoint's required scope
    leeway: float = 5.0
    require_at_jwt: bool = False
    client_label: str | None = None  # e.g. "Gift Deliveries", for concrete fixes
    # How the API checks tokens (its RFC 9728 metadata's `token_validation`): "jwt",
    # "introspection", or None where it does not say.
    validation: str | None = None
    # Organizations for M2M (the metadata's organization_required and
    # organizations_supported): a token must carry org_id, for one of these (empty: any).
    organization_required: bool = False
    organizations: tuple[str, ...] = ()
