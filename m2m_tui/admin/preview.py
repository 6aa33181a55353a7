"""The token before it exists: what the next client_credentials token will carry, each
claim with where it comes from, and what the selected API's rules will say of it, for
each endpoint. Read through the Management API (the bundled tenant or a real Auth0
tenant alike): the API's settings, the client's grant, the bound Actions' deployed code,
which runs here in Node.js as the authority runs it (oauth_primitives.actions). The
claims are shaped by the same function the bundled authority issues tokens with, and
judged by the rule book the API and the diagnosis use."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from m2m_tui.diagnosis.check import Expectations
from oauth_primitives.actions.event import credentials_exchange_event
from oauth_primitives.actions.runner import TIME_LIMIT, ActionSource, NodeMissing, run_actions
from oauth_primitives.rules import table as rule_table
from oauth_primitives.rules.jws import Jws
from oauth_primitives.rules.table import Presented, rows
from oauth_primitives.token_refusals import Refusal
from oauth_primitives.token_shape import Api, Shaped, shape

# Claims whose value is new in every token: a preview and the real token differ there
# by nature, and a comparison says so instead of marking them.
PER_TOKEN = frozenset({"iat", "exp", "jti"})
JTI = "(new for each token)"


@dataclass(frozen=True)
class Verdict:
    method: str
    path: str
    scope: str | None
    ok: bool
    why: str = ""  # the API's words for its refusal
    code: str = ""  # the rule book's code


@dataclass
class Preview:
    issuer: str
    client_id: str
    audience: str
    dialect: str = "access_token"
    rbac: bool = False
    lifetime: int = 86400
    header: dict = field(default_factory=dict)
    claims: dict = field(default_factory=dict)
    origins: dict[str, str] = field(default_factory=dict)
    left_out: list[tuple[str, str, str]] = field(default_factory=list)
    actions: list[str] = field(default_factory=list)  # the bound Actions that ran, in order
    logs: list[tuple[str, str]] = field(default_factory=list)  # (action, line)
    # No token at all: the authority would refuse the request (no grant, an Action's
    # denial, an Action that fails); its error and words.
    refusal: tuple[str, str] | None = None
    rule: Refusal | None = None  # which refusal, as the bundled authority codes it
    notes: list[str] = field(default_factory=list)
    verdicts: list[Verdict] = field(default_factory=list)

    @property
    def issued(self) -> bool:
        return self.refusal is None

    def to_json(self) -> dict:
        return {
            "issuer": self.issuer,
            "client_id": self.client_id,
            "audience": self.audience,
            "dialect": self.dialect,
            "enforce_policies": self.rbac,
            "issued": self.issued,
            "refusal": None
            if self.refusal is None
            else {"error": self.refusal[0], "error_description": self.refusal[1]},
            "header": self.header,
            "claims": [
                {"name": n, "value": v, "from": self.origins.get(n, "")}
                for n, v in self.claims.items()
            ],
            "left_out": [{"name": n, "action": a, "why": w} for n, a, w in self.left_out],
            "actions": self.actions,
            "notes": self.notes,
            "verdicts": [
                {
                    "method": v.method,
                    "path": v.path,
                    "scope": v.scope,
                    "accepted": v.ok,
                    "why": v.why,
                    "code": v.code,
                }
                for v in self.verdicts
            ],
        }


async def preview(
    mgmt,
    issuer: str,
    client_id: str,
    audience: str,
    *,
    requested_scope: str | None = None,
    organization: str | None = None,
    endpoints: list | None = None,
    metadata: dict | None = None,
    secrets: dict[str, str] | None = None,
    now: float | None = None,
) -> Preview:
    """The next token of `client_id` for `audience`, and each endpoint's verdict on it.
    `mgmt` is a ManagementClient on the issuer's tenant; `secrets` give the Actions'
    secret values, which the Management API never returns."""
    now = time.time() if now is None else now
    found = Preview(issuer, client_id, audience)
    apis = {rs["identifier"]: rs for rs in await mgmt.resource_servers()}
    rs = apis.get(audience)
    if rs is None:
        found.refusal = ("access_denied", f"Service not enabled within domain: {audience}")
        found.rule = Refusal.UNKNOWN_AUDIENCE
        return found
    api = Api(
        audience,
        int(rs.get("token_lifetime") or 86400),
        rs.get("token_dialect") or "access_token",
        bool(rs.get("enforce_policies")),
    )
    found.dialect, found.rbac, found.lifetime = (
        api.token_dialect,
        api.enforce_policies,
        api.token_lifetime,
    )
    grant = await mgmt.grant(client_id, audience)
    if grant is None:
        found.refusal = ("access_denied", f'Client is not authorized to access "{audience}"')
        found.rule = Refusal.NO_CLIENT_GRANT
        return found
    scopes = list(grant.get("scope") or [])
    if requested_scope is not None:
        asked = requested_scope.split()
        beyond = [s for s in asked if s not in scopes]
        if beyond:
            found.refusal = (
                "invalid_scope",
                "Client has not been granted scopes: " + ", ".join(beyond),
            )
            found.rule = Refusal.SCOPE_NOT_GRANTED
            return found
        scopes = [s for s in scopes if s in asked]
    org = await _organization(mgmt, grant, organization, found)
    if found.refusal is not None:
        return found
    shaped = shape(issuer, client_id, api, scopes, int(now), JTI, org)
    if (rs.get("proof_of_possession") or {}).get("mechanism"):
        found.notes.append(
            "the API binds its tokens (proof_of_possession): cnf is added at request time, "
            "from the DPoP proof or the client certificate sent"
        )
    await _run_bound_actions(mgmt, found, shaped, client_id, audience, scopes, org, secrets)
    found.header, found.claims, found.origins = shaped.header, shaped.claims, shaped.origins
    found.left_out = shaped.left_out
    if found.issued:
        found.verdicts = verdicts(found, endpoints or [], metadata or {}, now)
    return found


async def _organization(mgmt, grant: dict, named: str | None, found: Preview):
    usage = grant.get("organization_usage", "deny")
    if not named:
        if usage == "require":
            found.refusal = ("invalid_request", "the grant requires an organization: name one")
            found.rule = Refusal.ORGANIZATION_REQUIRED
        return None
    if usage == "deny":
        found.refusal = ("invalid_request", f"the grant's organization_usage is deny ({named})")
        found.rule = Refusal.ORGANIZATION_DENIED
        return None
    org = await mgmt.find_organization(named)
    if org is None:
        found.refusal = ("invalid_request", f"No organization {named} in this tenant")
        found.rule = Refusal.UNKNOWN_ORGANIZATION
        return None
    if not grant.get("allow_any_organization"):
        associated = {o["id"] for o in await mgmt.grant_organizations(grant["id"])}
        if org["id"] not in associated:
            found.refusal = (
                "access_denied",
                f"the grant is not associated with the organization {org['name']}",
            )
            found.rule = Refusal.ORGANIZATION_NOT_ALLOWED
            return None
    return org["id"], org["name"]


async def _run_bound_actions(
    mgmt, found, shaped: Shaped, client_id, audience, scopes, org, secrets
) -> None:
    bindings = await mgmt.bindings()
    sources = []
    for binding in bindings:
        action = binding.get("action") or {}
        code = (action.get("deployed_version") or {}).get("code")
        if code is None:  # Auth0's binding may carry only the id: read the Action itself
            full = await mgmt.request("GET", f"/actions/actions/{action.get('id')}")
            code = (full.get("deployed_version") or {}).get("code") or full.get("code", "")
            action = full
        names = [s["name"] for s in action.get("secrets") or [] if isinstance(s, dict)]
        given = {n: (secrets or {}).get(n, "") for n in names}
        if any(n not in (secrets or {}) for n in names):
            found.notes.append(
                f"Action {action.get('name')}: secret values are write-only; ran with "
                f"{', '.join(n for n in names if n not in (secrets or {}))} empty "
                "(give them with --secret-env NAME)"
            )
        sources.append(ActionSource(str(action.get("name", "")), code, given))
    if not sources:
        return
    event = credentials_exchange_event(
        client_id=client_id,
        client_name=await mgmt.client_name(client_id) or client_id,
        audience=audience,
        scopes=scopes,
        tenant=found.issuer,
        body={"grant_type": "client_credentials", "client_id": client_id, "audience": audience},
        organization=None
        if org is None
        else {"id": org[0], "name": org[1], "display_name": org[1]},
    )
    try:
        exchange = await run_actions(sources, event)
    except NodeMissing as exc:
        found.refusal = ("server_error", f"the bound Actions cannot run here: {exc}")
        found.rule = Refusal.ACTION_FAILED
        return
    for run in exchange.runs:
        found.actions.append(run.name)
        found.logs += [(run.name, line) for line in run.logs]
    refused = shaped.take(exchange, TIME_LIMIT)
    if refused is not None:
        denier = f" (denied by Action {refused.action})" if refused.denied else ""
        found.refusal = (refused.error, refused.description + denier)
        found.rule = Refusal.ACTION_DENIED if refused.denied else Refusal.ACTION_FAILED


def verdicts(found: Preview, endpoints: list, metadata: dict, now: float) -> list[Verdict]:
    """Each endpoint's answer to the previewed token, by the rule table the API runs: its
    header and claims as the API checks them (the signature is the issuer's to make, so
    its keys are not known here and neither the key nor the signature is judged)."""
    header = {"alg": "RS256", "kid": "(the issuer's current key)", **found.header}
    parts = Jws("", header, found.claims, b"", b"")
    scheme = "DPoP" if "jkt" in (found.claims.get("cnf") or {}) else "Bearer"
    judged = []
    for e in endpoints:
        expect = Expectations.from_metadata(metadata, found.issuer, found.audience, e.scope)
        token = Presented(
            None, expect.policy, now, scheme, e.scope, jws=parts, claims=parts.payload
        )
        refused = rule_table.run(token, AFTER_FORM)
        if not refused:
            judged.append(Verdict(e.method, e.path, e.scope, True))
            continue
        first = refused[0]
        judged.append(Verdict(e.method, e.path, e.scope, False, first.describe(), first.code.value))
    return judged


# The table's rows after the token's form (there is no token yet, only its parts), but
# the certificate's: cnf.x5t#S256 is added at request time, from the certificate sent.
AFTER_FORM = rows("active", "binding") + rows("proof")


def differences(found: Preview, claims: dict, header: dict) -> dict[str, str]:
    """Where the real token differs from the preview, claim by claim: "missing" (previewed,
    not in the token), "unexpected" (in the token, not previewed) or "changed". The
    claims new in every token (iat, exp, jti) are left out."""
    marked: dict[str, str] = {}
    for name in set(found.claims) | set(claims):
        if name in PER_TOKEN:
            continue
        if name not in claims:
            marked[name] = "missing"
        elif name not in found.claims:
            marked[name] = "unexpected"
        elif claims[name] != found.claims[name]:
            marked[name] = "changed"
    if header.get("typ") != found.header.get("typ"):
        marked["typ (header)"] = "changed"
    return marked
