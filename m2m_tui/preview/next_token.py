"""The token before it exists: what the next client_credentials token will carry, each
claim with where it comes from, and what the selected API's rules will say of it, for
each endpoint. Read through the Management API (the bundled tenant or a real Auth0
tenant alike): the API's settings, the client's grant, the bound Actions' deployed code,
which runs here in Node.js as the authority runs it (actions_runtime). The
claims are shaped by the same function the bundled authority issues tokens with, and
judged by the rule book the API and the diagnosis use."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from actions_runtime.event import credentials_exchange_event
from actions_runtime.runner import TIME_LIMIT, ActionSource, NodeMissing, run_actions
from m2m_tui.diagnosis.check import Expectations
from oauth_primitives.rules import table as rule_table
from oauth_primitives.rules.client_auth import (
    AssertionCheck,
    RegisteredKey,
    assertion_method,
    assertion_refusal,
    method_refusal,
    read_assertion,
    secret_keys,
    secret_refusal,
)
from oauth_primitives.rules.closed_sets import Alg, AuthMethod, Dialect
from oauth_primitives.rules.issuance import ApiSettings, Asked, GrantSettings, refusal
from oauth_primitives.rules.jws import Jws
from oauth_primitives.rules.refused import Refused
from oauth_primitives.rules.table import Presented, rows
from oauth_primitives.token_refusals import Refusal
from oauth_primitives.token_shape import ActionRefusal, Api, ClaimOrigin, Shaped, shape

# Claims whose value is new in every token: a preview and the real token differ there
# by nature, and a comparison says so instead of marking them.
PER_TOKEN = frozenset({"iat", "exp", "jti"})
JTI = "(new for each token)"


@dataclass(frozen=True)
class EndpointAnswer:
    """What the API will answer the previewed token at one endpoint."""

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
    dialect: str = Dialect.ACCESS_TOKEN
    rbac: bool = False
    lifetime: int = 86400
    header: dict = field(default_factory=dict)
    claims: dict = field(default_factory=dict)
    origins: dict[str, ClaimOrigin] = field(default_factory=dict)
    left_out: list[tuple[str, str, str]] = field(default_factory=list)
    actions: list[str] = field(default_factory=list)  # the bound Actions that ran, in order
    logs: list[tuple[str, str]] = field(default_factory=list)  # (action, line)
    # No token at all: the authority would refuse the request (no grant, an Action's
    # denial, an Action that fails), by the rule book's issuance rules: its code, values.
    refusal: Refused | None = None
    notes: list[str] = field(default_factory=list)
    answers: list[EndpointAnswer] = field(default_factory=list)

    @property
    def issued(self) -> bool:
        return self.refusal is None

    @property
    def rule(self) -> Refusal | None:
        """Which refusal, as the bundled authority codes it."""
        return None if self.refusal is None else self.refusal.code

    @property
    def refused_by(self) -> str | None:
        """The Action whose refusal it is (a denial, a failure), None for any other."""
        named = None if self.refusal is None else self.refusal.values.get("action")
        return named or None

    @property
    def refusal_words(self) -> str:
        """The refusal in the rule book's words, and which Action denied, if one did."""
        if self.refusal is None:
            return ""
        action = self.refusal.values.get("action")
        denier = f" (denied by Action {action})" if self.rule is Refusal.ACTION_DENIED else ""
        return self.refusal.describe() + denier

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
            else {
                "error": self.refusal.error,
                "error_description": self.refusal_words,
                "rule": self.refusal.code.value,
            },
            "header": self.header,
            "claims": [
                {"name": n, "value": v, "from": str(self.origins.get(n, ""))}
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
                for v in self.answers
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
    used: AuthMethod | None = None,
    assertion: str | None = None,
) -> Preview:
    """The next token of `client_id` for `audience`, and each endpoint's verdict on it.
    `mgmt` is a ManagementClient on the issuer's tenant; `secrets` give the Actions'
    secret values, which the Management API never returns. With `used` (and, for
    an assertion's methods, the `assertion`), the client's authentication is judged first."""
    now = time.time() if now is None else now
    found = Preview(issuer, client_id, audience)
    if used is not None:
        found.refusal = await authentication_refusal(mgmt, issuer, client_id, used, assertion, now)
        if found.refusal is not None:
            return found
    apis = {rs["identifier"]: rs for rs in await mgmt.resource_servers()}
    rs = apis.get(audience)
    asked = await _asked(mgmt, client_id, audience, rs, requested_scope, organization)
    found.refusal = refusal(asked)
    if rs is None or found.refusal is not None:
        return found
    api = Api(
        audience,
        int(rs.get("token_lifetime") or 86400),
        rs.get("token_dialect") or Dialect.ACCESS_TOKEN,
        bool(rs.get("enforce_policies")),
    )
    found.dialect, found.rbac, found.lifetime = (
        api.token_dialect,
        api.enforce_policies,
        api.token_lifetime,
    )
    shaped = shape(issuer, client_id, api, asked.scopes, int(now), JTI, asked.found)
    if (rs.get("proof_of_possession") or {}).get("mechanism"):
        found.notes.append(
            "the API binds its tokens (proof_of_possession): cnf is added at request time, "
            "from the DPoP proof or the client certificate sent"
        )
    asked.actions = await _run_bound_actions(
        mgmt, found, shaped, client_id, audience, asked.scopes, asked.found, secrets
    )
    found.refusal = refusal(asked) if asked.actions is not None else None
    found.header, found.claims, found.origins = shaped.header, shaped.claims, shaped.origins
    found.left_out = shaped.left_out
    if found.issued:
        found.answers = endpoint_answers(found, endpoints or [], metadata or {}, now)
    return found


async def authentication_refusal(
    mgmt, issuer: str, client_id: str, used: AuthMethod, assertion: str | None, now: float
) -> Refused | None:
    """What the authority will say of the client's authentication, by the rule book,
    from what the Management API shows: the method registered, and for private_key_jwt
    the keys' ids and algorithms (never a secret, nor a key's PEM: the secret and the
    signature are not judged here, nor a jti's reuse, which only the authority knows).
    An assertion is read as the authority reads it: which method it looks like by its
    alg, judged by the registered method's keys and algorithms."""
    jws = None
    if used.by_assertion and assertion is not None:
        jws = read_assertion(assertion)
        if isinstance(jws, Refused):
            return jws
        used = assertion_method(jws.header.get("alg"))
    client = await mgmt.request("GET", f"/clients/{client_id}")
    if not isinstance(client, dict):
        return secret_refusal(known=False, matches=False)
    methods = client.get("client_authentication_methods") or {}
    registered = client.get("token_endpoint_auth_method") or next(iter(methods), None)
    if registered not in tuple(AuthMethod):
        return None  # a method this rule book does not know: nothing to foretell
    wrong = method_refusal(AuthMethod(registered), used)
    if wrong is not None or jws is None:
        return wrong
    used = AuthMethod(registered)  # an assertion is judged by the registered method's keys
    if used is AuthMethod.CLIENT_SECRET_JWT:
        keys = secret_keys(None)  # the secret is the authority's alone
    else:
        listed = (methods.get(AuthMethod.PRIVATE_KEY_JWT) or {}).get("credentials") or []
        keys = tuple(RegisteredKey(c.get("id", ""), None, c.get("alg", "")) for c in listed)
    audiences = (issuer, issuer + "oauth/token")
    check = AssertionCheck(client_id, keys, audiences, now, _new_jti, jws, method=used)
    return assertion_refusal(check)


def _new_jti(_key: str, _exp: float) -> bool:
    return True  # whether a jti was used is the authority's memory alone


def api_settings(rs: dict, audience: str) -> ApiSettings:
    """What the issuance and exchange rules read of an API, from its Management API
    shape (Auth0's `proof_of_possession` for the binding it requires)."""
    pop = rs.get("proof_of_possession") or {}
    return ApiSettings(
        audience,
        rs.get("token_dialect") or Dialect.ACCESS_TOKEN,
        bool(rs.get("enforce_policies")),
        pop.get("mechanism") == "dpop" and pop.get("required") is True,
        pop.get("mechanism") == "mtls" and pop.get("required") is True,
    )


async def _asked(
    mgmt, client_id: str, audience: str, rs: dict | None, scope: str | None, named: str | None
) -> Asked:
    """What the rule book judges, read through the Management API: only what a rule
    reads, as the authority looks it up."""
    if rs is None:
        return Asked(client_id, audience, None, None)
    api = api_settings(rs, audience)
    grant = await mgmt.grant(client_id, audience)
    found = await mgmt.find_organization(named) if named and grant is not None else None
    asked = Asked(
        client_id,
        audience,
        api,
        None
        if grant is None
        else GrantSettings(
            tuple(grant.get("scope") or []),
            grant.get("organization_usage", "deny"),
            bool(grant.get("allow_any_organization")),
        ),
        None if scope is None else scope.split(),
        named or None,
        None if found is None else (found["id"], found["name"]),
    )
    if asked.needs_association:
        associated = {o["id"] for o in await mgmt.grant_organizations(grant["id"])}
        asked.associated = found["id"] in associated
    return asked


async def _run_bound_actions(
    mgmt, found, shaped: Shaped, client_id, audience, scopes, org, secrets
) -> ActionRefusal | None:
    """Run the bound Actions here, as the authority runs them; their refusal, if any."""
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
        return None
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
        return ActionRefusal("", "server_error", f"the bound Actions cannot run here: {exc}")
    for run in exchange.runs:
        found.actions.append(run.name)
        found.logs += [(run.name, line) for line in run.logs]
    return shaped.apply_actions(exchange, TIME_LIMIT)


def endpoint_answers(
    found: Preview, endpoints: list, metadata: dict, now: float
) -> list[EndpointAnswer]:
    """Each endpoint's answer to the previewed token, by the rule table the API runs: its
    header and claims as the API checks them (the signature is the issuer's to make, so
    its keys are not known here and neither the key nor the signature is judged)."""
    header = {"alg": Alg.RS256, "kid": "(the issuer's current key)", **found.header}
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
            judged.append(EndpointAnswer(e.method, e.path, e.scope, True))
            continue
        first = refused[0]
        judged.append(
            EndpointAnswer(e.method, e.path, e.scope, False, first.describe(), first.code.value)
        )
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
