"""Auth0's Organizations for M2M: which organization a token is for (its `org_id`, and
`org_name` beside it), and whether an API serving some organizations takes it. The
bundled API enforces this rule and the client predicts and diagnoses with it: one copy."""

from __future__ import annotations


def organization_of(claims: dict, served: tuple[str, ...] | list[str]) -> tuple[str | None, bool]:
    """The token's organization as shown ("acme (org_…)", or None when it names none),
    and whether an API serving `served` (ids or names; empty: any) takes it."""
    org_id, org_name = claims.get("org_id"), claims.get("org_name")
    if not isinstance(org_id, str) or not org_id:
        return None, False
    shown = f"{org_name} ({org_id})" if isinstance(org_name, str) else org_id
    return shown, not served or org_id in served or org_name in served
