"""The Management API's scopes, with Auth0's names and descriptions, and its audience.
Below the Management API's handlers (management/): the state and the seed read them too."""

MANAGEMENT_SCOPES: dict[str, str] = {
    "read:client_grants": "Read Client Grants",
    "create:client_grants": "Create Client Grants",
    "update:client_grants": "Update Client Grants",
    "delete:client_grants": "Delete Client Grants",
    "read:resource_servers": "Read Resource Servers",
    "create:resource_servers": "Create Resource Servers",
    "update:resource_servers": "Update Resource Servers",
    "read:clients": "Read Clients",
    "create:clients": "Create Clients",
    "update:clients": "Update Clients",
    "delete:clients": "Delete Clients",
    "read:client_credentials": "Read Client Credentials",
    "create:client_credentials": "Create Client Credentials",
    "delete:client_credentials": "Delete Client Credentials",
    "read:signing_keys": "Read Signing Keys",
    "create:signing_keys": "Create Signing Keys",
    "update:signing_keys": "Update Signing Keys",
    "read:organizations": "Read Organizations",
    "create:organizations": "Create Organizations",
    "update:organizations": "Update Organizations",
    "delete:organizations": "Delete Organizations",
    "read:organization_client_grants": "Read Organization Client Grants",
    "create:organization_client_grants": "Create Organization Client Grants",
    "delete:organization_client_grants": "Delete Organization Client Grants",
    "read:actions": "Read Actions",
    "create:actions": "Create Actions",
    "update:actions": "Update Actions",
    "delete:actions": "Delete Actions",
    # Auth0's token exchange profiles (RFC 8693 policy).
    "read:token_exchange_profiles": "Read Token Exchange Profiles",
    "create:token_exchange_profiles": "Create Token Exchange Profiles",
    "update:token_exchange_profiles": "Update Token Exchange Profiles",
    "delete:token_exchange_profiles": "Delete Token Exchange Profiles",
    # Auth0's tenant settings: here, the tenant's default token quotas.
    "read:tenant_settings": "Read Tenant Settings",
    "update:tenant_settings": "Update Tenant Settings",
}

MANAGEMENT_API_NAME = "Auth0 Management API"


def management_audience(issuer: str) -> str:
    return issuer + "api/v2/"
