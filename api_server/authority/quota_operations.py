"""The tenant settings' rows of the operations table (operations.py): Auth0's
`tenants/settings`, where the tenant's default token quotas are read and set."""

from __future__ import annotations

from .management import tenant_settings
from .openapi_schemas import DEFAULT_TOKEN_QUOTA, closed_object, operation

V2 = "/api/v2"

ROWS = (
    (
        "GET",
        f"{V2}/tenants/settings",
        tenant_settings.get_tenant_settings,
        operation("The tenant's settings: its default token quotas", "200"),
    ),
    (
        "PATCH",
        f"{V2}/tenants/settings",
        tenant_settings.update_tenant_settings,
        operation(
            "Set or remove the tenant's default token quotas (default_token_quota)",
            "200",
            closed_object({"default_token_quota": DEFAULT_TOKEN_QUOTA}),
        ),
    ),
)
