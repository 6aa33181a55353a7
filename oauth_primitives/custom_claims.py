"""Auth0's rules on custom claims, which Actions set (api.accessToken.setCustomClaim):
https://auth0.com/docs/secure/tokens/json-web-tokens/create-custom-claims

A claim that breaks a rule is not added, and the token is still issued ("In case of
collisions, the transaction won't fail, but your custom claim won't be added"); the
bundled authority follows that, and m2m-tui says which claims were left out and why."""

from __future__ import annotations

import json
from urllib.parse import urlsplit

# "The following claims are subject to Auth0's restrictions" (the page above).
RESTRICTED = frozenset(
    """acr act active amr at_hash ath attest aud auth_time authorization_details azp
    c_hash client_id cnf cty dest entitlements events exp groups gty htm htu iat
    internalService iss jcard jku jti jwe jwk kid may_act mky nbf nonce object_id org_id
    org_name orig origid permissions roles rph s_hash sid sip_callid sip_cseq_num
    sip_date sip_from_tag sip_via_branch sub sub_jwk toe txn typ uuid vot vtm
    x5t#S256""".split()
)
# Namespaces Auth0 keeps for itself, in any claim name that is a URL.
RESERVED_DOMAINS = ("auth0.com", "webtask.io", "webtask.run")
# "Custom claims payload is set to a maximum of 100KB."
PAYLOAD_LIMIT = 100 * 1024
ADVICE = "use a namespaced name of your own, such as https://example.com/{name}"
# The claims every client_credentials token carries, for judging an Action's claims
# without a token at hand (a test run).
EVERY_TOKEN = ("iss", "sub", "aud", "iat", "exp", "jti", "gty", "azp", "scope")


def refusal(name: str, taken: dict) -> str | None:
    """Why the claim `name` may not be added to a token whose claims are `taken` so far,
    or None when it may."""
    if name in RESTRICTED or name == "scope":
        # scope is not in Auth0's list: Actions change scopes through the grant, not here.
        return f"{name} is a claim Auth0 sets itself; {ADVICE.format(name=name)}"
    host = urlsplit(name).hostname if "://" in name else None
    if host and any(host == d or host.endswith("." + d) for d in RESERVED_DOMAINS):
        return f"{name} is in a namespace Auth0 keeps ({host}); {ADVICE.format(name=_last(name))}"
    if name in taken:
        return f"{name} is already in the token; {ADVICE.format(name=name)}"
    return None


def judged(claims: list[tuple[str, object]]) -> tuple[dict, list[tuple[str, str]]]:
    """An Action's claims without a token at hand (a test run): those kept, by name (the
    last set wins), and those left out, with why; judged against EVERY_TOKEN."""
    base = dict.fromkeys(EVERY_TOKEN, True)
    kept: dict = {}
    left_out: list[tuple[str, str]] = []
    for name, value in claims:
        why = refusal(name, base)
        if why is None:
            kept[name] = value
        else:
            left_out.append((name, why))
    return kept, left_out


def _last(name: str) -> str:
    return name.rstrip("/").rsplit("/", 1)[-1] or "claim"


def payload_size(claims: dict) -> int:
    return len(json.dumps(claims, separators=(",", ":")).encode())
